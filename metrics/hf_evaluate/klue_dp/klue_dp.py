"""KLUE-DP UAS and LAS (official macro F1 definitions)
as an ``evaluate`` metric (offline, from this folder).

    import evaluate
    metric = evaluate.load("metrics/hf_evaluate/klue_dp")

It delegates to the project's ``metrics`` package (installed editable, or the repository
root on ``sys.path``), so the numbers are exactly those of ``metrics.score_task("dp", ...)``.
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
KLUE-DP UAS and LAS (official macro F1 definitions).
Computed exactly as the official KLUE-baseline implementation does (quirks included),
on the 0-100 scale. See the docstrings of the ``metrics`` package for details.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: per sentence, {"heads": [head of each word (0 = root)], "labels": [relation of each word]}.
    references: the gold sentences, same shape.
Returns:
    uas: macro F1 over head positions (0-100), the official "UAS".
    las: macro F1 over relation classes with PAD for wrong heads (0-100), the official "LAS".
Example:
    >>> metric = evaluate.load("metrics/hf_evaluate/klue_dp")
    >>> sentence = {"heads": [2, 0], "labels": ["NP_SBJ", "VP"]}
    >>> metric.compute(predictions=[sentence], references=[sentence])
    {'uas': 100.0, 'las': 100.0}
"""


def _unzip(sentences):
    """[{"heads": [...], "labels": [...]}, ...] -> ([heads...], [labels...])."""
    return [sentence["heads"] for sentence in sentences], [sentence["labels"] for sentence in sentences]


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class KlueDp(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": {
                        "heads": datasets.Sequence(datasets.Value("int64")),
                        "labels": datasets.Sequence(datasets.Value("string")),
                    },
                    "references": {
                        "heads": datasets.Sequence(datasets.Value("int64")),
                        "labels": datasets.Sequence(datasets.Value("string")),
                    },
                }
            ),
            reference_urls=["https://github.com/KLUE-benchmark/KLUE-baseline"],
        )

    def _compute(self, predictions, references):
        heads, labels = _unzip(predictions)
        gold_heads, gold_labels = _unzip(references)
        return metrics.score_task("dp", (heads, labels), (gold_heads, gold_labels))
