"""KLUE-NER entity and character macro F1 as an ``evaluate`` metric (offline, from this folder).

    import evaluate
    metric = evaluate.load("metrics/hf_evaluate/klue_ner")

It delegates to the project's ``metrics`` package (installed editable, or the repository
root on ``sys.path``), so the numbers are exactly those of ``metrics.score_task("ner", ...)``.
"""

import datasets
import evaluate

import metrics
from metrics.label_input import NER_TAGS, label_names, label_names_per_sentence

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
KLUE-NER entity and character macro F1.
Computed exactly as the official KLUE-baseline implementation does (quirks included),
on the 0-100 scale. See the docstrings of the ``metrics`` package for details.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: per sentence, the predicted BIO tag of every non-space character, as tag names
        (B-/I- x PS LC OG DT TI QT, and O) or as ids in the official order (metrics.NER_TAGS:
        0 B-PS, 1 I-PS, 2 B-LC, ..., 12 O; not the Hub dataset's order). All names or all ids.
    references: the gold tags, same shape, likewise.
Returns:
    entity_f1: seqeval strict-IOB2 entity macro F1 over entity types (0-100).
    char_f1: character macro F1 over the 13 tags, O included (0-100).
Example:
    >>> metric = evaluate.load("metrics/hf_evaluate/klue_ner")
    >>> metric.compute(predictions=[["B-PS", "I-PS", "O"]], references=[["B-PS", "I-PS", "O"]])
    {'entity_f1': 100.0, 'char_f1': 100.0}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class KlueNer(evaluate.Metric):
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

    def add_batch(self, *, predictions=None, references=None, **kwargs):
        """Add a batch of predictions and references; labels as names or ids (see below)."""
        super().add_batch(
            predictions=label_names_per_sentence(predictions, NER_TAGS, "predictions"),
            references=label_names_per_sentence(references, NER_TAGS, "references"),
            **kwargs,
        )

    def add(self, *, prediction=None, reference=None, **kwargs):
        """Add one prediction and reference; labels as names or ids (see below)."""
        super().add(
            prediction=label_names(prediction, NER_TAGS, "prediction"),
            reference=label_names(reference, NER_TAGS, "reference"),
            **kwargs,
        )

    def _compute(self, predictions, references):
        return metrics.score_task("ner", predictions, references)
