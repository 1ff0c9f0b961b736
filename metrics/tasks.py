"""The metric side of every KLUE task, in one table: ``TASKS[name]`` is a ``MetricTask``.

Per task: its result keys and the key a Trainer selects models by; its official scoring
function and per-class breakdown; the Trainer's default postprocess where model outputs need
no task knowledge; and the pieces of the scorer CLI (``python -m metrics.score``): how a
reference record becomes scored units, how a prediction line becomes a prediction, how the
matched units are scored. ``score_task``, ``build_compute_metrics``, ``TASK_METRIC_KEYS`` and
the CLI all read this table; nothing else knows a task by its name.

The module imports numpy and the metric modules only. The few reader functions the CLI needs
(``regression_target``, ``non_space_positions``, ...) arrive as the ``reader`` argument, the
task's ``klue_data`` module, so importing the metrics never imports a reader.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from types import ModuleType
from typing import Any

import numpy as np

from metrics.classification import classification_breakdown, nli_accuracy, sts_f1, sts_pearsonr, ynat_macro_f1
from metrics.dp import dp_attachment_accuracies, dp_las, dp_uas
from metrics.labels import DP_DEPREL_LABELS, NER_TAGS, NLI_LABELS, RE_RELATIONS, YNAT_LABELS
from metrics.mcqa import mcqa_accuracy, mcqa_breakdown
from metrics.mrc import mrc_exact_match, mrc_rouge_w, mrc_scores_by_question_type
from metrics.ner import ner_breakdown, ner_char_f1, ner_entity_f1
from metrics.relation import N_RELATIONS, re_auprc, re_breakdown, re_micro_f1
from metrics.wos import wos_breakdown, wos_scores

Scores = dict[str, float]

# ---------------------------------------------------------------- the scorer CLI's units and errors


class RejectedInput(Exception):
    """Input that cannot be scored as a whole; the message says what and where."""


class BadPrediction(ValueError):
    """One prediction line that does not fit its reference (raised while converting it)."""


@dataclass
class Unit:
    """One scored item of the reference: a sentence, a question, a user turn, ..."""

    key: str | tuple[str, int]
    gold: Any
    context: dict[str, Any] = field(default_factory=dict)


def _guid_key(obj: dict[str, Any]) -> str:
    return obj["guid"]


# ---------------------------------------------------------------- the table's row


@dataclass(frozen=True)
class MetricTask:
    """What the metrics know of one task. Functions take and return the ``score_task`` units.

    - ``score(predictions, references) -> {key: float}``: the official metrics, keyed (in
      order) as ``metric_keys``.
    - ``selection_key``: the metric to select checkpoints by (``greater_is_better``).
    - ``max_seq_length``: the task script's default ``--max_seq_length`` (KLUE-baseline's), None
      for a task without a script yet.
    - ``breakdown(predictions, references) -> dict``: per-class details for logs (MRC's also
      takes the question types); None where the task has none.
    - ``postprocess(eval_prediction) -> (predictions, references)``: the Trainer's default, from
      model outputs; None where the caller must give one (outputs need decoding first).
    - Scorer CLI: ``reference_units(record, reader) -> [Unit, ...]``, or None for an unlabelled
      record; ``key_field`` the field naming the example in a prediction line (``guid``; MCQA's
      competition files say ``id``); ``line_key(obj)`` the key a prediction line matches a unit
      by; ``convert(obj, unit)``
      one prediction line to a prediction (``BadPrediction`` says what is wrong);
      ``score_units(units, predictions, notes) -> (scores, breakdown)`` where scoring needs more
      than ``score`` and ``breakdown`` on the golds; ``check_references(units)`` a problem with
      the reference file as a whole, or None; ``unit_name`` what a unit is called in the report.
    """

    name: str
    metric_keys: tuple[str, ...]
    selection_key: str
    score: Callable[[Any, Any], Scores]
    breakdown: Callable[..., dict[str, Any]] | None
    postprocess: Callable[[Any], tuple[Any, Any]] | None
    reference_units: Callable[[dict[str, Any], ModuleType], list[Unit] | None]
    convert: Callable[[dict[str, Any], Unit], Any]
    unit_name: str = "examples"
    key_field: str = "guid"
    line_key: Callable[[dict[str, Any]], Any] = _guid_key
    score_units: Callable[[Sequence[Unit], list[Any], list[str]], tuple[Scores, dict[str, Any]]] | None = None
    check_references: Callable[[Sequence[Unit]], str | None] | None = None
    greater_is_better: bool = True
    max_seq_length: int | None = None

    @property
    def reader(self) -> str:
        """The module that reads the task's files into the Hub schema (``klue_data.get_task(name)``)."""
        return f"klue_data.{self.name}"

    @property
    def config_file(self) -> str:
        """The task's hyperparameters, relative to the repository root (``run_all.sh`` passes it)."""
        return f"configs/{self.name}.json"

    def score_matched(
        self, units: Sequence[Unit], predictions: list[Any], notes: list[str]
    ) -> tuple[Scores, dict[str, Any]]:
        """Scores and breakdown of the CLI's matched predictions (reference order); notes go to ``notes``."""
        if self.score_units is not None:
            return self.score_units(units, predictions, notes)
        golds = _golds(units)
        scores = self.score(predictions, golds)
        return scores, (self.breakdown(predictions, golds) if self.breakdown is not None else {})


