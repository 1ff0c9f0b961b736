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
from metrics.label_input import DP_DEPREL_LABELS, label_names, label_names_per_sentence

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
    predictions: per sentence, {"heads": [head of each word (0 = root)], "labels": [relation of each word]},
        relations as names ("NP_SBJ", "VP", ...) or as ids in the official order
        (metrics.DP_DEPREL_LABELS). All names or all ids.
    references: the gold sentences, same shape, likewise.
Returns:
    uas: macro F1 over head positions (0-100), the official "UAS".
    las: macro F1 over relation classes with PAD for wrong heads (0-100), the official "LAS".
Example:
    >>> metric = evaluate.load("metrics/hf_evaluate/klue_dp")
    >>> sentence = {"heads": [2, 0], "labels": ["NP_SBJ", "VP"]}
    >>> metric.compute(predictions=[sentence], references=[sentence])
    {'uas': 100.0, 'las': 100.0}
"""


def _with_label_names(sentences, argument):
    """Each sentence's relations as names (they may come as ids); anything else is left to evaluate's checks."""
    if sentences is None or not isinstance(sentences, (list, tuple)):
        return sentences
    if not all(isinstance(sentence, dict) and "labels" in sentence for sentence in sentences):
        return sentences
    labels = label_names_per_sentence([sentence["labels"] for sentence in sentences], DP_DEPREL_LABELS, argument)
    return [{**sentence, "labels": names} for sentence, names in zip(sentences, labels)]


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

    def add_batch(self, *, predictions=None, references=None, **kwargs):
        """Add a batch of predictions and references; labels as names or ids (see below)."""
        super().add_batch(
            predictions=_with_label_names(predictions, "predictions"),
            references=_with_label_names(references, "references"),
            **kwargs,
        )

    def add(self, *, prediction=None, reference=None, **kwargs):
        """Add one prediction and reference; labels as names or ids (see below)."""
        if isinstance(prediction, dict) and "labels" in prediction:
            prediction = {**prediction, "labels": label_names(prediction["labels"], DP_DEPREL_LABELS, "prediction")}
        if isinstance(reference, dict) and "labels" in reference:
            reference = {**reference, "labels": label_names(reference["labels"], DP_DEPREL_LABELS, "reference")}
        super().add(prediction=prediction, reference=reference, **kwargs)

    def _compute(self, predictions, references):
        heads, labels = _unzip(predictions)
        gold_heads, gold_labels = _unzip(references)
        return metrics.score_task("dp", (heads, labels), (gold_heads, gold_labels))
