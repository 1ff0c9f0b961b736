#!/usr/bin/env bash
# The GPU checks still open (bench/GPU_THROUGHPUT.md, "Still to measure"), each as one device call that
# ends inside its time limit and writes its table into OUT before and after every run (a run under way is a
# row that says since when, and a learning run's row its last progress line), so a call cut short by its
# timeout still shows where it was.
#
# Time: a session has ~15 minutes (900 s) of device time for all its calls together, counted from asking for a
# machine until it goes back: a cold call (no machine warm) first spends 60-120 s starting one, and a machine
# stays warm 30 s after a call. A call still running when the budget is spent loses its output. So each mode
# takes its time limit SECONDS, derived from budget_left_s (the device tool's `status`, or lease.budget_left_s
# in the last call's reply) just before the call:
#     cold:  timeout_s = min(600, budget_left_s - 150)      warm (at once after a call):  min(600, budget_left_s - 30)
#     SECONDS = timeout_s - 15         (a mode refuses SECONDS under 150: too little to measure anything)
#
#   here, first:  bash bench/prepare_device.sh
#   device tool, carry [".whl", ".benchdata"], this order (the short, bounded call first), then give_back:
#     1. cold:               timeout_s 255:  bash bench/gpu_session.sh nli_ner "$OUT" 240
#     2. at once, warm:      timeout_s T = min(600, budget_left_s - 30) from call 1's reply (e.g. 520 left:
#                            T 490):         bash bench/gpu_session.sh learning "$OUT" 475     (SECONDS = T - 15)
#   (a later session, one mode per call, SECONDS as above: eval_batches; learning_wos; ynat_full, which wants ~570)
#
#   learning      MRC: eager against CUDA graphs on 128-token buckets (4 shapes to compile where multiples
#                 of 32 meet 8: bench_gpu.py --shapes 1 32 128 --tasks mrc), 2 seeds, 2 epochs on 80% of the
#                 benchmark file, official metrics on the rest, each whole run's seconds, and the steady train
#                 samples/s and compile steps of each (to extrapolate a full-size run): does the fast path
#                 learn the same, and is a whole run shorter, compiling included? (YNAT and RE: measured,
#                 2026-11-28.) Runs until its limit: no run starts after SECONDS-135 s.
#   learning_wos  the same for WoS (3 + 3 shapes at 128 where 32 meets 6 + 6)
#   ynat_full     YNAT as a user runs it (configs/ynat.json: 4 epochs, 16 evaluations and checkpoints, the
#                 best model at the end) at KLUE's sizes (45,678 synthetic titles to train on, 9,107 to score),
#                 seed 1: eager first (predictable, compiles nothing, so the compiled run still meets an
#                 empty Inductor cache), then --cuda_graphs on with the time left (cut after at least eager's
#                 time: not shorter; cut sooner: the call says it cannot tell). Is the whole run shorter?
#                 (estimated ~190 s against ~265 s; decides YNAT's default)
#   eval_batches  eval samples/s of all eight tasks at the configs' eval batch, 32 and 256
#   nli_ner       NLI and NER train samples/s: KLUE-baseline style, eager, bare loop and --cuda_graphs on on
#                 one machine, so their ratios are not taken across two. About 2.5-3 minutes on a fresh
#                 machine (estimated from the third session's runs: ~30 s of setup, ~25 s for the eager rows,
#                 ~30 s and ~60-90 s compiling NLI's and NER's CUDA-graph runs); bounded by its limit: no run
#                 starts after SECONDS-85 s, and at 240 a run that would start later is a row that says so.
#   llm           bench/bench_mcqa_llm.py's three settings at Qwen2-1.5B shape (carry ".whl-llm" too)
set -u
usage="usage: bash bench/gpu_session.sh nli_ner|learning|learning_wos|ynat_full|eval_batches|llm OUT_DIR SECONDS"
part=${1:?$usage}
out=${2:?$usage}
case $part in
    learning|learning_wos|ynat_full|eval_batches|nli_ner|llm) ;;
    *) echo "unknown part: $part" >&2; exit 2 ;;
esac
limit=${3:-}
if [[ -z $limit ]]; then
    echo "$usage (SECONDS: the call's timeout_s - 15, timeout_s from the device tool's budget_left_s)" >&2
    exit 2
elif [[ ! $limit =~ ^[0-9]+$ ]] || (( limit < 150 )); then
    echo "SECONDS must be a whole number of at least 150, not: $limit (too little device time left for $part)" >&2
    exit 2