def _golds(units: Sequence[Unit]) -> list[Any]:
    return [unit.gold for unit in units]


# ---------------------------------------------------------------- shared pieces


def _outputs_and_labels(eval_prediction: Any) -> tuple[np.ndarray, np.ndarray]:
    """``EvalPrediction`` (duck-typed) to arrays; a tuple of outputs (logits, hidden states, ...)
    gives its first item, the logits."""
    return np.asarray(_first(eval_prediction.predictions)), np.asarray(_first(eval_prediction.label_ids))


def _first(value: Any) -> Any:
    while isinstance(value, tuple) and len(value) > 0:
        value = value[0]
    return value


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)  # stable: exp never overflows
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _label_id(labels: Sequence[str], value: Any) -> int:
    if not isinstance(value, str) or value not in labels:
        shown = ", ".join(labels) if len(labels) <= 10 else f"the {len(labels)} relation names"
        raise BadPrediction(f"expected a label name ({shown}), got {value!r}")
    return labels.index(value)


def _class_units(labels: Sequence[str], record: dict[str, Any], reader: ModuleType) -> list[Unit] | None:
    if record["label"] is None:
        return None
    return [Unit(str(record["guid"]), labels.index(record["label"]))]


# ---------------------------------------------------------------- YNAT, NLI: one class per example


def _score_ynat(predictions: Any, references: Any) -> Scores:
    return {"macro_f1": ynat_macro_f1(predictions, references)}


def _score_nli(predictions: Any, references: Any) -> Scores:
    return {"accuracy": nli_accuracy(predictions, references)}


def _ynat_breakdown(predictions: Any, references: Any) -> dict[str, Any]:
    return classification_breakdown(predictions, references, list(YNAT_LABELS))


def _nli_breakdown(predictions: Any, references: Any) -> dict[str, Any]:
    return classification_breakdown(predictions, references, list(NLI_LABELS))


def argmax_postprocess(eval_prediction: Any) -> tuple[np.ndarray, np.ndarray]:
    """Logits ``(n, k)`` to class ids; 1-D outputs are taken as ids already (e.g. reduced by
    ``preprocess_logits_for_metrics`` to save memory)."""
    outputs, labels = _outputs_and_labels(eval_prediction)
    return (outputs.argmax(axis=-1) if outputs.ndim == 2 else outputs), labels


def _convert_class(labels: Sequence[str], obj: dict[str, Any], unit: Unit) -> int:
    return _label_id(labels, obj["prediction"])


# ---------------------------------------------------------------- STS: one score per pair


def _score_sts(predictions: Any, references: Any) -> Scores:
    return {"pearsonr": sts_pearsonr(predictions, references), "f1": sts_f1(predictions, references)}


