"""KLUE-STS Pearson r and binary F1 as an ``evaluate`` metric (offline, from this folder).

    import evaluate
    metric = evaluate.load("metrics/hf_evaluate/klue_sts")

It delegates to the project's ``metrics`` package (installed editable, or the repository
root on ``sys.path``), so the numbers are exactly those of ``metrics.score_task("sts", ...)``.
"""

import datasets
import evaluate

import metrics

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
KLUE-STS Pearson r and binary F1.
Computed exactly as the official KLUE-baseline implementation does (quirks included),
on the 0-100 scale. See the docstrings of the ``metrics`` package for details.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: predicted similarity scores (0-5 scale; not clipped here).
    references: gold similarity scores.
Returns:
    pearsonr: Pearson correlation x 100.
    f1: F1 (0-100) of the positive class after binarising both sides with score >= 3.0.
Example:
    >>> metric = evaluate.load("metrics/hf_evaluate/klue_sts")
    >>> metric.compute(predictions=[0.5, 3.5, 4.0, 2.0], references=[1.0, 3.0, 4.5, 3.2])["f1"]
    80.0
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class KlueSts(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {"predictions": datasets.Value("float64"), "references": datasets.Value("float64")}
            ),
            reference_urls=["https://github.com/KLUE-benchmark/KLUE-baseline"],
        )

    def _compute(self, predictions, references):
        return metrics.score_task("sts", predictions, references)
