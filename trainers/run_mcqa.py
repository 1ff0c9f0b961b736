r"""Fine-tune and score a model on Korean exam multiple choice (MCQA: CSAT-style items of 4 or 5 choices).

    python trainers/run_mcqa.py configs/mcqa.json --model_name_or_path klue/roberta-large \
        --train_file train.csv --validation_file dev.csv --test_file test.csv --predictions_csv submit.csv

    python trainers/run_mcqa.py configs/mcqa.json --mcqa_model causal_lm \
        --model_name_or_path Qwen/Qwen2.5-7B-Instruct --lora_r 16 --lora_alpha 32 [--load_in_4bit] ...

Data (``klue_data/mcqa.py``): the competition CSV ``id,paragraph,problems,question_plus`` or flattened
JSON lines; answers are 1-based; 4- and 5-choice items may share a file and a batch.
``--mcqa_model encoder`` (default): ``AutoModelForMultipleChoice`` over (passage + question + 보기,
choice) pairs; the choice dimension of a mixed batch is padded and the padded choices are masked
(``models/mcqa_choices.py``). ``--mcqa_model causal_lm``: a decoder LLM reads one prompt
(``algorithms/mcqa_prompts.py``; in the tokenizer's chat template when it has one) and is scored on
its logits for the answer numbers "1".."5" at the last prompt token, no generation; training puts
the loss on the answer token only; ``--lora_r`` trains LoRA adapters (peft), ``--load_in_4bit``
loads the weights in 4-bit (bitsandbytes, CUDA). Too long an input cuts the passage only (counted
in the log). Metrics: ``eval_accuracy`` and ``eval_accuracy_<n>_choices``; the breakdown per choice
count in ``eval_breakdown.json``. ``predictions.jsonl``: ``{"id", "prediction", "scores"}`` (the
1-based answer and a probability per choice); ``--predictions_csv`` adds ``id,answer``.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import torch
from transformers import (
    AutoModelForCausalLM,
    AutoModelForMultipleChoice,
    PretrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    default_data_collator,
)

import metrics
from algorithms import mcqa_prompts
from args import ArgumentsError, DataArguments, McqaArguments, ModelArguments
from args.predictions_csv import predictions_csv_path
from klue_data import KlueDataError, SourceUnavailableError
from klue_data.mcqa import MAX_CHOICES
from metrics.mcqa import mcqa_breakdown
from models.mcqa_choices import (
    IGNORE_INDEX,
    LENGTH_COLUMN,
    ChoiceCollator,
    PromptCollator,
    inert_adapter,
    mask_padded_choices,
    score_answer_position,
)
from trainers.outputs import write_csv
from trainers.loading import from_pretrained, refuse_last_position_summary
from trainers.run_folder import saved_config
from trainers.runner import main
from trainers.task import Scored, Task, softmax

logger = logging.getLogger("klue")

ADAPTER_CONFIG = "adapter_config.json"  # what peft saves: a LoRA output dir holds adapters, not full weights
SAVED_PROMPT_FORMAT = "mcqa_chat_template"  # config.json key: the prompt format the model was fine-tuned with


def refuse_bidirectional(model: PreTrainedModel) -> None:
    """The causal route scores each item at its answer position, which must not see the tokens after it: an
    encoder's LM head (BertLMHeadModel, RobertaForCausalLM, ...) attends both ways unless is_decoder, so a
    labelled item's answer token would reach the position it is scored at."""
    from transformers.models.auto.modeling_auto import MODEL_FOR_MASKED_LM_MAPPING_NAMES

    if model.config.model_type in MODEL_FOR_MASKED_LM_MAPPING_NAMES and not model.config.is_decoder:
        raise ArgumentsError(
            f"--mcqa_model causal_lm: {type(model).__name__} is an encoder whose positions see the tokens after "
            "them (is_decoder is false), so each item's answer would leak into its own score; use "
            "--mcqa_model encoder, or a decoder LLM"
        )