def sts_postprocess(eval_prediction: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(n,)`` or ``(n, 1)`` regression outputs, scored raw as KLUE-baseline scores them."""
    outputs, labels = _outputs_and_labels(eval_prediction)
    scores = outputs.astype(np.float64)
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    return scores, labels


def _sts_units(record: dict[str, Any], reader: ModuleType) -> list[Unit] | None:
    if record["labels"] is None:
        return None
    return [Unit(str(record["guid"]), reader.regression_target(record["labels"]))]


def _convert_sts(obj: dict[str, Any], unit: Unit) -> float:
    value = obj["prediction"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BadPrediction(f"expected a finite number, got {value!r}")
    return float(value)


# ---------------------------------------------------------------- NER: one tag per non-space character


def _score_ner(predictions: Any, references: Any) -> Scores:
    return {"entity_f1": ner_entity_f1(predictions, references), "char_f1": ner_char_f1(predictions, references)}


def _ner_units(record: dict[str, Any], reader: ModuleType) -> list[Unit] | None:
    if record["ner_tags"] is None:
        return None
    positions = reader.non_space_positions(record["tokens"])
    gold = [record["ner_tags"][i] for i in positions]
    return [Unit(str(record["guid"]), gold, {"n_all": len(record["tokens"]), "positions": positions})]


def _convert_ner(obj: dict[str, Any], unit: Unit) -> tuple[str, list[str]]:
    """``(reading, tags of the non-space characters)``; the reading is "non-space" or "all"."""
    value = obj["prediction"]
    if not isinstance(value, list) or not all(isinstance(tag, str) and tag in NER_TAGS for tag in value):
        bad = value if not isinstance(value, list) else next(t for t in value if t not in NER_TAGS)
        raise BadPrediction(f"expected a list of NER tags ({', '.join(NER_TAGS)}), got {bad!r}")
    n_chars, n_all = len(unit.gold), unit.context["n_all"]
    if len(value) == n_chars:
        return ("non-space", value)
    if len(value) == n_all:
        return ("all", [value[i] for i in unit.context["positions"]])
    raise BadPrediction(
        f"{len(value)} tags; expected {n_chars} (one per non-space character) or {n_all} (one per character, "
        "spaces included)"
    )


def _score_ner_units(
    units: Sequence[Unit], predictions: list[tuple[str, list[str]]], notes: list[str]
) -> tuple[Scores, dict[str, Any]]:
    tags = [value for _, value in predictions]
    golds = _golds(units)
    notes.append(_ner_reading(predictions, units))
    return _score_ner(tags, golds), ner_breakdown(tags, golds)


def _ner_reading(predictions: Sequence[tuple[str, list[str]]], units: Sequence[Unit]) -> str:
    # A sentence without spaces fits both readings; it is counted apart so the message is exact.
    both = sum(1 for unit in units if unit.context["n_all"] == len(unit.gold))
    all_chars = sum(
        1
        for (reading, _), unit in zip(predictions, units)
        if reading == "all" and unit.context["n_all"] != len(unit.gold)
    )
    non_space = len(units) - both - all_chars
    return (
        f"NER predictions read as tags for the non-space characters in {non_space} sentence(s), for all characters "
        f"(spaces included; the tags at spaces dropped) in {all_chars}; {both} sentence(s) have no space "
        "(same either way)"
    )


# ---------------------------------------------------------------- RE: relation probabilities per example


def _score_re(predictions: Any, references: Any) -> Scores:
    probabilities = np.asarray(predictions, dtype=np.float64)
    if probabilities.ndim != 2 or probabilities.shape[1] != N_RELATIONS:
        raise ValueError(
            f"predictions: expected an (n, {N_RELATIONS}) array of relation probabilities, "
            f"got shape {probabilities.shape}"
        )
    return {
        "micro_f1": re_micro_f1(np.argmax(probabilities, axis=1), references),
        "auprc": re_auprc(probabilities, references),
    }


def re_postprocess(eval_prediction: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(n, 30)`` logits to the softmax probabilities the official code scores (and their argmax)."""
    outputs, labels = _outputs_and_labels(eval_prediction)
    if outputs.ndim != 2 or outputs.shape[1] != N_RELATIONS:
        raise ValueError(f"predictions: expected (n, {N_RELATIONS}) relation logits, got shape {outputs.shape}")
    return _softmax(outputs.astype(np.float64)), labels


def _convert_re(obj: dict[str, Any], unit: Unit) -> tuple[int, list[float] | None]:
    label_id = _label_id(RE_RELATIONS, obj["prediction"])
    return (label_id, _re_line_probabilities(obj.get("probabilities"), label_id))


def _re_line_probabilities(value: Any, label_id: int) -> list[float] | None:
    if value is None:
        return None
    n = len(RE_RELATIONS)
    if isinstance(value, dict):  # {relation name: probability}, as the suite's own predictions.jsonl writes
        if set(value) != set(RE_RELATIONS):
            odd = sorted(set(value) ^ set(RE_RELATIONS))[:3]
            raise BadPrediction(f"'probabilities' as an object must name the {n} relations exactly (not: {odd})")
        value = [value[name] for name in RE_RELATIONS]
    if (
        not isinstance(value, list)
        or len(value) != n
        or not all(isinstance(p, (int, float)) and not isinstance(p, bool) and math.isfinite(p) for p in value)
    ):
        raise BadPrediction(f"'probabilities' must be {n} finite numbers in the official relation order")
    if min(value) < 0 or abs(sum(value) - 1.0) > 1e-2:  # logits would rank examples per class differently
        raise BadPrediction(
            f"'probabilities' must be probabilities (>= 0, summing to 1; these sum to {sum(value):.4g}): "
            "softmax logits first, AUPRC is not the same on logits"
        )
    if value[label_id] < max(value):  # micro F1 scores the argmax: the two must not disagree
        best = RE_RELATIONS[int(np.argmax(value))]
        raise BadPrediction(f"the label {RE_RELATIONS[label_id]!r} is not the argmax of 'probabilities' ({best!r})")
    return [float(p) for p in value]


def _score_re_units(
    units: Sequence[Unit], predictions: list[tuple[int, list[float] | None]], notes: list[str]
) -> tuple[Scores, dict[str, Any]]:
    golds = _golds(units)
    labels = [label for label, _ in predictions]
    probabilities = _re_probabilities(predictions, notes)
    # micro F1 scores the labels the lines give (each is an argmax of its probabilities, checked on
    # reading); np.argmax would pick the first of tied maxima, another relation than the one given
    scores = {"micro_f1": re_micro_f1(labels, golds), "auprc": _score_re(probabilities, golds)["auprc"]}
    return scores, re_breakdown(labels, golds)


def _re_probabilities(predictions: Sequence[tuple[int, list[float] | None]], notes: list[str]) -> np.ndarray:
    given = sum(1 for _, probabilities in predictions if probabilities is not None)
    if 0 < given < len(predictions):
        raise RejectedInput(
            f"'probabilities' given on {given} of {len(predictions)} lines; give them on every line or on none "
            "(a mix would score an AUPRC of half one-hot vectors)"
        )
    if given:
        return np.asarray([probabilities for _, probabilities in predictions], dtype=np.float64)
    notes.append(
        "no 'probabilities' in the predictions: AUPRC is computed on one-hot vectors of the predicted labels, "
        "not comparable to the official AUPRC of a model's probabilities"
    )
    one_hot = np.zeros((len(predictions), len(RE_RELATIONS)))
    one_hot[np.arange(len(predictions)), [label for label, _ in predictions]] = 1.0
    return one_hot


# ---------------------------------------------------------------- DP: a head and a relation per word


def _pair(value: Any, name: str) -> tuple[Any, Any]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)) or len(value) != 2:
        raise ValueError(f"{name}: expected a (heads_per_sentence, labels_per_sentence) pair")
    return value[0], value[1]


