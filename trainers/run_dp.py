r"""Fine-tune and score an encoder on KLUE-DP (dependency parsing of words, eojeol), as KLUE-baseline does.

    python trainers/run_dp.py --model_name_or_path klue/roberta-base --output_dir out/dp \
        --do_train --do_eval --do_predict

KLUE-baseline's biaffine parser over the encoder (``models/dp_biaffine.py``: first and last subword of
each word + its POS, [CLS] as ROOT, a BiLSTM, a decoder LSTM, biaffine arcs, bilinear relations).
``--decode greedy`` takes each word's best head among ROOT and the other words (KLUE-baseline's argmax
also allows the word itself and padding), ``--decode mst`` the best one-root tree; the relation is the best one at that
head. Words past ``--max_seq_length`` are counted in the log and predicted as ROOT / ``VP``.
Metrics (0-100): official UAS and LAS (macro F1s; ``eval_uas``, ``eval_las``) and attachment
accuracies (``eval_uas_acc``, ``eval_las_acc``). ``predictions.jsonl``: ``{"guid", "prediction":
{"head", "deprel"}}``; ``predictions.tsv``: the input TSV with the predicted HEAD and DEPREL.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import pyarrow.compute as pc
import torch
from transformers import AutoModel, PretrainedConfig, PreTrainedModel, PreTrainedTokenizerBase

import metrics
from algorithms import dp_tree, dp_words
from args import ArgumentsError, DpArguments, ModelArguments
from klue_data import KlueDataError
from klue_data.dp import TSV_COLUMNS
from klue_data.labels import DP_DEPREL_LABELS
from models.dp_biaffine import IGNORE_INDEX, PARSER_LAYOUT, DpBiaffineConfig, DpBiaffineModel, DpDataCollator
from trainers.outputs import write_text
from trainers.loading import from_pretrained
from trainers.runner import main
from trainers.task import Scored, Task

LABEL_ID = {name: index for index, name in enumerate(DP_DEPREL_LABELS)}
TRUNCATED_DEPREL = "VP"  # the relation of most ROOT words


def _lengths(dataset: datasets.Dataset, column: str) -> np.ndarray:  # items >= 0 per row (no padding words)
    values = dataset.with_format("arrow")[column]
    sizes, counts = pc.list_value_length(values).to_numpy(), np.cumsum(pc.list_flatten(values).to_numpy() >= 0)
    return np.r_[0, counts][np.cumsum(sizes)] - np.r_[0, counts][np.cumsum(sizes) - sizes]


class DpTask(Task):
    name = "dp"
    argument_classes = (DpArguments,)
    needs_fast_tokenizer = True  # character offsets: subwords -> words
    label_smoothing_by = None  # heads and relations come as their own columns; the parser computes its loss
    units = ("sentences", "model inputs")
    label_names = list(DP_DEPREL_LABELS)  # the 38 relations (the reader reads any, checked in prepare_split)

    def build_model(self, model_args: ModelArguments, config: PretrainedConfig) -> PreTrainedModel:
        if isinstance(config, DpBiaffineConfig):  # a trained parser (of this layout: check_saved_model)
            return from_pretrained(DpBiaffineModel, model_args, config=config)
        options = self.option(DpArguments)
        encoder = from_pretrained(AutoModel, model_args, config=config)
        parser_config = DpBiaffineConfig(pos_embedding_dim=options.pos_embedding_dim, pad_token_id=config.pad_token_id,
                                         lstm_hidden_size=options.lstm_hidden_size, arc_dim=options.arc_dim,
                                         label_dim=options.label_dim, parser_layout=PARSER_LAYOUT,
                                         **self.config_overrides())
        return DpBiaffineModel.from_encoder(encoder, parser_config)

    label_column = "head"  # what require_labels names when a sentence has none

    def check_saved_model(self, config: PretrainedConfig, name: str) -> None:
        if isinstance(config, DpBiaffineConfig) and config.parser_layout != PARSER_LAYOUT:  # weights would not fit
            raise ArgumentsError(f"{name} is a DP parser saved by an earlier version of this suite, of another "
                                 "layout (before KLUE-baseline's decoder LSTM and [CLS] ROOT); train it again from "
                                 "its base model")

    def unlabelled(self, examples: datasets.Dataset) -> list[int]:
        """Sentences to parse (a test file's, without HEAD and DEPREL)."""
        missing = examples.with_format("arrow")["head"].is_null()
        return np.flatnonzero(missing.to_numpy(zero_copy_only=False)).tolist()

    def prepare_split(self, examples: datasets.Dataset, split: str) -> datasets.Dataset:
        for guid, deprels in zip(examples["guid"], examples["deprel"]):
            unknown = [name for name in deprels or () if name not in LABEL_ID]
            if unknown:
                raise KlueDataError(None, f"{split}: dependency relation {unknown[0]!r} is not one of the 38 KLUE "
                                    f"relations ({', '.join(DP_DEPREL_LABELS[:4])}, ...)", guid=guid, field="deprel")
        return examples

    def preprocess(
        self, examples: dict[str, list], tokenizer: PreTrainedTokenizerBase, max_length: int, padding: bool | str
    ) -> dict[str, list]:
        spans = dp_words.encode_words(tokenizer, examples["word_form"], max_length)
        rows = [
            dp_words.word_features(span, pos, heads, deprels and [LABEL_ID[d] for d in deprels], IGNORE_INDEX)
            for span, pos, heads, deprels in zip(spans, examples["pos"], examples["head"], examples["deprel"])
        ]
        # A split is labelled on every sentence or on none (require_labels): sentences to parse have no label columns
        names = [name for name in dp_words.WORD_COLUMNS if name in rows[0]] if rows else dp_words.WORD_COLUMNS
        columns = {name: [row[name] for row in rows] for name in names}
        if padding == "max_length":  # --pad_to_max_length: fixed shapes for default_data_collator
            columns["attention_mask"] = [[1] * len(ids) for ids in columns["input_ids"]]
            for name, pad in (("input_ids", tokenizer.pad_token_id), ("attention_mask", 0),
                              *DpDataCollator.WORD_PADS.items()):  # fmt: skip
                if name in columns:
                    columns[name] = [row + [pad] * (max_length - len(row)) for row in columns[name]]
        return columns

    def feature_warnings(self, examples: datasets.Dataset, features: datasets.Dataset) -> list[str]:
        kept, words = _lengths(features, "word_first"), _lengths(examples, "index")
        if not (cut := kept < words).any():
            return []
        lost = int((words - kept)[cut].sum())
        return [f"{int(cut.sum())} of {cut.size} sentences are longer than max_seq_length: their {lost} words past "
                "the cut are predicted as attached to ROOT and scored (raise --max_seq_length to avoid it)."]

    def data_collator(self, tokenizer: PreTrainedTokenizerBase, pad_to_multiple_of: int | None) -> Callable:
        return DpDataCollator(tokenizer.pad_token_id, pad_to_multiple_of)

    def loss_units(self, batch: dict[str, Any]) -> Any | None:
        heads = batch.get("head_labels")
        return None if heads is None else (heads != IGNORE_INDEX).sum()  # the parser's losses average over words

    def reduce_logits(self, logits: Any, inputs: dict[str, Any], tokenizer: PreTrainedTokenizerBase) -> Any:
        """(arc, label) scores -> per word the chosen head and the relation at it: (batch, words) each."""
        arc, label = logits[0], logits[1]
        words = inputs["word_first"] >= 0
        if self.option(DpArguments).decode == "greedy":
            heads = arc.argmax(dim=-1)  # padding and self arcs are masked by the model
        else:
            scores = torch.log_softmax(arc.float(), dim=-1).cpu().numpy()
            heads = torch.zeros(words.shape, dtype=torch.long)
            for row, n in enumerate(words.sum(dim=1).tolist()):
                heads[row, :n] = torch.from_numpy(dp_tree.mst(scores[row, :n, : n + 1]))
            heads = heads.to(arc.device)
        labels = label.gather(2, heads[:, :, None, None].expand(-1, -1, 1, label.size(-1))).squeeze(2).argmax(-1)
        return heads.masked_fill(~words, IGNORE_INDEX), labels.masked_fill(~words, IGNORE_INDEX)

    def decode(self, examples: datasets.Dataset, features: datasets.Dataset, predictions: Any) -> list[dict[str, list]]:
        heads, labels = (np.asarray(p) for p in predictions[:2])
        return [
            {"heads": heads[row, :kept].tolist() + [0] * int(n - kept),
             "deprels": [DP_DEPREL_LABELS[i] for i in labels[row, :kept]] + [TRUNCATED_DEPREL] * int(n - kept)}
            for row, (n, kept) in enumerate(zip(_lengths(examples, "index"), _lengths(features, "word_first")))
        ]  # fmt: skip

    def references(self, examples: datasets.Dataset) -> tuple[list[list[int]], list[list[str]]] | None:
        if self.unlabelled(examples):
            return None
        return list(examples["head"]), list(examples["deprel"])

    def score(self, decoded: list[dict[str, list]], references: Any, examples: datasets.Dataset) -> Scored:
        heads, deprels = [d["heads"] for d in decoded], [d["deprels"] for d in decoded]
        scores = metrics.score_task(self.name, (heads, deprels), references)
        scores.update(metrics.dp_attachment_accuracies(heads, deprels, *references))
        return Scored(scores)

    def prediction_record(self, example: dict[str, Any], prediction: dict[str, list]) -> dict[str, Any]:
        # The layout the scorer reads: python -m metrics.score --task dp --predictions predictions.jsonl
        return {"guid": example["guid"], "prediction": {"head": prediction["heads"], "deprel": prediction["deprels"]}}

    def write_extra_predictions(self, output_dir: Path, examples: datasets.Dataset, decoded: Any, split: str) -> None:
        lines = [f"## 칼럼명 : {TSV_COLUMNS.replace(' ', chr(9))}"]  # the header line of the official files
        for example, prediction in zip(examples, decoded, strict=True):
            lines.append(f"## {example['guid']}\t{example['sentence']}")
            for i, (form, lemma, pos) in enumerate(zip(example["word_form"], example["lemma"], example["pos"])):
                lines.append("\t".join([str(i + 1), form, lemma, pos, str(prediction["heads"][i]),
                                        prediction["deprels"][i]]))  # fmt: skip
            lines.append("")
        write_text(output_dir / "predictions.tsv", lambda stream: stream.write("\n".join(lines) + "\n"))


if __name__ == "__main__":
    sys.exit(main(DpTask()))
