"""The results of a ``run_all.sh`` benchmark: tables, files, charts and dashboard images.

    python -m trainers.benchmark_report report OUT MODEL [--data_dir DIR] [--baselines FILE] [--tasks a,b]
                                               [--failed TASK=REASON ...]
    python -m trainers.benchmark_report status OUT TASK STATUS SECONDS [ERROR]
    python -m trainers.benchmark_report summary OUT TASK [STATUS SECONDS]
    python -m trainers.benchmark_report inputs [--data_dir DIR] [--cwd DIR] TASKS [-- FLAG ...]
    python -m trainers.benchmark_report eval-flags CONFIG [FLAG ...]
    python -m trainers.benchmark_report size-configs MODEL

``report`` reads every task's results under ``OUT/<task>/`` (``eval_results.json``,
``train_results.json``, ``eval_breakdown.json``, ``eval_predictions.jsonl``, and
``run_all.json``, the status ``run_all.sh`` records), and writes ``OUT/results.md``,
``OUT/results.json`` and ``OUT/results.csv`` (one row per task: every official metric, the
KLUE paper's dev score for the same model, the trivial baseline where one was computed, wall
time and samples/s), ``OUT/figures/scores.png`` (ours vs the paper, per task and metric) and
per task its picture (confusion matrix for YNAT, NLI and RE; entity F1 per type for NER; scores
per question type for MRC; JGA per domain for WoS), each also logged to TensorBoard as an image
under ``OUT/<task>/runs/benchmark_report``. It prints the table and exits 0.

Everything that decides a number is a pure function (``task_row``, ``confusion_matrix``,
``quarter_epoch_ratio``, ...), tested directly; the rest reads and writes files.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import shutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from args.command_line import OneLineErrorParser, file_sha1, given_flags, same_file
from trainers.outputs import atomic_writer, write_json, write_text

REPO_ROOT = Path(__file__).resolve().parents[1]
PAPER_RESULTS = REPO_ROOT / "docs" / "paper-dev-results.csv"
STATUS_FILE = "run_all.json"
COMMAND_FILES = ("run_all.command", "run_all.started")  # what made a task's folder: a finished or a stopped run
FIGURES = "figures"
TENSORBOARD_SUBDIR = Path("runs") / "benchmark_report"
PICTURE_NAMES = ("confusion_matrix", "breakdown")  # figures/<task>_<name>.png


# ---------------------------------------------------------------- numbers (pure)


def paper_scores(model: str, rows: Iterable[dict[str, str]]) -> dict[str, float]:
    """The paper's dev scores of ``model`` (``klue/roberta-base``, or its last path part, or a local
    folder named like one), ``{"ynat_macro_f1": 85.12, ...}``; empty for a model the paper lacks."""
    # By last part only for a local folder: a Hub id of another organisation (FacebookAI/roberta-base,
    # the English RoBERTa) must not get klue/roberta-base's numbers.
    local = Path(model).exists() or model.startswith(("/", ".", "~")) or model.count("/") > 1
    last = model.rstrip("/").split("/")[-1]
    for row in rows:
        if row["model"] == model or (local and row["model"].split("/")[-1] == last):
            return {key: float(value) for key, value in row.items() if key != "model" and value not in ("", "-")}
    return {}


def read_paper_table(path: Path = PAPER_RESULTS) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


# configs/<size>/ is named for a KLUE model; a local folder holding one is known by its config.json:
# (model_type, hidden_size, num_hidden_layers) -> the folder's name.
MODEL_SIZES = {("roberta", 1024, 24): "roberta-large", ("bert", 768, 12): "bert-base"}


def size_configs(model: str, configs: Path = REPO_ROOT / "configs") -> tuple[Path | None, str]:
    """The folder of size-specific configs for ``model`` (None: the base configs only) and why, for the log:
    ``configs/<last part of the name>/`` (``klue/roberta-large``), else, for a local folder named otherwise
    (``hf download klue/roberta-large --local-dir large``, a cache snapshot), the size its config.json gives."""
    name = model.rstrip("/").split("/")[-1]
    if name and (configs / name).is_dir():
        return configs / name, f"the model's name, {name}"
    try:
        config = json.loads((Path(model) / "config.json").read_text(encoding="utf-8"))
        size = MODEL_SIZES.get((config.get("model_type"), config.get("hidden_size"), config.get("num_hidden_layers")))
    except (OSError, ValueError, AttributeError, TypeError):
        size = None
    if size is not None and (configs / size).is_dir():
        return configs / size, f"the model's config.json: a {size} ({config['hidden_size']} wide, " \
                               f"{config['num_hidden_layers']} layers)"
    return None, f"none for {name or model}"


def quarter_epoch_ratio(num_train_epochs: float) -> float:
    """``eval_steps``/``save_steps`` as a ratio that evaluates four times per epoch.

    The Trainer reads a float below 1 as a share of *all* training steps and evaluates every
    ``ceil(max_steps * ratio)`` steps, so a quarter epoch is ``0.25 / num_train_epochs``. A run of a
    quarter epoch or less evaluates once, at its end (1.0: a ratio above 1 the Trainer refuses)."""
    if not 0 < num_train_epochs < math.inf:
        raise ValueError(f"num_train_epochs must be a positive number, got {num_train_epochs}")
    return min(1.0, 0.25 / num_train_epochs)


def quarter_epoch_flags(config: dict[str, Any], flags: Sequence[str]) -> list[str]:
    """``--eval_steps R --save_steps R`` for the run's epochs (the last ``--num_train_epochs`` in
    ``flags``, else the config's), when the config evaluates by steps; else nothing. A flag
    ``--eval_steps`` or ``--max_steps`` given by the user wins (nothing is added), and so does a number
    of epochs that is not a positive number (the task script then says what is wrong with it)."""
    given = given_flags(flags)
    if config.get("eval_strategy") != "steps" or "eval_steps" in given or "max_steps" in given:
        return []
    try:
        ratio = repr(quarter_epoch_ratio(float(given.get("num_train_epochs") or config.get("num_train_epochs", 3.0))))
    except ValueError:
        return []
    added = ["--eval_steps", ratio]
    if config.get("save_strategy") == "steps" and "save_steps" not in given:
        added += ["--save_steps", ratio]
    return added


def confusion_matrix(labels: Sequence[str], gold: Sequence[str], predicted: Sequence[str]) -> list[list[int]]:
    """``matrix[i][j]``: examples of gold ``labels[i]`` predicted as ``labels[j]`` (rows gold)."""
    if len(gold) != len(predicted):
        raise ValueError(f"gold and predicted differ in length: {len(gold)} and {len(predicted)}")
    index = {label: position for position, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted):
        matrix[index[g]][index[p]] += 1
    return matrix


def used_labels(labels: Sequence[str], gold: Sequence[str], predicted: Sequence[str]) -> list[str]:
    """``labels`` that occur in gold or predictions, in ``labels`` order (RE's 30 relations are
    mostly absent from a small dev set: a 30x30 picture would be mostly zeros)."""
    seen = set(gold) | set(predicted)
    return [label for label in labels if label in seen]


def task_row(
    task: str,
    metric_keys: Sequence[str],
    selection_key: str | None,
    results: dict[str, Any] | None,
    train: dict[str, Any] | None,
    status: dict[str, Any] | None,
    paper: dict[str, float],
    baseline: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One task's line of the results: its metrics (``eval_<key>``), the paper's for the same keys,
    the baseline's, speed, and how the run ended (``ok``, ``failed``, ``skipped``, ``no results``)."""
    results = results or {}
    if status is not None:
        state = status.get("status", "ok")
    else:
        state = "ok" if results else "no results"
    if state == "ok" and not results:
        state = "no results"
    if state in ("failed", OTHER_MODEL):
        # a failed run's eval_results.json and train_results.json, if any, are an earlier run's (or another
        # model's): never shown as its own
        results, train = {}, {}
    metrics = {key: _number(results.get(f"eval_{key}")) for key in metric_keys}
    return {
        "task": task,
        "status": state,
        "error": (status or {}).get("error"),
        "main_metric": selection_key,
        "metrics": metrics,
        "paper": {key: paper.get(f"{task}_{key}") for key in metric_keys},
        "baseline": baseline,
        "wall_time_s": _number((status or {}).get("seconds")),
        "train_samples_per_second": _number((train or {}).get("train_samples_per_second")),
        "eval_samples_per_second": _number(results.get("eval_samples_per_second")),
        "best_checkpoint": (status or {}).get("best_checkpoint"),
    }