def _score_dp(predictions: Any, references: Any) -> Scores:
    pred_heads, pred_labels = _pair(predictions, "predictions")
    gold_heads, gold_labels = _pair(references, "references")
    return {
        "uas": dp_uas(pred_heads, gold_heads),
        "las": dp_las(pred_heads, pred_labels, gold_heads, gold_labels),
    }


def _dp_breakdown(predictions: Any, references: Any) -> dict[str, Any]:
    """The attachment accuracies beside the official (macro F1) UAS and LAS."""
    pred_heads, pred_labels = _pair(predictions, "predictions")
    gold_heads, gold_labels = _pair(references, "references")
    return {"attachment_accuracy": dp_attachment_accuracies(pred_heads, pred_labels, gold_heads, gold_labels)}


def _dp_units(record: dict[str, Any], reader: ModuleType) -> list[Unit] | None:
    if record["head"] is None:  # a sentence to parse
        return None
    gold = (list(record["head"]), list(record["deprel"]))
    return [Unit(str(record["guid"]), gold, {"n_words": len(record["head"])})]


def _convert_dp(obj: dict[str, Any], unit: Unit) -> tuple[list[int], list[str]]:
    value = obj["prediction"]
    n_words = unit.context["n_words"]
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("head"), list)
        or not isinstance(value.get("deprel"), list)
    ):
        raise BadPrediction(f'expected {{"head": [ints], "deprel": [strings]}}, got {str(value)[:60]}')
    heads, deprels = value["head"], value["deprel"]
    if len(heads) != n_words or len(deprels) != n_words:
        raise BadPrediction(f"{len(heads)} heads and {len(deprels)} deprels; expected {n_words} (one per word)")
    for head in heads:
        if isinstance(head, bool) or not isinstance(head, int) or not 0 <= head <= n_words:
            raise BadPrediction(f"head {head!r} is not an integer in 0..{n_words} (0 = root)")
    for deprel in deprels:
        if deprel not in DP_DEPREL_LABELS:
            raise BadPrediction(f"deprel {deprel!r} is not one of the {len(DP_DEPREL_LABELS)} KLUE relations")
    return (heads, deprels)