class McqaTask(Task):
    name = "mcqa"
    argument_classes = (McqaArguments,)
    label_column = "answer"  # what require_labels names when an item has none
    # Both heads smooth their own loss: over an item's real choices (a padded choice's masked logit
    # would dominate the Trainer's smoothing), and at the answer position only (the causal LM's
    # logits cover no other position).
    label_smoothing_by = "model"
    units = ("items", "model inputs")
    answer_ids: list[int] = []  # causal_lm: the token ids of "1".."5" after the prompt
    chat_template = False  # causal_lm: whether prompts go through the tokenizer's chat template
    saved_chat_template: bool | None = None  # causal_lm: the format a fine-tuned model's config records
    max_length = 0  # this run's --max_seq_length (check_options), for the error of an item that cannot fit

    @property
    def causal(self) -> bool:
        return self.option(McqaArguments).mcqa_model == "causal_lm"

    # --- tokenizer and flags ----------------------------------------------------------------
    def use_run_arguments(self, model_args: ModelArguments, data_args: DataArguments) -> None:
        """The prompt format a model fine-tuned here was trained with (``mcqa_chat_template`` in its saved
        config): a reload must build its prompts the same way, or its scores silently change."""
        saved = saved_config(model_args.model_name_or_path).get(SAVED_PROMPT_FORMAT)
        self.saved_chat_template = saved if isinstance(saved, bool) else None

    def prepare_tokenizer(self, tokenizer: PreTrainedTokenizerBase) -> None:
        if tokenizer.pad_token is None:
            # Decoder LLMs often ship without one, and an encoder's tokenizer may too. Both routes pad on the right
            # under an attention mask that hides the pads (PromptCollator, ChoiceCollator): no real token attends to
            # a pad, in a causal or a bidirectional model alike, and the heads read real positions only (the
            # encoder's first token, the causal LM's last prompt token). A RoBERTa-style model numbers positions by
            # its own pad id: other pads get positions after the real tokens', seen by pads only. So the pad id
            # never reaches a score and any will do: one fallback for both routes, scoring as a real pad token does.
            tokenizer.pad_token = tokenizer.eos_token if tokenizer.eos_token is not None else tokenizer.unk_token

    def check_options(self, tokenizer: PreTrainedTokenizerBase, max_length: int) -> None:
        options = self.option(McqaArguments)
        self.max_length = max_length
        if tokenizer.pad_token_id is None:  # no pad, and none to fall back on (prepare_tokenizer)
            padded = "prompts" if self.causal else "choices"
            raise ArgumentsError(f"the tokenizer has no pad, eos or unk token to pad {padded} with")
        if not self.causal:
            return
        if options.load_in_4bit:
            if not torch.cuda.is_available():
                raise ArgumentsError("--load_in_4bit needs a CUDA GPU (bitsandbytes 4-bit weights); none is visible")
            if importlib.util.find_spec("bitsandbytes") is None:
                raise ArgumentsError("--load_in_4bit needs bitsandbytes: pip install bitsandbytes")
        if (options.lora_r or options.load_in_4bit) and importlib.util.find_spec("peft") is None:
            raise ArgumentsError(f"{'--lora_r' if options.lora_r else '--load_in_4bit'} needs peft: pip install peft")
        wanted, saved = options.mcqa_chat_template, self.saved_chat_template
        if wanted is None:
            wanted = True if saved is None else saved
        elif saved is not None and wanted != saved:
            logger.warning("--mcqa_chat_template %s, but this model was trained with %s prompts: its scores will "
                           "differ from its training run's.", str(wanted).lower(),
                           "chat-template" if saved else "plain")
        self.chat_template = bool(wanted and getattr(tokenizer, "chat_template", None))
        probe = self.prompt_text(tokenizer, "지문", "질문", "", ["가", "나", "다", "라", "마"])
        try:
            self.answer_ids = mcqa_prompts.answer_token_ids(
                lambda text: self.prompt_token_ids(tokenizer, text), probe, MAX_CHOICES
            )
        except ValueError as error:
            raise ArgumentsError(f"--mcqa_model causal_lm cannot read answers with this tokenizer: {error}") from None
        logger.info("Answer tokens %s%s.", tokenizer.convert_ids_to_tokens(self.answer_ids),
                    " (prompts in the tokenizer's chat template)" if self.chat_template else "")

    # --- model ------------------------------------------------------------------------------
    def build_model(self, model_args: ModelArguments, config: PretrainedConfig) -> PreTrainedModel:
        from transformers.models.auto.modeling_auto import (
            MODEL_FOR_CAUSAL_LM_MAPPING_NAMES,
            MODEL_FOR_MULTIPLE_CHOICE_MAPPING_NAMES,
        )

        heads = MODEL_FOR_CAUSAL_LM_MAPPING_NAMES if self.causal else MODEL_FOR_MULTIPLE_CHOICE_MAPPING_NAMES
        if config.model_type not in heads:  # else a ValueError traceback from the Auto class
            raise ArgumentsError(
                f"--mcqa_model {self.option(McqaArguments).mcqa_model}: a {config.model_type} model has no "
                f"{'causal-LM' if self.causal else 'multiple-choice'} head in Transformers; use another model "
                f"or --mcqa_model {'encoder' if self.causal else 'causal_lm'}"
            )
        if not self.causal:
            refuse_last_position_summary(config, model_args.model_name_or_path)
            return mask_padded_choices(from_pretrained(AutoModelForMultipleChoice, model_args, config=config),
                                       self.label_smoothing)
        options = self.option(McqaArguments)
        # The saved precision (an LLM's bf16) for frozen weights under LoRA, 4-bit, or no training; fp32 for
        # weights this run trains, as an encoder's (from_pretrained)
        full_weights = self.trains and not options.lora_r and not options.load_in_4bit
        load: dict[str, Any] = {"dtype": torch.float32 if full_weights else "auto"}
        if options.load_in_4bit:
            from transformers import BitsAndBytesConfig  # bitsandbytes is imported only on this path

            load["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                bnb_4bit_compute_dtype=torch.bfloat16,
            )
            load["device_map"] = {"": int(os.environ.get("LOCAL_RANK", 0))}  # 4-bit weights live on the GPU
        adapter_dir = Path(model_args.model_name_or_path)
        if (adapter_dir / ADAPTER_CONFIG).is_file():  # a LoRA run's output dir: its base model, then the adapters
            from peft import PeftModel

            adapter_config = json.loads((adapter_dir / ADAPTER_CONFIG).read_text(encoding="utf-8"))
            base_name = adapter_config["base_model_name_or_path"]
            logger.info("Loading the LoRA adapters of %s on their base model %s.", adapter_dir, base_name)
            try:
                base = from_pretrained(AutoModelForCausalLM, model_args, base_name, **load)
            except SourceUnavailableError as error:
                raise SourceUnavailableError(
                    f"{error} It is the base model {adapter_dir / ADAPTER_CONFIG} names (base_model_name_or_path); "
                    "a relative path there is read from the current folder: set it to the base model's folder"
                ) from error
            refuse_bidirectional(base)
            if options.load_in_4bit:
                base = prepare_4bit_base(base)
            model = PeftModel.from_pretrained(base, str(adapter_dir), is_trainable=True)
        else:
            # A local base model by its absolute path: LoRA's adapter_config.json records it, and a reload
            # from another folder must find it.
            name = model_args.model_name_or_path
            name = str(Path(name).resolve()) if Path(name).is_dir() else name
            model = from_pretrained(AutoModelForCausalLM, model_args, name, config=config, **load)
            refuse_bidirectional(model)  # before LoRA: its target modules are a decoder's
            if options.lora_r:
                model = self._add_lora(model)
            elif options.load_in_4bit:
                model = inert_adapter(model)
        model.config.use_cache = False  # no generation: a cache would only cost memory
        adapted = hasattr(model, "peft_config")
        base = model.get_base_model() if adapted else model  # the transformers model (under peft's adapters)
        setattr(base.config, SAVED_PROMPT_FORMAT, self.chat_template)  # saved with the model or beside the adapters
        score_answer_position(base, self.label_smoothing)
        return _saving_base_config(model) if adapted else model

    def _add_lora(self, model: PreTrainedModel) -> PreTrainedModel:
        from peft import LoraConfig, get_peft_model

        options = self.option(McqaArguments)
        if options.load_in_4bit:
            model = prepare_4bit_base(model)
        model.enable_input_require_grads()  # so --gradient_checkpointing works with frozen embeddings
        config = LoraConfig(task_type="CAUSAL_LM", r=options.lora_r, lora_alpha=options.lora_alpha,
                            lora_dropout=options.lora_dropout, target_modules=options.target_modules())
        try:
            model = get_peft_model(model, config)
        except ValueError as error:  # e.g. target modules the model does not have
            raise ArgumentsError(f"--lora_target_modules: {str(error).splitlines()[0][:300]}") from None
        trainable, total = model.get_nb_trainable_parameters()
        logger.info("LoRA r=%d alpha=%d on %s: %d of %d parameters trainable (%.2f%%).", options.lora_r,
                    options.lora_alpha, options.lora_target_modules, trainable, total, 100 * trainable / total)
        return model

    # --- features ---------------------------------------------------------------------------
    def unlabelled(self, examples: datasets.Dataset) -> list[int]:
        return [row for row, answer in enumerate(examples["answer"]) if answer is None]

    def prepare_split(self, examples: datasets.Dataset, split: str) -> datasets.Dataset:
        options = self.option(McqaArguments)
        if split == "train":  # the one hook that knows the run trains
            if self.causal and options.load_in_4bit and not options.lora_r:
                raise ArgumentsError("4-bit weights cannot be trained: add --lora_r (e.g. 16) to train LoRA "
                                     "adapters on them (QLoRA), or drop --do_train")
        return examples

    def prompt_text(
        self, tokenizer: PreTrainedTokenizerBase, paragraph: str, question: str, question_plus: str, choices: list[str]
    ) -> str:
        """The causal-LM prompt; the answer number is the next token."""
        user = mcqa_prompts.user_prompt(paragraph, question, question_plus, choices)
        if self.chat_template:
            return tokenizer.apply_chat_template([{"role": "user", "content": user}], tokenize=False,
                                                 add_generation_prompt=True)
        return mcqa_prompts.plain_prompt(user)

    def prompt_token_ids(self, tokenizer: PreTrainedTokenizerBase, text: str) -> list[int]:
        """A causal prompt's ids (no special tokens added), read as the answer tokens were probed: a chat
        template's own special tokens are text in ``text``, read as special tokens."""
        split = False if self.chat_template else tokenizer.split_special_tokens  # as load_tokenizer set it
        return tokenizer(text, add_special_tokens=False, split_special_tokens=split, verbose=False)["input_ids"]

    def preprocess(
        self, examples: dict[str, list], tokenizer: PreTrainedTokenizerBase, max_length: int, padding: bool | str
    ) -> dict[str, list]:
        items = zip(examples["paragraph"], examples["question"], examples["question_plus"], examples["choices"],
                    examples["answer"], strict=True)
        rows = [(self._prompt_row if self.causal else self._pair_row)(tokenizer, max_length, *item) for item in items]
        features = {key: [row[key] for row in rows] for key in rows[0]}
        if padding == "max_length":  # --pad_to_max_length: fixed shapes for default_data_collator
            features = _pad_columns(features, tokenizer.pad_token_id, max_length, self.causal)
        return features

    def _pair_row(self, tokenizer: PreTrainedTokenizerBase, max_length: int, paragraph: str, question: str,
                  question_plus: str, choices: list[str], answer: int | None) -> dict[str, Any]:
        lengths = [len(ids) for ids in tokenizer(choices, add_special_tokens=False)["input_ids"]]
        longest = choices[int(np.argmax(lengths))]  # the pair that decides whether the passage must be cut

        def length_of(passage: str) -> int:
            context = mcqa_prompts.encoder_context(passage, question, question_plus)
            return len(tokenizer(context, longest, verbose=False)["input_ids"])  # measured before it is cut

        passage, overflow = self._fit(paragraph, length_of, max_length)
        context = mcqa_prompts.encoder_context(passage, question, question_plus)
        encoded = tokenizer([context] * len(choices), choices, truncation=bool(overflow), max_length=max_length,
                            return_attention_mask=False)
        # The item's token length, the width it pads its batch to (its longest pair), for the samplers of
        # --train_sampling_strategy group_by_length (the Trainer's default --length_column_name, kept through the
        # Trainer's column removal by mask_padded_choices). Without it they read len(input_ids): the choice count.
        row = {"input_ids": encoded["input_ids"], LENGTH_COLUMN: max(len(ids) for ids in encoded["input_ids"])}
        if "token_type_ids" in encoded:
            row["token_type_ids"] = encoded["token_type_ids"]
        row["labels"] = IGNORE_INDEX if answer is None else answer - 1
        row["passage_cut"], row["too_long"] = passage != paragraph, overflow
        return row

    def _prompt_row(self, tokenizer: PreTrainedTokenizerBase, max_length: int, paragraph: str, question: str,
                    question_plus: str, choices: list[str], answer: int | None) -> dict[str, Any]:
        bos = [] if self.chat_template or tokenizer.bos_token_id is None else [tokenizer.bos_token_id]

        def prompt_ids(passage: str) -> list[int]:
            text = self.prompt_text(tokenizer, passage, question, question_plus, choices)
            return bos + self.prompt_token_ids(tokenizer, text)

        # +1: the answer token (appended to labelled items) counts in every split, so all cut alike
        passage, overflow = self._fit(paragraph, lambda text: len(prompt_ids(text)) + 1, max_length)
        ids = prompt_ids(passage)
        if overflow:
            ids = ids[-(max_length - 1):]  # never trained on or scored: the split is rejected (feature_warnings)
        if answer is None:  # scored at the last prompt token
            input_ids, labels = ids, [IGNORE_INDEX] * len(ids)
        else:  # the loss on the answer token only; scored one position earlier (see reduce_logits)
            target = self.answer_ids[answer - 1]
            input_ids, labels = ids + [target], [IGNORE_INDEX] * len(ids) + [target]
        return {"input_ids": input_ids, "labels": labels, "passage_cut": passage != paragraph, "too_long": overflow}

    @staticmethod
    def _fit(paragraph: str, length_of: Callable[[str], int], max_length: int) -> tuple[str, int]:
        """The passage cut to fit, and 0; or ``("", tokens needed)`` when even an empty passage does not fit."""
        try:
            return mcqa_prompts.fit_passage(paragraph, length_of, max_length), 0
        except mcqa_prompts.PassageDoesNotFit as error:
            return "", error.needed

    def feature_warnings(self, examples: datasets.Dataset, features: datasets.Dataset) -> list[str]:
        too_long = np.asarray(features["too_long"])
        if too_long.any():
            row = int(np.flatnonzero(too_long)[0])
            raise KlueDataError(None, f"{int((too_long > 0).sum())} item(s) do not fit even without their passage: "
                                f"{mcqa_prompts.PassageDoesNotFit(int(too_long[row]), self.max_length)}",
                                guid=examples[row]["id"], guid_name="id")
        cut = int(np.sum(features["passage_cut"]))
        if not cut:
            return []
        return [f"{cut} of {len(features)} items are longer than max_seq_length: their passages were cut at the end "
                "(question, <보기> and choices kept whole; raise --max_seq_length to keep more)."]

    def data_collator(self, tokenizer: PreTrainedTokenizerBase, pad_to_multiple_of: int | None) -> Callable:
        collator = PromptCollator if self.causal else ChoiceCollator
        return _DropEmptyLabels(collator(tokenizer.pad_token_id, pad_to_multiple_of))

    def fixed_length_collator(self) -> Callable:
        return _DropEmptyLabels(default_data_collator)

    def reduce_logits(self, logits: Any, inputs: dict[str, Any], tokenizer: PreTrainedTokenizerBase) -> Any:
        """A fixed ``(batch, 5)`` of scores per batch: the choice logits (padded choices at the lowest
        value), or the answer-number logits at the last prompt token."""
        logits = logits[0] if isinstance(logits, (tuple, list)) else logits
        if self.causal:  # (batch, 1, vocab) at the answer position (score_answer_position)
            return logits[:, -1, self.answer_ids].float()
        scores = logits.float()
        missing = MAX_CHOICES - scores.shape[1]
        if missing > 0:
            scores = torch.nn.functional.pad(scores, (0, missing), value=torch.finfo(scores.dtype).min)
        return scores

    # --- outputs ----------------------------------------------------------------------------
    def decode(self, examples: datasets.Dataset, features: datasets.Dataset, predictions: Any) -> list[np.ndarray]:
        """One probability per real choice, per item (softmax over its own choices only)."""
        scores = np.asarray(predictions[0] if isinstance(predictions, tuple) else predictions, dtype=np.float64)
        return [softmax(scores[row, : len(choices)]) for row, choices in enumerate(examples["choices"])]

    def references(self, examples: datasets.Dataset) -> list[int] | None:
        answers = examples["answer"]
        return None if any(answer is None for answer in answers) else list(answers)

    def score(self, decoded: list[np.ndarray], references: Any, examples: datasets.Dataset) -> Scored:
        predicted = [int(np.argmax(scores)) + 1 for scores in decoded]
        scores = metrics.score_task(self.name, predicted, references)
        breakdown = mcqa_breakdown(predicted, references, [len(choices) for choices in examples["choices"]])
        for count, accuracy in breakdown["accuracy_by_choice_count"].items():
            scores[f"accuracy_{count}"] = accuracy  # eval_accuracy_4_choices, eval_accuracy_5_choices
        return Scored(scores, breakdown)

    def prediction_record(self, example: dict[str, Any], prediction: np.ndarray) -> dict[str, Any]:
        # The layout the scorer reads: python -m metrics.score --task mcqa --predictions predictions.jsonl
        return {"id": example["id"], "prediction": int(np.argmax(prediction)) + 1,
                "scores": [float(p) for p in prediction]}  # unrounded: metrics.vote breaks ties by them

    def write_extra_predictions(self, output_dir: Path, examples: datasets.Dataset, decoded: Any, split: str) -> None:
        path = predictions_csv_path(self.option(McqaArguments).predictions_csv, output_dir)
        if path is None:
            return
        rows = ((item, int(np.argmax(scores)) + 1) for item, scores in zip(examples["id"], decoded, strict=True))
        write_csv(path, ["id", "answer"], rows)
        logger.info("Wrote %d answers to %s", len(decoded), path)


