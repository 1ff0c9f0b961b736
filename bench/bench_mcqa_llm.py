"""MCQA with a real-sized decoder LLM on one GPU: bf16 + LoRA against 4-bit NF4 + LoRA (QLoRA).

    python bench/bench_mcqa_llm.py                        # Qwen2-1.5B shape (the default)
    python bench/bench_mcqa_llm.py --size 7b --settings "4-bit" --out bench/MCQA_LLM_RESULTS.md

Offline, no Hub: the model is a Qwen2-style config at a real size (``--size``: ``1.5b`` is Qwen2-1.5B's
shape, ``7b`` Qwen2-7B's), random init, saved as bf16 safetensors with a byte-level BPE tokenizer
trained here on the smoke data's own Korean text (``smoke.data.corpus``) and a Qwen-style chat template,
so ``trainers/run_mcqa.py`` loads it through the real ``from_pretrained`` path of a local folder. The
config keeps the real vocabulary size (the embedding and output head weigh what they weigh in the
real model); the tokenizer uses the first few thousand ids.

Data: the smoke exam items (``smoke.data.mcqa_rows``), every second one given a fifth choice, as
competition CSVs. Each setting runs the script's own ``main`` in-process for ``--steps`` training steps
(after ``--warmup_steps`` untimed ones) at batch 8, every prompt padded to ``--seq_len`` tokens (an
exam item's length, so memory and speed are those of real items), then one evaluation of the dev
items. Per setting: train samples/s, peak GPU memory (``torch.cuda.max_memory_allocated``, reset
before the setting), eval accuracy, and the LoRA check of ``tests/trainers/test_run_mcqa.py``: the
output dir (adapters + base config) evaluated again on the first ``--check_items`` dev items must give
the trained model's scores, and the base model without adapters must not. A failing setting is one
row with its error; the table goes on. The accuracy of a random-init model after a few dozen steps
says nothing about quality: it shows that the pipeline trains and scores.

Without CUDA it says so in one line and runs a tiny version (2-layer model, a few steps, no 4-bit:
those rows say "4-bit needs CUDA"), so the script itself stays tested.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from algorithms import mcqa_prompts  # noqa: E402
from bench.step_clock import StepClock, throughput  # noqa: E402
from smoke.data import PLACES, corpus, mcqa_csv, mcqa_rows  # noqa: E402
from trainers.outputs import write_text  # noqa: E402

# Real shapes (Qwen2-1.5B and Qwen2-7B config.json); random weights, so only shapes and dtypes matter.
SIZES: dict[str, dict[str, Any]] = {
    "tiny": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2, vocab_size=0, tie_word_embeddings=True),  # vocab 0: the tokenizer's
    "1.5b": dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12,
                 num_key_value_heads=2, vocab_size=151936, tie_word_embeddings=True),
    "7b": dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28,
               num_key_value_heads=4, vocab_size=152064, tie_word_embeddings=False),
}
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
BATCH_SIZE = 8
EVAL_BATCH_SIZE = 16  # the reload check's items are the first eval batch: same shapes, same kernels
LORA = ["--lora_r", "16", "--lora_alpha", "32", "--lora_target_modules", "all-linear"]
SETTINGS: dict[str, list[str]] = {
    "bf16 weights + LoRA r16 (all-linear)": ["--bf16", *LORA],
    "4-bit NF4 weights + LoRA r16 (QLoRA)": ["--bf16", "--load_in_4bit", *LORA],
    "4-bit NF4 + LoRA r16 + --gradient_checkpointing": ["--bf16", "--load_in_4bit", "--gradient_checkpointing",
                                                        *LORA],
}
LOAD_FLAGS = ("--bf16", "--load_in_4bit")  # what the reload and base-model evaluations repeat
RELOAD_TOLERANCE = 1e-3  # largest |probability difference| allowed between trained and reloaded scores
NO_CUDA_4BIT = "4-bit needs CUDA"


# --------------------------------------------------------------------------- model and data


def exam_files(work: Path, n_train: int, n_dev: int) -> tuple[Path, Path]:
    """Smoke exam items as competition CSVs, every second item with a fifth choice (4 and 5 mixed)."""
    paths = []
    for split, count, seed in (("train", n_train, 11), ("dev", n_dev, 22)):
        rng = random.Random(seed)
        rows = [with_fifth_choice(row, rng) if index % 2 else row
                for index, row in enumerate(mcqa_rows(count, seed, split))]
        path = work / f"mcqa_{split}.csv"
        write_text(path, lambda stream, rows=rows: stream.write(mcqa_csv(rows)))
        paths.append(path)
    return paths[0], paths[1]


def with_fifth_choice(row: dict[str, str], rng: random.Random) -> dict[str, str]:
    """The row with one more wrong place among its choices, at a random position (the answer follows)."""
    problems = json.loads(row["problems"])
    choices = problems["choices"]
    extra = rng.choice([place for place in PLACES if place not in choices])
    position = rng.randrange(len(choices) + 1)
    choices.insert(position, extra)
    if position < problems["answer"]:  # inserted before the right choice: its number moves up
        problems["answer"] += 1
    return {**row, "problems": json.dumps(problems, ensure_ascii=False)}


def tokenizer_texts(train: Path) -> Iterator[str]:
    """The smoke corpus plus prompts in the script's layout, so prompt words become tokens."""
    import csv

    yield from corpus()
    with train.open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            problems = json.loads(row["problems"])
            user = mcqa_prompts.user_prompt(row["paragraph"], problems["question"], row["question_plus"],
                                            problems["choices"])
            yield f"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n{problems['answer']}"


