"""``--gradient_accumulation_steps``: batches accumulated make the update one big batch would.

A tagger's or parser's loss is a mean over its batch's tokens or words; left to the Trainer, each
accumulated batch's mean counts the same, so the tokens of a short batch weigh more than in one big batch
(measured 1.5-6% of the update on real dev sentences). Each batch's loss is weighed by its share of the
accumulated items instead (``Task.loss_units``). Compared here: one SGD step (learning rate 1, so the
update is the gradient) of batch 7 against batches of 4 and 3 accumulated, over sentences of different
lengths, without dropout (its masks would differ between the two).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from tests.synthetic import ner_records, nli_records, write_json
from tests.synthetic_mrc import mrc_document
from tests.synthetic_wos import wos_dialogues, wos_ontology
from tests.trainers.test_run_dp import dp_records, write_dp_tsv
from trainers.run_dp import DpTask
from trainers.run_mrc import MrcTask
from trainers.run_ner import NerTask
from trainers.run_nli import NliTask
from trainers.run_wos import WosTask
from trainers.runner import main

ONE_SGD_STEP = ["--max_steps", "1", "--optim", "sgd", "--lr_scheduler_type", "constant", "--max_grad_norm", "0",
                "--train_sampling_strategy", "sequential", "--save_strategy", "no", "--report_to", "none",
                "--use_cpu", "--disable_tqdm", "true", "--seed", "3", "--warmup_steps", "0"]


@pytest.fixture(scope="module")
def still_bert(tiny_bert: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny BERT without dropout (attention's included, which no module patch reaches)."""
    folder = tmp_path_factory.mktemp("still-bert")
    shutil.copytree(tiny_bert, folder, dirs_exist_ok=True)
    config = json.loads((folder / "config.json").read_text())
    config.update(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def _ner_file(tmp_path: Path) -> Path:
    records = ner_records(7, seed=2)
    records.sort(key=lambda record: -len(record["tokens"]))  # the first batch of 4 has more characters
    return write_json(tmp_path / "train.json", records)


def _dp_file(tmp_path: Path) -> Path:
    records = sorted(dp_records(7, seed=4), key=lambda record: -len(record["head"]))  # 4 words, then 3
    return write_dp_tsv(tmp_path / "train.tsv", records)


def _nli_file(tmp_path: Path) -> Path:
    return write_json(tmp_path / "train.json", nli_records(7, seed=1))  # a batch of 4, then one of 3


def _mrc_file(tmp_path: Path) -> Path:
    """7 questions on short contexts, one window each (at --max_seq_length 128): batches of 4 and 3 windows."""
    document = mrc_document(2, seed=3)
    del document["data"][-1]["paragraphs"][0]["qas"][-1]
    return write_json(tmp_path / "train.json", document)


def _wos_file(tmp_path: Path) -> Path:
    """Dialogues cut to 7 user turns in all (the model inputs): batches of 4 and 3 turns with their own numbers
    of slots and of gold value tokens, the two means WoS's loss adds."""
    dialogues, kept = [], 0
    for dialogue in wos_dialogues(10, seed=5):
        turns = []
        for turn in dialogue["dialogue"]:
            kept += turn["role"] == "user"
            if kept > 7:
                break
            turns.append(turn)
        if turns:
            dialogues.append({**dialogue, "dialogue": turns})
    write_json(tmp_path / "ontology.json", wos_ontology())
    return write_json(tmp_path / "train.json", dialogues)


@pytest.mark.parametrize(
    ("task", "write", "extra"),
    [(NerTask, _ner_file, []), (NerTask, _ner_file, ["--label_smoothing_factor", "0.1"]), (DpTask, _dp_file, []),
     (NliTask, _nli_file, []), (WosTask, _wos_file, ["--teacher_forcing_ratio", "1"]),
     (MrcTask, _mrc_file, ["--max_seq_length", "128", "--doc_stride", "32", "--max_query_length", "32"])],
    ids=["ner", "ner-label-smoothing", "dp", "nli", "wos", "mrc"],
)
def test_accumulated_batches_update_as_one_batch(task, write, extra, still_bert, tmp_path, monkeypatch):
    # the task heads' own dropout (DP's 0.33 is in its config, built here; its channel dropout is dropout1d)
    monkeypatch.setattr(torch.nn.functional, "dropout", lambda input, p=0.5, training=True, inplace=False: input)
    monkeypatch.setattr(torch.nn.functional, "dropout1d", lambda input, p=0.5, training=True, inplace=False: input)
    train = write(tmp_path)
    weights = {}
    for name, batch, steps, rate in (("start", 7, 1, "0"), ("one", 7, 1, "1"), ("accumulated", 4, 2, "1")):
        out = tmp_path / name
        assert main(task(), ["--model_name_or_path", str(still_bert), "--output_dir", str(out), "--train_file",
                             str(train), "--do_train", "--per_device_train_batch_size", str(batch),
                             "--gradient_accumulation_steps", str(steps), "--learning_rate", rate,
                             *ONE_SGD_STEP, *extra]) == 0  # fmt: skip
        weights[name] = load_file(out / "model.safetensors")
    update = {key: weights["one"][key] - weights["start"][key] for key in weights["start"]}
    accumulated = {key: weights["accumulated"][key] - weights["start"][key] for key in weights["start"]}
    size = torch.sqrt(sum((value.double() ** 2).sum() for value in update.values()))
    difference = torch.sqrt(sum(((update[key] - accumulated[key]).double() ** 2).sum() for key in update))
    assert size > 1e-3  # a real step
    assert difference / size < 1e-4, float(difference / size)


def test_items_are_counted_only_when_an_update_accumulates_several_batches(still_bert, tmp_path, monkeypatch):
    """Without accumulation each batch is its own mean: nothing is counted, so a step does no extra work (a
    count made on the host would make each step wait for the GPU). With it, each batch is counted for the
    update's total and again for its own share."""
    counted = []
    original = NliTask.loss_units
    monkeypatch.setattr(NliTask, "loss_units", lambda self, batch: counted.append(len(batch["labels"]))
                        or original(self, batch))
    train = _nli_file(tmp_path)
    for steps, expected in ((1, []), (2, [4, 3, 4, 3])):
        counted.clear()
        assert main(NliTask(), ["--model_name_or_path", str(still_bert), "--output_dir", str(tmp_path / str(steps)),
                                "--train_file", str(train), "--do_train", "--per_device_train_batch_size", "4",
                                "--gradient_accumulation_steps", str(steps), *ONE_SGD_STEP]) == 0
        assert counted == expected, steps


def test_mrc_counts_its_windows_on_the_batchs_device():
    from trainers.run_mrc import MrcTask

    units = MrcTask().loss_units({"input_ids": torch.zeros(5, 9, dtype=torch.long)})
    assert units.shape == () and int(units) == 5 and units.dtype == torch.long