class _DropEmptyLabels:
    """A batch whose items all lack an answer goes to the model without ``labels`` (no loss over
    nothing, which would be NaN); mixed batches keep them (-100 rows add no loss)."""

    def __init__(self, collator: Callable) -> None:
        self.collator = collator

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        batch = self.collator(features)
        if "labels" in batch and bool((batch["labels"] == IGNORE_INDEX).all()):
            del batch["labels"]
        return batch


def _pad_columns(features: dict[str, list], pad_id: int, max_length: int, causal: bool) -> dict[str, list]:
    """``--pad_to_max_length``: every token list to ``max_length``; encoder items to ``MAX_CHOICES`` choices
    (copies of their last one, masked by ``choice_mask``)."""
    if causal:
        features["attention_mask"] = [[1] * len(ids) + [0] * (max_length - len(ids)) for ids in features["input_ids"]]
        features["input_ids"] = [ids + [pad_id] * (max_length - len(ids)) for ids in features["input_ids"]]
        features["labels"] = [labels + [IGNORE_INDEX] * (max_length - len(labels)) for labels in features["labels"]]
        return features
    features["choice_mask"] = [[i < len(item) for i in range(MAX_CHOICES)] for item in features["input_ids"]]
    features["attention_mask"] = [
        [[1] * len(item[min(i, len(item) - 1)]) + [0] * (max_length - len(item[min(i, len(item) - 1)]))
         for i in range(MAX_CHOICES)] for item in features["input_ids"]
    ]  # fmt: skip
    for name, pad in (("input_ids", pad_id), ("token_type_ids", 0)):
        if name in features:
            features[name] = [
                [item[min(i, len(item) - 1)] + [pad] * (max_length - len(item[min(i, len(item) - 1)]))
                 for i in range(MAX_CHOICES)] for item in features[name]
            ]  # fmt: skip
    return features