def build_model(directory: Path, size: str, texts: Iterator[str]) -> Path:
    """A Qwen2-style model folder: bf16 random weights, byte-level BPE tokenizer, chat template.

    Weights are drawn on the GPU when there is one (a 7B model's random init on the host takes minutes)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast, Qwen2Config

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(texts, trainers.BpeTrainer(
        vocab_size=1000 if size == "tiny" else 8000, special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>", pad_token="<|endoftext|>",
                                        model_max_length=4096)
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(directory)

    shape = dict(SIZES[size])
    shape["vocab_size"] = shape["vocab_size"] or len(tokenizer)
    config = Qwen2Config(**shape, max_position_embeddings=4096, rms_norm_eps=1e-6, bos_token_id=None,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    with device:
        model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    model.save_pretrained(directory)
    del model
    release_memory()
    return directory


def release_memory() -> None:
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


# --------------------------------------------------------------------------- one run of the script


class _Tee(io.TextIOBase):
    """stderr still printed, and kept: the script's one-line ``error: ...`` goes into the table."""

    def __init__(self, stream: Any) -> None:
        self.stream, self.kept = stream, io.StringIO()

    def write(self, text: str) -> int:
        self.kept.write(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


def run_mcqa(argv: list[str], clock: StepClock | None = None) -> str | None:
    """``trainers/run_mcqa.py``'s ``main`` in this process; None when it succeeded, else the error in one line."""
    from transformers import Trainer

    from trainers.run_mcqa import McqaTask
    from trainers.runner import main

    original_init = Trainer.__init__

    def init(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        original_init(self, *args, **kwargs)
        if clock is not None:
            self.add_callback(clock)

    tee = _Tee(sys.stderr)
    Trainer.__init__ = init
    try:
        with contextlib.redirect_stderr(tee):
            status = main(McqaTask(), argv)
    except Exception as error:  # noqa: BLE001  # one setting failing (out of memory, bnb) must not end the table
        return f"{type(error).__name__}: {str(error).strip().splitlines()[0][:160] if str(error).strip() else ''}"
    finally:
        Trainer.__init__ = original_init
        release_memory()
    if status != 0:
        errors = [line for line in tee.kept.getvalue().splitlines() if line.startswith("error:")]
        return errors[-1][:200] if errors else f"exit {status}"
    return None


def eval_scores(output_dir: Path) -> list[list[float]]:
    lines = (output_dir / "eval_predictions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["scores"] for line in lines]


def largest_difference(a: list[list[float]], b: list[list[float]]) -> float:
    return max(abs(x - y) for row_a, row_b in zip(a, b, strict=True) for x, y in zip(row_a, row_b, strict=True))


def run_setting(name: str, flags: list[str], model: Path, train: Path, dev: Path, work: Path, args: argparse.Namespace,
                on_cpu: bool) -> dict[str, Any]:
    """Train + evaluate, then the LoRA reload check; every figure of one table row."""
    if on_cpu and "--load_in_4bit" in flags:
        return {"error": NO_CUDA_4BIT}
    common = ["--mcqa_model", "causal_lm", "--validation_file", str(dev), "--do_eval",
              "--per_device_eval_batch_size", str(EVAL_BATCH_SIZE), "--report_to", "none", "--disable_tqdm", "true",
              "--save_strategy", "no", "--seed", "42", "--max_seq_length", str(args.seq_len), "--pad_to_max_length",
              *(["--use_cpu"] if on_cpu else [])]
    load = [flag for flag in flags if flag in LOAD_FLAGS]
    out, reload_out, base_out = (work / f"{name_slug(name)}-{part}" for part in ("train", "reload", "base"))
    seconds = {}

    if torch.cuda.is_available():
        release_memory()
        print(f"[{name}] GPU memory held before the setting: {torch.cuda.memory_allocated() / 2**30:.2f} GiB",
              flush=True)
        torch.cuda.reset_peak_memory_stats()
    clock = StepClock(args.warmup_steps)
    start = time.perf_counter()
    error = run_mcqa(["--model_name_or_path", str(model), "--output_dir", str(out), "--train_file", str(train),
                      "--do_train", "--max_steps", str(args.steps + args.warmup_steps), "--per_device_train_batch_size",
                      str(BATCH_SIZE), "--learning_rate", "2e-4", "--warmup_steps", "0.1", "--logging_steps", "10",
                      *common, *flags], clock)
    seconds["train + eval"] = time.perf_counter() - start
    peak = torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else None
    if error:
        return {"error": error, "peak_gib": peak, "seconds": seconds}
    results = json.loads((out / "all_results.json").read_text(encoding="utf-8"))
    row: dict[str, Any] = {"train": throughput(clock.times, args.warmup_steps, BATCH_SIZE)["train"], "peak_gib": peak,
                           "accuracy": results.get("eval_accuracy"), "seconds": seconds}
    saved = {path.name for path in out.iterdir()}
    if not {"adapter_config.json", "adapter_model.safetensors"} <= saved:
        return {**row, "reload": f"no adapters saved ({', '.join(sorted(saved))[:120]})"}

    check = ["--max_eval_samples", str(args.check_items), *common, *load]
    runs = {}
    for label, source, target in (("reload", out, reload_out), ("base", model, base_out)):
        start = time.perf_counter()
        runs[label] = run_mcqa(["--model_name_or_path", str(source), "--output_dir", str(target), *check])
        seconds[label] = time.perf_counter() - start
    if runs["reload"]:
        return {**row, "reload": f"reload: {runs['reload']}"}
    trained, reloaded = eval_scores(out)[: args.check_items], eval_scores(reload_out)
    row["reload_difference"] = largest_difference(trained, reloaded)
    # Should the base model's run fail where the reload works (it did for 4-bit weights until run_mcqa put
    # an inert adapter on them), the reload is still judged, against the tolerance alone.
    row["base_difference"] = None if runs["base"] else largest_difference(trained, eval_scores(base_out))
    same_answers = all(max(range(len(a)), key=a.__getitem__) == max(range(len(b)), key=b.__getitem__)
                       for a, b in zip(trained, reloaded))
    row["reload"] = reload_verdict(same_answers, row["reload_difference"], row["base_difference"])
    if runs["base"]:
        row["reload"] += f" (base model without adapters: {runs['base'][:110]})"
    return row


def reload_verdict(same_answers: bool, reload_difference: float, base_difference: float | None) -> str:
    """"passed": the reloaded scores are the trained ones (within ``RELOAD_TOLERANCE``) and the base
    model's are not. "same answers, bf16-close": every answer equal and the scores 10x nearer the
    trained ones than the base model's, but past the tolerance (e.g. 4-bit training keeps norms and
    embeddings in fp32, an eval-only reload keeps them bf16). ``base_difference`` None (the base
    model could not be evaluated): the same verdicts on the tolerance alone, saying so. Else "FAILED"."""
    if not same_answers:
        return "FAILED"
    if base_difference is None:
        return "passed" if reload_difference <= RELOAD_TOLERANCE else "same answers, past the tolerance"
    if reload_difference <= RELOAD_TOLERANCE < base_difference:
        return "passed"
    if reload_difference * 10 < base_difference:
        return "same answers, bf16-close"
    return "FAILED"


def name_slug(name: str) -> str:
    return "".join(char if char.isalnum() else "-" for char in name).strip("-")[:40]


# --------------------------------------------------------------------------- table


def table(rows: list[tuple[str, dict[str, Any]]], head: str) -> str:
    def number(value: float | None, digits: int = 1) -> str:
        return "-" if value is None else f"{value:,.{digits}f}"

    lines = [head, "",
             "| setting | train samples/s | peak GPU memory (GiB) | eval accuracy | LoRA reload: max \\|Δp\\| "
             "reloaded / without adapters | reload check | seconds (train + eval / reload / base) |",
             "|---|---:|---:|---:|---|---|---|"]
    for name, row in rows:
        seconds = " / ".join(f"{value:.0f}" for value in row.get("seconds", {}).values()) or "-"
        if "error" in row:
            lines.append(f"| {name} | {row['error']} | {number(row.get('peak_gib'), 2)} | | | | {seconds} |")
            continue
        differences = "-"
        if "reload_difference" in row:
            base = row["base_difference"]
            differences = f"{row['reload_difference']:.1e} / {'-' if base is None else f'{base:.1e}'}"
        lines.append(f"| {name} | {number(row['train'])} | {number(row['peak_gib'], 2)} | "
                     f"{number(row['accuracy'])} | {differences} | {row['reload']} | {seconds} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1.5b", choices=sorted(SIZES),
                        help="model shape (without CUDA always tiny): 1.5b = Qwen2-1.5B, 7b = Qwen2-7B")
    parser.add_argument("--settings", nargs="*", default=None, help="a subset of the setting names (substrings)")
    parser.add_argument("--steps", type=int, default=30, help="timed training steps per setting")
    parser.add_argument("--warmup_steps", type=int, default=5, help="untimed steps first (CUDA init, autotuning)")
    parser.add_argument("--seq_len", type=int, default=1024, help="every prompt padded to this many tokens")
    parser.add_argument("--train_items", type=int, default=200)
    parser.add_argument("--dev_items", type=int, default=64)
    parser.add_argument("--check_items", type=int, default=EVAL_BATCH_SIZE,
                        help="dev items of the LoRA reload check (one eval batch by default)")
    parser.add_argument("--out", default="", help="also write the table to this Markdown file")
    args = parser.parse_args(argv)

    on_cpu = not torch.cuda.is_available()
    if on_cpu:
        print("No CUDA device: running the tiny CPU version (2-layer model, few steps, no 4-bit); "
              "these are not GPU figures.", flush=True)
        args.size, args.seq_len, args.steps, args.warmup_steps = "tiny", min(args.seq_len, 128), min(args.steps, 3), 1
        torch.set_num_threads(1)  # a tiny model on shared cores: threads spin-waiting on each other cost 10x
        args.train_items, args.dev_items = min(args.train_items, 40), min(args.dev_items, 20)
    settings = {name: flags for name, flags in SETTINGS.items()
                if not args.settings or any(chosen in name for chosen in args.settings)}
    phases: dict[str, float] = {}
    rows: list[tuple[str, dict[str, Any]]] = []
    begin = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        train, dev = exam_files(work, args.train_items, args.dev_items)
        start = time.perf_counter()
        model = build_model(work / "model", args.size, tokenizer_texts(train))
        phases["build model"] = time.perf_counter() - start
        weights = sum(path.stat().st_size for path in (work / "model").glob("*.safetensors")) / 2**30
        print(f"phase build model ({args.size}, {weights:.2f} GiB of bf16 weights): {phases['build model']:.1f} s",
              flush=True)
        for name, flags in settings.items():
            start = time.perf_counter()
            row = run_setting(name, flags, model, train, dev, work, args, on_cpu)
            phases[name] = time.perf_counter() - start
            rows.append((name, row))
            print(f"phase {name}: {phases[name]:.1f} s; {row}", flush=True)
            if args.out:  # after every setting, so a run cut short by a time limit keeps its finished rows
                text = report(rows, args, weights, phases, time.perf_counter() - begin, on_cpu)
                write_text(args.out, lambda stream, text=text: stream.write(text + "\n"))
    text = report(rows, args, weights, phases, time.perf_counter() - begin, on_cpu)
    print(text)
    if args.out:
        write_text(args.out, lambda stream: stream.write(text + "\n"))
    return 0


def report(rows: list[tuple[str, dict[str, Any]]], args: argparse.Namespace, weights: float,
           phases: dict[str, float], total: float, on_cpu: bool) -> str:
    """The Markdown table of the settings run so far, under a line naming the device, versions and run."""
    device = "CPU (tiny model)" if on_cpu else torch.cuda.get_device_name(0)
    versions = f"torch {torch.__version__}"
    with contextlib.suppress(ImportError):
        import transformers

        versions += f", transformers {transformers.__version__}"
    for package in ("peft", "bitsandbytes"):
        with contextlib.suppress(ImportError):
            versions += f", {package} {__import__(package).__version__}"
    head = (f"Device: {device}; {versions}. Model: Qwen2-style {args.size} shape, random init, bf16 weights "
            f"({weights:.2f} GiB). Batch {BATCH_SIZE}, every prompt padded to {args.seq_len} tokens; "
            f"{args.steps} timed training steps after {args.warmup_steps}; eval on {args.dev_items} items (4 and 5 "
            f"choices); reload check on {args.check_items} items (tolerance {RELOAD_TOLERANCE:g}). Whole run "
            f"{total:.0f} s, of which model build {phases['build model']:.0f} s.")
    return table(rows, head)


if __name__ == "__main__":
    sys.exit(main())
