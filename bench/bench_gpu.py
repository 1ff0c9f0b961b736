"""Training and evaluation throughput of the task scripts on a GPU, setting by setting.

    python bench/bench_gpu.py                       # NLI and NER, a roberta-base-sized model
    python bench/bench_gpu.py --tasks nli --steps 40 --out bench/GPU_THROUGHPUT.md

Offline: the model is a random-init roberta-base-sized encoder (12 layers, hidden 768,
``type_vocab_size`` 1 as ``klue/roberta-*``) with a 32k WordPiece tokenizer trained here on the
dev texts; the data are the real NLI and NER dev files (``--data_dir``, default ``../shared/klue``).
Each setting runs the task script's own ``main`` for ``--steps`` training steps at batch 32
(after ``--warmup_steps`` steps not counted) and one evaluation of the dev file, and reports
samples/s. Settings: the KLUE-baseline style (every batch padded to max_seq_length, fp32), eager
mode (dynamic padding, fp32: the scripts' default before ``--cuda_graphs``), the scripts' default now,
``--bf16``, ``group_by_length``, ``--torch_compile`` with dynamic and with bucketed shapes, CUDA
graphs (two backends, and ``--cuda_graphs on``), and a bare PyTorch loop over the same batches (the
eager-mode limit; fp32 and bf16 autocast). Without CUDA it says so in one line and runs a tiny CPU version, so the script
itself stays tested.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from transformers import TrainerCallback  # noqa: E402

from smoke.tiny_model import wordpiece_tokenizer  # noqa: E402

DEV_FILES = {
    "nli": Path("v1.1") / "klue-nli-v1.1" / "klue-nli-v1.1_dev.json",
    "ner": Path("v1.1") / "klue-ner-v1.1" / "klue-ner-v1.1_dev.tsv",
}
MAX_LENGTH = {"nli": 128, "ner": 510}
BATCH_SIZE = 32

SETTINGS: dict[str, list[str]] = {
    "KLUE-baseline style (pad to max length, fp32)": ["--pad_to_max_length", "--cuda_graphs", "off"],
    "eager (dynamic padding, fp32; --cuda_graphs off)": ["--cuda_graphs", "off"],
    "script default (--cuda_graphs auto)": [],
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
    "--cuda_graphs on (pad to 32, reduce-overhead, no per-step NaN check)": ["--cuda_graphs", "on"],
}
COMPILE_FLAGS = ("--torch_compile", "--bf16", "--optim", "on")  # settings left out of the tiny CPU version


def dev_texts(task: str, path: Path) -> list[str]:
    if task == "nli":
        records = json.loads(path.read_text(encoding="utf-8"))
        return [text for record in records for text in (record["premise"], record["hypothesis"])]
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("\t", 1)[1] for line in lines if line.startswith("## ") and "\t" in line]


def build_model(directory: Path, texts: list[str], tiny: bool) -> Path:
    from transformers import AutoModel, RobertaConfig

    tokenizer = wordpiece_tokenizer(texts, vocab_size=2000 if tiny else 32000, model_max_length=512)
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
    AutoModel.from_config(config).save_pretrained(directory)
    return directory


class StepClock(TrainerCallback):
    """Host time of each training step, with no synchronisation inside the run (a sync per step
    would stall the queue of kernels that a launch-bound run lives on); one sync at the end.

    Steps that compile a new graph take seconds on the host: ``throughput`` leaves out steps
    longer than 3x the median and reports them apart, so compiled settings show their steady
    state and what reaching it cost."""

    def __init__(self, warmup: int) -> None:
        self.warmup, self.times = warmup, []

    def on_step_begin(self, args, state, control, **kwargs):  # noqa: ANN001, ANN003, ANN201
        if state.global_step == self.warmup and torch.cuda.is_available():
            torch.cuda.synchronize()
        self.times.append(time.perf_counter())

    def on_train_end(self, args, state, control, **kwargs):  # noqa: ANN001, ANN003, ANN201
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        self.times.append(time.perf_counter())


def throughput(stamps: list[float], warmup: int) -> dict[str, float | None]:
    """Samples/s over the steps after ``warmup`` from consecutive step start times, compile steps apart."""
    durations = np.diff(np.asarray(stamps[warmup:], dtype=np.float64))
    if durations.size == 0:
        return {"train": None, "compile_steps": 0, "compile_seconds": 0.0}
    slow = durations > 3 * np.median(durations)
    kept = durations[~slow]
    return {"train": kept.size * BATCH_SIZE / kept.sum() if kept.size else None,
            "compile_steps": int(slow.sum()), "compile_seconds": float(durations[slow].sum())}


def run_script(task_name: str, model: Path, dev: Path, out: Path, flags: list[str], steps: int, warmup: int) -> dict:
    import importlib

    from transformers import Trainer

    module = importlib.import_module(f"trainers.run_{task_name}")
    task = next(value() for name, value in vars(module).items() if name.endswith("Task") and value.__module__ == module.__name__)
    clock = StepClock(warmup)
    original_init = Trainer.__init__

    def init(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        original_init(self, *args, **kwargs)
        self.add_callback(clock)

    argv = ["--model_name_or_path", str(model), "--output_dir", str(out), "--train_file", str(dev),
            "--validation_file", str(dev), "--do_train", "--do_eval", "--max_steps", str(steps + warmup),
            "--per_device_train_batch_size", str(BATCH_SIZE), "--per_device_eval_batch_size", "64",
            "--max_seq_length", str(MAX_LENGTH[task_name]), "--save_strategy", "no", "--report_to", "none",
            "--disable_tqdm", "true", "--logging_steps", "1000", "--seed", "42", "--overwrite_output_dir",
            *([] if torch.cuda.is_available() else ["--use_cpu", "--max_eval_samples", "64"]), *flags]
    Trainer.__init__ = init
    try:
        status = module.main(task, argv)
    except Exception as error:  # noqa: BLE001  # one setting failing (a compile error) must not end the table
        return {"error": f"{type(error).__name__}: {str(error).splitlines()[0][:120]}"}
    finally:
        Trainer.__init__ = original_init
        _reset_compiler()
    if status != 0:
        return {"error": f"exit {status}"}
    results = json.loads((out / "all_results.json").read_text())
    return {**throughput(clock.times, warmup), "eval": results.get("eval_samples_per_second"),
            "score": _main_score(task_name, results)}


def _reset_compiler() -> None:
    """Each setting starts with no compiled graphs and the default dynamo settings."""
    import torch._dynamo

    torch._dynamo.reset()
    torch._dynamo.config.automatic_dynamic_shapes = True


def _main_score(task: str, results: dict) -> float | None:
    return results.get("eval_accuracy" if task == "nli" else "eval_char_f1")


def bare_loop(task_name: str, model: Path, dev: Path, steps: int, warmup: int, bf16: bool) -> dict:
    """The same batches through a plain PyTorch loop: forward, backward, AdamW step; no Trainer."""
    import importlib

    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoModelForTokenClassification

    from args import DataArguments, ModelArguments
    from trainers import runner

    module = importlib.import_module(f"trainers.run_{task_name}")
    task = next(value() for name, value in vars(module).items() if name.endswith("Task") and value.__module__ == module.__name__)
    task.use_options(*(cls() for cls in task.argument_classes))
    model_args = ModelArguments(model_name_or_path=str(model))
    tokenizer = runner.load_tokenizer(model_args, fast_required=True)
    config = AutoConfig.from_pretrained(model, **task.config_overrides())
    runner.emit_no_token_type_ids(tokenizer)
    examples = runner.load_local(task.data, {"train": dev})["train"]
    data_args = DataArguments(max_seq_length=MAX_LENGTH[task_name])

    features = runner.tokenize_split(task, examples, tokenizer, MAX_LENGTH[task_name], data_args, None, "train")
    features = features.remove_columns([c for c in features.column_names if c not in ("input_ids", "attention_mask", "labels")])
    loader = torch.utils.data.DataLoader(
        features, batch_size=BATCH_SIZE, shuffle=True, collate_fn=task.data_collator(tokenizer, None),
        generator=torch.Generator().manual_seed(42),
    )
    head = AutoModelForTokenClassification if task_name == "ner" else AutoModelForSequenceClassification
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    network = head.from_pretrained(model, config=config).to(device).train()
    optimizer = torch.optim.AdamW(network.parameters(), lr=5e-5)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if bf16 and device.type == "cuda" else contextlib.nullcontext()
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
    return {**throughput(stamps, warmup), "eval": None, "score": None}


def split_ner(dev: Path, work: Path, n_train: int) -> tuple[Path, Path]:
    """The NER dev file cut in two: its first ``n_train`` sentences to train on, the rest to score."""
    blocks = [block for block in dev.read_text(encoding="utf-8").split("\n\n") if block.strip()]
    paths = (work / "ner-learning-train.tsv", work / "ner-learning-eval.tsv")
    for path, part in zip(paths, (blocks[:n_train], blocks[n_train:])):
        path.write_text("\n\n".join(part) + "\n\n", encoding="utf-8")
    return paths


def learning_check(model: Path, dev: Path, work: Path, settings: dict[str, list[str]], seeds: list[int],
                   epochs: int) -> list[tuple[str, int, dict]]:
    """NER trained ``epochs`` epochs on 4,000 dev sentences and scored on the other 1,000, per setting and seed."""
    import importlib

    train, held_out = split_ner(dev, work, 4000)
    module = importlib.import_module("trainers.run_ner")
    rows = []
    for name, flags in settings.items():
        for seed in seeds:
            out = work / f"learning-{len(rows)}"
            argv = ["--model_name_or_path", str(model), "--output_dir", str(out), "--train_file", str(train),
                    "--validation_file", str(held_out), "--do_train", "--do_eval", "--num_train_epochs", str(epochs),
                    "--per_device_train_batch_size", str(BATCH_SIZE), "--per_device_eval_batch_size", "64",
                    "--max_seq_length", str(MAX_LENGTH["ner"]), "--save_strategy", "no", "--report_to", "none",
                    "--disable_tqdm", "true", "--logging_steps", "1000", "--seed", str(seed), "--learning_rate", "5e-5",
                    *([] if torch.cuda.is_available() else ["--use_cpu", "--max_train_samples", "64",
                                                            "--max_eval_samples", "32"]), *flags]
            start = time.perf_counter()
            try:
                status = module.main(module.NerTask(), argv)
            except Exception as error:  # noqa: BLE001
                rows.append((name, seed, {"error": f"{type(error).__name__}: {str(error).splitlines()[0][:120]}"}))
                continue
            finally:
                _reset_compiler()
            seconds = time.perf_counter() - start
            if status != 0:
                rows.append((name, seed, {"error": f"exit {status}"}))
                continue
            results = json.loads((out / "all_results.json").read_text())
            rows.append((name, seed, {"entity_f1": results.get("eval_entity_f1"), "char_f1": results.get("eval_char_f1"),
                                      "train_loss": results.get("train_loss"), "seconds": seconds}))
            print("learning", name, seed, rows[-1][2], flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["nli", "ner"], choices=sorted(DEV_FILES))
    parser.add_argument("--data_dir", default=str(ROOT.parent / "shared" / "klue"))
    parser.add_argument("--steps", type=int, default=60, help="timed training steps per setting")
    parser.add_argument("--warmup_steps", type=int, default=10, help="untimed steps first (CUDA init, compile)")
    parser.add_argument("--settings", nargs="*", default=None, help="a subset of the setting names (substrings)")
    parser.add_argument("--bare", nargs="*", default=["fp32", "bf16"], choices=["fp32", "bf16"],
                        help="bare PyTorch loops to run (none: no bare loop)")
    parser.add_argument("--learning", nargs="*", default=None, metavar="SETTING",
                        help="instead of throughput: train NER --learning_epochs on 4,000 dev sentences per setting "
                             "(substrings) and seed, and score the other 1,000")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--learning_epochs", type=int, default=2)
    parser.add_argument("--out", default="", help="also write the table to this Markdown file")
    args = parser.parse_args(argv)

    tiny = not torch.cuda.is_available()
    if tiny:
        print("No CUDA device: running the tiny CPU version (2-layer model, few steps); these are not GPU figures.")
        args.steps, args.warmup_steps = min(args.steps, 3), 1
    device = torch.cuda.get_device_name(0) if not tiny else "CPU (tiny model)"
    chosen = args.learning if args.learning is not None else args.settings
    settings = {name: flags for name, flags in SETTINGS.items() if not chosen or any(s in name for s in chosen)}
    if tiny:
        settings = {name: flags for name, flags in settings.items()
                    if not any(flag in COMPILE_FLAGS for flag in flags)}
    rows, learning_rows = [], []
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        for task_name in ["ner"] if args.learning is not None else args.tasks:
            dev = Path(args.data_dir) / DEV_FILES[task_name]
            if not dev.is_file():
                print(f"{task_name}: {dev} not found, skipped")
                continue
            model = build_model(work / f"{task_name}-model", dev_texts(task_name, dev), tiny)
            if args.learning is not None:
                learning_rows = learning_check(model, dev, work, settings, args.seeds, args.learning_epochs)
                continue
            for name, flags in settings.items():
                result = run_script(task_name, model, dev, work / f"{task_name}-{len(rows)}", flags, args.steps,
                                    args.warmup_steps)
                rows.append((task_name, name, result))
                print(task_name, name, result, flush=True)
            for precision in args.bare:
                if precision == "bf16" and tiny:
                    continue
                result = bare_loop(task_name, model, dev, args.steps, args.warmup_steps, precision == "bf16")
                rows.append((task_name, f"bare PyTorch loop ({'bf16 autocast' if precision == 'bf16' else 'fp32'})",
                             result))
                print(task_name, rows[-1][1], result, flush=True)

    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:,.0f}" if value >= 10 else f"{value:.2f}"

    head = f"Device: {device}; batch {BATCH_SIZE}; torch {torch.__version__}."
    if args.learning is not None:
        lines = [f"{head} NER, {args.learning_epochs} epochs on 4,000 dev sentences, scored on the other 1,000.", "",
                 "| setting | seed | entity F1 | char F1 | train loss | seconds |", "|---|---:|---:|---:|---:|---:|"]
        for name, seed, result in learning_rows:
            if "error" in result:
                lines.append(f"| {name} | {seed} | {result['error']} | | | |")
            else:
                lines.append(f"| {name} | {seed} | {result['entity_f1']:.1f} | {result['char_f1']:.1f} "
                             f"| {result['train_loss']:.3f} | {result['seconds']:.0f} |")
    else:
        lines = [f"{head} {args.steps} timed training steps after {args.warmup_steps}; steps over 3x the median "
                 "(compiling a new shape) are left out of train samples/s and counted apart.", "",
                 "| task | setting | train samples/s | compile steps (s) | eval samples/s |", "|---|---|---:|---:|---:|"]
        for task_name, name, result in rows:
            if "error" in result:
                lines.append(f"| {task_name} | {name} | {result['error']} | | |")
            else:
                compiled = f"{result['compile_steps']} ({result['compile_seconds']:.1f})" if result["compile_steps"] else "0"
                lines.append(f"| {task_name} | {name} | {cell(result['train'])} | {compiled} | {cell(result['eval'])} |")
    table = "\n".join(lines)
    print(table)
    if args.out:
        Path(args.out).write_text(table + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
