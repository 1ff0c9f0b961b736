"""The Trainer every task runs: scoring at the task's unit, outputs in file order, resumable loss totals."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import torch
from transformers import EarlyStoppingCallback, EvalPrediction, Trainer, TrainingArguments
from transformers.integrations import INTEGRATION_TO_CALLBACK
from transformers.trainer_pt_utils import LengthGroupedSampler, get_length_grouped_indices, nested_gather
from transformers.trainer_utils import TrainOutput

from args import ArgumentsError
from trainers.outputs import weight_write_failures_as_os_errors, write_json

logger = logging.getLogger("klue")


class KlueTrainer(Trainer):
    """A Trainer that scores at the unit of the task (sentences, characters, answers).

    The Hugging Face Trainer only calls ``compute_metrics`` when the features carry labels, and
    gives it features, not examples. KLUE scores examples (an MRC question spans windows; NER
    scores characters), so each evaluated split gets a scorer built from its examples.
    """

    def __init__(
        self,
        *args: Any,
        scorers: dict[str, Callable[[EvalPrediction], dict]] | None = None,
        reduce_logits: Callable[[Any, dict[str, Any]], Any] | None = None,
        run_settings: dict[str, Any] | None = None,
        loss_units: Callable[[dict[str, Any]], Any] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.loss_units = loss_units  # what a batch's loss averages over (Task.loss_units)
        self.run_settings = run_settings  # saved with each checkpoint: a resume can tell it was asked for another run
        self.scorers = dict(scorers or {})
        self.reduce_logits = reduce_logits
        self._eval_orders: dict[str, np.ndarray] = {}  # dataset fingerprint -> order its batches ran in
        self._earlier_loss: tuple[int, float] | None = None  # (step, loss sum) of the checkpoint resumed from

    def _determine_best_metric(self, metrics: dict[str, float], trial: Any) -> bool:
        """The stock selection, with a selection metric the evaluation did not report as one line, not a
        KeyError traceback: ``check_metric_for_best_model`` passes names with an official key as prefix
        (``entity_f1_PS``), whose extras only the evaluation itself knows."""
        name = self.args.metric_for_best_model
        if name is not None and (wanted := name if name.startswith("eval_") else f"eval_{name}") not in metrics:
            reported = [key.removeprefix("eval_") for key in metrics if isinstance(metrics[key], (int, float))]
            raise ArgumentsError(f"--metric_for_best_model {name}: the evaluation reported no {wanted}; "
                                 f"it reported {', '.join(reported)}")
        return super()._determine_best_metric(metrics, trial)

    def predict(self, test_dataset: Any, ignore_keys: list[str] | None = None, metric_key_prefix: str = "test") -> Any:
        """The stock prediction. The runner's final evaluation predicts (it needs the outputs) and logs its numbers
        once itself, as ``Trainer.evaluate`` would: the integrations' ``on_predict`` (W&B logs there) would log
        them a second time, at the last step."""
        if metric_key_prefix != "eval":
            return super().predict(test_dataset, ignore_keys, metric_key_prefix)
        # The integrations only: the progress bar closes on on_predict
        reporters = [callback for callback in self.callback_handler.callbacks
                     if isinstance(callback, tuple(INTEGRATION_TO_CALLBACK.values()))]
        for callback in reporters:
            callback.on_predict = _skip_event
        try:
            return super().predict(test_dataset, ignore_keys, metric_key_prefix)
        finally:
            for callback in reporters:
                del callback.on_predict  # the class's own again

    def train(self, resume_from_checkpoint: str | bool | None = None, **kwargs: Any) -> TrainOutput:
        """The stock training; after a resume, ``train_loss`` is the mean over every step of the run
        (the Trainer's own covers only the steps of this call) and ``train_resumed_at_step`` says
        where this call started."""
        resuming = isinstance(resume_from_checkpoint, str)
        self._earlier_loss = read_loss_total(resume_from_checkpoint) if resuming else None
        output = super().train(resume_from_checkpoint=resume_from_checkpoint, **kwargs)
        resumed_at = int(getattr(self, "_initial_global_step", 0))
        if not resumed_at:
            return output
        logger.info("Resumed at global step %d; trained to step %d.", resumed_at, output.global_step)
        metrics = {**output.metrics, "train_resumed_at_step": resumed_at}
        if self._earlier_loss is not None:
            metrics["train_loss"] = self._whole_run_loss(output.training_loss * (output.global_step - resumed_at))
        return TrainOutput(output.global_step, metrics["train_loss"], metrics)

    def _whole_run_loss(self, loss_sum_now: float) -> float:
        """The mean loss over every step of a resumed run: the checkpoint's sum plus this call's."""
        _, earlier_sum = self._earlier_loss
        return (earlier_sum + loss_sum_now) / max(self.state.global_step, 1)

    def log(self, logs: dict[str, float], *args: Any, **kwargs: Any) -> None:
        """The stock logging; the end of a resumed run's training logs (to the dashboards and the log history)
        the whole run's ``train_loss``, as ``train_results.json`` holds it, not only this call's."""
        if "train_loss" in logs and self._earlier_loss is not None and getattr(self, "_initial_global_step", 0):
            logs = {**logs, "train_loss": self._whole_run_loss(self._total_loss_scalar)}
        super().log(logs, *args, **kwargs)

    def _finalize_training(self, *args: Any, **kwargs: Any) -> TrainOutput:
        """The stock end of training, with the loss not yet logged taken as the processes' mean, as the
        Trainer logs it and a checkpoint keeps it (``_save_checkpoint``): otherwise ``train_loss`` added the
        main process's own, and a run resumed under torchrun could end on another value than the same run
        uninterrupted. One process: unchanged."""
        self._tr_loss = self._unlogged_loss()
        return super()._finalize_training(*args, **kwargs)

    def _unlogged_loss(self) -> torch.Tensor:
        """The loss summed since the last log, as the processes' mean (the Trainer logs it so; each process
        holds its own). A collective: every process calls it."""
        return nested_gather(self._tr_loss.detach(), self.args.parallel_mode).mean()

    def _get_num_items_in_batch(self, batch_samples: list, device: torch.device) -> Any:
        """The items the accumulated batches' losses average over, together (``Task.loss_units``; one count per
        term of a loss made of several means); each batch's loss is then weighed by its share in
        ``compute_loss``. Left to the Trainer, each batch's mean counts 1 / accumulation steps, so a tagger's
        short batch weighs its tokens more than one big batch would. None (a task without units, or a model
        that normalises its loss by the count itself, as a causal LM does): the Trainer's own count, and its
        handling."""
        # One batch per update (no accumulation, or an epoch's last, short accumulation) is its own mean: nothing
        # to count, so no extra work on the step the fast path replays.
        ours = self.loss_units is not None and not self.model_accepts_loss_kwargs and len(batch_samples) > 1
        units = [self.loss_units(batch) for batch in batch_samples] if ours else [None]
        if any(unit is None for unit in units):
            self.loss_is_scaled_for_ga = None
            return super()._get_num_items_in_batch(batch_samples, device)
        self.loss_is_scaled_for_ga = True
        return torch.as_tensor(sum(units)).to(device)

    def compute_loss(
        self, model: Any, inputs: dict[str, Any], return_outputs: bool = False, num_items_in_batch: Any = None
    ) -> Any:
        # Our count (``_get_num_items_in_batch``) comes only with a training step that accumulates several batches;
        # one batch, an evaluation, or a count of the Trainer's own: the stock computation and handling.
        if not self.loss_is_scaled_for_ga or num_items_in_batch is None:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        units = self.loss_units(inputs)  # counted before the stock computation takes the labels out of inputs
        # The stock computation then averages over this batch alone (so does --label_smoothing_factor's
        # smoother, given no count), and the mean is weighed by the batch's share of the accumulated items.
        loss, outputs = super().compute_loss(model, inputs, True, None)
        share = units / num_items_in_batch.clamp(min=1)
        if share.dim():
            # A loss made of several means (WoS: over slots, over value tokens) has a count per term, and its
            # model returns the terms: each is weighed by its own share. (Several GPUs in one process return
            # their replicas' terms one after another: their mean, as the Trainer takes of their losses.)
            loss = (outputs["loss_terms"].reshape(-1, share.numel()).mean(dim=0) * share).sum()
        else:
            loss = loss * share
        return (loss, outputs) if return_outputs else loss

    def _init_training_state(
        self, max_steps: int, num_update_steps_per_epoch: int, num_train_epochs: int, resume_from_checkpoint: Any,
        trial: Any,
    ) -> tuple[int, int]:
        """The stock state, restored from the resumed checkpoint; a checkpoint already past this run's last step
        would train 0 steps and be recorded as this shorter run: refused in one line. A checkpoint where the run
        ended (its last step, or where early stopping stopped it), saved before the run wrote its results, trains
        no step more: the stock loop, skipping to a step in the middle of an epoch, trains one before it checks for
        the end, and early stopping's stop is not part of what it restores."""
        epochs_trained, steps_in_epoch = super()._init_training_state(
            max_steps, num_update_steps_per_epoch, num_train_epochs, resume_from_checkpoint, trial)
        if resume_from_checkpoint is None:
            return epochs_trained, steps_in_epoch
        if self.state.global_step >= max_steps:
            saved = json.loads((Path(resume_from_checkpoint) / "trainer_state.json").read_text(encoding="utf-8"))
            if saved.get("max_steps", max_steps) > max_steps:
                raise ArgumentsError(
                    f"{resume_from_checkpoint} is at step {self.state.global_step} of a {saved['max_steps']}-step "
                    f"run; this run has {max_steps} steps in all (fewer --num_train_epochs or --max_steps), so "
                    "nothing is left to train: rerun with that run's steps to finish it, or pass "
                    "--overwrite_output_dir to start over")
            return num_train_epochs, 0  # every epoch trained: the loop over them is empty
        if any(isinstance(callback, EarlyStoppingCallback)
               and callback.early_stopping_patience_counter >= callback.early_stopping_patience
               for callback in self.callback_handler.callbacks):  # its count as the checkpoint saved it
            logger.info("%s is where early stopping stopped the run: no step is left to train.", resume_from_checkpoint)
            return num_train_epochs, 0
        return epochs_trained, steps_in_epoch

    def _load_from_checkpoint(self, resume_from_checkpoint: str, model: Any = None) -> None:
        """The stock loading; weights of another shape (a checkpoint of another model named with
        --resume_from_checkpoint) are one line, not torch's list of mismatched tensors."""
        try:
            super()._load_from_checkpoint(resume_from_checkpoint, model)
        except RuntimeError as error:
            mismatch = next((line.strip() for line in str(error).splitlines() if "size mismatch" in line), None)
            if mismatch is None:
                raise
            raise ArgumentsError(f"{resume_from_checkpoint}: its weights do not fit this model, a checkpoint of "
                                 f"another model? ({mismatch.rstrip('.')})") from None

    def _issue_warnings_after_load(self, load_result: Any) -> None:
        """The stock warnings; a checkpoint that has most of the model's weights under other names (another head:
        RE's cls holds bert.*, entity_start encoder.*) would leave them untrained behind a warning: one line."""
        missing, expected = set(load_result.missing_keys), set(self.model.state_dict())
        if missing and len(missing) > len(expected) / 2:
            shown = ", ".join(sorted(missing)[:2])
            raise ArgumentsError(
                f"the checkpoint lacks {len(missing)} of this model's {len(expected)} weights ({shown}, ...; it has "
                f"{len(load_result.unexpected_keys)} others): a checkpoint of another model or task head? Rerun "
                "with its flags, or pass --overwrite_output_dir to start over")
        super()._issue_warnings_after_load(load_result)

    def _save_checkpoint(self, model: Any, trial: Any) -> None:
        unlogged = float(self._unlogged_loss().item())  # every process saves, so every one takes part
        checkpoint = Path(self._get_output_dir(trial)) / f"checkpoint-{self.state.global_step}"
        if self.args.should_save:
            # The sum of the losses so far, so that a resumed run can report the mean of the whole run. Written
            # first: the stock saving writes trainer_state.json last, and that file marks a checkpoint whole.
            _, earlier_sum = getattr(self, "_earlier_loss", None) or (0, 0.0)
            loss_sum = earlier_sum + self._total_loss_scalar + unlogged
            checkpoint.mkdir(parents=True, exist_ok=True)
            write_json(checkpoint / LOSS_TOTAL_FILE, {"global_step": self.state.global_step, "loss_sum": loss_sum})
            if self.run_settings is not None:
                write_json(checkpoint / RUN_SETTINGS_FILE, self.run_settings)
        with weight_write_failures_as_os_errors(checkpoint):
            super()._save_checkpoint(model, trial)

    def save_model(self, output_dir: str | None = None, _internal_call: bool = False) -> None:
        with weight_write_failures_as_os_errors(output_dir or self.args.output_dir):
            super().save_model(output_dir, _internal_call=_internal_call)

    def _save_rng_state(self, output_dir: str) -> None:
        """The stock save, then a wait for every process's: the main process marks the checkpoint whole
        (trainer_state.json) right after, and a run stopped in between would leave a checkpoint whole in name
        without some process's random state (resumed, that process goes on from a fresh one, with a warning)."""
        super()._save_rng_state(output_dir)
        if self.args.world_size > 1:
            self.accelerator.wait_for_everyone()

    def prediction_step(
        self, model: Any, inputs: dict[str, Any], prediction_loss_only: bool, ignore_keys: list[str] | None = None
    ) -> tuple[Any, Any, Any]:
        """The stock step, then the task's per-batch reduction, which (unlike the Trainer's
        ``preprocess_logits_for_metrics``) sees the batch's inputs: a task can mask padding and
        other non-scorable positions before it keeps a top k."""
        graphs = uses_cuda_graphs(self.args)
        if graphs:
            torch.compiler.cudagraph_mark_step_begin()
        loss, logits, labels = super().prediction_step(model, inputs, prediction_loss_only, ignore_keys=ignore_keys)
        if graphs:
            # The outputs live in the CUDA graph's memory, which the next batch's replay overwrites,
            # while the Trainer keeps every batch's outputs until the end of the evaluation.
            loss, logits = _clone_tensors(loss), _clone_tensors(logits)
        if logits is not None and self.reduce_logits is not None:
            logits = self.reduce_logits(logits, inputs)
        return loss, logits, labels

    def _get_train_sampler(self, train_dataset: Any = None) -> torch.utils.data.Sampler | None:
        """The stock sampler; under ``group_by_length`` one whose order depends on the seed and the epoch only.

        The stock length-grouped sampler draws each epoch's order from the global random state, which a
        run resumed mid-epoch has not advanced as the uninterrupted run had: it would train that epoch
        in the first epoch's order, some examples twice and others not at all."""
        sampler = super()._get_train_sampler(train_dataset)
        if type(sampler) is LengthGroupedSampler:
            seed = self.args.data_seed if self.args.data_seed is not None else self.args.seed
            return _EpochSeededLengthGroupedSampler(sampler.lengths, sampler.batch_size, seed)
        return sampler

    def _get_eval_sampler(self, eval_dataset: Any) -> torch.utils.data.Sampler | None:
        """Sequential, or longest first under ``group_by_length``, in an order that is undone afterwards.

        Decoding maps outputs back to features by position. The stock Trainer evaluates in a
        random length-grouped order under ``--train_sampling_strategy group_by_length`` and
        returns the outputs in that order, which would pair predictions with the wrong examples.
        """
        if eval_dataset is None or not hasattr(eval_dataset, "__len__"):
            return None
        fingerprint = getattr(eval_dataset, "_fingerprint", None)
        column = self.args.length_column_name
        if (
            self.args.train_sampling_strategy != "group_by_length"
            or fingerprint is None
            or not ({column, "input_ids"} & set(getattr(eval_dataset, "column_names", ())))
        ):
            return torch.utils.data.SequentialSampler(eval_dataset)
        arrow = eval_dataset.with_format("arrow")  # lengths without a Python list per example
        if column in eval_dataset.column_names:
            lengths = arrow[column].to_numpy()
        else:
            lengths = pc.list_value_length(arrow["input_ids"]).to_numpy()
        order = np.argsort(-lengths, kind="stable")  # longest first: an out-of-memory shows at once
        self._eval_orders[fingerprint] = order
        return _FixedOrderSampler(order)

    def get_eval_dataloader(self, eval_dataset: Any = None) -> torch.utils.data.DataLoader:
        with self._every_example_kept():
            return super().get_eval_dataloader(eval_dataset)

    def get_test_dataloader(self, test_dataset: Any) -> torch.utils.data.DataLoader:
        with self._every_example_kept():
            return super().get_test_dataloader(test_dataset)

    @contextlib.contextmanager
    def _every_example_kept(self) -> Iterator[None]:
        """``--dataloader_drop_last`` and ``--dataloader_in_order false`` are for training batches:
        evaluation and prediction score every example, in order (the stock Trainer drops their last short
        batch too, and decoding then met fewer outputs than examples; with workers out of order, it paired
        outputs with the wrong examples, as decoding maps them by position)."""
        dropping, in_order = self.args.dataloader_drop_last, self.args.dataloader_in_order
        self.args.dataloader_drop_last, self.args.dataloader_in_order = False, True
        try:
            yield
        finally:
            self.args.dataloader_drop_last, self.args.dataloader_in_order = dropping, in_order

    def evaluation_loop(
        self,
        dataloader: Any,
        description: str,
        prediction_loss_only: bool | None = None,
        ignore_keys: list[str] | None = None,
        metric_key_prefix: str = "eval",
    ) -> Any:
        scorer = self.scorers.get(metric_key_prefix)
        # every evaluated or predicted split is decoded into predictions files, scored or not (an unlabelled
        # test file): --prediction_loss_only would leave nothing to decode
        prediction_loss_only = False
        output = super().evaluation_loop(dataloader, description, prediction_loss_only, ignore_keys, metric_key_prefix)
        if not self.args.eval_do_concat_batches:
            # Decoding reads one row per feature: join the per-batch outputs as the Trainer would.
            output = output._replace(
                predictions=concat_batches(output.predictions), label_ids=concat_batches(output.label_ids)
            )
        order = self._eval_orders.get(getattr(dataloader.dataset, "_fingerprint", None))
        if order is not None:
            restore = np.argsort(order)
            output = output._replace(
                predictions=_take_rows(output.predictions, restore), label_ids=_take_rows(output.label_ids, restore)
            )
        if scorer is not None and output.predictions is not None:
            scores = scorer(EvalPrediction(predictions=output.predictions, label_ids=output.label_ids))
            output.metrics.update({f"{metric_key_prefix}_{key}": float(value) for key, value in scores.items()})
        return output