def prepare_4bit_base(model: PreTrainedModel) -> PreTrainedModel:
    """A 4-bit base model as QLoRA trains on it: frozen, with its other weights (norms, embeddings,
    output head) cast to fp32 by peft's ``prepare_model_for_kbit_training``. Training and every reload
    of the adapters take this same step: a reload that kept those weights in bf16 gave other
    probabilities than the training run's own evaluation (max |Δp| 1.6e-2 at Qwen2-1.5B shape on an
    H200, bench/MCQA_LLM.md). Gradient checkpointing stays ``--gradient_checkpointing``'s choice."""
    from peft import prepare_model_for_kbit_training

    return prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)


def _saving_base_config(model: Any) -> Any:
    """A PeftModel whose ``save_pretrained`` (the Trainer's ``save_model``) also writes the base
    model's config.json beside the adapters: the output dir then reloads like any other (the runner
    reads its config, and a rerun of a finished run finds it) and this script loads base + adapters."""
    save = model.save_pretrained

    def save_pretrained(save_directory: str, *args: Any, **kwargs: Any) -> Any:
        result = save(save_directory, *args, **kwargs)
        if kwargs.get("is_main_process", True):
            model.get_base_model().config.save_pretrained(save_directory)
        return result

    model.save_pretrained = save_pretrained
    return model


if __name__ == "__main__":
    sys.exit(main(McqaTask()))