def _score_dp_units(
    units: Sequence[Unit], predictions: list[tuple[list[int], list[str]]], notes: list[str]
) -> tuple[Scores, dict[str, Any]]:
    golds = _golds(units)
    pred = ([heads for heads, _ in predictions], [deprels for _, deprels in predictions])
    gold = ([heads for heads, _ in golds], [deprels for _, deprels in golds])
    return _score_dp(pred, gold), _dp_breakdown(pred, gold)


# ---------------------------------------------------------------- MRC: an answer string per question


def _mrc_breakdown(predictions: Any, references: Any, question_types: Any) -> dict[str, Any]:
    """Per named question type, as a run's eval_breakdown.json and ``python -m metrics.score`` write it."""
    return mrc_scores_by_question_type(predictions, references, question_types)[1]


def _score_mrc(predictions: Any, references: Any) -> Scores:
    return {"exact_match": mrc_exact_match(predictions, references), "rouge_w": mrc_rouge_w(predictions, references)}


def _mrc_units(record: dict[str, Any], reader: ModuleType) -> list[Unit] | None:
    gold = reader.gold_answers(record)
    if not gold and not record["is_impossible"]:
        return None  # answerable, but no answer given: test data
    return [Unit(str(record["guid"]), gold, {"question_type": record["question_type"]})]


def _convert_mrc(obj: dict[str, Any], unit: Unit) -> str:
    value = obj["prediction"]
    if not isinstance(value, str):
        raise BadPrediction(f'expected an answer string ("" = unanswerable), got {value!r}')
    return value


def _score_mrc_units(
    units: Sequence[Unit], predictions: list[str], notes: list[str]
) -> tuple[Scores, dict[str, Any]]:
    # One pass, and the breakdown a training run writes (eval_breakdown.json: types by name)
    scores, breakdown = mrc_scores_by_question_type(
        predictions, _golds(units), [unit.context["question_type"] for unit in units]
    )
    if unknown := breakdown["unknown_question_type_count"]:
        notes.append(f"{unknown} reference(s) without a KLUE question_type (1, 2, 3): in the overall scores only")
    return {key: scores[key] for key in ("exact_match", "rouge_w")}, breakdown


# ---------------------------------------------------------------- WoS: a dialogue state per user turn


def _score_wos(predictions: Any, references: Any) -> Scores:
    return wos_scores(predictions, references)


def _wos_units(record: dict[str, Any], reader: ModuleType) -> list[Unit]:
    guid = str(record["guid"])
    return [Unit((guid, turn), state) for turn, state in enumerate(reader.user_states(record))]


def _wos_line_key(obj: dict[str, Any]) -> tuple[str, int]:
    turn = obj.get("turn")
    if isinstance(turn, bool) or not isinstance(turn, int) or turn < 0:
        raise BadPrediction(f"expected 'turn', the 0-based index of the user turn, got {turn!r}")
    return (obj["guid"], turn)


def _convert_wos(obj: dict[str, Any], unit: Unit) -> list[str]:
    value = obj["prediction"]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadPrediction(f"expected a list of 'domain-slot-value' strings, got {str(value)[:60]}")
    return value


def _check_wos_references(units: Sequence[Unit]) -> str | None:
    # the reader gives unlabelled turns an empty state; a labelled file has some non-empty one
    if units and not any(unit.gold for unit in units):
        return "no user turn has a dialogue state (an unlabelled test file?)"
    return None


# ---------------------------------------------------------------- MCQA: a 1-based choice number per item


def _score_mcqa(predictions: Any, references: Any) -> Scores:
    return {"accuracy": mcqa_accuracy(predictions, references)}


def _id_key(obj: dict[str, Any]) -> str:
    return obj["id"]


def _mcqa_units(record: dict[str, Any], reader: ModuleType) -> list[Unit] | None:
    if record["answer"] is None:
        return None
    return [Unit(str(record["id"]), int(record["answer"]), {"n_choices": len(record["choices"])})]


def _convert_mcqa(obj: dict[str, Any], unit: Unit) -> int:
    value, n = obj["prediction"], unit.context["n_choices"]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= n:
        raise BadPrediction(f"expected a choice number in 1..{n} (1-based), got {value!r}")
    return value


