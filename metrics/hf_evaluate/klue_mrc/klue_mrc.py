"""KLUE-MRC exact match and ROUGE-W as an ``evaluate`` metric (offline, from this folder).

    import evaluate
    metric = evaluate.load("metrics/hf_evaluate/klue_mrc")

It delegates to the project's ``metrics`` package (installed editable, or the repository
root on ``sys.path``), so the numbers are exactly those of ``metrics.score_task("mrc", ...)``.
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
KLUE-MRC exact match and ROUGE-W.
Computed exactly as the official KLUE-baseline implementation does (quirks included),
on the 0-100 scale. See the docstrings of the ``metrics`` package for details.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: the predicted answer string of each question.
    references: the gold answer strings of each question ([] = unanswerable, whose only gold is "").
Returns:
    exact_match: share (0-100) of questions whose normalised prediction equals a normalised gold.
    rouge_w: mean (0-100) of the best longest-common-substring F1 over the golds.
Example:
    >>> metric = evaluate.load("metrics/hf_evaluate/klue_mrc")
    >>> metric.compute(predictions=["서울", ""], references=[["서울특별시", "서울"], []])
    {'exact_match': 100.0, 'rouge_w': 100.0}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class KlueMrc(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {"predictions": datasets.Value("string"), "references": datasets.Sequence(datasets.Value("string"))}
            ),
            reference_urls=["https://github.com/KLUE-benchmark/KLUE-baseline"],
        )

    def _compute(self, predictions, references):
        return metrics.score_task("mrc", list(predictions), [list(golds) for golds in references])
