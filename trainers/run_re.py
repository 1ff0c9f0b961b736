r"""Fine-tune and score an encoder on KLUE-RE (relation extraction: 30 relations, no_relation first).

    python trainers/run_re.py --model_name_or_path klue/roberta-base --output_dir out/re \
        --do_train --do_eval --do_predict [--re_head entity_start]

The subject and object are marked in the sentence at their character offsets, ``<subj>…</subj>``
and ``<obj>…</obj>`` (four added special tokens; ``algorithms/re_markers.py``). The marker tokens go
between the subwords of the unmarked sentence, so text glued to an entity keeps its running-text
form (``김철수</subj>##는``, as KLUE-baseline's ``fix_tokenization_error`` intends); a sentence whose
entity boundary falls inside a subword is tokenized marked instead (counted in the log). A marked sentence
longer than ``--max_seq_length`` (default 256) keeps the token window around its markers, so both
entities stay whole; when even the span between the markers does not fit, the window starts at
the first marker (counted in the log). ``--re_head cls`` (default, the KLUE paper's baseline)
classifies [CLS]; ``--re_head entity_start`` the hidden states at ``<subj>`` and ``<obj>``
(``models/re_entity_start.py``). Metrics: micro F1 over the 29 relations (``eval_micro_f1``) and
AUPRC over all 30 (``eval_auprc``); F1 per relation in ``eval_breakdown.json``.
``predictions.jsonl``: the relation name and the 30 probabilities per guid.
"""

from __future__ import annotations

import sys
from typing import Any

import datasets
import numpy as np
from transformers import AutoModelForSequenceClassification, PretrainedConfig, PreTrainedModel, PreTrainedTokenizerBase

import metrics
from algorithms import re_markers
from args import ArgumentsError, ModelArguments, ReArguments
from klue_data import KlueDataError
from models.re_entity_start import ReEntityStartModel
from trainers.loading import from_pretrained, refuse_last_position_summary
from trainers.run_folder import TASK_CONFIG_KEY
from trainers.runner import main
from trainers.task import Scored
from trainers.sequence_tasks import ClassificationTask

NO_CUT, WINDOWED, SPAN_TOO_LONG = 0, 1, 2  # the ``marker_window`` column (dropped before the model)
# ``marker_fallback`` (also dropped): 1 where the marked string was tokenized, not the running text;
# MARKER_TEXT where that sentence also holds a marker's text of its own (read as a marker there)
MARKER_TEXT = 2