fi
# What a run cut short was doing: its start and last progress lines (the table's running row says it too).
trail() {
    (( $1 == 0 )) || grep -E "^progress |started [0-9]+ s into the command" "$2" | tail -n 4 | cut -c1-300
}
start=$(date +%s)
case $part in
    llm) source bench/device_setup.sh .whl .whl-llm || exit 1 ;;
    *) source bench/device_setup.sh .whl || exit 1 ;;
esac
left=$(( limit - ($(date +%s) - start) ))
# --budget_s starts no run after it; the run under way then needs up to ~2 minutes (a compiling MRC or WoS run on
# 128-token buckets, ~15 s a shape; on 2026-11-28 an MRC run on multiples of 32, 8 shapes, ran past 3.5 minutes).
case $part in
    learning|learning_wos)
        tasks="mrc"; [[ $part == learning_wos ]] && tasks="wos"
        timeout $(( left - 5 )) python3 bench/bench_gpu.py --data_dir .benchdata \
            --learning "eager (" "128-token buckets" --learning_tasks $tasks --seeds 1 2 \
            --budget_s $(( left - 120 )) --out "$out/learning.md" > "$out/learning.log" 2>&1
        rc=$?; echo "rc=$rc"; trail $rc "$out/learning.log"; cat "$out/learning.md" ;;
    ynat_full)
        # Two commands, each writing its own table after its run: eager's time (the command's, model and data
        # included) is the mark the compiled run must beat. A compiled run cut by the limit was not shorter
        # only if it had at least that long; otherwise the call says it cannot tell.
        eager_s=""
        for setting in "eager (" "cuda_graphs on"; do
            left=$(( limit - ($(date +%s) - start) ))
            (( left > 60 )) || { echo "no time left for: $setting"; break; }
            began=$(date +%s)
            timeout $(( left - 5 )) python3 bench/bench_gpu.py --data_dir .benchdata --learning "$setting" \
                --learning_tasks ynat --seeds 1 --learning_sizes 45678 9107 --learning_config \
                --out "$out/ynat_full_${setting%% *}.md" >> "$out/ynat_full.log" 2>&1
            rc=$?; took=$(( $(date +%s) - began )); echo "rc=$rc, $took s"; trail $rc "$out/ynat_full.log"
            [[ $setting == "eager (" && $rc == 0 ]] && eager_s=$took
            if (( rc == 124 )); then
                if [[ -z $eager_s ]]; then
                    echo "$setting: not ended after $took s (no eager time to compare with)"
                elif (( took >= eager_s )); then
                    echo "$setting: not ended after $took s, eager took $eager_s s: not shorter"
                else
                    echo "$setting: not ended after $took s, eager took $eager_s s: cannot tell"
                fi
            fi
            cat "$out/ynat_full_${setting%% *}.md" 2>/dev/null
        done ;;
    eval_batches)
        timeout $(( left - 5 )) python3 bench/bench_gpu.py --data_dir .benchdata --settings "eager (" \
            "eval_batch_size" --bare --steps 5 --warmup_steps 3 --max_eval_samples 2000 --budget_s $(( left - 40 )) \
            --out "$out/eval_batches.md" > "$out/eval_batches.log" 2>&1
        rc=$?; echo "rc=$rc"; trail $rc "$out/eval_batches.log"; cat "$out/eval_batches.md" ;;
    nli_ner)
        timeout $(( left - 5 )) python3 bench/bench_gpu.py --data_dir .benchdata --tasks nli ner --settings \
            KLUE-baseline "eager (" "cuda_graphs on" --steps 20 --warmup_steps 5 --max_eval_samples 256 \
            --budget_s $(( left - 70 )) --out "$out/nli_ner.md" > "$out/nli_ner.log" 2>&1
        rc=$?; echo "rc=$rc"; trail $rc "$out/nli_ner.log"; cat "$out/nli_ner.md" ;;
    llm)
        timeout $(( left - 5 )) python3 bench/bench_mcqa_llm.py --out "$out/MCQA_LLM_RESULTS.md" \
            > "$out/mcqa_llm.log" 2>&1
        echo "rc=$?"; cat "$out/MCQA_LLM_RESULTS.md"
        grep -E "^phase|Traceback|error:" "$out/mcqa_llm.log" | cut -c1-300 ;;
esac
grep -E "Traceback|Error" "$out"/*.log | cut -c1-300 | head -10
