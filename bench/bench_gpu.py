"""Training and evaluation throughput of the eight KLUE task scripts on a GPU, setting by setting.

    python bench/bench_gpu.py                                   # all eight tasks, the default settings
    python bench/bench_gpu.py --tasks nli ner --settings eager "cuda_graphs on" --steps 60
    python bench/bench_gpu.py --learning eager "cuda_graphs on" --seeds 1 2   # NER learns as well?
    python bench/bench_gpu.py --learning eager "cuda_graphs on" --learning_tasks ynat re mrc wos
    python bench/bench_gpu.py --shapes 1 32 64 128        # no GPU needed: shapes to compile per bucket size

The GPU session first runs ``bash bench/prepare_device.sh`` here (the wheels and dev files the
device machine lacks, into git-ignored folders), then, with the device tool, ``carry: [".whl",
".benchdata"]`` and a timeout derived from the session's device time left (``bench/gpu_session.sh``
says how, and holds the open checks; see "Time" below: all eight tasks at the default settings do
not fit one call; pick ``--tasks``; ``$OUT`` is the folder that comes back), e.g. for timeout_s 590:

    source bench/device_setup.sh .whl && python3 bench/bench_gpu.py --data_dir .benchdata --steps 30 \
        --warmup_steps 8 --budget_s 400 --out "$OUT/gpu_all_tasks.md" > "$OUT/bench_gpu.log" 2>&1; \
        tail -n 60 "$OUT/bench_gpu.log"

Model: a random-init roberta-base-sized encoder (12 layers, hidden 768, ``type_vocab_size`` 1 as
``klue/roberta-*``) with a 32k WordPiece tokenizer trained here on the benchmark's texts, shared by
all tasks (offline: nothing is downloaded). Each task runs its own head through its own script.

Data (``bench/bench_data.py``): NLI, NER, STS and DP train and evaluate on the real v1.1 dev files
under ``--data_dir`` (default ``../shared/klue``; a task whose file is missing is skipped). YNAT,
RE, MRC and WoS have no dev file there: they run on synthetic data from ``smoke/data.py``'s
generators, sized like the real dev sets (9,107 titles, 7,765 sentences, 5,841 questions, 1,000
dialogues) and lengthened with real NLI/NER dev sentences (RE ~100 characters, MRC contexts ~1,000,
WoS ~7.5 user turns of ~40 characters, the real 45-slot ontology). Sequence length and the train
and eval batch sizes are each task's ``configs/<task>.json`` (e.g. MRC 510 tokens at batch 16).
A "sample" is what the model sees: a sentence (pair), an MRC window, a WoS user turn.

Each setting runs the task script's own ``main`` for ``--warmup_steps`` untimed and ``--steps``
timed training steps on the first (warmup + steps) x batch examples, then one evaluation of
``--max_eval_samples`` examples (default 2,000) through the script's decoding and scoring, and
reports train samples/s (steps over 3x the median, a shape compiling, are left out and counted
apart), its ratio to the KLUE-baseline style row of the task (the goal is >= 2x), and eval
samples/s (the script's ``eval_samples_per_second``: prediction, decoding and scoring). The model
is not saved at the end of training (``Trainer.save_model`` is skipped: disk time, not training).
The batch column is what the run's Trainer parsed (a setting's own ``--per_device_eval_batch_size``
included).

Within one process: before the first run, an untimed CUDA warm-up (a matmul and a tiny
forward/backward/AdamW step), so the first setting does not pay CUDA's and cuBLAS's start; after every
run, the process's starting fp32 precision is restored (a ``--torch_compile`` or CUDA-graph run's
TrainingArguments turn TF32 on for the whole process, and an eager run after it would use it too).

Settings (``--settings`` picks any by substring; default: the first four and the bare fp32 loop):
the KLUE-baseline style (every batch padded to max_seq_length, fp32, eager), eager (dynamic
padding, ``--cuda_graphs off``), the script default (``--cuda_graphs auto``: on one GPU it is the
same run as ``--cuda_graphs on`` for NLI and NER and as eager for the others, so its row repeats
that row's numbers instead of running again), ``--cuda_graphs on``, a bare PyTorch loop over the
same batches (the task's own model, collator and features through forward/backward/AdamW, no
Trainer: the eager-mode limit; fp32, ``--bare bf16`` adds bf16 autocast), and on request ``--bf16``,
``group_by_length``, ``--torch_compile`` with dynamic or bucketed shapes, CUDA graphs by either backend.

Order: setting by setting across all tasks (every task's eager rows first, the compiling ones
last), so ``--budget_s`` (no new run starts after that many seconds) leaves whole columns rather
than whole tasks missing; a failed or skipped run is a cell that says why, and the table (and
``--out``, rewritten whole after every run) keeps the rest.

Time (measured on an H200, 2026-11-27): an eager run costs 2-15 s (setup, 25 steps, 256 eval
examples), a ``--cuda_graphs on`` run 24-146 s: each length bucket (multiples of 32) it meets, in
training and in evaluation, compiles once, about 20 s a shape on a fresh machine (YNAT, RE: ~25 s a
run; DP 56 s; STS and MRC ~100 s; WoS 146 s). The six tasks other than NLI and NER at 3 settings
took ~9.5 minutes. ``--budget_s`` starts no run after that many seconds, and the run under way then
ends within ~2.5 minutes, so size it for the call's limit; the rows it did not reach say so (rerun
them with ``--tasks``/``--settings``). ``--out`` is rewritten whole before and after every run: a run
under way is a row that says when it started (seconds into the command) and its step clock's last line
(the first step, steps over 3x the median, every 50th step in learning runs, the end of training;
printed too), so a command killed by its timeout leaves the finished rows and where it was.

``--learning SETTING... --learning_tasks TASK...`` trains each task 2 epochs on 80% of its file
per setting and seed and scores the rest: the check that a faster setting learns the same, with
each whole run's seconds and, from the step clock, its steady train samples/s and slow (first,
compiling) steps, so that a full-size run can be extrapolated (``bench/gpu_session.sh learning``).
``--learning_sizes TRAIN HELD_OUT`` sizes the synthetic sets (e.g. KLUE's train size) and
``--learning_config`` runs the task's config as a user does, evaluations and checkpoints included
(``bench/gpu_session.sh ynat_full``).

``--shapes MULTIPLE...`` (any machine, about a minute for all eight tasks) counts, per task and
``--pad_to_multiple_of``, the distinct batch shapes one training epoch and one evaluation meet on the
dev-sized data: under CUDA graphs each is a graph compiled once, ~15 s on a fresh machine (2026-11-28),
which is what decides whether a whole run is shorter; and the positions computed per real token. The
tokenizer is trained on the texts of ``--tasks``, as a GPU run trains its own, so counts move a little
with the task list: give the task list of the run they explain (``--tasks mrc`` for an MRC check).

Without CUDA it says so in one line and runs a tiny CPU version (2-layer model, 3 steps, the first
48 examples of the real files, 48-example synthetic sets with the 8-slot smoke WoS ontology, 8 eval
examples, lengths and batches capped at 128 tokens (MRC 256) and 8 / 16, DP's parser head shrunk
with the encoder; compiling settings left out), so the script itself stays tested.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import importlib
import inspect
import io
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from transformers import Trainer  # noqa: E402

from bench import bench_data  # noqa: E402
from bench.step_clock import StepClock, throughput  # noqa: E402
from smoke.tiny_model import wordpiece_tokenizer  # noqa: E402
from trainers.outputs import write_text  # noqa: E402

TASKS = ("ynat", "sts", "nli", "ner", "re", "dp", "mrc", "wos")
BASELINE = "KLUE-baseline style (pad to max length, fp32)"
EAGER = "eager (dynamic padding, fp32; --cuda_graphs off)"
DEFAULT = "script default (--cuda_graphs auto)"
GRAPHS = "--cuda_graphs on (pad to 32, reduce-overhead, no per-step NaN check)"
# The same on fewer shapes: MRC at 510 tokens meets 8 at multiples of 32, 4 at 128, for 2.9% more compute
# (``--shapes 1 32 128 --tasks mrc``); each costs 15 s or more of compiling on a fresh machine.
GRAPHS_128 = "CUDA graphs on 128-token buckets (pad to 128, reduce-overhead, no per-step NaN check)"
BARE = {"fp32": "bare PyTorch loop (fp32)", "bf16": "bare PyTorch loop (bf16 autocast)"}

SETTINGS: dict[str, list[str]] = {
    BASELINE: ["--pad_to_max_length", "--cuda_graphs", "off"],
    EAGER: ["--cuda_graphs", "off"],
    DEFAULT: [],
    "--bf16": ["--bf16", "--cuda_graphs", "off"],
    "--train_sampling_strategy group_by_length": ["--train_sampling_strategy", "group_by_length", "--cuda_graphs",
                                                  "off"],
    "--torch_compile": ["--torch_compile"],
    # Beyond eager mode: few shapes (lengths padded to a multiple of 32), so each compiles once.
    "--pad_to_multiple_of 32 --torch_compile": ["--pad_to_multiple_of", "32", "--torch_compile"],
    "--pad_to_multiple_of 32, CUDA graphs (--torch_compile_mode reduce-overhead)": [
        "--pad_to_multiple_of", "32", "--torch_compile", "--torch_compile_mode", "reduce-overhead"],
    "--pad_to_multiple_of 32, CUDA graphs (--torch_compile_backend cudagraphs)": [
        "--pad_to_multiple_of", "32", "--torch_compile", "--torch_compile_backend", "cudagraphs"],
    GRAPHS: ["--cuda_graphs", "on"],
    GRAPHS_128: ["--cuda_graphs", "on", "--pad_to_multiple_of", "128"],
    # Evaluation batch sizes against the configs' (64 or 128; WoS 16): eval samples/s is the column to read.
    "--per_device_eval_batch_size 32 (no CUDA graphs)": ["--cuda_graphs", "off", "--per_device_eval_batch_size", "32"],
    "--per_device_eval_batch_size 256 (no CUDA graphs)": ["--cuda_graphs", "off", "--per_device_eval_batch_size",
                                                           "256"],
}
DEFAULT_SETTINGS = (BASELINE, EAGER, DEFAULT, GRAPHS)
COMPILE_FLAGS = ("--torch_compile", "--bf16", "--optim", "on")  # settings left out of the tiny CPU version
SKIPPED = "skipped: --budget_s reached"
# The tiny CPU version: examples per synthetic set, eval examples, timed steps, and caps on the
# configs' lengths and batches (DP padded to 256 words scores 32 x 256 x 257 x 38 relations a step).
TINY_EXAMPLES, TINY_EVAL, TINY_STEPS = 48, 8, 3
TINY_LEARNING_EXAMPLES = 100  # split 80 / 20: 64 trained on (--max_train_samples), 20 scored
TINY_MAX_LENGTH, TINY_TRAIN_BATCH, TINY_EVAL_BATCH = 128, 8, 16
TINY_MRC_MAX_LENGTH = 256  # MRC's --doc_stride 128 (configs/mrc.json) needs room for the question beside it
# DP's parser head is sized for a base encoder (a 768-wide BiLSTM): a tiny one with the tiny encoder.
TINY_TASK_FLAGS = {"dp": ["--pos_embedding_dim", "8", "--lstm_hidden_size", "16", "--arc_dim", "16",
                          "--label_dim", "16"]}


@dataclasses.dataclass
class Bench:
    """One task as benchmarked: its script's Task, data file and the config's sizes and task flags."""

    name: str
    task: Any
    data: bench_data.TaskData
    max_length: int
    train_batch: int
    eval_batch: int
    task_flags: list[str]

    @property
    def batch(self) -> str:
        return f"{self.train_batch} / {self.eval_batch}"


def task_object(task_name: str) -> Any:
    """A fresh ``Task`` of ``trainers/run_<task>.py`` (each run gets its own: tasks keep run state)."""
    module = importlib.import_module(f"trainers.run_{task_name}")
    return next(value() for name, value in vars(module).items()
                if name.endswith("Task") and isinstance(value, type) and value.__module__ == module.__name__)


def config_bench(task_name: str, data: bench_data.TaskData) -> Bench:
    """Sizes and the task's own flags (e.g. MRC's ``doc_stride``) from ``configs/<task>.json``."""
    config = json.loads((ROOT / "configs" / f"{task_name}.json").read_text(encoding="utf-8"))
    task = task_object(task_name)
    own = {field.name for cls in task.argument_classes for field in dataclasses.fields(cls)}
    flags = [item for key, value in config.items() if key in own
             for item in (f"--{key}", str(value).lower() if isinstance(value, bool) else str(value))]
    return Bench(task_name, task, data, int(config["max_seq_length"]), int(config["per_device_train_batch_size"]),
                 int(config["per_device_eval_batch_size"]), flags)


def build_model(directory: Path, texts: list[str], tiny: bool, vocab_size: int | None = None) -> Path:
    """The benchmark's model: roberta-base-sized (``tiny``: 2 layers of 64) with a WordPiece tokenizer trained
    on ``texts`` (``vocab_size``; default 32k, tiny 2k)."""
    from transformers import AutoModel, RobertaConfig

    vocab_size = vocab_size or (2000 if tiny else 32000)
    tokenizer = wordpiece_tokenizer(texts, vocab_size=vocab_size, model_max_length=512)
    tokenizer.save_pretrained(directory)
    size = (
        dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128)
        if tiny
        else dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072)
    )
    config = RobertaConfig(
        vocab_size=len(tokenizer),
        max_position_embeddings=512 + tokenizer.pad_token_id + 1,
        type_vocab_size=1,
        pad_token_id=tokenizer.pad_token_id,
        **size,
    )
    torch.manual_seed(0)
    AutoModel.from_config(config).save_pretrained(directory)
    return directory


def run_flags(bench: Bench, model: Path, out: Path, seed: int, own_checkpoints: bool = False) -> list[str]:
    """The flags every benchmark run of a task shares: model, output, the config's sizes and task flags,
    no dashboards or progress bars, and no checkpoints or logging unless ``own_checkpoints`` (a config's)."""
    quiet = [] if own_checkpoints else ["--save_strategy", "no", "--logging_steps", "1000"]
    return ["--model_name_or_path", str(model), "--output_dir", str(out),
            "--per_device_train_batch_size", str(bench.train_batch),
            "--per_device_eval_batch_size", str(bench.eval_batch), "--max_seq_length", str(bench.max_length),
            *quiet, "--report_to", "none", "--disable_tqdm", "true",
            "--seed", str(seed), *bench.task_flags, *([] if torch.cuda.is_available() else ["--use_cpu"])]


def error_cell(error: BaseException) -> dict[str, str]:
    """A failed run's table cell: the exception's type and first line."""
    text = str(error)
    return {"error": f"{type(error).__name__}: {text.splitlines()[0][:120] if text else ''}"}


def script_argv(bench: Bench, model: Path, out: Path, steps: int, warmup: int, max_eval: int | None,
                evaluate: bool = True) -> list[str]:
    """The task script's flags for one benchmark run (before the setting's own flags)."""
    data = str(bench.data.path)
    return [*run_flags(bench, model, out, seed=42), "--train_file", data,
            *(["--validation_file", data, "--do_eval"] if evaluate else []), "--do_train",
            "--max_steps", str(steps + warmup), "--max_train_samples", str((steps + warmup) * bench.train_batch),
            *(["--max_eval_samples", str(max_eval)] if max_eval else []), "--overwrite_output_dir"]


@contextlib.contextmanager
def clocked(clock: StepClock, skip_save: bool = False):  # noqa: ANN201
    """Every Trainer built inside gets ``clock`` as a callback; yields a dict whose ``args`` becomes the
    last Trainer's own training arguments (the batch sizes the run parsed). ``skip_save``: no
    ``Trainer.save_model`` (disk time, not training)."""
    seen: dict[str, Any] = {}
    original_init, original_save = Trainer.__init__, Trainer.save_model

    def init(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        original_init(self, *args, **kwargs)
        self.add_callback(clock)
        seen["args"] = self.args

    Trainer.__init__ = init
    if skip_save:
        Trainer.save_model = lambda self, *args, **kwargs: None
    try:
        yield seen
    finally:
        Trainer.__init__, Trainer.save_model = original_init, original_save


def parsed_batch(args: Any) -> str:
    """``train / eval`` as a run's Trainer parsed them (a setting's own ``--per_device_eval_batch_size`` too)."""
    train = args.per_device_train_batch_size * args.gradient_accumulation_steps
    return f"{train} / {args.per_device_eval_batch_size}"


def planned_batch(bench: Bench, flags: list[str]) -> str:
    """``train / eval`` that a run with the setting's ``flags`` will parse (the last value of a flag wins):
    the cell of a run that has not ended or failed before its Trainer was built."""
    sizes = {"--per_device_train_batch_size": str(bench.train_batch),
             "--per_device_eval_batch_size": str(bench.eval_batch)}
    for flag, value in zip(flags, flags[1:]):
        if flag in sizes:
            sizes[flag] = value
    return " / ".join(sizes.values())


def run_script(bench: Bench, model: Path, out: Path, flags: list[str], steps: int, warmup: int,
               max_eval: int | None, progress: Callable[[str], None] | None = None) -> dict:
    """One setting through the task script's own ``main``: train and eval samples/s, and the batch sizes
    the run parsed. ``progress`` gets the step clock's lines (first step, slow steps, end of training)."""
    module = importlib.import_module(f"trainers.run_{bench.name}")
    clock = StepClock(warmup, progress)
    errors = io.StringIO()  # the script's one-line error (bad flag or file), for the table's cell
    try:
        with clocked(clock, skip_save=True) as seen, contextlib.redirect_stderr(_Tee(errors, sys.stderr)):
            argv = script_argv(bench, model, out, steps, warmup, max_eval) + flags
            status = module.main(task_object(bench.name), argv)
    except Exception as error:  # noqa: BLE001  # one setting failing (a compile error) must not end the table
        return error_cell(error)
    finally:
        _reset_compiler()
    if status != 0:
        said = [line for line in errors.getvalue().splitlines() if line.startswith("error: ")]
        return {"error": f"exit {status}" + (f": {said[-1][len('error: '):][:120]}" if said else "")}
    results = json.loads((out / "all_results.json").read_text())
    args = seen.get("args")
    samples = bench.train_batch if args is None else args.per_device_train_batch_size * args.gradient_accumulation_steps
    return {**throughput(clock.times, warmup, samples, clock.skipped), "eval": results.get("eval_samples_per_second"),
            "batch": planned_batch(bench, flags) if args is None else parsed_batch(args)}


class _Tee(io.TextIOBase):
    """Writes to several streams (the script's stderr is kept and shown)."""

    def __init__(self, *streams: Any) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


# The fp32 precision settings (TF32 or IEEE matmuls and convolutions), parent before child: torch >= 2.9's
# ``fp32_precision`` tree (setting a parent resets its children), else the legacy ``allow_tf32`` flags.
PRECISION_NODES = ("", "cuda.matmul", "cudnn", "cudnn.conv", "cudnn.rnn", "mkldnn", "mkldnn.matmul", "mkldnn.conv",
                   "mkldnn.rnn")
LEGACY_PRECISION = (("cuda.matmul", "allow_tf32"), ("cudnn", "allow_tf32"))


def _backend(path: str) -> Any:
    node = torch.backends
    for part in filter(None, path.split(".")):
        node = getattr(node, part)
    return node


def precision_settings() -> list[tuple[str, str, Any]]:
    """The process's fp32 precision settings as ``(backend, attribute, value)``, parents first.

    transformers' ``TrainingArguments`` turns TF32 on process-wide whenever it is built with
    ``torch_compile`` on an Ampere or newer GPU (``enable_tf32``: ``torch.backends.fp32_precision``,
    or the ``allow_tf32`` flags on older torch), and nothing turns it back: every run after a compiled
    one in the same process would train with TF32. The benchmark records them at start and restores
    them after every run (``_reset_compiler``)."""
    if hasattr(torch.backends, "fp32_precision"):
        found = []
        for path in PRECISION_NODES:
            try:
                found.append((path, "fp32_precision", _backend(path).fp32_precision))
            except (AttributeError, RuntimeError):  # a backend this torch build lacks
                continue
        return found
    return [(path, name, getattr(_backend(path), name)) for path, name in LEGACY_PRECISION]


def restore_precision(settings: list[tuple[str, str, Any]]) -> None:
    for path, name, value in settings:
        setattr(_backend(path), name, value)


START_PRECISION = precision_settings()  # at import, before any run: the process's own


def _reset_compiler() -> None:
    """Each setting starts with no compiled graphs, the default dynamo settings and the process's starting
    fp32 precision (a compiled run's TrainingArguments turn TF32 on for the whole process)."""
    import torch._dynamo

    torch._dynamo.reset()
    torch._dynamo.config.automatic_dynamic_shapes = True
    restore_precision(START_PRECISION)


def warm_up_cuda() -> float | None:
    """Untimed, before the first run of a process: CUDA's context, cuBLAS and the autograd and optimizer
    kernels start here, not in the first setting's timed steps. The seconds it took; None (nothing done)
    without CUDA."""
    if not torch.cuda.is_available():
        return None
    start = time.perf_counter()
    warm_up(torch.device("cuda"))
    torch.cuda.synchronize()
    _free_memory()
    return time.perf_counter() - start


def warm_up(device: torch.device) -> None:
    """A matmul and one forward/backward/AdamW step of a tiny network (embedding, layer norm, linear) on
    ``device``; the precision settings are left as they are."""
    generator = torch.Generator().manual_seed(0)
    matrix = torch.randn(256, 256, generator=generator).to(device)
    (matrix @ matrix).sum().item()
    network = torch.nn.Sequential(torch.nn.Embedding(100, 64), torch.nn.LayerNorm(64), torch.nn.Linear(64, 8))
    network = network.to(device)
    ids = torch.randint(0, 100, (4, 16), generator=generator).to(device)
    labels = torch.randint(0, 8, (64,), generator=generator).to(device)
    loss = torch.nn.functional.cross_entropy(network(ids).flatten(0, 1), labels)
    loss.backward()
    optimizer = torch.optim.AdamW(network.parameters(), lr=1e-3, fused=device.type == "cuda" or None)
    optimizer.step()
    loss.item()


@dataclasses.dataclass
class TaskFeatures:
    """What a task script's run trains on, without its Trainer (``task_features``)."""

    network: Any
    features: dict[str, Any]  # per split, the columns the model's forward takes
    collator: Callable[[int | None], Callable]  # the task's collator for a --pad_to_multiple_of
    pad_multiple: int | None  # the run's own (``runner.pad_multiple``)


def task_features(bench: Bench, argv: list[str], splits: tuple[str, ...] = ("train",)) -> TaskFeatures:
    """A task's model and features as ``runner.run`` builds the script's run from ``argv``, through the task's
    own hooks: tokenizer, config overrides, ``prepare_split``, preprocessing, ``build_model`` (the custom
    heads of RE, DP, WoS). Only the feature columns the model's ``forward`` takes are kept, as the Trainer
    keeps them."""
    from trainers import loading, runner
    from trainers.arguments import parse_arguments

    task = task_object(bench.name)
    model_args, data_args, training_args, options = parse_arguments(task, argv)
    task.use_options(*options)
    task.use_run_arguments(model_args, data_args)
    torch.manual_seed(training_args.seed)
    tokenizer = loading.load_tokenizer(model_args, fast_required=task.needs_fast_tokenizer)
    config = loading.load_config(model_args, task)
    if not loading.has_token_types(config):
        loading.emit_no_token_type_ids(tokenizer)
    task.prepare_tokenizer(tokenizer)
    max_length = runner.resolve_max_length(data_args, tokenizer, task, config)
    task.check_options(tokenizer, max_length)
    raw = loading.load_raw_splits(task, data_args, training_args)
    features = {}
    for split in splits:  # before the model: a task's hooks learn from the data what its head needs (WoS's slots)
        examples = task.prepare_split(raw[split], split)
        features[split] = runner.tokenize_split(task, examples, tokenizer, max_length, data_args, None, split)
    network = task.build_model(model_args, config)
    if len(tokenizer) > network.get_input_embeddings().num_embeddings:
        network.resize_token_embeddings(len(tokenizer))
    accepted = inspect.signature(network.forward).parameters
    features = {split: tokenized.remove_columns([c for c in tokenized.column_names if c not in accepted])
                for split, tokenized in features.items()}
    return TaskFeatures(network, features, lambda multiple: task.data_collator(tokenizer, multiple),
                        runner.pad_multiple(data_args, training_args))


def bare_loop(bench: Bench, model: Path, out: Path, steps: int, warmup: int, bf16: bool) -> dict:
    """The same batches through a plain PyTorch loop: forward, backward, AdamW step; no Trainer.

    Built from the eager setting's flags as the script builds its run (``task_features``)."""
    argv = script_argv(bench, model, out, steps, warmup, None, evaluate=False) + SETTINGS[EAGER]
    run = task_features(bench, argv)
    loader = torch.utils.data.DataLoader(
        run.features["train"], batch_size=bench.train_batch, shuffle=True, collate_fn=run.collator(run.pad_multiple),
        generator=torch.Generator().manual_seed(42),
    )
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    network = run.network.to(device).train()
    optimizer = torch.optim.AdamW(network.parameters(), lr=5e-5)
    on_gpu_bf16 = bf16 and device.type == "cuda"
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if on_gpu_bf16 else contextlib.nullcontext()
    stamps: list[float] = []
    while len(stamps) < steps + warmup:
        for batch in loader:
            if len(stamps) == warmup and device.type == "cuda":
                torch.cuda.synchronize()
            stamps.append(time.perf_counter())
            batch = {key: value.to(device, non_blocking=True) for key, value in batch.items()}
            with autocast:
                loss = network(**batch).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            if len(stamps) == steps + warmup:
                break
    if device.type == "cuda":
        torch.cuda.synchronize()
    stamps.append(time.perf_counter())
    return {**throughput(stamps, warmup, bench.train_batch), "eval": None, "batch": f"{bench.train_batch} / -"}


def run_bare(bench: Bench, model: Path, out: Path, steps: int, warmup: int, bf16: bool) -> dict:
    try:
        return bare_loop(bench, model, out, steps, warmup, bf16)
    except Exception as error:  # noqa: BLE001  # a task whose bare loop fails keeps its other rows
        return error_cell(error)


def pick_settings(chosen: list[str] | None) -> list[str]:
    """The settings whose names contain any of ``chosen`` (None or empty: the default ones), in table order."""
    return [name for name in SETTINGS if (any(s in name for s in chosen) if chosen else name in DEFAULT_SETTINGS)]


def same_run(setting: str, bench: Bench, chosen: list[str]) -> str | None:
    """The chosen setting whose run ``setting`` would repeat exactly, if any: ``--cuda_graphs auto`` is
    ``on`` for a task marked ``cuda_graphs_by_default`` on one GPU, else ``off`` (``runner.use_cuda_graphs``)."""
    if setting != DEFAULT:
        return None
    same = GRAPHS if torch.cuda.is_available() and bench.task.cuda_graphs_by_default else EAGER
    return same if same in chosen else None


def split_for_learning(path: Path, folder: Path, train_fraction: float = 0.8) -> tuple[Path, Path]:
    """A benchmark file cut in two, in its own format: the first ``train_fraction`` of its examples to
    train on, the rest to score (TSV: sentence blocks; JSON: the list, or MRC's articles)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = (folder / f"train{path.suffix}", folder / f"held-out{path.suffix}")
    if path.suffix == ".tsv":
        blocks = [block for block in path.read_text(encoding="utf-8").split("\n\n") if block.strip()]
        cut = round(len(blocks) * train_fraction)
        for target, part in zip(paths, (blocks[:cut], blocks[cut:])):
            write_text(target, lambda stream, part=part: stream.write("\n\n".join(part) + "\n\n"))
        return paths
    data = json.loads(path.read_text(encoding="utf-8"))
    records = data["data"] if isinstance(data, dict) else data
    cut = round(len(records) * train_fraction)
    for target, part in zip(paths, (records[:cut], records[cut:])):
        content = {**data, "data": part} if isinstance(data, dict) else part
        write_text(target, lambda stream, content=content: stream.write(json.dumps(content, ensure_ascii=False)))
    return paths


def make_benches(task_names: list[str], data_dir: str, work: Path, count: int | None, tiny: bool,
                 ) -> tuple[list[Bench], dict[str, str]]:
    """The tasks with data (the first ``count`` examples; None: dev-sized), and why the others are skipped.
    ``tiny``: the CPU version's caps on lengths and batches, and the 8-slot smoke WoS ontology."""
    benches, skipped = [], {}
    for task_name in task_names:
        data = bench_data.task_data(task_name, data_dir, work / "data", count, real_ontology=not tiny)
        if data is None:
            skipped[task_name] = f"{bench_data.real_dev_file(task_name, data_dir)} not found, skipped"
            print(f"{task_name}: {skipped[task_name]}", flush=True)
            continue
        bench = config_bench(task_name, data)
        if tiny:
            cap = TINY_MRC_MAX_LENGTH if task_name == "mrc" else TINY_MAX_LENGTH
            bench.max_length = min(bench.max_length, cap)
            bench.train_batch = min(bench.train_batch, TINY_TRAIN_BATCH)
            bench.eval_batch = min(bench.eval_batch, TINY_EVAL_BATCH)
            bench.task_flags += TINY_TASK_FLAGS.get(task_name, [])
        benches.append(bench)
    return benches, skipped


def batch_shapes(features: Any, collator: Callable, batch_size: int, seed: int | None) -> tuple[int, float | None]:
    """How many distinct batch shapes one pass over ``features`` meets (in a seeded random order, as the
    Trainer trains; ``seed`` None: in file order, as it evaluates), and the positions the model computes per
    real token (``attention_mask``; None without one). Under CUDA graphs each shape is a graph compiled
    and recorded once (``runner.compile_per_length_bucket``): on a fresh machine, seconds each."""
    order = (torch.utils.data.RandomSampler(features, generator=torch.Generator().manual_seed(seed))
             if seed is not None else torch.utils.data.SequentialSampler(features))
    loader = torch.utils.data.DataLoader(features, batch_size=batch_size, sampler=order, collate_fn=collator)
    shapes, computed, real = set(), 0, 0
    for batch in loader:
        tensors = {key: value for key, value in batch.items() if isinstance(value, torch.Tensor)}
        shapes.add(tuple(sorted((key, tuple(value.shape)) for key, value in tensors.items())))
        if "attention_mask" in tensors:
            computed += tensors["attention_mask"].numel()
            real += int(tensors["attention_mask"].sum())
    return len(shapes), (computed / real if real else None)


def shapes_table(benches: list[Bench], model: Path, work: Path, multiples: list[int]) -> str:
    """Per task and ``--pad_to_multiple_of``: the shapes one training epoch and one evaluation meet, and
    the padding it costs (``batch_shapes``), on the benchmark's data at the configs' sizes."""
    lines = ["Per task and --pad_to_multiple_of (1: dynamic padding): distinct batch shapes in one training epoch "
             "(seeded random order, the config's train batch) and one evaluation (file order, its eval batch) of "
             "the whole benchmark file, and the positions computed per real token in training.", "",
             "| task | --pad_to_multiple_of | train shapes | eval shapes | computed / real tokens (train) |",
             "|---|---:|---:|---:|---:|"]
    for bench in benches:
        data = str(bench.data.path)
        argv = [*run_flags(bench, model, work / f"shapes-{bench.name}", 42), "--train_file", data,
                "--validation_file", data, "--do_train", "--do_eval"]
        run = task_features(bench, argv, ("train", "validation"))
        for multiple in multiples:
            collator = run.collator(multiple)
            train, padding = batch_shapes(run.features["train"], collator, bench.train_batch, seed=42)
            evaluation, _ = batch_shapes(run.features["validation"], collator, bench.eval_batch, seed=None)
            lines.append(f"| {bench.name} | {multiple} | {train} | {evaluation} | "
                         f"{'-' if padding is None else f'{padding:.2f}'} |")
            print(lines[-1], flush=True)
    lines += ["", "Data (max_seq_length):", ""]
    lines += [f"- {b.name}: {b.data.source}; max_seq_length {b.max_length}" for b in benches]
    return "\n".join(lines)


def learning_argv(bench: Bench, model: Path, out: Path, seed: int, train: Path, held_out: Path, epochs: int,
                  as_config: bool) -> list[str]:
    """The task script's flags for one learning run: ``epochs`` epochs at 5e-5 without checkpoints, or
    (``as_config``) the whole of ``configs/<task>.json`` as a user runs it (its epochs, learning rate,
    evaluations and checkpoints during training, the best model at the end) on the benchmark's model and data."""
    data = ["--train_file", str(train), "--validation_file", str(held_out), "--do_train", "--do_eval"]
    cpu = [] if torch.cuda.is_available() else ["--max_train_samples", "64", "--max_eval_samples", "32"]
    if not as_config:
        return [*run_flags(bench, model, out, seed), *data, "--num_train_epochs", str(epochs),
                "--learning_rate", "5e-5", *cpu]
    return [str(ROOT / "configs" / f"{bench.name}.json"), *run_flags(bench, model, out, seed, own_checkpoints=True),
            *data, "--do_predict", "false", *cpu]


def learning_check(model: Path, benches: list[Bench], work: Path, settings: dict[str, list[str]], seeds: list[int],
                   epochs: int, deadline: float | None = None,
                   report: Callable[[list[tuple[str, str, int, dict]]], None] | None = None,
                   train_fraction: float = 0.8, as_config: bool = False, started: float | None = None,
                   ) -> list[tuple[str, str, int, dict]]:
    """Per task, setting and seed: ``epochs`` epochs (``as_config``: the task's config, see
    ``learning_argv``) on the first ``train_fraction`` of the task's benchmark file, scored on the rest
    with the task's official metrics; also the train loss, the whole run's seconds (compiling
    included), the time a user waits, and from the step clock the steady-state train samples/s and the
    slow (first, compiling) steps, so that a run of another size can be extrapolated.

    Before each run its row says it is running and since when (seconds after ``started``, the command's
    start), and ``report`` gets the rows then and at each progress line of the step clock (every
    ``PROGRESS_EVERY`` steps, slow steps), which are printed too: a run cut off by a timeout leaves its
    row and its last step."""
    from metrics.tasks import TASKS as METRIC_TASKS

    started = time.perf_counter() if started is None else started
    rows: list[tuple[str, str, int, dict]] = []
    for bench in benches:
        train, held_out = split_for_learning(bench.data.path, work / f"learning-{bench.name}-data", train_fraction)
        module = importlib.import_module(f"trainers.run_{bench.name}")
        # Seed by seed, each seed's settings together: a budget cut still leaves pairs to compare.
        for seed in seeds:
            for name, flags in settings.items():
                if deadline is not None and time.perf_counter() > deadline:
                    rows.append((bench.name, name, seed, {"error": SKIPPED}))
                    continue
                out = work / f"learning-{bench.name}-{len(rows)}"
                argv = [*learning_argv(bench, model, out, seed, train, held_out, epochs, as_config), *flags]
                start = time.perf_counter()
                running = {"running": start - started, "progress": ""}
                rows.append((bench.name, name, seed, running))
                label = f"{bench.name} / {name.split(' (')[0]} / seed {seed}"
                print(f"learning {label}: started {running['running']:.0f} s into the command", flush=True)
                if report is not None:
                    report(rows)
                clock = StepClock(0, _progress_to(running, label, started, lambda: report and report(rows)),
                                  every=PROGRESS_EVERY)
                try:
                    with clocked(clock) as seen:
                        status = module.main(task_object(bench.name), argv)
                except Exception as error:  # noqa: BLE001
                    rows[-1] = (bench.name, name, seed, error_cell(error))
                    continue
                finally:
                    _reset_compiler()
                    _free_memory()
                seconds = time.perf_counter() - start
                if status != 0:
                    rows[-1] = (bench.name, name, seed, {"error": f"exit {status}"})
                else:
                    results = json.loads((out / "all_results.json").read_text())
                    metrics = {key: results.get(f"eval_{key}") for key in METRIC_TASKS[bench.name].metric_keys}
                    args = seen.get("args")
                    samples = (bench.train_batch if args is None
                               else args.per_device_train_batch_size * args.gradient_accumulation_steps)
                    rows[-1] = (bench.name, name, seed, {
                        "metrics": metrics, "train_loss": results.get("train_loss"), "seconds": seconds,
                        **throughput(clock.times, 0, samples, clock.skipped)})
                print("learning", bench.name, name, seed, rows[-1][3], flush=True)
                if report is not None:  # after every run: a command cut short keeps the finished rows
                    report(rows)
    return rows


PROGRESS_EVERY = 50  # a learning run's progress line every this many steps (bench/step_clock.py)


def _progress_to(running: dict, label: str, started: float, rewrite: Callable[[], Any]) -> Callable[[str], None]:
    """The step clock's progress lines: printed with the command's time, kept in the running row's
    ``progress`` and the table rewritten (``rewrite``)."""
    def progress(line: str) -> None:
        at = time.perf_counter() - started
        print(f"progress {label}: {line} [{at:.0f} s into the command]", flush=True)
        running["progress"] = f"at {at:.0f} s: {line}"
        rewrite()
    return progress


def running_cell(result: dict) -> str:
    """A run that has not ended (yet): when it started and its last progress line; a command killed by its
    timeout leaves this in its table."""
    text = f"not ended: started {result['running']:.0f} s into the command"
    return text + (f"; {result['progress']}" if result.get("progress") else "")


def cell(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}" if value >= 10 else f"{value:.2f}"


def ratio(result: dict, baseline: dict | None) -> str:
    """Train samples/s over the KLUE-baseline style row's, e.g. ``2.31x`` (``-`` without both)."""
    if not baseline or not baseline.get("train") or not result.get("train"):
        return "-"
    return f"{result['train'] / baseline['train']:.2f}x"


def throughput_table(head: str, benches: list[Bench], names: list[str], results: dict[tuple[str, str], dict],
                     skipped: dict[str, str]) -> str:
    lines = [head, "", "| task | setting | batch (train / eval, as the run parsed) | train samples/s "
             "| vs KLUE-baseline style | compile steps (s) | eval samples/s | run s |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    for bench in benches:
        baseline = results.get((bench.name, BASELINE))
        for name in names:
            result = results.get((bench.name, name))
            if result is None:
                continue
            label = f"{name} = {result['same']} here" if result.get("same") else name
            batch = result.get("batch") or planned_batch(bench, SETTINGS.get(name, []))
            if "running" in result:
                lines.append(f"| {bench.name} | {label} | {batch} | {running_cell(result)} | | | | |")
                continue
            if "error" in result:
                lines.append(f"| {bench.name} | {label} | {batch} | {result['error']} | | | | |")
                continue
            lines.append(f"| {bench.name} | {label} | {batch} | {cell(result['train'])} "
                         f"| {ratio(result, baseline)} | {compile_cell(result)} | {cell(result['eval'])} "
                         f"| {result.get('seconds', 0):.0f} |")
    lines += ["", "Data (max_seq_length; a sample is one model input):", ""]
    lines += [f"- {b.name}: {b.data.source}; max_seq_length {b.max_length}" for b in benches]
    lines += [f"- {name}: {why}" for name, why in skipped.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=TASKS, help="tasks to run, in this order")
    parser.add_argument("--data_dir", default=str(ROOT.parent / "shared" / "klue"),
                        help="the real KLUE files (v1.1/ dev files; the WoS ontology)")
    parser.add_argument("--steps", type=int, default=30, help="timed training steps per setting")
    parser.add_argument("--warmup_steps", type=int, default=8, help="untimed steps first (CUDA init, compile)")
    parser.add_argument("--max_eval_samples", type=int, default=2000,
                        help="examples evaluated per run (0: the whole file)")
    parser.add_argument("--settings", nargs="*", default=None,
                        help="setting names (substrings) to run; default: KLUE-baseline style, eager, script default, "
                             "--cuda_graphs on")
    parser.add_argument("--bare", nargs="*", default=["fp32"], choices=["fp32", "bf16"],
                        help="bare PyTorch loops to run (none: no bare loop)")
    parser.add_argument("--budget_s", type=float, default=None,
                        help="start no new run after this many seconds (the rows left say so)")
    parser.add_argument("--learning", nargs="*", default=None, metavar="SETTING",
                        help="instead of throughput: per --learning_tasks task, setting (substrings) and seed, train "
                             "--learning_epochs on 80%% of the task's file and score the other 20%% (NER: 4,000 and "
                             "1,000 dev sentences)")
    parser.add_argument("--learning_tasks", nargs="+", default=["ner"], choices=TASKS,
                        help="the tasks of --learning (default: NER, on the real dev file)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--learning_epochs", type=int, default=2)
    parser.add_argument("--learning_sizes", nargs=2, type=int, default=None, metavar=("TRAIN", "HELD_OUT"),
                        help="--learning on synthetic sets (ynat re mrc wos) of TRAIN examples to train on and "
                             "HELD_OUT to score (default: the dev size, 80/20), e.g. KLUE's train size")
    parser.add_argument("--learning_config", action="store_true",
                        help="--learning runs configs/<task>.json as a user does (its epochs, learning rate, "
                             "evaluations and checkpoints during training, best model at the end) instead of "
                             "--learning_epochs at 5e-5 without checkpoints")
    parser.add_argument("--shapes", nargs="+", type=int, default=None, metavar="MULTIPLE",
                        help="instead of throughput (no GPU needed): per task, the distinct batch shapes a training "
                             "epoch and an evaluation meet at each --pad_to_multiple_of (1: dynamic padding), each a "
                             "graph compiled under CUDA graphs, and the padding it costs; dev-sized data; the "
                             "tokenizer is trained on the texts of --tasks, as a GPU run's is")
    parser.add_argument("--shape_examples", type=int, default=None,
                        help="--shapes on the first N examples of each task (default: dev-sized)")
    parser.add_argument("--out", default="", help="also write the table to this Markdown file (after every run)")
    args = parser.parse_args(argv)
    if args.learning_sizes is not None:
        real = [task for task in args.learning_tasks if task in bench_data.REAL_TASKS]
        if real or min(args.learning_sizes) < 1:
            parser.error("--learning_sizes needs sizes of at least 1 and synthetic tasks (ynat re mrc wos); "
                         f"{' '.join(real) or 'sizes'} cannot be sized")
    started = time.perf_counter()
    if args.shapes is not None:
        return shapes_main(args)

    tiny = not torch.cuda.is_available()
    if tiny:
        print("No CUDA device: running the tiny CPU version (2-layer model, few steps); these are not GPU figures.")
        args.steps, args.warmup_steps = min(args.steps, TINY_STEPS), 1
        args.max_eval_samples = min(args.max_eval_samples or TINY_EVAL, TINY_EVAL)
        # One thread: on a shared small CPU two threads per process wait on each other (steps of
        # seconds instead of tenths), and the tiny version's figures mean nothing anyway.
        torch.set_num_threads(1)
    device = torch.cuda.get_device_name(0) if not tiny else "CPU (tiny model)"
    names = pick_settings(args.learning if args.learning is not None else args.settings)
    if tiny:
        names = [name for name in names if not any(flag in COMPILE_FLAGS for flag in SETTINGS[name])]
    if args.learning is None:  # the bare loops run after eager, before the compiling settings
        after = [name for name in (EAGER, BASELINE) if name in names]
        at = names.index(after[0]) + 1 if after else 0
        names[at:at] = [BARE[precision] for precision in args.bare if not (precision == "bf16" and tiny)]
    head = f"Device: {device}; torch {torch.__version__}."

    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        count, train_fraction = None, 0.8
        if tiny:  # learning: enough examples to split, 64 of them trained on
            count = TINY_LEARNING_EXAMPLES if args.learning is not None else TINY_EXAMPLES
        if args.learning is not None and args.learning_sizes is not None:
            count = sum(args.learning_sizes)
            train_fraction = args.learning_sizes[0] / count
        benches, skipped = make_benches(args.learning_tasks if args.learning is not None else args.tasks,
                                        args.data_dir, work, count, tiny)
        if not benches:
            print("No task has data; nothing to run.")
            return 1
        model = build_model(work / "model", list(bench_data.all_texts([b.data for b in benches])), tiny)
        warmed = warm_up_cuda()  # untimed: the first setting does not pay CUDA's and cuBLAS's start
        if warmed is not None:
            print(f"CUDA warm-up (untimed): {warmed:.1f} s", flush=True)

        if args.learning is not None:
            deadline = None if args.budget_s is None else started + args.budget_s

            what = learning_what(args.learning_epochs, args.learning_config, args.learning_sizes, tiny)

            def report(rows: list[tuple[str, str, int, dict]]) -> None:
                if args.out:
                    table = learning_table(head, what, rows)
                    write_text(args.out, lambda stream: stream.write(table + "\n"))

            rows = learning_check(model, benches, work, {name: SETTINGS[name] for name in names}, args.seeds,
                                  args.learning_epochs, deadline, report, train_fraction, args.learning_config,
                                  started)
            table = learning_table(head, what, rows)
            print(table)
            if args.out:
                write_text(args.out, lambda stream: stream.write(table + "\n"))
            return 0

        head += (f" {args.steps} timed training steps after {args.warmup_steps} per run; steps over 3x the median "
                 "(compiling a new shape) are left out of train samples/s and counted apart; eval on "
                 f"{args.max_eval_samples or 'all'} examples per task.")
        results: dict[tuple[str, str], dict] = {}

        def rewrite() -> None:  # the table as it stands: after every run, and during one (its running row)
            if args.out:
                _fill_repeats(results, benches, names)
                table = throughput_table(head, benches, names, results, skipped)
                write_text(args.out, lambda stream: stream.write(table + "\n"))

        for name in names:  # setting by setting: a budget cut leaves whole columns missing, not tasks
            for bench in benches:
                same = same_run(name, bench, names)
                if same is not None:
                    continue  # filled in from the run it repeats, below
                out = work / "runs" / f"{bench.name}-{len(results)}"
                if args.budget_s is not None and time.perf_counter() - started > args.budget_s:
                    result = {"error": SKIPPED}
                else:
                    start = time.perf_counter()
                    running = {"running": start - started, "progress": ""}
                    results[(bench.name, name)] = running
                    label = f"{bench.name} / {name.split(' (')[0]}"
                    print(f"{label}: started {running['running']:.0f} s into the command", flush=True)
                    rewrite()
                    if name in BARE.values():
                        result = run_bare(bench, model, out, args.steps, args.warmup_steps, name == BARE["bf16"])
                    else:
                        result = run_script(bench, model, out, SETTINGS[name], args.steps, args.warmup_steps,
                                            args.max_eval_samples or None, _progress_to(running, label, started,
                                                                                        rewrite))
                    result["seconds"] = time.perf_counter() - start
                    _free_memory()
                results[(bench.name, name)] = result
                print(bench.name, name, result, flush=True)
                rewrite()
        _fill_repeats(results, benches, names)
    table = throughput_table(head, benches, names, results, skipped)
    print(table)
    if args.out:
        write_text(args.out, lambda stream: stream.write(table + "\n"))
    return 0


def shapes_main(args: argparse.Namespace) -> int:
    """``--shapes``: the shapes table. The 32k tokenizer of the GPU runs, so lengths are theirs; the network
    only tells which columns its forward takes, so a tiny one does."""
    if any(multiple < 1 for multiple in args.shapes):
        print("--shapes: multiples are whole numbers >= 1 (1: dynamic padding)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        benches, _ = make_benches(args.tasks, args.data_dir, work, args.shape_examples, tiny=False)
        if not benches:
            print("No task has data; nothing to run.")
            return 1
        model = build_model(work / "model", list(bench_data.all_texts([b.data for b in benches])), tiny=True,
                            vocab_size=32000)
        table = shapes_table(benches, model, work, args.shapes)
    print(table)
    if args.out:
        write_text(args.out, lambda stream: stream.write(table + "\n"))
    return 0


def _free_memory() -> None:
    """The last run's model, optimizer and graphs go before the next run allocates its own."""
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _fill_repeats(results: dict[tuple[str, str], dict], benches: list[Bench], names: list[str]) -> None:
    """Rows that repeat another run (the script default) take that run's numbers, saying so."""
    for bench in benches:
        for name in names:
            same = same_run(name, bench, names)
            if same is not None and (bench.name, same) in results and "running" not in results[(bench.name, same)]:
                results[(bench.name, name)] = {**results[(bench.name, same)], "same": same.split(" (")[0]}


def learning_what(epochs: int, as_config: bool, sizes: list[int] | None, tiny: bool) -> str:
    """What the learning table's runs did, for its head line."""
    runs = "configs/<task>.json as a user runs it" if as_config else f"{epochs} epochs at 5e-5"
    data = ("the first 80% of each task's benchmark file, scored on the other 20%" if sizes is None
            else f"{sizes[0]:,} synthetic examples, scored on {sizes[1]:,} others")
    return f"{runs}, on {data}" + (" (tiny CPU version: at most 64 trained on, 32 scored)." if tiny else ".")


def compile_cell(result: dict) -> str:
    """Slow steps (over 3x the median: the first, compiling a shape) and their seconds, e.g. ``3 (41.2)``."""
    steps = result.get("compile_steps")
    return "-" if steps is None else f"{steps} ({result['compile_seconds']:.1f})" if steps else "0"


def learning_table(head: str, what: str, rows: list[tuple[str, str, int, dict]]) -> str:
    lines = [f"{head} {what} Train samples/s: the training steps' steady state (steps over 3x the median, "
             "and intervals holding an evaluation or a checkpoint, left out); compile steps: those slow steps "
             "(the first step, each new shape) and their seconds; a whole run of N samples and E epochs takes "
             "about N x E / samples/s + the compile seconds + evaluation.", "",
             "| task | setting | seed | official metrics | train loss | train samples/s (steady) "
             "| compile steps (s) | seconds (whole run) |",
             "|---|---|---:|---|---:|---:|---:|---:|"]
    for task, name, seed, result in rows:
        if "running" in result:
            lines.append(f"| {task} | {name} | {seed} | {running_cell(result)} | | | | |")
            continue
        if "error" in result:
            lines.append(f"| {task} | {name} | {seed} | {result['error']} | | | | |")
            continue
        metrics = " / ".join(f"{key} {'-' if value is None else f'{value:.1f}'}"
                             for key, value in result["metrics"].items())
        loss = "-" if result["train_loss"] is None else f"{result['train_loss']:.3f}"
        lines.append(f"| {task} | {name} | {seed} | {metrics} | {loss} | {cell(result.get('train'))} "
                     f"| {compile_cell(result)} | {result['seconds']:.0f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
