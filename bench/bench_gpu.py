"""Training and evaluation throughput of the task scripts on a GPU, setting by setting.

    python bench/bench_gpu.py                       # NLI and NER, a roberta-base-sized model
    python bench/bench_gpu.py --tasks nli --steps 40 --out bench/GPU_THROUGHPUT.md

Offline: the model is a random-init roberta-base-sized encoder (12 layers, hidden 768,
``type_vocab_size`` 1 as ``klue/roberta-*``) with a 32k WordPiece tokenizer trained here on the
dev texts; the data are the real NLI and NER dev files (``--data_dir``, default ``../shared/klue``).
Each setting runs the task script's own ``main`` for ``--steps`` training steps at batch 32
(after ``--warmup_steps`` steps not counted) and one evaluation of the dev file, and reports
samples/s. Settings: the KLUE-baseline style (every batch padded to max_seq_length, fp32), the
scripts' default (dynamic padding, fp32), ``--bf16``, ``group_by_length``, the fused AdamW,
``--torch_compile``, and a bare PyTorch loop over the same batches (the eager-mode limit; fp32 and
bf16 autocast). Without CUDA it says so in one line and runs a tiny CPU version, so the script
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

import torch  # noqa: E402
from transformers import TrainerCallback  # noqa: E402

from tests.tiny_tokenizers import wordpiece_tokenizer  # noqa: E402

DEV_FILES = {
    "nli": Path("v1.1") / "klue-nli-v1.1" / "klue-nli-v1.1_dev.json",
    "ner": Path("v1.1") / "klue-ner-v1.1" / "klue-ner-v1.1_dev.tsv",
}
MAX_LENGTH = {"nli": 128, "ner": 510}
BATCH_SIZE = 32

SETTINGS: dict[str, list[str]] = {
    "KLUE-baseline style (pad to max length, fp32)": ["--pad_to_max_length"],
    "script default (dynamic padding, fp32)": [],
    "--bf16": ["--bf16"],
    "--train_sampling_strategy group_by_length": ["--train_sampling_strategy", "group_by_length"],
    "--optim adamw_torch_fused": ["--optim", "adamw_torch_fused"],
    "--torch_compile": ["--torch_compile"],
}


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
    """Wall time of the training steps after the first ``warmup`` (CUDA init, compilation)."""

    def __init__(self, warmup: int) -> None:
        self.warmup, self.start, self.end = warmup, None, None

    def _sync(self) -> float:
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        return time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):  # noqa: ANN001, ANN003, ANN201
        if state.global_step == self.warmup:
            self.start = self._sync()
        self.end = self._sync()


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
    finally:
        Trainer.__init__ = original_init
    if status != 0:
        return {"error": f"exit {status}"}
    results = json.loads((out / "all_results.json").read_text())
    train = steps * BATCH_SIZE / (clock.end - clock.start) if clock.start and clock.end > clock.start else None
    return {"train": train, "eval": results.get("eval_samples_per_second"), "score": _main_score(task_name, results)}


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

    class _Args:  # what tokenize_split reads of the training arguments
        @staticmethod
        def main_process_first(desc: str) -> contextlib.AbstractContextManager:
            return contextlib.nullcontext()

    features = runner.tokenize_split(task, examples, tokenizer, MAX_LENGTH[task_name], data_args, _Args(), "train")
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
    done, start = 0, None
    while done < steps + warmup:
        for batch in loader:
            if done == warmup:
                if device.type == "cuda":
                    torch.cuda.synchronize()
                start = time.perf_counter()
            batch = {key: value.to(device, non_blocking=True) for key, value in batch.items()}
            with autocast:
                loss = network(**batch).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            done += 1
            if done == steps + warmup:
                break
    if device.type == "cuda":
        torch.cuda.synchronize()
    return {"train": steps * BATCH_SIZE / (time.perf_counter() - start), "eval": None, "score": None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["nli", "ner"], choices=sorted(DEV_FILES))
    parser.add_argument("--data_dir", default=str(ROOT.parent / "shared" / "klue"))
    parser.add_argument("--steps", type=int, default=60, help="timed training steps per setting")
    parser.add_argument("--warmup_steps", type=int, default=10, help="untimed steps first (CUDA init, compile)")
    parser.add_argument("--settings", nargs="*", default=None, help="a subset of the setting names (substrings)")
    parser.add_argument("--out", default="", help="also write the table to this Markdown file")
    args = parser.parse_args(argv)

    tiny = not torch.cuda.is_available()
    if tiny:
        print("No CUDA device: running the tiny CPU version (2-layer model, few steps); these are not GPU figures.")
        args.steps, args.warmup_steps = min(args.steps, 3), 1
    device = torch.cuda.get_device_name(0) if not tiny else "CPU (tiny model)"
    settings = {
        name: flags for name, flags in SETTINGS.items() if not args.settings or any(s in name for s in args.settings)
    }
    if tiny:
        settings = {name: flags for name, flags in settings.items() if "compile" not in name and "bf16" not in name
                    and "fused" not in name}
    rows = []
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        for task_name in args.tasks:
            dev = Path(args.data_dir) / DEV_FILES[task_name]
            if not dev.is_file():
                print(f"{task_name}: {dev} not found, skipped")
                continue
            model = build_model(work / f"{task_name}-model", dev_texts(task_name, dev), tiny)
            for name, flags in settings.items():
                result = run_script(task_name, model, dev, work / f"{task_name}-{len(rows)}", flags, args.steps,
                                    args.warmup_steps)
                rows.append((task_name, name, result))
                print(task_name, name, result, flush=True)
            for bf16 in (False, True):
                if bf16 and tiny:
                    continue
                result = bare_loop(task_name, model, dev, args.steps, args.warmup_steps, bf16)
                rows.append((task_name, f"bare PyTorch loop ({'bf16 autocast' if bf16 else 'fp32'})", result))
                print(task_name, rows[-1][1], result, flush=True)

    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:,.0f}" if value >= 10 else f"{value:.2f}"

    lines = [f"Device: {device}; batch {BATCH_SIZE}; {args.steps} timed training steps after {args.warmup_steps}; "
             f"torch {torch.__version__}.", "",
             "| task | setting | train samples/s | eval samples/s |", "|---|---|---:|---:|"]
    for task_name, name, result in rows:
        if "error" in result:
            lines.append(f"| {task_name} | {name} | {result['error']} | |")
        else:
            lines.append(f"| {task_name} | {name} | {cell(result['train'])} | {cell(result['eval'])} |")
    table = "\n".join(lines)
    print(table)
    if args.out:
        Path(args.out).write_text(table + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
