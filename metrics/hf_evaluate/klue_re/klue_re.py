"""KLUE-RE micro F1 and AUPRC as an ``evaluate`` metric (offline, from this folder).

    import evaluate
    metric = evaluate.load("metrics/hf_evaluate/klue_re")

It delegates to the project's ``metrics`` package (installed editable, or the repository
root on ``sys.path``), so the numbers are exactly those of ``metrics.score_task("re", ...)``.
"""

import datasets
import evaluate
import numpy as np

import metrics
from metrics.label_input import RE_RELATIONS, label_ids

_CITATION = """\
@misc{park2021klue,
  title={KLUE: Korean Language Understanding Evaluation},
  author={Sungjoon Park and Jihyung Moon and Sungdong Kim and Won Ik Cho and others},
  year={2021},
  eprint={2105.09680},
  archivePrefix={arXiv},
  primaryClass={cs.CL}
}
"""

_DESCRIPTION = """\
KLUE-RE micro F1 and AUPRC.
Computed exactly as the official KLUE-baseline implementation does (quirks included),
on the 0-100 scale. See the docstrings of the ``metrics`` package for details.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: per example, the 30 relation probabilities in the official relation order
        (metrics.RE_RELATIONS; 0 = no_relation). micro_f1 scores their argmax.
    references: gold relations, as names ("no_relation", "org:founded", "per:origin", ...) or as
        ids in the official order (metrics.RE_RELATIONS). All names or all ids.
Returns:
    micro_f1: micro F1 (0-100) over the 29 relations other than no_relation.
    auprc: mean over the 30 classes of the one-vs-rest precision-recall AUC (0-100).
Example:
    >>> metric = evaluate.load("metrics/hf_evaluate/klue_re")
    >>> probs = [[0.9] + [0.1 / 29] * 29, [0.0] + [1 / 29] * 29]
    >>> metric.compute(predictions=probs, references=[0, 0])["micro_f1"]
    0.0
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class KlueRe(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {"predictions": datasets.Sequence(datasets.Value("float64")), "references": datasets.Value("int64")}
            ),
            reference_urls=["https://github.com/KLUE-benchmark/KLUE-baseline"],
        )

    def add_batch(self, *, predictions=None, references=None, **kwargs):
        """Add a batch of predictions and references; labels as names or ids (see below)."""
        super().add_batch(
            predictions=predictions, references=label_ids(references, RE_RELATIONS, "references"), **kwargs
        )

    def add(self, *, prediction=None, reference=None, **kwargs):
        """Add one prediction and reference; labels as names or ids (see below)."""
        super().add(
            prediction=prediction,
            reference=None if reference is None else label_ids([reference], RE_RELATIONS, "reference")[0],
            **kwargs,
        )

    def _compute(self, predictions, references):
        return metrics.score_task("re", np.asarray(predictions, dtype=np.float64), references)
