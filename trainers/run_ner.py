r"""Fine-tune and score an encoder on KLUE-NER (named entities, tagged per character).

    python trainers/run_ner.py --model_name_or_path klue/roberta-base --output_dir out/ner \
        --do_train --do_eval --do_predict

The model tags subwords, each trained on the tag of its first character. Scores are per character:
a subword's prediction goes to its first character and ``I-`` of the same type to the rest of it
(``algorithms/char_alignment.py``). Characters cut off by ``--max_seq_length`` (past a sentence's
last subword) are, with ``--ner_scoring official`` (the default), left out of the scores on both
sides, as KLUE-baseline cuts the gold to the predicted length; with ``--ner_scoring characters``
they are predicted ``O`` and scored. Either way the number of such sentences is logged and
``predictions.jsonl`` tags them ``O``.
Metrics: entity macro F1 and character macro F1 (``eval_entity_f1``, ``eval_char_f1``), by default
on KLUE-baseline's layout (``--ner_scoring``), plus entity F1 per type (``eval_entity_f1_PS``, ...,
over the same characters as the two F1).
``predictions.jsonl``: per sentence the tag of every character, the entities, and the sentence in
KLUE's ``<text:TYPE>`` markup.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import datasets
import numpy as np
import pyarrow as pa
from transformers import (
    AutoModelForTokenClassification,
    DataCollatorForTokenClassification,
    PretrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

import metrics
from algorithms import char_alignment
from algorithms.token_offsets import TokenOffsets, list_array
from args import ModelArguments, NerArguments
from klue_data.ner import non_space_positions
from trainers.loading import from_pretrained
from trainers.runner import main
from trainers.task import IGNORED_LABEL, Scored, Task



class NerTask(Task):
    name = "ner"
    cuda_graphs_by_default = True  # measured: bench/GPU_THROUGHPUT.md
    argument_classes = (NerArguments,)
    needs_fast_tokenizer = True  # character offsets
    batch_format = "arrow"  # 285,000 dev characters never become Python strings
    label_column = "ner_tags"  # what require_labels names when a sentence has none

    def unlabelled(self, examples: datasets.Dataset) -> list[int]:
        """Sentences without tags (a test file's), read without making Python lists of the tags."""
        missing = examples.with_format("arrow")["ner_tags"].is_null()
        return np.flatnonzero(missing.to_numpy(zero_copy_only=False)).tolist()

    def scoring_problem(self, examples: datasets.Dataset) -> str | None:
        if char_alignment.CharBatch(examples.with_format("arrow")["tokens"]).token_is_space.all():
            return ("every sentence is empty (spaces at most): no character to score; expected tagged characters, "
                    "or leave the tags out to only predict")
        return None

    def build_model(self, model_args: ModelArguments, config: PretrainedConfig) -> PreTrainedModel:
        return from_pretrained(AutoModelForTokenClassification, model_args, config=config)

    def preprocess(
        self, examples: pa.Table, tokenizer: PreTrainedTokenizerBase, max_length: int, padding: bool | str
    ) -> pa.Table:
        chars = char_alignment.CharBatch(examples.column("tokens"))
        features = tokenizer(
            chars.texts,
            truncation=True,
            max_length=max_length,
            padding=padding,
            return_offsets_mapping=True,
            # One segment: token types are all 0, the model's default. Without padding the mask is
            # all 1s and the collator makes it. Fewer columns to write makes preprocessing faster.
            return_token_type_ids=False,
            return_attention_mask=bool(padding),
        )
        offsets = TokenOffsets.of(features.pop("offset_mapping"))
        columns = {name: pa.array(values, type=pa.list_(pa.int32())) for name, values in features.items()}
        tags = examples.column("ner_tags")
        if tags.null_count == 0:
            labels = char_alignment.subword_labels(chars, tags, offsets)
            if padding:
                # Pads have the special tokens' (0, 0) offsets, which train as O: left out, as the collator's pads
                # are (and as KLUE-baseline's loss left them out), so that they neither dilute the loss nor train.
                labels[np.concatenate(features["attention_mask"]) == 0] = IGNORED_LABEL
            columns["labels"] = list_array(labels, offsets.lengths)
        columns["offset_mapping"] = offsets.to_arrow()  # for decoding; the Trainer drops it before the model
        return pa.table(columns)

    def feature_warnings(self, examples: datasets.Dataset, features: datasets.Dataset) -> list[str]:
        cut = char_alignment.truncated_sentences(
            examples.with_format("arrow")["tokens"], features.with_format("arrow")["offset_mapping"]
        )
        if not cut.any():
            return []
        if self.option(NerArguments).ner_scoring == "official":
            effect = "predicted O and left out of the scores on both sides (--ner_scoring official, as KLUE-baseline)"
        else:
            effect = "predicted O and scored against their gold tags (--ner_scoring characters)"
        return [
            f"{int(cut.sum())} of {cut.size} sentences are longer than max_seq_length: their characters past "
            f"the cut are {effect}; raise --max_seq_length to avoid it."
        ]

    def data_collator(self, tokenizer: PreTrainedTokenizerBase, pad_to_multiple_of: int | None) -> Callable:
        return DataCollatorForTokenClassification(tokenizer, pad_to_multiple_of=pad_to_multiple_of)

    def reduce_logits(self, logits: Any, inputs: dict[str, Any], tokenizer: PreTrainedTokenizerBase) -> Any:
        # (batch, seq, 13) -> (batch, seq): eval never holds 5,000 sentences of full logits.
        logits = logits[0] if isinstance(logits, tuple) else logits
        return logits.argmax(dim=-1)

    def decode(self, examples: datasets.Dataset, features: datasets.Dataset, predictions: Any) -> list[dict[str, list]]:
        """Per sentence: ``tags``, tag ids for every character (spaces ``O``), ``scored``, the tag
        names of the non-space characters (what the metrics score), ``ends``, the tag names
        predicted at its first and last model positions ([CLS], [SEP]; official scoring counts them),
        and ``covered``, how many of the non-space characters its subwords reached (fewer than
        ``len(scored)`` when truncation cut it; official scoring scores only those)."""
        predicted = predictions[0] if isinstance(predictions, tuple) else predictions
        predicted = np.asarray(predicted)
        if predicted.ndim == 3:  # logits, when reduce_logits was bypassed
            predicted = predicted.argmax(axis=-1)
        # Columns read through Arrow: Python-object access to 5,000 rows costs more than the decoding.
        tokens = examples.with_format("arrow")["tokens"]
        offsets = TokenOffsets.of(features.with_format("arrow")["offset_mapping"])
        chars = char_alignment.subword_predictions_to_chars(tokens, offsets, predicted)
        ends = char_alignment.special_position_tags(predicted, offsets.lengths)
        return [
            # all tags stay ids until written
            {"tags": all_tags, "scored": scored, "ends": sentence_ends, "covered": int(covered)}
            for all_tags, scored, sentence_ends, covered in zip(
                chars.token_tags, chars.non_space_names(), ends, chars.covered_counts, strict=True
            )
        ]

    def references(self, examples: datasets.Dataset) -> list[list[str]] | None:
        tags = examples["ner_tags"]
        if any(sentence is None for sentence in tags):
            return None
        return [
            [sentence_tags[i] for i in non_space_positions(tokens)]
            for tokens, sentence_tags in zip(examples["tokens"], tags)
        ]

    def score(self, decoded: list[dict[str, list]], references: Any, examples: datasets.Dataset) -> Scored:
        """Entity and character F1 on KLUE-baseline's layout (``--ner_scoring official``) or on the
        characters alone; entity F1 per type (keys ``entity_f1_PS``, ...) from the breakdown.

        ``official``: each sentence's characters past its last subword (cut by truncation) are
        dropped from the prediction and the gold alike, as KLUE-baseline scores the gold cut to
        the predicted length; then every sentence between its [CLS] and [SEP] predictions (gold
        ``O``), all as one sequence. ``characters``: every non-space character, cut ones predicted
        ``O``. The breakdown is over the same characters as the scores."""
        predicted = [sentence["scored"] for sentence in decoded]
        official = self.option(NerArguments).ner_scoring == "official"
        if official:
            predicted = [sentence["scored"][: sentence["covered"]] for sentence in decoded]
            references = [gold[: sentence["covered"]] for gold, sentence in zip(references, decoded, strict=True)]
        breakdown = metrics.ner_breakdown(predicted, references)
        if official:
            first, last = zip(*(sentence["ends"] for sentence in decoded), strict=True)
            gold_o = ["O"] * len(decoded)
            scores = metrics.score_task(
                self.name,
                [char_alignment.official_tag_sequence(predicted, first, last)],
                [char_alignment.official_tag_sequence(references, gold_o, gold_o)],
            )
        else:
            scores = metrics.score_task(self.name, predicted, references)
        scores.update({f"entity_f1_{kind}": value for kind, value in breakdown["per_type_f1"].items()})
        return Scored(scores, breakdown)

    def prediction_record(self, example: dict[str, Any], prediction: dict[str, list]) -> dict[str, Any]:
        tokens = example["tokens"]
        tags = char_alignment.tags_with_spaces(tokens, char_alignment.tag_names(prediction["tags"]))
        entities = char_alignment.entities_from_tags(tokens, tags)
        return {
            "guid": example["guid"],
            "prediction": tags,
            "entities": entities,
            "tagged_sentence": char_alignment.klue_markup(tokens, entities),
        }


if __name__ == "__main__":
    sys.exit(main(NerTask()))