class LoggedEarlyStopping(EarlyStoppingCallback):
    """The Trainer's early stopping (``--early_stopping_patience``), which stops in silence: it says when it stops.
    As KLUE-baseline's (PyTorch Lightning's ``EarlyStopping``, ``min_delta`` 0): only a strictly better
    selection metric resets the count, and each evaluation during training counts."""

    def on_evaluate(self, args: TrainingArguments, state: Any, control: Any, metrics: dict[str, float],
                    **kwargs: Any) -> None:
        super().on_evaluate(args, state, control, metrics, **kwargs)
        if control.should_training_stop and self.early_stopping_patience_counter >= self.early_stopping_patience:
            logger.info("Early stopping at step %d of %d: %d evaluations in a row without a better %s (best %.4g).",
                        state.global_step, state.max_steps, self.early_stopping_patience_counter,
                        args.metric_for_best_model, state.best_metric)


def _skip_event(*args: Any, **kwargs: Any) -> None:
    """A callback event that does nothing (the Trainer keeps its control as it was)."""


def uses_cuda_graphs(args: TrainingArguments) -> bool:
    """Whether ``--torch_compile`` replays CUDA graphs (mode reduce-overhead / max-autotune, backend cudagraphs)."""
    return bool(args.torch_compile) and (
        args.torch_compile_mode in ("reduce-overhead", "max-autotune") or args.torch_compile_backend == "cudagraphs"
    )


