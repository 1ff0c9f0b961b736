"""WoS joint goal accuracy and slot F1 as an ``evaluate`` metric (offline, from this folder).

    import evaluate
    metric = evaluate.load("metrics/hf_evaluate/klue_wos")

It delegates to the project's ``metrics`` package (installed editable, or the repository
root on ``sys.path``), so the numbers are exactly those of ``metrics.score_task("wos", ...)``.
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
WoS joint goal accuracy and slot F1.
Computed exactly as the official KLUE-baseline implementation does (quirks included),
on the 0-100 scale. See the docstrings of the ``metrics`` package for details.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: per user turn, the predicted state as "domain-slot-value" strings.
    references: per user turn, the gold state.
Returns:
    jga: share (0-100) of turns whose predicted set equals the gold set.
    slot_f1: mean over turns (0-100) of the per-turn F1 (the official "slot_micro_f1").
Example:
    >>> metric = evaluate.load("metrics/hf_evaluate/klue_wos")
    >>> metric.compute(predictions=[["관광-종류-박물관"], []], references=[["관광-종류-박물관"], []])
    {'jga': 100.0, 'slot_f1': 100.0}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class KlueWos(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": datasets.Sequence(datasets.Value("string")),
                    "references": datasets.Sequence(datasets.Value("string")),
                }
            ),
            reference_urls=["https://github.com/KLUE-benchmark/KLUE-baseline"],
        )

    def _compute(self, predictions, references):
        return metrics.score_task("wos", predictions, references)
