"""KLUE-NLI accuracy as an ``evaluate`` metric (offline, from this folder).

    import evaluate
    metric = evaluate.load("metrics/hf_evaluate/klue_nli")

It delegates to the project's ``metrics`` package (installed editable, or the repository
root on ``sys.path``), so the numbers are exactly those of ``metrics.score_task("nli", ...)``.
"""

import datasets
import evaluate

import metrics
from metrics.label_input import NLI_LABELS, label_ids

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
KLUE-NLI accuracy.
Computed exactly as the official KLUE-baseline implementation does (quirks included),
on the 0-100 scale. See the docstrings of the ``metrics`` package for details.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: predicted labels, as names ("entailment", "contradiction", "neutral") or as
        ids in that official order (not the Hub dataset's order, which puts neutral second; give
        names when in doubt). All names or all ids.
    references: gold labels, likewise.
Returns:
    accuracy: share (0-100) of items whose predicted id equals the gold id.
Example:
    >>> metric = evaluate.load("metrics/hf_evaluate/klue_nli")
    >>> metric.compute(predictions=[0, 1, 2, 2], references=[0, 1, 1, 2])
    {'accuracy': 75.0}
    >>> metric.compute(predictions=["entailment", "neutral"], references=["entailment", "contradiction"])
    {'accuracy': 50.0}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class KlueNli(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {"predictions": datasets.Value("int64"), "references": datasets.Value("int64")}
            ),
            reference_urls=["https://github.com/KLUE-benchmark/KLUE-baseline"],
        )

    def add_batch(self, *, predictions=None, references=None, **kwargs):
        """Add a batch of predictions and references; labels as names or ids (see below)."""
        super().add_batch(
            predictions=label_ids(predictions, NLI_LABELS, "predictions"),
            references=label_ids(references, NLI_LABELS, "references"),
            **kwargs,
        )

    def add(self, *, prediction=None, reference=None, **kwargs):
        """Add one prediction and reference; labels as names or ids (see below)."""
        super().add(
            prediction=None if prediction is None else label_ids([prediction], NLI_LABELS, "prediction")[0],
            reference=None if reference is None else label_ids([reference], NLI_LABELS, "reference")[0],
            **kwargs,
        )

    def _compute(self, predictions, references):
        return metrics.score_task("nli", predictions, references)
