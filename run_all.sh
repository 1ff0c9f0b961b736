#!/usr/bin/env bash
# The KLUE dev-set benchmark in one command: every task that has a script, in KLUE order, then one
# table (and results files, charts, TensorBoard images) of our scores next to the KLUE paper's.
#
#   bash run_all.sh                                # klue/roberta-base, data from the Hub
#   bash run_all.sh --model klue/bert-base --data_dir ~/klue --tasks ner,re -- --bf16
#   bash run_all.sh --smoke                        # offline, CPU, a few minutes: tiny model, made-up data
#
# `bash run_all.sh --help` lists the flags. Each task runs
#   python trainers/run_<task>.py configs/[<model size>/]<task>.json --model_name_or_path ... FLAGS
# (flags after the config win; the script and config by their absolute paths, from the folder run_all.sh was
# called from) and writes OUT/<task>/; OUT/results.{md,json,csv} and OUT/figures/ come last
# (python -m trainers.benchmark_report).
set -uo pipefail
# Relative paths are the caller's: in run_all.sh's flags, in FLAGS and in LAUNCHER (each task runs from here).
CALLER_DIR=$PWD
absolute() { case $1 in /*) echo "$1" ;; *) echo "$CALLER_DIR/$1" ;; esac; }
# --report_to wandb: ./wandb where run_all.sh was called, as for a script (a relative WANDB_DIR from there too)
WANDB_DIR=$(absolute "${WANDB_DIR:-$CALLER_DIR}")
export WANDB_DIR
cd "$(dirname "$0")" || exit 2
REPO_DIR=$PWD  # run_all.sh's own helpers (python -m metrics, ...) and the default OUT are here
# This checkout's packages, for the task scripts too (they run from the caller's folder): not those of another
# checkout that an editable install in the same environment points to
export PYTHONPATH="$REPO_DIR${PYTHONPATH:+:$PYTHONPATH}"

usage() {
  cat <<'EOF'
usage: bash run_all.sh [--model NAME_OR_PATH] [--tasks a,b] [--output_dir DIR] [--data_dir DIR]
                       [--smoke] [--overwrite] [--nproc N] [--] [TRAINER FLAGS...]

Fine-tune and score a model on every KLUE task that has a script (the list and order come from
the metrics table, `python -m metrics`), each with the KLUE paper baseline's hyperparameters
(configs/<task>.json; configs/<size>/<task>.json where the paper used others for that size,
e.g. configs/roberta-large/), evaluating four times per epoch and keeping the best checkpoint by
the task's selection metric; then print and write the dev scores next to the paper's.

  --model NAME_OR_PATH  Hub id or local folder (default klue/roberta-base; env MODEL)
  --tasks a,b           run only these tasks (default: all with a script; env TASKS)
  --output_dir DIR      where OUT/<task>/ and the results go (default outputs/<model>, with
                        --smoke outputs/smoke; env OUT)
  --data_dir DIR        folder of the original KLUE files (ynat-v1.1_train.json, ...) instead of
                        the Hub (env DATA_DIR)
  --smoke               offline CPU run in a few minutes: a tiny model built here and small made-up
                        data in the KLUE formats (python -m smoke prepare); the table also shows a
                        trivial baseline per task, which every score must beat
  --overwrite           rerun tasks whose results exist (default: skip them) and train from scratch
  --nproc N             launch each task on N processes with torchrun (one node; default 1);
                        env LAUNCHER="torchrun --nnodes 2 --node_rank 0 --rdzv_endpoint HOST:29500
                        --nproc_per_node 8" (or "accelerate launch ...") replaces the launcher
                        (not with --nproc)
  -h, --help            this help
  -- FLAGS / unknown    passed to every task script after the config (they win), e.g.
                        `-- --bf16 --report_to wandb` (env EXTRA); not the flags run_all.sh sets
                        per task (--model_name_or_path, --output_dir, --data_dir, --run_name) nor
                        --help. Each task runs from the current folder: relative paths in FLAGS
                        and LAUNCHER are read from there

Dashboards: TensorBoard by default (event files under OUT/<task>/runs/; `tensorboard --logdir OUT`),
`--report_to wandb` for Weights & Biases (WANDB_MODE=offline works; runs are named <task>-<model>).
A task that fails does not stop the others; the failures and their last error line are listed at
the end and the exit status is 1. Bad flags: exit status 2.
EOF
}

die() { echo "run_all.sh: $*" >&2; exit 2; }

MODEL=${MODEL:-}
OUT=${OUT:-}
DATA_DIR=${DATA_DIR:-}
TASKS=${TASKS:-}
NPROC_GIVEN=${NPROC:+NPROC=$NPROC}  # how a process count was given (env or --nproc), for a clash with LAUNCHER
NPROC=${NPROC:-1}
SMOKE=0
SMOKE_PREPARE=0
OVERWRITE=0
# shellcheck disable=SC2206  # EXTRA is a list of flags, split on spaces
EXTRA_FLAGS=(${EXTRA:-})

set_option() {
  case $1 in
    --model) MODEL=$2 ;; --tasks) TASKS=$2 ;; --output_dir) OUT=$2 ;; --data_dir) DATA_DIR=$2 ;;
    --nproc) NPROC=$2 NPROC_GIVEN="--nproc $2" ;;
  esac
}

while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --model|--tasks|--output_dir|--data_dir|--nproc)
      [ $# -ge 2 ] && [ -n "$2" ] && [ "${2#--}" = "$2" ] || die "$1 needs a value (bash run_all.sh --help)"
      set_option "$1" "$2"
      shift 2 ;;
    --model=*|--tasks=*|--output_dir=*|--data_dir=*|--nproc=*)
      # an empty value (--model=$UNSET) is refused as `--model ""` is, not read as the default
      [ -n "${1#*=}" ] || die "${1%%=*} needs a value (bash run_all.sh --help)"
      set_option "${1%%=*}" "${1#*=}"
      shift ;;
    --smoke) SMOKE=1; shift ;;
    --overwrite) OVERWRITE=1; shift ;;
    --) shift; EXTRA_FLAGS+=("$@"); break ;;
    *) EXTRA_FLAGS+=("$1"); shift ;;  # a Trainer or task flag: every task script gets it
  esac
done

# Flags run_all.sh sets per task itself: among FLAGS they would replace its own for every task (the last one wins)
# and the results would be shown under a model or folder other than the one that made them.
for flag in "${EXTRA_FLAGS[@]}"; do
  case ${flag%%=*} in
    --model_name_or_path|--model-name-or-path) own="--model NAME_OR_PATH" ;;
    --output_dir|--output-dir) own="--output_dir DIR (each task writes DIR/<task>)" ;;
    --data_dir|--data-dir) own="--data_dir DIR" ;;
    --run_name|--run-name) die "${flag%%=*} among the task flags: run_all.sh names each task's run <task>-<model>" \
      "itself; leave it out" ;;
    # every task would print its help and exit 0, and be recorded as a task that ran well
    -h|--help) die "$flag among the task flags would print each task's help, not run it; python" \
      "trainers/run_<task>.py --help lists a task's flags" ;;
    *) continue ;;
  esac
  die "${flag%%=*} among the task flags would replace run_all.sh's own for every task: give run_all.sh $own instead"
done
[[ $NPROC =~ ^[1-9][0-9]*$ ]] || die "--nproc must be a whole number >= 1, got '$NPROC'"
# LAUNCHER replaces the whole launcher, torchrun's process count with it: given with --nproc, one would be ignored.
[ -z "${LAUNCHER:-}" ] || [ -z "$NPROC_GIVEN" ] || die "$NPROC_GIVEN and LAUNCHER both say how to launch each task:" \
  "give one (LAUNCHER's command sets its own number of processes)"
[ -n "$OUT" ] && OUT=$(absolute "$OUT")
[ -n "$DATA_DIR" ] && DATA_DIR=$(absolute "$DATA_DIR")
# a model given as a path (it exists from where run_all.sh was called), not as a Hub id
[ -n "$MODEL" ] && [ -e "$CALLER_DIR/$MODEL" ] && MODEL=$(absolute "$MODEL")
[ -z "$DATA_DIR" ] || [ -d "$DATA_DIR" ] || die "--data_dir $DATA_DIR: no such folder"

if [ "$SMOKE" = 1 ]; then
  # Offline and on CPU: no Hub, and one thread per process (on a small machine, torch's default
  # threads fight each other and the other processes: the smoke run took 5x longer with them).
  export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
  OUT=${OUT:-$REPO_DIR/outputs/smoke}
  # The tiny model and the made-up data are built (seconds) only where --model or --data_dir does not name others.
  if [ -z "$MODEL" ] || [ -z "$DATA_DIR" ]; then SMOKE_PREPARE=1; fi
  MODEL=${MODEL:-$OUT/smoke/tiny-bert}
  DATA_DIR=${DATA_DIR:-$OUT/smoke/data}
fi
MODEL=${MODEL:-klue/roberta-base}
OUT=${OUT:-$REPO_DIR/outputs/${MODEL//\//_}}  # absolute: the tasks run from the caller's folder

# The task list comes from the metrics table (KLUE order); --tasks picks from it, in that order.
TABLE=$(python -m metrics) || die "python -m metrics failed (is the environment set up? see README)"
if [ -n "$TASKS" ]; then
  for task in ${TASKS//,/ }; do
    [[ " $(echo $TABLE) " == *" $task "* ]] || die "--tasks: unknown task '$task' (the table has: $(echo $TABLE))"
  done
  SELECTED=()
  for task in $TABLE; do [[ " ${TASKS//,/ } " == *" $task "* ]] && SELECTED+=("$task"); done
else
  read -r -a SELECTED <<< "$(echo $TABLE)"
  # MCQA is not a KLUE task (no Hub dataset, no file in the KLUE archives): by default it runs only where
  # --data_dir holds its files, as the smoke data does; --tasks mcqa always runs it.
  mcqa_files=()
  shopt -s nullglob
  [ -n "$DATA_DIR" ] && mcqa_files=("$DATA_DIR"/mcqa_*.csv "$DATA_DIR"/mcqa/mcqa_*.csv)
  shopt -u nullglob
  # the smoke data, MCQA's files with it, is written there below (on a first run the folder is still empty)
  [ "$SMOKE_PREPARE" = 1 ] && [ "$DATA_DIR" = "$OUT/smoke/data" ] && mcqa_files=("$DATA_DIR/mcqa_train.csv")
  if [ ${#mcqa_files[@]} -eq 0 ]; then
    kept=()
    for task in "${SELECTED[@]}"; do [ "$task" = mcqa ] || kept+=("$task"); done
    SELECTED=("${kept[@]}")
    echo "== mcqa: not run (not a KLUE task; its files, mcqa_*.csv, are not in --data_dir; --tasks mcqa runs it)"
  fi
fi

# Size-specific configs: configs/<last part of the model name>/<task>.json, e.g. configs/roberta-large/, or for a
# local folder named otherwise the size its config.json gives (said in the log either way).
{ IFS= read -r SIZE_DIR; IFS= read -r CONFIGS_LINE; } < <(python -m trainers.benchmark_report size-configs "$MODEL")
LAUNCH=(python)
[ "$NPROC" -gt 1 ] && LAUNCH=(python -m torch.distributed.run --standalone --nproc_per_node "$NPROC")
# shellcheck disable=SC2206  # a whole launcher command line, e.g. for several nodes
[ -n "${LAUNCHER:-}" ] && LAUNCH=($LAUNCHER)

# The local data each task reads, by contents (python -m trainers.benchmark_report inputs): part of its command
declare -A TASK_INPUTS=()
read_task_inputs() {
  TASK_INPUTS=()
  local task line
  while IFS=$'\t' read -r task line; do
    TASK_INPUTS[$task]+="$line"$'\n'
  done < <(python -m trainers.benchmark_report inputs ${DATA_DIR:+--data_dir "$DATA_DIR"} --cwd "$CALLER_DIR" \
    "$(IFS=,; echo "${SELECTED[*]}")" -- "${EXTRA_FLAGS[@]}")
}
read_task_inputs

task_config() {
  if [ -n "$SIZE_DIR" ] && [ -f "$SIZE_DIR/$1.json" ]; then echo "$SIZE_DIR/$1.json"; else echo "configs/$1.json"; fi
}
# What a task's results were made with, written beside them (OUT/<task>/run_all.command) when it ends well: a
# rerun skips a task only when the same command made its results, so none of another model, flags or data is
# shown. The config by its contents too (cksum: POSIX), and the data files (data=PATH SIZE SHA1 lines): an edited
# config or data file is another command.
task_command() {
  local config
  config=$(task_config "$1")
  printf '%s\n' "model=$MODEL" "config=$config" "config_contents=$(cksum < "$config")" "data_dir=$DATA_DIR" \
    "smoke=$SMOKE" "launcher=${LAUNCH[*]}" "flags=${EXTRA_FLAGS[*]}"
  printf '%s' "${TASK_INPUTS[$1]:-}"
}
# task_command as compared with the command file $2: one written before the data lines existed is compared without
command_as_in() {
  if grep -q '^data=' "$2"; then task_command "$1"; else task_command "$1" | grep -v '^data='; fi
}
if [ "$OVERWRITE" = 0 ]; then
  conflicts=()
  for task in "${SELECTED[@]}"; do
    dir="$OUT/$task"
    # Results, a trained model or checkpoints a rerun would take up: made by which command (one that finished,
    # run_all.command, or one stopped while it ran, run_all.started)?
    [ -f "$dir/eval_results.json" ] || [ -f "$dir/train_results.json" ] || compgen -G "$dir/checkpoint-*" > /dev/null \
      || continue
    made_by="$dir/run_all.command"
    [ -f "$made_by" ] || made_by="$dir/run_all.started"
    if [ ! -f "$made_by" ]; then
      conflicts+=("$task (made by an unknown command)")
    elif ! differ=$(diff <(command_as_in "$task" "$made_by") "$made_by"); then
      names=$(grep '^[<>]' <<< "$differ" | cut -c3- | cut -d= -f1 | awk '!seen[$0]++' | paste -sd/)
      conflicts+=("$task (its $names differ)")
    fi
  done
  [ ${#conflicts[@]} -eq 0 ] || die "$OUT holds results of another command for $(IFS=,; echo "${conflicts[*]}" | \
    sed 's/,/, /g'): pass --overwrite to rerun them, or another --output_dir"
fi

mkdir -p "$OUT" 2>/dev/null || die "--output_dir $OUT: cannot create it (a file there or above it, or no permission)"
if [ "$SMOKE" = 1 ]; then
  if [ "$SMOKE_PREPARE" = 1 ]; then
    echo "== smoke: tiny model and made-up data in $OUT/smoke"
    python -m smoke prepare "$OUT/smoke" || die "could not prepare the smoke model and data"
  fi
  python -m smoke baselines "$DATA_DIR" "${SELECTED[@]}" > "$OUT/.baselines.json.tmp" \
    && mv "$OUT/.baselines.json.tmp" "$OUT/baselines.json" || die "could not compute the smoke baselines"
  [ "$SMOKE_PREPARE" = 1 ] && read_task_inputs  # the smoke data was (re)written just now
fi

MODEL_TAG=${MODEL//\//_}  # run names: <task>-klue_roberta-base, <task>-tiny-bert
[ -d "$MODEL" ] && MODEL_TAG=$(basename "$MODEL")

echo "$CONFIGS_LINE"
RAN=()
FAILED=()
FAILED_REASONS=()  # this run's reasons, kept here too: a full disk or a read-only folder may keep them from OUT
count=${#SELECTED[@]}
position=0
for task in "${SELECTED[@]}"; do
  position=$((position + 1))
  script="trainers/run_${task}.py"
  if [ ! -f "$script" ]; then
    echo "== [$position/$count] $task: no $script yet, skipped"
    continue
  fi
  dir="$OUT/$task"
  if [ "$OVERWRITE" = 0 ] && [ -f "$dir/eval_results.json" ] && [ -f "$dir/run_all.command" ]; then
    echo "== [$position/$count] $task: results of this command exist ($dir/eval_results.json), skipped" \
      "(--overwrite reruns it)"
    RAN+=("$task")
    continue
  fi
  config=$(task_config "$task")
  args=()
  if [ -f "$config" ]; then
    args+=("$REPO_DIR/$config")
  else
    args+=(--do_train --do_eval --do_predict)  # no config for this task yet: the script's defaults
  fi
  args+=(--model_name_or_path "$MODEL" --output_dir "$dir" --run_name "${task}-${MODEL_TAG}")
  [ -n "$DATA_DIR" ] && args+=(--data_dir "$DATA_DIR")
  [ "$OVERWRITE" = 1 ] && args+=(--overwrite_output_dir)
  if [ "$SMOKE" = 1 ]; then
    mapfile -t smoke_flags < <(python -m smoke flags "$task")
    args+=("${smoke_flags[@]}")
  fi
  args+=("${EXTRA_FLAGS[@]}")
  # Four evaluations per epoch for the epochs this run trains (the config's ratio assumes its own).
  read -r -a quarter <<< "$(python -m trainers.benchmark_report eval-flags "$config" "${args[@]:1}")"
  args+=("${quarter[@]}")

  echo "== [$position/$count] $task: ${LAUNCH[*]} $REPO_DIR/$script ${args[*]}"
  mkdir -p "$dir"
  # an earlier run's results must not pass for this run's if this one fails; train_results.json stays: it tells the
  # script that a run of this command stopped after training (while evaluating), not to resume 0 steps
  rm -f "$dir"/{eval,predict,all}_results.json "$dir/eval_breakdown.json" "$dir/run_all.command"
  # A stopped run of this command goes on: its log too, after what it logged before the stop
  log_mode=()
  if [ "$OVERWRITE" = 0 ] && [ -f "$dir/run.log" ] && [ -f "$dir/run_all.started" ] \
    && cmp -s <(command_as_in "$task" "$dir/run_all.started") "$dir/run_all.started"; then
    log_mode=(-a)
  fi
  task_command "$task" > "$dir/run_all.started"  # a stopped run's checkpoints: resumed only by this command
  # This attempt's output, where its failure's reason is looked for (outside OUT: run.log may not be writable)
  attempt_log=$(mktemp "${TMPDIR:-/tmp}/run_all.$task.XXXXXX") || die "cannot make a file in ${TMPDIR:-/tmp}"
  trap 'rm -f "$attempt_log"' EXIT  # also when SIGTERM or SIGHUP ends this script mid-task
  start=$(date +%s)
  # From the caller's folder, where relative paths in FLAGS and LAUNCHER are meant (OUT, the model, the data, the
  # script and the config are absolute). tee ignores Ctrl-C, so that the script's own one-line message still
  # reaches the terminal and run.log. Ctrl-C is noted here as well as in the exit status: a launcher (torchrun)
  # that catches it exits 1, like a failed task, and bash would then go on. (SIGHUP and SIGTERM end this script
  # at once, as before.)
  stopped=
  trap 'stopped=2' INT
  (cd "$CALLER_DIR" && exec "${LAUNCH[@]}" "$REPO_DIR/$script" "${args[@]}") 2>&1 \
    | (trap '' INT; exec tee ${log_mode[@]+"${log_mode[@]}"} "$dir/run.log" "$attempt_log")
  code=${PIPESTATUS[0]}
  trap - INT
  output=
  [ "$code" = 0 ] || output=$(cat "$attempt_log")
  rm -f "$attempt_log"
  seconds=$(( $(date +%s) - start ))
  # Stopped on request (SIGHUP, Ctrl-C's SIGINT, SIGTERM): stop here too. A task killed otherwise (SIGKILL, as
  # the out-of-memory killer does) is a failed task, and the others still run.
  if [ -n "$stopped" ] || [ "$code" = 129 ] || [ "$code" = 130 ] || [ "$code" = 143 ]; then
    signal=${stopped:-$((code - 128))}
    again="run the same command again"
    [ "$OVERWRITE" = 1 ] && again+=" without --overwrite (which would start every task over)"
    echo "run_all.sh: $task was stopped (signal $signal); $again to go on" >&2
    exit $((128 + signal))
  fi
  RAN+=("$task")
  if [ "$code" = 0 ]; then
    python -m trainers.benchmark_report status "$OUT" "$task" ok "$seconds"
    mv "$dir/run_all.started" "$dir/run_all.command"
    python -m trainers.benchmark_report summary "$OUT" "$task" ok "$seconds"
  else
    # The reason: the script's one-line error, else the exception line of a traceback, else the last line.
    # The script's own line wins over any later traceback: under torchrun (--nproc, LAUNCHER) the
    # launcher ends the log with its own ChildFailedError report after every rank's error line. A process
    # killed by a signal said nothing: its last line would be a progress bar.
    reason=$(grep -E '^error: ' <<< "$output" | tail -n 1)
    [ -n "$reason" ] || reason=$(grep -E '^[A-Za-z_.]*(Error|Exception|Interrupt)(:|$)' <<< "$output" \
      | grep -v 'ChildFailedError' | tail -n 1)
    if [ -z "$reason" ] && [ "$code" -gt 128 ]; then
      reason="killed by signal $((code - 128))"
      [ "$code" = 137 ] && reason+=" (SIGKILL: e.g. the out-of-memory killer)"
    fi
    [ -n "$reason" ] || reason=$(grep -v '^[[:space:]]*$' <<< "$output" | tail -n 1)
    # A flag the scripts do not take, or a model that cannot be loaded, fails every task alike: stop here.
    if [[ $reason == "error: "*"--help lists the flags)" || $reason == "error: Could not load "* ]]; then
      python -m trainers.benchmark_report status "$OUT" "$task" failed "$seconds" "exit $code: $reason"
      die "$task: ${reason#error: } (every task would fail alike; the other tasks were not run)"
    fi
    reason="exit $code: ${reason:0:300}"
    # a value run_all.sh added itself (four evaluations per epoch) must not pass for one of the caller's flags
    if [ ${#quarter[@]} -gt 1 ] && [[ $reason == *"${quarter[1]}"* ]]; then
      reason+=" (run_all.sh added ${quarter[*]} for four evaluations per epoch; give --eval_steps and --save_steps"
      reason+=" together to choose both)"
    fi
    python -m trainers.benchmark_report status "$OUT" "$task" failed "$seconds" "$reason"
    FAILED+=("$task")
    FAILED_REASONS+=("$reason")
    python -m trainers.benchmark_report summary "$OUT" "$task" failed "$seconds"
  fi
done

report=(python -m trainers.benchmark_report report "$OUT" "$MODEL")
[ ${#RAN[@]} -gt 0 ] && report+=(--tasks "$(IFS=,; echo "${RAN[*]}")")
[ -n "$DATA_DIR" ] && report+=(--data_dir "$DATA_DIR")
[ "$SMOKE" = 1 ] && report+=(--baselines "$OUT/baselines.json")
for i in "${!FAILED[@]}"; do report+=(--failed "${FAILED[$i]}=${FAILED_REASONS[$i]}"); done
echo
if [ ${#RAN[@]} -gt 0 ]; then
  "${report[@]}" || { echo "run_all.sh: the results report failed" >&2; exit 1; }
fi
if [ ${#FAILED[@]} -gt 0 ]; then
  echo
  echo "${#FAILED[@]} of ${#RAN[@]} tasks failed:"
  for i in "${!FAILED[@]}"; do
    echo "  ${FAILED[$i]}: ${FAILED_REASONS[$i]}"
  done
  exit 1
fi
