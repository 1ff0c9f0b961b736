#!/usr/bin/env bash
# Prepares what a GPU check takes to the device machine, which has no network and no copy of
# ../shared: wheels of the packages its image lacks, and the KLUE dev files the benchmarks read.
# All three folders are git-ignored (never committed; the KLUE files stay KLUE's).
#
#   bash bench/prepare_device.sh            # then, with the device tool: see the commands it prints
#
#   .whl/        transformers, datasets, dill, multiprocess
#   .whl-llm/    peft, accelerate, bitsandbytes (4-bit, CUDA), psutil, safetensors: bench/bench_mcqa_llm.py
#   .benchdata/  the v1.1 dev files of NLI, NER, STS and DP and the WoS ontology: bench/bench_gpu.py
#
# Every wheel is pinned to the version installed in this checkout's .venv (the versions this project is
# tested with; bitsandbytes, which a CPU .venv lacks, to BITSANDBYTES_VERSION), and each wheel folder is
# replaced whole by the new download: a folder holding two versions of one package makes the device's
# `pip install --no-index` fail, and the device call is wasted.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${KLUE_DATA:-../shared/klue}
if [[ -z ${PYTHON:-} && -x .venv/bin/python ]]; then PY=.venv/bin/python; else PY=${PYTHON:-python3}; fi
BITSANDBYTES_VERSION=${BITSANDBYTES_VERSION:-0.50.2}  # the CUDA wheel run on the H200 (2026-11-27)

# The version installed in $PY's environment; a package missing there stops the script (nothing is replaced).
version() {
    "$PY" -c "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))" "$1" 2>/dev/null \
        || { echo "prepare_device.sh: $1 is not installed in $PY's environment: cannot pin it" >&2; return 1; }
}
pinned() {
    local name pin
    for name in "$@"; do pin=$(version "$name") || return 1; echo "$name==$pin"; done
}

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
# The device image runs Python 3.12 (see bench/GPU_THROUGHPUT.md); pure-Python or manylinux wheels only.
# Into an empty staging folder first; FOLDER is replaced only once all of its wheels came.
download() {
    local folder=$1; shift
    mkdir -p "$staging/$folder"
    "$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_24_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 --platform any -d "$staging/$folder" "$@"
}

whl=$(pinned transformers datasets dill multiprocess)
bitsandbytes=$(version bitsandbytes 2>/dev/null || echo "$BITSANDBYTES_VERSION")
llm="$(pinned peft accelerate psutil safetensors) bitsandbytes==$bitsandbytes"
download .whl $whl
download .whl-llm $llm
for folder in .whl .whl-llm; do
    rm -rf "$folder"
    mv "$staging/$folder" "$folder"
done
echo "wheels:" .whl/*.whl .whl-llm/*.whl

for file in klue-nli-v1.1/klue-nli-v1.1_dev.json klue-ner-v1.1/klue-ner-v1.1_dev.tsv \
    klue-sts-v1.1/klue-sts-v1.1_dev.json klue-dp-v1.1/klue-dp-v1.1_dev.tsv wos-v1.1/ontology.json; do
    if [[ -f "$SHARED/v1.1/$file" ]]; then
        mkdir -p ".benchdata/v1.1/$(dirname "$file")"
        cp "$SHARED/v1.1/$file" ".benchdata/v1.1/$file"
    else
        echo "not found: $SHARED/v1.1/$file (the benchmark skips that task, or uses the smoke ontology)" >&2
    fi
done

du -sh .whl .whl-llm .benchdata 2>/dev/null || true
cat <<'USAGE'
Device commands (the device tool's `run`; the travelling tree is limited to 64 MiB, so carry only what a check needs).
A session's ~15 minutes of device time hold all its calls, the machine's start (60-120 s) included. Each mode takes
its time limit SECONDS: just before the call, from budget_left_s (the tool's `status`, or lease.budget_left_s in the
last call's reply), timeout_s T = min(600, budget_left_s - 150) cold, min(600, budget_left_s - 30) at once after a
call (warm 30 s), and SECONDS = T - 15 (bench/gpu_session.sh says what each mode measures).
  carry [".whl", ".benchdata"], in this order, the second at once while the machine is warm, then give_back:
    1. cold, timeout_s 255:                     bash bench/gpu_session.sh nli_ner "$OUT" 240
    2. warm, timeout_s T (e.g. 520 left: 490):  bash bench/gpu_session.sh learning "$OUT" 475       (T - 15)
  later sessions, one mode a call, SECONDS as above: eval_batches, learning_wos, ynat_full (wants ~570)
  MCQA with a 1.5B LLM, bf16 and 4-bit LoRA, carry [".whl", ".whl-llm"]:  bash bench/gpu_session.sh llm "$OUT" SECONDS
USAGE