def model_label(model: str) -> str:
    """How tables name the model: a Hub id as it is, a local folder by its last part."""
    return model.rstrip("/").split("/")[-1] if Path(model).exists() else model


def above_baseline(row: dict[str, Any]) -> bool | None:
    """Whether the task's main metric beats its trivial baseline (None without one of the two)."""
    key = row.get("main_metric")
    if not key or not row.get("baseline"):
        return None
    ours, floor = row["metrics"].get(key), row["baseline"]["scores"].get(key)
    if floor is None:
        return None
    if ours is None:  # an undefined score (NaN: e.g. Pearson r of a constant prediction) beats nothing
        return False if row.get("status") == "ok" else None
    return ours > floor


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


# ---------------------------------------------------------------- tables (pure)


def text_table(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The table ``run_all.sh`` prints: one line per task and metric, failures with their reason."""
    with_baseline = any(row.get("baseline") for row in rows)
    head = f"{'task':6} {'metric':12} {'ours':>8} {'paper':>8}"
    head += f" {'baseline':>8}" if with_baseline else ""
    head += f" {'time_s':>8} {'train/s':>8} {'eval/s':>8}"
    lines = [head]
    for row in rows:
        if row["status"] not in ("ok",):
            reason = f": {row['error']}" if row.get("error") else ""
            lines.append(f"{row['task']:6} {row['status'].upper()}{reason}")
            continue
        for position, (key, ours) in enumerate(row["metrics"].items()):
            line = f"{row['task']:6} {key:12} {_fmt(ours):>8} {_fmt(row['paper'].get(key)):>8}"
            if with_baseline:
                floor = (row.get("baseline") or {}).get("scores", {}).get(key)
                line += f" {_fmt(floor):>8}"
            if position == 0:
                line += (f" {_fmt(row['wall_time_s'], 0):>8} {_fmt(row['train_samples_per_second'], 1):>8}"
                         f" {_fmt(row['eval_samples_per_second'], 1):>8}")  # fmt: skip
            lines.append(line.rstrip())
    return lines


def markdown_table(rows: Sequence[dict[str, Any]], model: str) -> str:
    """results.md: one row per task, metrics joined with `` / `` in the order of the metrics table."""
    with_baseline = any(row.get("baseline") for row in rows)
    header = ["task", "metric", "ours", f"paper ({model_label(model)})"] + (["baseline"] if with_baseline else [])
    header += ["wall time (s)", "train samples/s", "eval samples/s", "status"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        keys = list(row["metrics"])
        cells = [row["task"], " / ".join(keys), " / ".join(_fmt(row["metrics"][k]) for k in keys),
                 " / ".join(_fmt(row["paper"].get(k)) for k in keys)]  # fmt: skip
        if with_baseline:
            baseline = row.get("baseline")
            cells.append(
                f"{' / '.join(_fmt(baseline['scores'].get(k)) for k in keys)} ({baseline['name']})" if baseline else "-"
            )
        status = row["status"] + (f": {row['error']}" if row.get("error") else "")
        cells += [_fmt(row["wall_time_s"], 0), _fmt(row["train_samples_per_second"], 1),
                  _fmt(row["eval_samples_per_second"], 1), status.replace("|", "\\|")]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


CSV_METRIC_SLOTS = 2  # every KLUE task has one or two official metrics


def csv_text(rows: Sequence[dict[str, Any]]) -> str:
    """results.csv: one row per task; ``metric_1, ours_1, paper_1, baseline_1, metric_2, ...``."""
    columns = ["task", "status"]
    for slot in range(1, CSV_METRIC_SLOTS + 1):
        columns += [f"metric_{slot}", f"ours_{slot}", f"paper_{slot}", f"baseline_{slot}"]
    columns += ["wall_time_s", "train_samples_per_second", "eval_samples_per_second", "error"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        line: dict[str, Any] = {"task": row["task"], "status": row["status"], "error": row.get("error") or ""}
        baseline = (row.get("baseline") or {}).get("scores", {})
        for slot, key in enumerate(list(row["metrics"])[:CSV_METRIC_SLOTS], 1):
            line.update({f"metric_{slot}": key, f"ours_{slot}": _csv(row["metrics"][key]),
                         f"paper_{slot}": _csv(row["paper"].get(key)),
                         f"baseline_{slot}": _csv(baseline.get(key))})  # fmt: skip
        for key in ("wall_time_s", "train_samples_per_second", "eval_samples_per_second"):
            line[key] = _csv(row[key])
        writer.writerow(line)
    return buffer.getvalue()


def _csv(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


# ---------------------------------------------------------------- reading a run


def _read_json(path: Path) -> Any | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def table_tasks() -> dict[str, Any]:
    """The metrics table (``metrics.tasks.TASKS``), KLUE order."""
    from metrics.tasks import TASKS

    return dict(TASKS)


OTHER_MODEL = "other model"  # a row's status: the task's folder holds another model's run


def collect(out: Path, model: str, tasks: Sequence[str] | None = None, baselines: dict[str, Any] | None = None,
            failures: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Every task's row, in the table's order: the tasks asked for, or those with a folder in ``out`` (where a
    folder's run was made by another model than ``model``, its row says so instead of showing its scores).
    ``failures``: tasks this ``run_all.sh`` run saw fail, with the reason, whether or not their status was
    written (a full disk, a read-only folder)."""
    table = table_tasks()
    paper = paper_scores(model, read_paper_table())
    names = [name for name in table if (name in tasks if tasks is not None else (out / name).is_dir())]
    rows = []
    for name in names:
        task = table[name]
        status = _read_json(out / name / STATUS_FILE)
        if name in (failures or {}):
            status = {**(status if isinstance(status, dict) else {}), "status": "failed", "error": failures[name]}
        elif tasks is None and (made_by := run_all_model(out / name)) is not None and not same_model(made_by, model):
            status = {"status": OTHER_MODEL, "error": f"made by {made_by}"}
        rows.append(task_row(
            name, task.metric_keys, task.selection_key, _read_json(out / name / "eval_results.json"),
            _read_json(out / name / "train_results.json"), status, paper, (baselines or {}).get(name),
        ))  # fmt: skip
    return rows


def run_all_model(task_dir: Path) -> str | None:
    """The ``--model`` of the run_all.sh command that made ``task_dir`` (None for a folder it did not make)."""
    for name in COMMAND_FILES:
        try:
            lines = (task_dir / name).read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        return next((line.removeprefix("model=") for line in lines if line.startswith("model=")), None)
    return None


def same_model(made_by: str, model: str) -> bool:
    """Whether two ``--model`` values name one model: the same Hub id, or one local folder written two ways."""
    return same_file(made_by, model)


# ---------------------------------------------------------------- what a task reads (run_all.sh's rerun check)


DATA_FILE_FLAGS = ("train_file", "validation_file", "test_file", "ontology_file")


def task_input_files(task: str, data_dir: Path | None, flags: Sequence[str], cwd: Path) -> list[Path]:
    """The local data files a task's run reads: its original files in ``data_dir`` (WoS's ontology beside them),
    and the files its data flags name (``--validation_file dev.json``, relative to ``cwd``). Not the files other
    flags name: some are written by the run (``--predictions_csv``)."""
    from klue_data import KlueDataError, get_task
    from klue_data.sources import find_original_files

    files: list[Path] = []
    reader = get_task(task)
    if data_dir is not None:
        try:
            files += sorted(find_original_files(reader, data_dir).values())
        except KlueDataError:
            pass  # the task's own run says what is wrong with the folder
        if (find_ontology := getattr(reader, "find_ontology", None)) is not None and (ontology := find_ontology(
                [data_dir])) is not None:  # fmt: skip
            files.append(ontology)
    for flag, value in given_flags(flags).items():  # as argparse reads them: the last value of each
        if flag not in DATA_FILE_FLAGS or not value:
            continue
        path = cwd / value
        try:
            found = path.is_file()
        except OSError:  # a name the file system cannot hold: the task's run says so
            found = False
        if found and path not in files:
            files.append(path)
    return files


def file_fingerprint(path: Path) -> str:
    """``path size sha1``: a file by its contents (a copy or a touch is the same data; an edit is not)."""
    return f"{path.resolve()} {path.stat().st_size} {file_sha1(path)}"


# ---------------------------------------------------------------- per-task pictures (data: pure)


def task_picture_data(task: str, task_dir: Path, data_dir: Path | None = None) -> dict[str, Any] | None:
    """What the task's picture shows: ``{"kind": "confusion", "labels", "matrix"}`` or
    ``{"kind": "bars", "values": {name: score}, "ylabel"}``, plus a ``title``; None when the run
    wrote nothing to draw from (or RE has no ``data_dir`` for the gold labels)."""
    breakdown = _read_json(task_dir / "eval_breakdown.json") or {}
    if task in ("ynat", "nli") and "confusion_matrix" in breakdown:
        matrix = breakdown["confusion_matrix"]
        return {"kind": "confusion", "labels": matrix["labels"], "matrix": matrix["matrix"],
                "title": f"{task}: confusion matrix (dev)"}  # fmt: skip
    if task == "re":
        if "confusion_matrix" in breakdown:  # if run_re.py writes one: only the relations that occur
            labels, matrix = breakdown["confusion_matrix"]["labels"], breakdown["confusion_matrix"]["matrix"]
            keep = [i for i in range(len(labels)) if sum(matrix[i]) or sum(row[i] for row in matrix)]
            return {"kind": "confusion", "labels": [labels[i] for i in keep],
                    "matrix": [[matrix[i][j] for j in keep] for i in keep],
                    "title": "re: confusion matrix (dev, relations that occur)"}  # fmt: skip
        return _re_confusion(task_dir, data_dir)
    if task == "ner" and "per_type_f1" in breakdown:
        return {"kind": "bars", "values": breakdown["per_type_f1"], "ylabel": "entity F1",
                "title": "ner: entity F1 per type (dev)"}  # fmt: skip
    if task == "mrc":
        values = _mrc_per_type(breakdown)
        if values:
            return {"kind": "bars", "values": values, "ylabel": "score", "title": "mrc: scores per question type (dev)"}
    if task == "wos" and "per_domain_jga" in breakdown:
        return {"kind": "bars", "values": breakdown["per_domain_jga"], "ylabel": "JGA",
                "title": "wos: joint goal accuracy per domain (dev)"}  # fmt: skip
    return None


def _mrc_per_type(breakdown: dict[str, Any]) -> dict[str, float]:
    """``{"paraphrase EM": ..., "paraphrase ROUGE-W": ...}`` from either breakdown layout (names or
    the official type numbers 1-3)."""
    names = {"1": "paraphrase", "2": "multi_sentence", "3": "unanswerable"}
    per_type = breakdown.get("per_question_type", breakdown)
    values: dict[str, float] = {}
    for key, scores in per_type.items():
        if not isinstance(scores, dict):
            continue
        name = names.get(str(key), str(key))
        for metric, label in (("exact_match", "EM"), ("rouge_w", "ROUGE-W")):
            value = _number(scores.get(metric))
            if value is not None:
                values[f"{name} {label}"] = value
    return values


def _re_confusion(task_dir: Path, data_dir: Path | None) -> dict[str, Any] | None:
    """RE's breakdown has F1 per relation only: the matrix comes from eval_predictions.jsonl and the
    dev file's gold relations, matched by guid."""
    predictions = _read_jsonl(task_dir / "eval_predictions.jsonl")
    if not predictions or data_dir is None:
        return None
    import klue_data
    from klue_data.sources import find_original_files
    from metrics.labels import RE_RELATIONS

    reader = klue_data.get_task("re")
    try:  # a picture is extra: a folder or a file that does not read leaves it out (the task's run said why)
        files = find_original_files(reader, str(data_dir))
        if "validation" not in files:
            return None
        gold_by_guid = {record["guid"]: record["label"] for record in reader.read_file(files["validation"])}
    except klue_data.KlueDataError:
        return None
    pairs = [(gold_by_guid[p["guid"]], p["prediction"]) for p in predictions if p["guid"] in gold_by_guid]
    if not pairs:
        return None
    gold, predicted = [g for g, _ in pairs], [p for _, p in pairs]
    labels = used_labels(list(RE_RELATIONS), gold, predicted)
    return {"kind": "confusion", "labels": labels, "matrix": confusion_matrix(labels, gold, predicted),
            "title": "re: confusion matrix (dev, relations that occur)"}  # fmt: skip


# ---------------------------------------------------------------- drawing

# Hangul labels with no Hangul font installed would draw as empty boxes: English names instead.
ENGLISH_NAMES = {
    "정치": "politics", "경제": "economy", "사회": "society", "생활문화": "culture", "세계": "world",
    "IT과학": "IT/science", "스포츠": "sports", "관광": "tourism", "식당": "restaurant", "숙소": "hotel",
    "택시": "taxi", "지하철": "subway",
}  # fmt: skip
HANGUL_FONTS = ("NanumGothic", "Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic", "AppleGothic", "UnDotum")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    hangul = next((name for name in HANGUL_FONTS if name in installed), None)
    if hangul:
        plt.rcParams["font.family"] = [hangul, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    _pyplot.hangul = bool(hangul)  # type: ignore[attr-defined]
    return plt


def display_label(name: str, hangul_font: bool) -> str:
    """A label as drawn: as it is with a Hangul font, else its English name (or as it is)."""
    return name if hangul_font else ENGLISH_NAMES.get(name, name)


def draw_picture(data: dict[str, Any]) -> Any:
    """A matplotlib Figure of ``task_picture_data``'s data."""
    plt = _pyplot()
    hangul = getattr(_pyplot, "hangul", False)
    if data["kind"] == "confusion":
        labels = [display_label(label, hangul) for label in data["labels"]]
        size = max(4.0, 0.45 * len(labels) + 2.5)
        figure, axes = plt.subplots(figsize=(size + 1, size))
        image = axes.imshow(data["matrix"], cmap="Blues")
        axes.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
        axes.set_yticks(range(len(labels)), labels, fontsize=8)
        axes.set_xlabel("predicted")
        axes.set_ylabel("gold")
        peak = max((max(row) for row in data["matrix"]), default=0)
        for i, row in enumerate(data["matrix"]):
            for j, count in enumerate(row):
                if count:
                    axes.text(j, i, str(count), ha="center", va="center", fontsize=7,
                              color="white" if count > peak / 2 else "black")  # fmt: skip
        figure.colorbar(image, ax=axes, fraction=0.046)
    else:
        names = [display_label(name, hangul) for name in data["values"]]
        figure, axes = plt.subplots(figsize=(max(5.0, 0.7 * len(names) + 2), 4))
        axes.bar(range(len(names)), list(data["values"].values()), color="tab:blue")
        axes.set_xticks(range(len(names)), names, rotation=30, ha="right")
        axes.set_ylabel(data["ylabel"])
        axes.set_ylim(0, 100)
    axes.set_title(data["title"])
    figure.tight_layout()
    return figure


def draw_scores(rows: Sequence[dict[str, Any]], model: str) -> Any | None:
    """Grouped bars per task and metric: ours, the paper's (and the baseline's where computed)."""
    bars = [(f"{row['task']}\n{key}", ours, row["paper"].get(key),
             (row.get("baseline") or {}).get("scores", {}).get(key))
            for row in rows if row["status"] == "ok" for key, ours in row["metrics"].items()]  # fmt: skip
    if not bars:
        return None
    plt = _pyplot()
    width = 0.27
    figure, axes = plt.subplots(figsize=(max(6.0, 0.9 * len(bars) + 2), 4.5))
    positions = range(len(bars))
    axes.bar([p - width for p in positions], [b[1] or 0 for b in bars], width, label="ours")
    if any(b[2] is not None for b in bars):
        axes.bar(list(positions), [b[2] or 0 for b in bars], width, label=f"paper ({model_label(model)})")
    if any(b[3] is not None for b in bars):
        axes.bar([p + width for p in positions], [b[3] or 0 for b in bars], width, label="trivial baseline")
    axes.set_xticks(list(positions), [b[0] for b in bars], fontsize=7)
    axes.set_ylim(0, 100)
    axes.set_ylabel("dev score")
    axes.set_title(f"KLUE dev scores: {model_label(model)}")
    axes.legend(fontsize=8)
    figure.tight_layout()
    return figure


def save_png(figure: Any, path: Path) -> Path:
    """The figure as a PNG at ``path``, written atomically; the figure is closed."""
    import matplotlib.pyplot as plt

    with atomic_writer(path, "wb") as stream:
        figure.savefig(stream, format="png", dpi=110)
    plt.close(figure)
    return path


def log_to_tensorboard(task_dir: Path, tag: str, png: Path) -> Path:
    """The PNG as a TensorBoard image (``tensorboard --logdir OUT`` shows it beside the task's curves)."""
    import numpy as np
    from matplotlib import image as mpimg
    from torch.utils.tensorboard import SummaryWriter

    pixels = (mpimg.imread(png)[..., :3] * 255).astype(np.uint8)
    log_dir = task_dir / TENSORBOARD_SUBDIR
    with SummaryWriter(log_dir=str(log_dir)) as writer:
        writer.add_image(tag, pixels, dataformats="HWC")
    return log_dir


# ---------------------------------------------------------------- the whole report


def write_report(
    out: Path,
    model: str,
    tasks: Sequence[str] | None = None,
    data_dir: Path | None = None,
    baselines: dict[str, Any] | None = None,
    tensorboard: bool = True,
    failures: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """results.md/.json/.csv, scores.png and the per-task pictures (PNG + TensorBoard); returns the rows."""
    rows = collect(out, model, tasks, baselines, failures)
    for row in rows:
        row["above_baseline"] = above_baseline(row)
    figures: dict[str, str] = {}
    scores = draw_scores(rows, model)
    if scores is not None:
        figures["scores"] = str(save_png(scores, out / FIGURES / "scores.png").relative_to(out))
    else:
        (out / FIGURES / "scores.png").unlink(missing_ok=True)  # an earlier report's, of scores no longer there
    for row in rows:
        task_dir = out / row["task"]
        # An earlier report's pictures of this task: redrawn below from this run's files, or gone with them
        for stale in PICTURE_NAMES:
            (out / FIGURES / f"{row['task']}_{stale}.png").unlink(missing_ok=True)
        if tensorboard or row["status"] != "ok":  # kept where this report logs no image in its place
            shutil.rmtree(task_dir / TENSORBOARD_SUBDIR, ignore_errors=True)
        if row["status"] != "ok":
            continue
        data = task_picture_data(row["task"], task_dir, data_dir)
        if data is None:
            continue
        name = "confusion_matrix" if data["kind"] == "confusion" else "breakdown"
        png = save_png(draw_picture(data), out / FIGURES / f"{row['task']}_{name}.png")
        figures[row["task"]] = str(png.relative_to(out))
        row["figure"] = figures[row["task"]]
        if tensorboard:
            log_to_tensorboard(task_dir, f"{row['task']}/{name}", png)
    failed = [row["task"] for row in rows if row["status"] == "failed"]
    write_json(out / "results.json", {"model": model, "output_dir": str(out), "tasks": rows, "failed": failed,
                                      "figures": figures})  # fmt: skip
    write_text(out / "results.csv", lambda stream: stream.write(csv_text(rows)))
    markdown = f"# KLUE dev results: {model_label(model)}\n\n" + markdown_table(rows, model)
    if figures:
        markdown += "\n" + "".join(f"![{name}]({path})\n" for name, path in figures.items())
    write_text(out / "results.md", lambda stream: stream.write(markdown))
    return rows


def summary_line(out: Path, task: str, status: dict[str, Any] | None = None) -> str:
    """One line after a finished task: its metrics and time (``status``: as run_all.sh saw them, else as recorded)."""
    table = table_tasks()
    status = status or _read_json(out / task / STATUS_FILE) or {}
    results = (_read_json(out / task / "eval_results.json") or {}) if status.get("status") != "failed" else {}
    keys = table[task].metric_keys if task in table else [k[5:] for k in results if k.startswith("eval_")][:2]
    scores = ", ".join(f"{key} {_fmt(_number(results.get(f'eval_{key}')))}" for key in keys)
    return f"== {task}: {status.get('status', '?')} in {_fmt(_number(status.get('seconds')), 0)} s; {scores}"


def _main(argv: list[str]) -> int:
    parser = OneLineErrorParser(prog="python -m trainers.benchmark_report", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="write results.md/.json/.csv and the pictures, print the table")
    report.add_argument("out", type=Path)
    report.add_argument("model")
    report.add_argument("--data_dir", type=Path, help="the dev files (RE's confusion matrix needs the gold relations)")
    report.add_argument("--baselines", type=Path, help="JSON of trivial baselines (python -m smoke baselines; "
                        "default: OUT/baselines.json when run_all.sh --smoke wrote one)")
    report.add_argument("--tasks", help="comma-separated tasks (default: every task with a folder in OUT)")
    report.add_argument("--no_tensorboard", action="store_true", help="do not log the pictures to TensorBoard")
    report.add_argument("--failed", action="append", default=[], metavar="TASK=REASON",
                        help="a task this run saw fail, and why (its status file may not have been written)")
    status = commands.add_parser("status", help="record how a task's run ended (OUT/TASK/run_all.json)")
    status.add_argument("out", type=Path)
    status.add_argument("task")
    status.add_argument("status", choices=["ok", "failed", "skipped"])
    status.add_argument("seconds", type=float)
    status.add_argument("error", nargs="?", default=None)
    summary = commands.add_parser("summary", help="one line on a finished task")
    summary.add_argument("out", type=Path)
    summary.add_argument("task")
    summary.add_argument("status", nargs="?", choices=["ok", "failed", "skipped"])
    summary.add_argument("seconds", nargs="?", type=float)
    inputs = commands.add_parser("inputs", help="per task, a line 'TASK<tab>data=PATH SIZE SHA1' for each local "
                                 "data file it reads (its original files in --data_dir, files its data flags name)")
    inputs.add_argument("tasks", help="comma-separated tasks")
    inputs.add_argument("--data_dir", type=Path)
    inputs.add_argument("--cwd", type=Path, default=Path.cwd(), help="the folder relative flag values are read from")
    inputs.add_argument("flags", nargs=argparse.REMAINDER)
    sizes = commands.add_parser("size-configs", help="two lines: the folder of size-specific configs for a model "
                                "(empty when there is none), and a line for the log that says which and why")
    sizes.add_argument("model")
    flags = commands.add_parser("eval-flags", help="--eval_steps/--save_steps for four evaluations per epoch")
    flags.add_argument("config", type=Path)
    flags.add_argument("flags", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    if args.command == "status":
        previous = _read_json(args.out / args.task / STATUS_FILE) or {}
        record = {"status": args.status, "seconds": args.seconds, "error": args.error}
        state = _read_json(args.out / args.task / "trainer_state.json") or {}
        record["best_checkpoint"] = state.get("best_model_checkpoint") or previous.get("best_checkpoint")
        try:
            write_json(args.out / args.task / STATUS_FILE, record)
        except OSError as error:  # a full disk, a read-only folder: run_all.sh keeps the status itself
            print(f"run_all.sh: cannot record {args.task}'s status in {args.out / args.task / STATUS_FILE}: "
                  f"{error.strerror or error}", file=sys.stderr)
            return 1
    elif args.command == "summary":
        given = {"status": args.status, "seconds": args.seconds} if args.status else None
        print(summary_line(args.out, args.task, given))
    elif args.command == "inputs":
        flags = args.flags[1:] if args.flags[:1] == ["--"] else args.flags
        for task in (name for name in args.tasks.split(",") if name):
            for path in task_input_files(task, args.data_dir, flags, args.cwd):
                print(f"{task}\tdata={file_fingerprint(path)}")
    elif args.command == "size-configs":
        folder, why = size_configs(args.model)
        shown = f"{folder.relative_to(REPO_ROOT)}/<task>.json where it has the task, else " if folder else ""
        print(folder.relative_to(REPO_ROOT) if folder else "")
        print(f"== configs: {shown}configs/<task>.json (size-specific configs: {why})")
    elif args.command == "eval-flags":
        config = _read_json(args.config) if args.config.is_file() else {}
        print(" ".join(quarter_epoch_flags(config or {}, args.flags)))
    else:
        if not args.out.is_dir():
            parser.error(f"report {args.out}: no such folder (the --output_dir of run_all.sh)")
        if args.data_dir is not None and not args.data_dir.is_dir():
            parser.error(f"--data_dir {args.data_dir}: no such folder (the KLUE files the tasks were run on)")
        if args.baselines is not None and not args.baselines.is_file():
            parser.error(f"--baselines {args.baselines}: no such file")
        if args.baselines is not None and not isinstance(_read_json(args.baselines), dict):
            parser.error(f"--baselines {args.baselines}: not a JSON object of baselines (python -m smoke baselines)")
        baselines = _read_json(args.baselines or args.out / "baselines.json")
        tasks = [task for task in args.tasks.split(",") if task] if args.tasks else None
        if unknown := sorted(set(tasks or ()) - set(table_tasks())):
            parser.error(f"--tasks: unknown task(s) {', '.join(unknown)}; the table has {', '.join(table_tasks())}")
        failures = dict(item.split("=", 1) for item in args.failed if "=" in item)
        rows = write_report(args.out, args.model, tasks, args.data_dir, baselines, not args.no_tensorboard, failures)
        print("\n".join(text_table(rows)))
        for row in rows:  # a smoke run that did not learn says so (its score alone could look fine)
            if row.get("above_baseline") is False:
                key = row["main_metric"]
                print(f"{row['task']}: {key} {_fmt(row['metrics'][key])} is not above the trivial baseline "
                      f"({row['baseline']['name']}: {_fmt(row['baseline']['scores'][key])})")
        print(f"(results.md, results.json, results.csv and figures/ in {args.out})")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
