"""KlueTrainer's own parts (trainers/klue_trainer.py) on a model that only echoes its inputs: outputs in file order,
every example kept, samplers, the selection metric, and the loss total a resume reads."""

from __future__ import annotations

import json
import logging

import datasets
import numpy as np
import pytest
import torch

from args import ArgumentsError, KlueTrainingArguments
from trainers.klue_trainer import (LOSS_TOTAL_FILE, KlueTrainer, _EpochSeededLengthGroupedSampler, _take_rows,
                                   concat_batches, read_loss_total)


class Echo(torch.nn.Module):
    """Its output row is its input's token ids summed, so each output names the example it came from."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))

    def forward(self, input_ids, attention_mask, labels=None):
        logits = (input_ids * attention_mask).sum(dim=1, keepdim=True).float() + self.weight
        return {"loss": logits.mean() * 0, "logits": logits}


def pad(rows: list[dict]) -> dict[str, torch.Tensor]:
    width = max(len(row["input_ids"]) for row in rows)
    batch = {
        "input_ids": torch.tensor([row["input_ids"] + [0] * (width - len(row["input_ids"])) for row in rows]),
        "attention_mask": torch.tensor([[1] * len(row["input_ids"]) + [0] * (width - len(row["input_ids"]))
                                        for row in rows]),
    }
    if "labels" in rows[0]:
        batch["labels"] = torch.tensor([row["labels"] for row in rows])
    return batch


def echo_trainer(tmp_path, **flags) -> KlueTrainer:
    args = KlueTrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to="none", disable_tqdm=True,
                                 per_device_eval_batch_size=3, **flags)
    return KlueTrainer(model=Echo(), args=args, data_collator=pad)


# Examples of very different lengths in no order; example i's tokens sum to 100 + i
LENGTHS = [2, 7, 1, 5, 3, 6, 4]
EXAMPLES = datasets.Dataset.from_dict({
    "input_ids": [[100 + i - (n - 1)] + [1] * (n - 1) for i, n in enumerate(LENGTHS)],
    "labels": list(range(len(LENGTHS))),
})


@pytest.mark.parametrize("strategy", ["random", "group_by_length"])
@pytest.mark.parametrize("concat", [False, True])
def test_predictions_and_labels_come_back_in_file_order(strategy, concat, tmp_path):
    """Longest first under group_by_length (7, 6, 5 in the first batch of 3), then put back in file order."""
    trainer = echo_trainer(tmp_path, train_sampling_strategy=strategy, eval_do_concat_batches=concat)
    output = trainer.predict(EXAMPLES)
    assert output.predictions.reshape(-1).tolist() == [100 + i for i in range(len(LENGTHS))]
    assert output.label_ids.tolist() == list(range(len(LENGTHS)))


def test_evaluation_keeps_every_example_and_leaves_the_training_flags_as_given(tmp_path):
    """``--dataloader_drop_last`` and ``--dataloader_in_order false`` are for training batches only."""
    trainer = echo_trainer(tmp_path, dataloader_drop_last=True, dataloader_in_order=False,
                           dataloader_num_workers=1)
    assert len(trainer.get_eval_dataloader(EXAMPLES)) == 3  # 7 examples in batches of 3: the short one kept
    assert len(trainer.get_test_dataloader(EXAMPLES)) == 3
    assert trainer.args.dataloader_drop_last is True and trainer.args.dataloader_in_order is False
    assert len(trainer.predict(EXAMPLES).predictions) == 7


@pytest.mark.parametrize("name", ["macro_f1", "eval_macro_f1"])
def test_the_selection_metric_may_be_named_with_or_without_eval(name, tmp_path):
    trainer = echo_trainer(tmp_path, metric_for_best_model=name)
    assert trainer._determine_best_metric({"eval_loss": 1.0, "eval_macro_f1": 0.5}, None) is True
    assert trainer.state.best_metric == 0.5
    with pytest.raises(ArgumentsError, match=f"--metric_for_best_model {name}: the evaluation reported no "
                                             "eval_macro_f1; it reported loss, accuracy"):
        trainer._determine_best_metric({"eval_loss": 1.0, "eval_accuracy": 0.5}, None)


def test_length_grouped_training_draws_each_epochs_order_from_the_data_seed_and_the_epoch(tmp_path):
    """The order must not depend on the global random state (a run resumed mid-epoch has not advanced it as the
    uninterrupted run had), and each epoch has its own."""
    trainer = echo_trainer(tmp_path, train_sampling_strategy="group_by_length", per_device_train_batch_size=2,
                           seed=1, data_seed=5)
    lengths = datasets.Dataset.from_dict({"input_ids": [[1] * n for n in (3, 9, 1, 7, 5, 2, 8, 4, 6, 2)]})
    sampler = trainer._get_train_sampler(lengths)
    assert isinstance(sampler, _EpochSeededLengthGroupedSampler) and sampler.seed == 5  # --data_seed, not --seed
    orders = []
    for epoch in (0, 1, 0):
        sampler.set_epoch(epoch)
        torch.manual_seed(epoch + 100)  # the global random state moves on; the order does not follow it
        orders.append(list(sampler))
    assert sorted(orders[0]) == list(range(10))  # every example once
    assert orders[2] == orders[0] and orders[1] != orders[0]


def test_per_batch_outputs_are_joined_padded_as_the_trainer_pads_them():
    batches = [np.array([[1, 2, 3], [4, 5, 6]]), np.array([[7]])]
    assert concat_batches(batches).tolist() == [[1, 2, 3], [4, 5, 6], [7, -100, -100]]
    assert concat_batches([np.array([1.5, 2.5]), np.array([3.5])]).tolist() == [1.5, 2.5, 3.5]  # one value a row
    starts, ends = concat_batches([(np.array([[1, 2]]), np.array([[3, 4]])), (np.array([[5]]), np.array([[6]]))])
    assert starts.tolist() == [[1, 2], [5, -100]] and ends.tolist() == [[3, 4], [6, -100]]
    already_joined = np.zeros((2, 2))
    assert concat_batches(already_joined) is already_joined and concat_batches(None) is None


def test_take_rows_reorders_every_array_and_leaves_missing_labels_missing():
    rows = np.array([2, 0, 1])
    starts, ends = _take_rows((np.array([10, 11, 12]), np.array([20, 21, 22])), rows)
    assert starts.tolist() == [12, 10, 11] and ends.tolist() == [22, 20, 21]
    assert _take_rows(None, rows) is None  # unlabelled test data


def test_a_checkpoint_without_its_loss_total_is_said_and_read_as_none(tmp_path, caplog):
    (tmp_path / LOSS_TOTAL_FILE).write_text(json.dumps({"global_step": 4, "loss_sum": 7.5}))
    assert read_loss_total(tmp_path) == (4, 7.5)
    with caplog.at_level(logging.WARNING, logger="klue"):
        assert read_loss_total(tmp_path / "older-checkpoint") is None
    assert "train_loss will cover only the steps after the resume" in caplog.text
