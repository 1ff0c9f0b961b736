#!/usr/bin/env bash
# Prepares what a GPU check takes to the device machine, which has no network and no copy of
# ../shared: wheels of the packages its image lacks, and the KLUE dev files the benchmarks read.
# All three folders are git-ignored (never committed; the KLUE files stay KLUE's).
#
#   bash bench/prepare_device.sh            # then, with the device tool: see the commands it prints
#
#   .whl/        transformers, datasets, dill, multiprocess: the versions this project is tested with
#   .whl-llm/    peft, accelerate, bitsandbytes (4-bit, CUDA), psutil, safetensors: bench/bench_mcqa_llm.py
#   .benchdata/  the v1.1 dev files of NLI, NER, STS and DP and the WoS ontology: bench/bench_gpu.py
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${KLUE_DATA:-../shared/klue}
PY=${PYTHON:-python3}

version() { "$PY" -c "import importlib.metadata as m; print(m.version('$1'))"; }

# The device image runs Python 3.12 (see bench/GPU_THROUGHPUT.md); pure-Python or manylinux wheels only.
download() {
    local folder=$1; shift
    mkdir -p "$folder"
    "$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_24_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 --platform any -d "$folder" "$@"
}

download .whl "transformers==$(version transformers)" "datasets==$(version datasets)" dill multiprocess
download .whl-llm "peft==$(version peft)" accelerate bitsandbytes psutil safetensors

for file in klue-nli-v1.1/klue-nli-v1.1_dev.json klue-ner-v1.1/klue-ner-v1.1_dev.tsv \
    klue-sts-v1.1/klue-sts-v1.1_dev.json klue-dp-v1.1/klue-dp-v1.1_dev.tsv wos-v1.1/ontology.json; do
    if [[ -f "$SHARED/v1.1/$file" ]]; then
        mkdir -p ".benchdata/v1.1/$(dirname "$file")"
        cp "$SHARED/v1.1/$file" ".benchdata/v1.1/$file"
    else
        echo "not found: $SHARED/v1.1/$file (the benchmark skips that task, or uses the smoke ontology)" >&2
    fi
done

du -sh .whl .whl-llm .benchdata
cat <<'USAGE'
Device commands (the device tool's `run`; the travelling tree is limited to 64 MiB, so carry only what a check needs):
  the open GPU checks, one call each (bench/gpu_session.sh says what each measures); a session's ~15 minutes
  hold the first two, the second at once while the machine is warm:
    carry [".whl", ".benchdata"], timeout_s 555:  bash bench/gpu_session.sh learning "$OUT" 540
    carry [".whl", ".benchdata"], timeout_s 255:  bash bench/gpu_session.sh nli_ner "$OUT" 240
    carry [".whl", ".benchdata"], timeout_s 240:  bash bench/gpu_session.sh eval_batches "$OUT" 220
    carry [".whl", ".benchdata"], timeout_s 585:  bash bench/gpu_session.sh ynat_full "$OUT" 570
  MCQA with a 1.5B LLM, bf16 and 4-bit LoRA:  carry [".whl", ".whl-llm"], timeout_s 480:
    bash bench/gpu_session.sh llm "$OUT" 460
USAGE