def _score_mcqa_units(units: Sequence[Unit], predictions: list[int], notes: list[str]) -> tuple[Scores, dict[str, Any]]:
    golds = _golds(units)
    breakdown = mcqa_breakdown(predictions, golds, [unit.context["n_choices"] for unit in units])
    return _score_mcqa(predictions, golds), breakdown


# ---------------------------------------------------------------- the table

TASKS: dict[str, MetricTask] = {
    spec.name: spec
    for spec in (
        MetricTask(
            name="ynat",
            max_seq_length=128,
            metric_keys=("macro_f1",),
            selection_key="macro_f1",
            score=_score_ynat,
            breakdown=_ynat_breakdown,
            postprocess=argmax_postprocess,
            reference_units=partial(_class_units, YNAT_LABELS),
            convert=partial(_convert_class, YNAT_LABELS),
        ),
        MetricTask(
            name="sts",
            max_seq_length=128,
            metric_keys=("pearsonr", "f1"),
            selection_key="pearsonr",
            score=_score_sts,
            breakdown=None,
            postprocess=sts_postprocess,
            reference_units=_sts_units,
            convert=_convert_sts,
        ),
        MetricTask(
            name="nli",
            max_seq_length=128,
            metric_keys=("accuracy",),
            selection_key="accuracy",
            score=_score_nli,
            breakdown=_nli_breakdown,
            postprocess=argmax_postprocess,
            reference_units=partial(_class_units, NLI_LABELS),
            convert=partial(_convert_class, NLI_LABELS),
        ),
        MetricTask(
            name="ner",
            max_seq_length=510,
            metric_keys=("entity_f1", "char_f1"),
            selection_key="char_f1",
            score=_score_ner,
            breakdown=ner_breakdown,
            postprocess=None,  # subword logits -> character tags: the task's alignment
            reference_units=_ner_units,
            convert=_convert_ner,
            score_units=_score_ner_units,
            unit_name="sentences",
        ),
        MetricTask(
            name="re",
            max_seq_length=256,
            metric_keys=("micro_f1", "auprc"),
            selection_key="micro_f1",
            score=_score_re,
            breakdown=re_breakdown,
            postprocess=re_postprocess,
            reference_units=partial(_class_units, RE_RELATIONS),
            convert=_convert_re,
            score_units=_score_re_units,
        ),
        MetricTask(
            name="dp",
            max_seq_length=256,
            metric_keys=("uas", "las"),
            selection_key="las",
            score=_score_dp,
            breakdown=_dp_breakdown,
            postprocess=None,  # subword outputs -> words: the task's pooling
            reference_units=_dp_units,
            convert=_convert_dp,
            score_units=_score_dp_units,
            unit_name="sentences",
        ),
        MetricTask(
            name="mrc",
            max_seq_length=510,  # KLUE-baseline's for the RoBERTa sizes (512 for klue/bert-base: configs/bert-base)
            metric_keys=("exact_match", "rouge_w"),
            selection_key="rouge_w",
            score=_score_mrc,
            breakdown=_mrc_breakdown,
            postprocess=None,  # window logits -> answer strings: the task's span search
            reference_units=_mrc_units,
            convert=_convert_mrc,
            score_units=_score_mrc_units,
            unit_name="questions",
        ),
        MetricTask(
            name="wos",
            max_seq_length=510,  # KLUE-baseline's
            metric_keys=("jga", "slot_f1"),
            selection_key="slot_f1",
            score=_score_wos,
            breakdown=wos_breakdown,
            postprocess=None,  # generated values -> dialogue states: the task's decoding
            reference_units=_wos_units,
            convert=_convert_wos,
            unit_name="user turns",
            line_key=_wos_line_key,
            check_references=_check_wos_references,
        ),
        MetricTask(  # not a KLUE task: Korean exam multiple choice (CSAT-style), no paper row
            name="mcqa",
            max_seq_length=512,
            metric_keys=("accuracy",),
            selection_key="accuracy",
            score=_score_mcqa,
            breakdown=None,  # per choice count: needs the items' choice counts (score_units, the task script)
            postprocess=None,  # padded choices and answer-token logits: the task's decoding
            reference_units=_mcqa_units,
            convert=_convert_mcqa,
            score_units=_score_mcqa_units,
            unit_name="items",
            key_field="id",
            line_key=_id_key,
        ),
    )
}


def metric_task(name: str) -> MetricTask:
    """The table's row of ``name``; ``ValueError`` naming the known tasks otherwise."""
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"task: unknown task {name!r}; expected one of {', '.join(TASKS)}") from None
