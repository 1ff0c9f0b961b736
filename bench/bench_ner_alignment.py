"""Time NER preprocessing and character re-alignment on the real KLUE-NER dev file, and measure
how many entities the subword round trip cannot express.

    python bench/bench_ner_alignment.py [--ner_dev PATH] [--out bench/NER_ALIGNMENT.md]

Offline: the tokenizers are trained here on the file's own sentences (``tests/tiny_tokenizers.py``),
a BERT-style WordPiece and a RoBERTa-style byte-level BPE, at two vocabulary sizes.

1. Throughput: the project's path (``NerTask().preprocess`` through ``Dataset.map`` as
   ``trainers/runner.py::tokenize_split`` runs it, then ``NerTask().decode`` of the gold labels
   back to characters) next to the bare fast tokenizer call on the same texts (best of
   ``--repeat`` rounds in which the steps take turns; goal: within 2x).
2. The boundary limit: share of gold entities (strict IOB2, as the entity F1 reads them) that the
   character → subword → character round trip changes, i.e. whose start or end falls inside a
   subword. An upper bound for a model that predicts every subword right.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from timing import interleaved_best_of

DEFAULT_NER_DEV = ROOT.parent / "shared" / "klue" / "v1.1" / "klue-ner-v1.1" / "klue-ner-v1.1_dev.tsv"
MAX_LENGTH = 510


def padded(rows: list[list[int]]):
    import numpy as np

    array = np.full((len(rows), max(map(len, rows))), -100, dtype=np.int64)
    for i, row in enumerate(rows):
        array[i, : len(row)] = row
    return array


def entity_keys(records, tag_lists) -> set[tuple[int, int, int, str]]:
    from algorithms.char_alignment import entities_from_tags

    keys = set()
    for index, (record, tags) in enumerate(zip(records, tag_lists)):
        for entity in entities_from_tags(record["tokens"], tags):
            keys.add((index, entity["start"], entity["end"], entity["type"]))
    return keys


def tokenizers(names: list[str], texts: list[str]):
    """``(label, tokenizer)`` pairs: the saved ones asked for, else four trained on ``texts``."""
    if names:
        from transformers import AutoTokenizer

        for name in names:
            yield name, AutoTokenizer.from_pretrained(name)
        return
    from tests.tiny_tokenizers import byte_bpe_tokenizer, wordpiece_tokenizer

    for label, make in (("WordPiece (BERT)", wordpiece_tokenizer), ("byte-level BPE (RoBERTa)", byte_bpe_tokenizer)):
        for vocab_size in (8000, 32000):
            yield f"{label}, trained here", make(texts, vocab_size, model_max_length=512)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ner_dev", type=Path, default=DEFAULT_NER_DEV)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument(
        "--tokenizer",
        action="append",
        default=[],
        help="a saved fast tokenizer (directory or Hub name) to measure instead of the ones trained here; repeatable",
    )
    parser.add_argument("--out", type=Path, default=None, help="write the report (markdown) here too")
    args = parser.parse_args()
    if not args.ner_dev.is_file():
        print(f"NER dev file not found: {args.ner_dev}", file=sys.stderr)
        return 1

    import datasets

    from klue_data import ner
    from algorithms.char_alignment import tag_names
    from trainers.run_ner import NerTask

    datasets.disable_progress_bars()
    records = ner.read_file(args.ner_dev)
    texts = ["".join(record["tokens"]) for record in records]
    examples = datasets.Dataset.from_list(records)
    task = NerTask()

    lines = [
        "# NER alignment benchmark",
        "",
        "Produced by `python bench/bench_ner_alignment.py`.",
        "",
        f"- Date: {datetime.date.today().isoformat()}",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        f"- Data: {args.ner_dev.name}, {len(records)} sentences, {sum(map(len, texts))} characters; "
        f"max_length {MAX_LENGTH}, best of {args.repeat}",
        "- Tokenizers: "
        + (
            ", ".join(args.tokenizer)
            if args.tokenizer
            else "trained here on the file's own "
            "sentences, which glues particles onto entities (서울에 as one subword) far more than KLUE's tokenizers, "
            "whose vocabularies were built from morpheme-segmented text"
        ),
        "",
        "| Tokenizer | Vocab | Bare tokenizer | Preprocess (`Dataset.map`) | Decode to characters | "
        "Ratio (preprocess + decode) / bare | Entities changed by the round trip |",
        "|---|---|---|---|---|---|---|",
    ]
    gold_keys = entity_keys(records, [record["ner_tags"] for record in records])
    for name, tokenizer in tokenizers(args.tokenizer, texts):
        steps = {
            "bare": lambda tokenizer=tokenizer: tokenizer(texts, truncation=True, max_length=MAX_LENGTH),
            "preprocess": lambda tokenizer=tokenizer: (
                examples.with_format("arrow")
                .map(  # as tokenize_split runs it
                    task.preprocess,
                    batched=True,
                    fn_kwargs={"tokenizer": tokenizer, "max_length": MAX_LENGTH, "padding": False},
                    remove_columns=examples.column_names,
                    load_from_cache_file=False,
                )
                .with_format(None)
            ),
        }
        times, results = interleaved_best_of(args.repeat, steps)
        features = results["preprocess"]
        labels = padded(features["labels"])
        times.update(
            interleaved_best_of(
                args.repeat,
                {"decode": lambda features=features, labels=labels: task.decode(examples, features, labels)},
            )[0]
        )
        bare, preprocess, decode = times["bare"], times["preprocess"], times["decode"]
        decoded = task.decode(examples, features, labels)
        round_trip = [
            tag_names(sentence["tags"]) for sentence in decoded
        ]  # entities are read over non-space characters
        changed = len(gold_keys - entity_keys(records, round_trip))
        ratio = (preprocess + decode) / bare
        lines.append(
            f"| {name} | {len(tokenizer)} | {len(records) / bare:,.0f} sent/s ({bare:.3f} s) "
            f"| {preprocess:.3f} s | {decode:.3f} s | {ratio:.2f}x {'OK' if ratio <= 2 else 'SLOW'} "
            f"| {changed} of {len(gold_keys)} ({100 * changed / len(gold_keys):.2f}%) |"
        )
        print(lines[-1], flush=True)

    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
