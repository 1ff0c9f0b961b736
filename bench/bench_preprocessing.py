"""Time NLI preprocessing and measure padding efficiency on the real KLUE NLI dev file.

    python bench/bench_preprocessing.py
    python bench/bench_preprocessing.py --nli_dev PATH --tokenizer DIR --out bench/PREPROCESSING.md

Offline: without ``--tokenizer`` a WordPiece BERT-style fast tokenizer (vocab ~8000, no
lowercasing or accent stripping) is trained on the file's premises and hypotheses.

1. Throughput of the project's preprocessing (``NliTask().preprocess`` through
   ``Dataset.map``, exactly as ``trainers/runner.py::tokenize_split`` calls it) versus the
   bare fast tokenizer call on the same lists (best of ``--repeat`` rounds in which the two take
   turns; goal: within 1.5x).
2. Padding efficiency (real tokens / tokens in padded batches of 32, dynamic padding to the
   longest in each batch) in random order (seed 42) and in ``LengthGroupedSampler`` order
   (goal: >= 0.9 with grouping).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from timing import interleaved_best_of

from tests.tiny_tokenizers import wordpiece_tokenizer

DEFAULT_NLI_DEV = Path("..") / "shared" / "klue" / "v1.1" / "klue-nli-v1.1" / "klue-nli-v1.1_dev.json"

MAX_LENGTH = 128
BATCH_SIZE = 32
SEED = 42


def padding_efficiency(lengths: list[int], order: list[int]) -> float:
    real = padded = 0
    for start in range(0, len(order), BATCH_SIZE):
        batch = [lengths[i] for i in order[start : start + BATCH_SIZE]]
        real += sum(batch)
        padded += max(batch) * len(batch)
    return real / padded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--nli_dev", default=None, help=f"NLI dev file (default: {DEFAULT_NLI_DEV}, from the repo root)"
    )
    parser.add_argument("--tokenizer", default=None, help="a saved fast tokenizer directory (default: train one)")
    parser.add_argument("--vocab_size", type=int, default=8000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument(
        "--out", default=str(ROOT / "bench" / "PREPROCESSING.md"), help="Markdown results file ('' to skip)"
    )
    args = parser.parse_args(argv)

    path = Path(args.nli_dev) if args.nli_dev else ROOT / DEFAULT_NLI_DEV
    if not path.is_file():
        sys.exit(f"error: NLI dev file not found: {path} (pass --nli_dev PATH)")

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    import datasets
    import torch
    from transformers import AutoTokenizer
    from transformers.trainer_pt_utils import LengthGroupedSampler

    import klue_data
    from klue_data import sources
    from trainers.run_nli import NliTask

    datasets.disable_progress_bars()

    dataset = sources.read_split(klue_data.get_task("nli"), path)
    premises, hypotheses = list(dataset["premise"]), list(dataset["hypothesis"])
    n = len(dataset)

    if args.tokenizer:
        tok = AutoTokenizer.from_pretrained(args.tokenizer, local_files_only=True)
        tok_desc = f"{type(tok).__name__} from {args.tokenizer}"
    else:
        tok = wordpiece_tokenizer(premises + hypotheses, args.vocab_size, model_max_length=512)
        tok_desc = "BertTokenizerFast, WordPiece trained on the file's premises+hypotheses"
    vocab = len(tok)

    task = NliTask()

    def project() -> datasets.Dataset:
        return dataset.map(
            task.preprocess,
            batched=True,
            fn_kwargs={"tokenizer": tok, "max_length": MAX_LENGTH, "padding": False},
            remove_columns=dataset.column_names,
            load_from_cache_file=False,
        )

    def bare():
        return tok(premises, hypotheses, truncation=True, max_length=MAX_LENGTH)

    project()  # warm-up (also the features the padding figures use)
    bare()
    times, results = interleaved_best_of(args.repeat, {"project": project, "bare": bare})
    (t_project, features), (t_bare, encoded) = (times["project"], results["project"]), (times["bare"], results["bare"])
    if list(features["input_ids"]) != list(encoded["input_ids"]):
        print("WARNING: the project's input_ids differ from the bare tokenizer call's", file=sys.stderr)

    lengths = [len(ids) for ids in features["input_ids"]]
    shuffled = list(range(n))
    random.Random(SEED).shuffle(shuffled)
    sampler = LengthGroupedSampler(
        batch_size=BATCH_SIZE, lengths=lengths, generator=torch.Generator().manual_seed(SEED)
    )
    grouped = list(iter(sampler))
    assert sorted(grouped) == list(range(n))
    eff_random = padding_efficiency(lengths, shuffled)
    eff_grouped = padding_efficiency(lengths, grouped)

    ratio = t_project / t_bare
    rows = [
        (
            "Project preprocessing (`Dataset.map(NliTask().preprocess)`)",
            f"{n / t_project:,.0f} ex/s ({t_project:.3f} s)",
        ),
        ("Bare fast tokenizer call", f"{n / t_bare:,.0f} ex/s ({t_bare:.3f} s)"),
        ("Ratio project / bare time (goal <= 1.5x)", f"{ratio:.2f}x {'OK' if ratio <= 1.5 else 'OVER'}"),
        ("Padding efficiency, random order (seed 42)", f"{eff_random:.3f}"),
        (
            "Padding efficiency, `LengthGroupedSampler` (goal >= 0.9)",
            f"{eff_grouped:.3f} {'OK' if eff_grouped >= 0.9 else 'UNDER'}",
        ),
    ]
    table = ["| Measure | Value |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)]
    cores = os.cpu_count()
    header = [
        f"- Date: {datetime.date.today().isoformat()}",
        f"- Machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}",
        f"- Data: {path.name}, {n} examples; max_length {MAX_LENGTH}, batch size {BATCH_SIZE}, "
        f"best of {args.repeat} interleaved rounds",
        f"- Tokenizer: {tok_desc}; vocab size {vocab}",
        f"- Token lengths: mean {sum(lengths) / n:.1f}, max {max(lengths)}",
    ]
    print("\n".join(header + [""] + table))

    if args.out:
        text = "\n".join(
            [
                "# NLI preprocessing benchmark",
                "",
                "Produced by `python bench/bench_preprocessing.py`.",
                "",
                *header,
                "",
                *table,
                "",
            ]
        )
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
