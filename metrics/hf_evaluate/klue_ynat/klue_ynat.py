"""YNAT macro F1 as an ``evaluate`` metric (offline, from this folder).

    import evaluate
    metric = evaluate.load("metrics/hf_evaluate/klue_ynat")

It delegates to the project's ``metrics`` package (installed editable, or the repository
root on ``sys.path``), so the numbers are exactly those of ``metrics.score_task("ynat", ...)``.
"""

import datasets
import evaluate

import metrics
from metrics.label_input import YNAT_LABELS, label_ids

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
YNAT macro F1.
Computed exactly as the official KLUE-baseline implementation does (quirks included),
on the 0-100 scale. See the docstrings of the ``metrics`` package for details.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: predicted topics, as names ("정치", "경제", ...) or as ids in the official
        order (0 정치, 1 경제, 2 사회, 3 생활문화, 4 세계, 5 IT과학, 6 스포츠; not the Hub
        dataset's order, so give names when in doubt). All names or all ids.
    references: gold topics, likewise.
Returns:
    macro_f1: macro F1 (0-100) over the class ids present in references or predictions.
Example:
    >>> metric = evaluate.load("metrics/hf_evaluate/klue_ynat")
    >>> metric.compute(predictions=[0, 1, 2, 2], references=[0, 1, 1, 2])
    {'macro_f1': 77.77777777777777}
    >>> metric.compute(predictions=["정치", "경제", "사회", "사회"],
    ...                references=["정치", "경제", "경제", "사회"])
    {'macro_f1': 77.77777777777777}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class KlueYnat(evaluate.Metric):
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
            predictions=label_ids(predictions, YNAT_LABELS, "predictions"),
            references=label_ids(references, YNAT_LABELS, "references"),
            **kwargs,
        )

    def add(self, *, prediction=None, reference=None, **kwargs):
        """Add one prediction and reference; labels as names or ids (see below)."""
        super().add(
            prediction=None if prediction is None else label_ids([prediction], YNAT_LABELS, "prediction")[0],
            reference=None if reference is None else label_ids([reference], YNAT_LABELS, "reference")[0],
            **kwargs,
        )

    def _compute(self, predictions, references):
        return metrics.score_task("ynat", predictions, references)
