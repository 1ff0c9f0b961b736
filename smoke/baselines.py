"""Trivial baselines: what a model that learned nothing scores on a dev file, with the official metrics.

A smoke run proves learning only if each task's score ends clearly above these, computed on
the very same dev data:

- YNAT, NLI: the most frequent dev label for every example (majority class);
- STS: one constant score for every pair (Pearson r of a constant is undefined: reported as 0);
- NER: ``O`` for every character (all-O);
- RE: the best single relation for every example (the best of the 30 constant predictions);
- DP: every word attached to the sentence's last word (the predicate: Korean is head-final),
  which attaches to ROOT, all with the most frequent relation;
- MRC: the empty answer for every question (right on the unanswerable ones);
- WoS: the empty state on every user turn;
- MCQA: the first choice for every question.

``python -m smoke baselines DATA_DIR`` prints them as JSON.
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

BASELINE_NAMES = {
    "ynat": "majority class", "sts": "constant score", "nli": "majority class", "ner": "all O",
    "re": "best constant relation", "dp": "all to the last word", "mrc": "empty answer",
    "wos": "empty state", "mcqa": "first choice",
}  # fmt: skip


def trivial_scores(task: str, dev_records: list[dict[str, Any]]) -> dict[str, float]:
    """The official metrics of the task's trivial prediction on ``dev_records`` (Hub-schema records as
    the ``klue_data`` readers give them; for MCQA the CSV rows)."""
    import metrics

    if task in ("ynat", "nli"):
        from metrics.labels import NLI_LABELS, YNAT_LABELS

        labels = list(YNAT_LABELS if task == "ynat" else NLI_LABELS)
        gold = [labels.index(record["label"]) for record in dev_records]
        majority = Counter(gold).most_common(1)[0][0]
        return metrics.score_task(task, [majority] * len(gold), gold)
    if task == "sts":
        from klue_data.sts import regression_target  # real-label, else label: what the metrics score

        gold = [regression_target(record["labels"]) for record in dev_records]
        # the best constant: F1 only sees which side of 3.0 it falls (below: 0; at or above: 2p/(1+p))
        best_f1 = max(metrics.sts_f1([0.0] * len(gold), gold), metrics.sts_f1([5.0] * len(gold), gold))
        return {"pearsonr": 0.0, "f1": best_f1}
    if task == "ner":
        gold = [[tag for char, tag in zip(r["tokens"], r["ner_tags"]) if char.strip()] for r in dev_records]
        return metrics.score_task(task, [["O"] * len(tags) for tags in gold], gold)
    if task == "re":
        relations = list(metrics.RE_RELATIONS)
        gold = [relations.index(record["label"]) for record in dev_records]
        best: dict[str, float] = {}
        for relation in range(len(relations)):
            probabilities = np.zeros((len(gold), len(relations)))
            probabilities[:, relation] = 1.0
            scores = metrics.score_task(task, probabilities, gold)
            if not best or scores["micro_f1"] > best["micro_f1"]:
                best = scores
        return best
    if task == "dp":
        heads = [list(record["head"]) for record in dev_records]
        relations = [list(record["deprel"]) for record in dev_records]
        common = Counter(label for sentence in relations for label in sentence).most_common(1)[0][0]
        pred_heads = [[len(sentence)] * (len(sentence) - 1) + [0] for sentence in heads]
        pred_labels = [[common] * len(sentence) for sentence in heads]
        return metrics.score_task(task, (pred_heads, pred_labels), (heads, relations))
    if task == "mrc":
        gold = [list(record["answers"]["text"]) for record in dev_records]
        return metrics.score_task(task, [""] * len(gold), gold)
    if task == "wos":
        gold = [turn["state"] for record in dev_records for turn in record["dialogue"] if turn["role"] == "user"]
        return metrics.score_task(task, [[] for _ in gold], gold)
    if task == "mcqa":
        answers = [int(json.loads(row["problems"])["answer"]) for row in dev_records]
        return {"accuracy": 100.0 * sum(answer == 1 for answer in answers) / len(answers)}
    raise ValueError(f"no trivial baseline for task {task!r}")


def read_dev(task: str, data_dir: str | Path) -> list[dict[str, Any]] | None:
    """The dev records of ``task`` in ``data_dir`` (original file names), or None when it has none."""
    data_dir = Path(data_dir)
    if task == "mcqa":
        path = next(iter(sorted(data_dir.glob("*mcqa*dev*.csv"))), None)
        if path is None:
            return None
        with path.open(encoding="utf-8", newline="") as stream:
            return list(csv.DictReader(stream))
    import klue_data
    from klue_data.sources import find_original_files

    try:
        reader = klue_data.get_task(task)
    except (KeyError, ValueError):
        return None
    files = find_original_files(reader, str(data_dir))
    if "validation" not in files:
        return None
    return reader.read_file(files["validation"])


def baselines(
    data_dir: str | Path, tasks: list[str], skipped: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    """``{task: {"name": what was predicted, "scores": {metric: value}}}`` for every task with a readable dev
    file; why each other task has none is appended to ``skipped`` (``"no ynat baseline: ..."``)."""
    from klue_data import KlueDataError

    result: dict[str, dict[str, Any]] = {}
    skipped = [] if skipped is None else skipped
    for task in tasks:
        try:
            records = read_dev(task, data_dir)
        except KlueDataError as error:  # the task's own run reports the bad file; no baseline for it
            skipped.append(f"no {task} baseline: {error}")
            continue
        if not records:
            skipped.append(f"no {task} baseline: no {task} dev file in {data_dir}")
            continue
        scores = trivial_scores(task, records)
        scores = {key: (0.0 if math.isnan(value) else float(value)) for key, value in scores.items()}
        result[task] = {"name": BASELINE_NAMES[task], "scores": scores}
    return result
