"""The official KLUE metrics, equal to KLUE-baseline's numbers (to 1e-6), quirks included.

Every metric returns a Python float on the 0-100 scale and accepts lists or numpy arrays;
bad input raises ``ValueError`` naming the argument. The package imports numpy and scipy
only (no transformers, torch or scikit-learn); the tests hold it to scikit-learn and seqeval.

=========================  ==================================================
task                       functions
=========================  ==================================================
YNAT, NLI, STS             ``ynat_macro_f1``, ``nli_accuracy``, ``sts_pearsonr``, ``sts_f1``
NER                        ``ner_entity_f1``, ``ner_char_f1``
RE                         ``re_micro_f1``, ``re_auprc``
DP                         ``dp_uas``, ``dp_las`` (``dp_attachment_accuracies``: not official)
MRC                        ``mrc_exact_match``, ``mrc_rouge_w``
WoS                        ``wos_jga``, ``wos_slot_f1`` (both: ``wos_scores``)
MCQA                       ``mcqa_accuracy`` (exam multiple choice; not a KLUE task)
=========================  ==================================================

``score_task`` scores one task by name; ``build_compute_metrics`` makes a Trainer's
``compute_metrics``; the ``*_breakdown`` helpers give per-class details for logs. What the
metrics know of each task (result keys, selection key, scoring, breakdown, default
postprocess, the scorer CLI's conversions) is one row of the table in ``metrics.tasks``;
``metric_task(name)`` returns it. Label names come from ``metrics.labels``.
"""

import importlib
from typing import Any

# Each public name → the module that defines it. Loaded on first use (PEP 562), so `import metrics`
# (or `from metrics import ner_entity_f1`) loads only what is used; `metrics.tasks` loads every task's module.
_EXPORTS: dict[str, str] = {
    "DP_DEPREL_CLASSES": "metrics.labels",
    "DP_DEPREL_LABELS": "metrics.labels",
    "MRC_QUESTION_TYPES": "metrics.labels",
    "MetricTask": "metrics.tasks",
    "NER_ENTITY_TYPES": "metrics.labels",
    "NER_TAGS": "metrics.labels",
    "RE_RELATIONS": "metrics.labels",
    "TASK_METRIC_KEYS": "metrics.compute",
    "build_compute_metrics": "metrics.compute",
    "classification_breakdown": "metrics.classification",
    "dp_attachment_accuracies": "metrics.dp",
    "dp_las": "metrics.dp",
    "dp_uas": "metrics.dp",
    "mcqa_accuracy": "metrics.mcqa",
    "mcqa_breakdown": "metrics.mcqa",
    "metric_task": "metrics.tasks",
    "mrc_breakdown": "metrics.mrc",
    "mrc_exact_match": "metrics.mrc",
    "mrc_rouge_w": "metrics.mrc",
    "mrc_scores_by_question_type": "metrics.mrc",
    "ner_breakdown": "metrics.ner",
    "ner_char_f1": "metrics.ner",
    "ner_entity_f1": "metrics.ner",
    "nli_accuracy": "metrics.classification",
    "normalize_answer": "metrics.mrc",
    "re_auprc": "metrics.relation",
    "re_breakdown": "metrics.relation",
    "re_micro_f1": "metrics.relation",
    "score_task": "metrics.compute",
    "sts_f1": "metrics.classification",
    "sts_pearsonr": "metrics.classification",
    "wos_breakdown": "metrics.wos",
    "wos_jga": "metrics.wos",
    "wos_scores": "metrics.wos",
    "wos_slot_f1": "metrics.wos",
    "ynat_macro_f1": "metrics.classification",
}


__all__ = [
    "DP_DEPREL_CLASSES",
    "DP_DEPREL_LABELS",
    "MRC_QUESTION_TYPES",
    "NER_ENTITY_TYPES",
    "NER_TAGS",
    "RE_RELATIONS",
    "TASK_METRIC_KEYS",
    "MetricTask",
    "build_compute_metrics",
    "classification_breakdown",
    "dp_las",
    "dp_uas",
    "mcqa_accuracy",
    "mcqa_breakdown",
    "metric_task",
    "mrc_breakdown",
    "mrc_exact_match",
    "mrc_rouge_w",
    "mrc_scores_by_question_type",
    "ner_breakdown",
    "ner_char_f1",
    "ner_entity_f1",
    "nli_accuracy",
    "normalize_answer",
    "re_auprc",
    "re_breakdown",
    "re_micro_f1",
    "score_task",
    "sts_f1",
    "sts_pearsonr",
    "wos_breakdown",
    "wos_jga",
    "wos_scores",
    "wos_slot_f1",
    "ynat_macro_f1",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'metrics' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
