#!/usr/bin/env bash
# Reproduce the KLUE dev-set benchmark: every task that has a script, one after another.
#
#   bash run_all.sh                      # klue/roberta-base, configs/<task>.json, data from the Hub
#   MODEL=klue/bert-base bash run_all.sh # another encoder
#   DATA_DIR=~/klue bash run_all.sh      # original KLUE files instead of the Hub
#   TASKS="ynat ner" bash run_all.sh     # a subset
#   EXTRA="--fp16 --report_to wandb" bash run_all.sh
#
# Each task runs `python trainers/run_<task>.py configs/<task>.json FLAGS` (flags after the config
# win) and writes outputs/<model>/<task>/{eval_results.json,predictions.jsonl,...}; the last step
# prints one table of all eval metrics next to the paper's numbers for that model.
set -euo pipefail
cd "$(dirname "$0")"

MODEL=${MODEL:-klue/roberta-base}
OUT=${OUT:-outputs/${MODEL//\//_}}
TASKS=${TASKS:-$(python -m metrics)}

for task in $TASKS; do
  script="trainers/run_${task}.py"
  if [ ! -f "$script" ]; then
    echo "== $task: no $script yet, skipped"
    continue
  fi
  echo "== $task"
  args=(--model_name_or_path "$MODEL" --output_dir "$OUT/$task")
  [ -n "${DATA_DIR:-}" ] && args+=(--data_dir "$DATA_DIR")
  # shellcheck disable=SC2086  # EXTRA is a list of flags
  python "$script" "configs/${task}.json" "${args[@]}" ${EXTRA:-}
done

python trainers/results_table.py "$OUT" "$MODEL"
