#!/usr/bin/env bash
# Reproduce the KLUE dev-set benchmark: every task that has a script, one after another.
#
#   bash run_all.sh                      # klue/roberta-base, configs/<task>.json, data from the Hub
#   MODEL=klue/bert-base bash run_all.sh # another encoder
#   DATA_DIR=~/klue bash run_all.sh      # original KLUE files instead of the Hub
#   EXTRA="--fp16 --report_to wandb" bash run_all.sh
#
# Each task writes outputs/<model>/<task>/{eval_results.json,predictions.jsonl,...}; the last
# step prints one table of all eval metrics next to the paper's numbers for that model.
set -euo pipefail
cd "$(dirname "$0")"

MODEL=${MODEL:-klue/roberta-base}
OUT=${OUT:-outputs/${MODEL//\//_}}
TASKS=${TASKS:-"ynat nli sts ner re dp mrc wos"}

for task in $TASKS; do
  script="trainers/run_${task}.py"
  if [ ! -f "$script" ]; then
    echo "== $task: no $script yet, skipped"
    continue
  fi
  echo "== $task"
  args=(--model_name_or_path "$MODEL" --output_dir "$OUT/$task")
  [ -n "${DATA_DIR:-}" ] && args+=(--data_dir "$DATA_DIR")
  # The config file holds the hyperparameters; flags after it are applied on top.
  python - "configs/${task}.json" "${args[@]}" ${EXTRA:-} <<'PY'
import json, subprocess, sys
config, overrides = sys.argv[1], sys.argv[2:]
flags = []
for key, value in json.load(open(config)).items():
    if f"--{key}" in overrides:
        continue
    flags += [f"--{key}"] if value is True else ([] if value is False else [f"--{key}", str(value)])
task = config.split("/")[-1].removesuffix(".json")
sys.exit(subprocess.call([sys.executable, f"trainers/run_{task}.py", *flags, *overrides]))
PY
done

python - "$OUT" "$MODEL" <<'PY'
import csv, json, pathlib, sys
from metrics import TASK_METRIC_KEYS
out, model = pathlib.Path(sys.argv[1]), sys.argv[2]
rows = list(csv.DictReader(open("docs/paper-dev-results.csv", encoding="utf-8")))
paper = next((row for row in rows if row["model"] == model), {})
print(f"\n{'task':6} {'metric':12} {'ours':>8} {'paper':>8}")
for task, keys in TASK_METRIC_KEYS.items():
    results = out / task / "eval_results.json"
    if results.is_file():
        scores = json.loads(results.read_text())
        for key in keys:
            print(f"{task:6} {key:12} {scores[f'eval_{key}']:8.2f} {paper.get(f'{task}_{key}', '-'):>8}")
PY