def _clone_tensors(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, (tuple, list)):
        return type(value)(_clone_tensors(item) for item in value)
    if isinstance(value, dict):
        return {key: _clone_tensors(item) for key, item in value.items()}
    return value


LOSS_TOTAL_FILE = "klue_loss_total.json"
RUN_SETTINGS_FILE = "klue_run_settings.json"  # the flags a checkpoint's training depends on (run_folder.run_settings)


def read_loss_total(checkpoint: str | Path) -> tuple[int, float] | None:
    """``(global_step, sum of the step losses)`` saved with a checkpoint, or None (older checkpoints)."""
    path = Path(checkpoint) / LOSS_TOTAL_FILE
    if not path.is_file():
        logger.warning("%s has no %s: train_loss will cover only the steps after the resume.", checkpoint,
                       LOSS_TOTAL_FILE)
        return None
    saved = json.loads(path.read_text(encoding="utf-8"))
    return int(saved["global_step"]), float(saved["loss_sum"])


class _EpochSeededLengthGroupedSampler(LengthGroupedSampler):
    """Length-grouped batches in an order drawn from ``seed + epoch`` (the Trainer calls ``set_epoch``)."""

    def __init__(self, lengths: list[int], batch_size: int, seed: int) -> None:
        super().__init__(batch_size, lengths=lengths)
        self.seed, self.epoch = seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        return iter(get_length_grouped_indices(self.lengths, self.batch_size, generator=generator))