class ReTask(ClassificationTask):
    name = "re"
    argument_classes = (ReArguments,)
    marker_ids: list[int] = []

    def prepare_tokenizer(self, tokenizer: PreTrainedTokenizerBase) -> None:
        tokenizer.add_special_tokens({"extra_special_tokens": list(re_markers.MARKERS)},
                                     replace_extra_special_tokens=False)
        self.marker_ids = tokenizer.convert_tokens_to_ids(list(re_markers.MARKERS))

    def build_model(self, model_args: ModelArguments, config: PretrainedConfig) -> PreTrainedModel:
        wanted = self.option(ReArguments).re_head
        saved = getattr(config, "re_head", None) or ("cls" if getattr(config, TASK_CONFIG_KEY, None) == "re" else None)
        if saved is not None and saved != wanted:
            # Under the other head a saved RE model would load a new, untrained head (cls -> entity_start), or lose
            # its whole encoder (entity_start -> cls: its weights are named encoder.*, not bert.*), without an error.
            raise ArgumentsError(f"{model_args.model_name_or_path} is a KLUE-RE model with --re_head {saved}; pass "
                                 f"--re_head {saved} (under {wanted} it would load with untrained weights)")
        if wanted == "cls":
            refuse_last_position_summary(config, model_args.model_name_or_path)
            return from_pretrained(AutoModelForSequenceClassification, model_args, config=config)
        config.re_marker_token_ids = list(self.marker_ids)
        return from_pretrained(ReEntityStartModel, model_args, config=config)

    # --- features ---------------------------------------------------------------------------
    def prepare_split(self, examples: datasets.Dataset, split: str) -> datasets.Dataset:
        """Reject overlapping subject/object spans before tokenization, naming the guid."""
        columns = examples.select_columns(["guid", "sentence", "subject_entity", "object_entity"])[:]
        for guid, sentence, subject, obj in zip(*columns.values(), strict=True):
            try:
                re_markers.mark_entities(sentence, _span(subject), _span(obj))
            except re_markers.OverlappingEntitiesError as error:
                raise KlueDataError(None, f"{split}: {error}", guid=guid, field="object_entity") from None
        return examples

    def preprocess(
        self, examples: dict[str, list], tokenizer: PreTrainedTokenizerBase, max_length: int, padding: bool | str
    ) -> dict[str, list]:
        bodies, fallback = self._marked_bodies(examples, tokenizer)
        prefix, suffix = _special_tokens_around(tokenizer, self.marker_ids[0])
        room = max_length - len(prefix) - len(suffix)
        input_ids, cut = [], []
        for body in bodies:
            window = re_markers.marker_window(body, self.marker_ids, room)
            input_ids.append(prefix + body[window.start : window.end] + suffix)
            cut.append(SPAN_TOO_LONG if window.span_too_long else WINDOWED if window.cut else NO_CUT)
        features: dict[str, list] = {"input_ids": input_ids}
        if "token_type_ids" in tokenizer.model_input_names:
            features["token_type_ids"] = [[0] * len(ids) for ids in input_ids]
        if padding:
            features = dict(tokenizer.pad(features, padding=padding, max_length=max_length))
        targets = self.targets(examples)
        if targets is not None:
            features["labels"] = targets
        features["marker_window"] = cut
        features["marker_fallback"] = fallback
        return features

    def _marked_bodies(
        self, examples: dict[str, list], tokenizer: PreTrainedTokenizerBase
    ) -> tuple[list[list[int]], list[int]]:
        """The token ids of each sentence with its four markers (no special tokens), and 1 where the
        marked string had to be tokenized instead of the running text (``marker_fallback``; the token
        glued after an end marker is then made a continuation, as KLUE-baseline does; ``MARKER_TEXT``
        where that sentence holds a marker's text too).

        The subwords are the unmarked sentence's, as KLUE-baseline's ``fix_tokenization_error``
        means them to be (a particle glued after an entity stays ``##는``); see ``re_markers``."""
        sentences = examples["sentence"]
        spans = [(_span(subject), _span(obj)) for subject, obj in
                 zip(examples["subject_entity"], examples["object_entity"], strict=True)]
        bodies: list[list[int] | None] = [None] * len(sentences)
        if tokenizer.is_fast:  # a slow tokenizer has no offsets: every sentence takes the marked string
            encoded = tokenizer(sentences, add_special_tokens=False, return_offsets_mapping=True,
                                return_attention_mask=False, return_token_type_ids=False, verbose=False)
            for index, (sentence, (subject, obj)) in enumerate(zip(sentences, spans, strict=True)):
                bodies[index] = re_markers.insert_markers(
                    encoded["input_ids"][index], encoded["offset_mapping"][index], sentence,
                    re_markers.marker_cuts(sentence, subject, obj), self.marker_ids,
                )
        missing = [index for index, body in enumerate(bodies) if body is None]
        if missing:
            marked = [re_markers.mark_entities(sentences[index], *spans[index]) for index in missing]
            vocab = tokenizer.get_vocab()
            end_markers = [self.marker_ids[1], self.marker_ids[3]]  # </subj>, </obj>
            # The markers are read as markers here, and so would a marker's text in the sentence itself.
            encoded = tokenizer(marked, add_special_tokens=False, return_attention_mask=False,
                                return_token_type_ids=False, split_special_tokens=False, verbose=False)
            for index, ids in zip(missing, encoded["input_ids"], strict=True):
                sentence = sentences[index]
                glued = [end + 1 < len(sentence) and not sentence[end + 1].isspace() for _, end in spans[index]]
                bodies[index] = re_markers.glue_after_end_markers(
                    ids, glued, end_markers, tokenizer.convert_ids_to_tokens(ids), vocab
                )
        fallback = [0] * len(sentences)
        for index in missing:
            fallback[index] = MARKER_TEXT if any(m in sentences[index] for m in re_markers.MARKERS) else 1
        return bodies, fallback  # type: ignore[return-value]  # every None was filled

    def feature_warnings(self, examples: datasets.Dataset, features: datasets.Dataset) -> list[str]:
        cut = np.asarray(features["marker_window"])
        lines = []
        if (cut == WINDOWED).any():
            lines.append(f"{int((cut == WINDOWED).sum())} of {cut.size} marked sentences are longer than "
                         "max_seq_length: the window around their entity markers is kept.")
        if (cut == SPAN_TOO_LONG).any():
            lines.append(f"{int((cut == SPAN_TOO_LONG).sum())} of {cut.size} sentences hold more tokens between "
                         "their first and last entity marker than max_seq_length: the window starts at the first "
                         "marker and the later marker(s) are lost (raise --max_seq_length to avoid it).")
        fallback = np.asarray(features["marker_fallback"])
        if fallback.any():
            lines.append(f"{int((fallback > 0).sum())} of {fallback.size} sentences have an entity boundary inside "
                         "a subword of the running text: their marked sentence was tokenized as a whole, and the "
                         "token glued after an end marker made a continuation (##), as KLUE-baseline does.")
        if (fallback == MARKER_TEXT).any():
            lines.append(f"{int((fallback == MARKER_TEXT).sum())} of them hold a marker's text of their own "
                         f"({', '.join(re_markers.MARKERS)}), which their marked sentence reads as a marker: a second "
                         "<subj> or <obj> there (--re_head entity_start reads the first).")
        return lines

    # --- outputs ----------------------------------------------------------------------------
    # decode (softmax probabilities), references (relation ids, None when unlabelled) and
    # prediction_record (relation name and the 30 probabilities) are ClassificationTask's.
    def score(self, decoded: np.ndarray, references: Any, examples: datasets.Dataset) -> Scored:
        """Micro F1 (argmax) and AUPRC (probabilities), as the official code scores them; F1 per
        relation (``no_relation`` included) in the breakdown."""
        breakdown = metrics.re_breakdown(decoded, references)
        breakdown["confusion_matrix"] = metrics.classification_breakdown(
            decoded.argmax(-1), references, list(metrics.RE_RELATIONS)
        )["confusion_matrix"]  # rows gold, columns predicted (run_all.sh draws it)
        return Scored(metrics.score_task(self.name, decoded, references), breakdown)


def _span(entity: dict[str, Any]) -> tuple[int, int]:
    return int(entity["start_idx"]), int(entity["end_idx"])


def _special_tokens_around(tokenizer: PreTrainedTokenizerBase, probe_id: int) -> tuple[list[int], list[int]]:
    """The special tokens the tokenizer puts before and after one sentence ([CLS] … [SEP], <s> … </s>)."""
    full = tokenizer(tokenizer.convert_ids_to_tokens(probe_id), return_attention_mask=False,
                     return_token_type_ids=False, split_special_tokens=False)["input_ids"]
    at = full.index(probe_id)
    return full[:at], full[at + 1 :]


if __name__ == "__main__":
    sys.exit(main(ReTask()))
