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
DP                         ``dp_uas``, ``dp_las``
MRC                        ``mrc_exact_match``, ``mrc_rouge_w``
WoS                        ``wos_jga``, ``wos_slot_f1``
=========================  ==================================================

``score_task`` scores one task by name; ``build_compute_metrics`` makes a Trainer's
``compute_metrics``; the ``*_breakdown`` helpers give per-class details for logs. What the
metrics know of each task (result keys, selection key, scoring, breakdown, default
postprocess, the scorer CLI's conversions) is one row of the table in ``metrics.tasks``;
``metric_task(name)`` returns it. Label names come from ``metrics.labels``.
"""

from metrics.classification import (
    classification_breakdown,
    nli_accuracy,
    sts_f1,
    sts_pearsonr,
    ynat_macro_f1,
)
from metrics.compute import TASK_METRIC_KEYS, build_compute_metrics, score_task
from metrics.dp import dp_las, dp_uas
from metrics.labels import (
    DP_DEPREL_CLASSES,
    DP_DEPREL_LABELS,
    MRC_QUESTION_TYPES,
    NER_ENTITY_TYPES,
    NER_TAGS,
    RE_RELATIONS,
)
from metrics.mrc import (
    mrc_breakdown,
    mrc_exact_match,
    mrc_rouge_w,
    mrc_scores_by_question_type,
    normalize_answer,
)
from metrics.ner import ner_breakdown, ner_char_f1, ner_entity_f1
from metrics.relation import re_auprc, re_breakdown, re_micro_f1
from metrics.tasks import MetricTask, metric_task
from metrics.wos import wos_breakdown, wos_jga, wos_slot_f1

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
    "wos_slot_f1",
    "ynat_macro_f1",
]