class _FixedOrderSampler(torch.utils.data.Sampler):
    def __init__(self, order: np.ndarray) -> None:
        self.order = order

    def __iter__(self) -> Iterator[int]:
        return iter(self.order.tolist())

    def __len__(self) -> int:
        return len(self.order)


def concat_batches(batches: Any, padding_index: int = -100) -> Any:
    """Per-batch outputs (``--eval_do_concat_batches false``: a list of arrays, or of tuples of
    arrays) as one array (or tuple) over all rows, shorter batches padded with ``padding_index``
    along the sequence axis as the Trainer pads them; anything else is returned as it is."""
    if not isinstance(batches, list) or not batches:
        return batches
    if isinstance(batches[0], (tuple, list)):
        return tuple(concat_batches([batch[i] for batch in batches], padding_index) for i in range(len(batches[0])))
    arrays = [np.asarray(batch) for batch in batches]
    if arrays[0].ndim < 2:
        return np.concatenate(arrays)
    width = max(array.shape[1] for array in arrays)
    padded = [
        np.pad(a, [(0, 0), (0, width - a.shape[1])] + [(0, 0)] * (a.ndim - 2), constant_values=padding_index)
        for a in arrays
    ]
    return np.concatenate(padded)


def _take_rows(value: Any, rows: np.ndarray) -> Any:
    """``value[rows]`` for an array or a (nested) tuple / list of arrays; None stays None."""
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        return type(value)(_take_rows(item, rows) for item in value)
    return np.asarray(value)[rows]
