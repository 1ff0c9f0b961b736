"""A fine-tuned checkpoint whose labels are in another order keeps the meaning of its predictions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from klue_data.labels import YNAT_HUB_LABELS, YNAT_LABELS
from tests.synthetic import write_json, ynat_records
from trainers.run_ynat import YnatTask
from trainers.runner import main

FLAGS = ["--per_device_eval_batch_size", "16", "--report_to", "none", "--use_cpu", "--disable_tqdm", "true"]


def checkpoint_that_always_answers(base: Path, directory: Path, names: list[str], answer: str) -> Path:
    """A YNAT head saved with ``names`` as its label order whose every prediction is ``answer``."""
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(names), id2label=dict(enumerate(names)), label2id={n: i for i, n in enumerate(names)}
    )
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([5.0 if name == answer else 0.0 for name in names]))
    model.save_pretrained(directory)
    AutoTokenizer.from_pretrained(base).save_pretrained(directory)
    return directory


def predictions(out: Path) -> list[str]:
    return [json.loads(line)["prediction"] for line in (out / "predictions.jsonl").read_text().splitlines()]


def test_a_hub_order_head_is_reordered_not_renamed(tiny_bert, tmp_path, capsys):
    # The Hub's klue/ynat ClassLabel order puts 스포츠 at id 5, where the official order has IT과학.
    checkpoint = checkpoint_that_always_answers(tiny_bert, tmp_path / "hub-order", list(YNAT_HUB_LABELS), "스포츠")
    test = write_json(tmp_path / "test.json", ynat_records(6, seed=3))
    out = tmp_path / "out"
    assert main(YnatTask(), ["--model_name_or_path", str(checkpoint), "--output_dir", str(out),
                             "--test_file", str(test), "--do_predict", *FLAGS]) == 0
    assert set(predictions(out)) == {"스포츠"}
    assert "its head's rows were reordered" in capsys.readouterr().out
    probabilities = json.loads((out / "predictions.jsonl").read_text().splitlines()[0])["probabilities"]
    assert max(probabilities, key=probabilities.get) == "스포츠" and list(probabilities) == list(YNAT_LABELS)


def test_a_head_of_other_labels_cannot_be_evaluated_as_this_task(tiny_bert, tmp_path, capsys):
    names = [f"topic-{letter}" for letter in "abcdefg"]
    checkpoint = checkpoint_that_always_answers(tiny_bert, tmp_path / "other", names, "topic-a")
    dev = write_json(tmp_path / "dev.json", ynat_records(6, seed=3))
    out = tmp_path / "out"
    capsys.readouterr()  # the checkpoint's own loading messages
    assert main(YnatTask(), ["--model_name_or_path", str(checkpoint), "--output_dir", str(out),
                             "--validation_file", str(dev), "--do_eval", *FLAGS]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "its head was trained on other labels (topic-a, topic-b" in err[0], err
    assert not (out / "eval_results.json").exists()


@pytest.mark.parametrize("names", [list(YNAT_LABELS), [f"LABEL_{i}" for i in range(7)]])
def test_heads_in_the_official_order_or_without_names_are_used_as_they_are(names, tiny_bert, tmp_path):
    checkpoint = checkpoint_that_always_answers(tiny_bert, tmp_path / "ckpt", names, names[5])
    test = write_json(tmp_path / "test.json", ynat_records(4, seed=3))
    out = tmp_path / "out"
    assert main(YnatTask(), ["--model_name_or_path", str(checkpoint), "--output_dir", str(out),
                             "--test_file", str(test), "--do_predict", *FLAGS]) == 0
    assert set(predictions(out)) == {YNAT_LABELS[5]}


@pytest.mark.parametrize(("names", "refusal"), [
    (["entailment", "contradiction", "neutral"], "its head was trained on other labels (entailment, contradiction"),
    (["LABEL_0", "LABEL_1", "LABEL_2"], "some of its saved layers have other shapes than this model's"),
])
def test_a_head_of_another_size_is_one_line_unless_told_to_train_a_new_one(names, refusal, tiny_bert, tmp_path,
                                                                            capsys):
    # e.g. an NLI model (3 labels) given to YNAT (7): named labels are refused before loading, generic ones
    # when the weights do not fit; --ignore_mismatched_sizes trains a new head on its encoder
    checkpoint = checkpoint_that_always_answers(tiny_bert, tmp_path / "three", names, names[0])
    records = write_json(tmp_path / "ynat.json", ynat_records(8, seed=3))
    common = ["--model_name_or_path", str(checkpoint), "--validation_file", str(records), "--do_eval", *FLAGS]
    capsys.readouterr()
    assert main(YnatTask(), [*common, "--output_dir", str(tmp_path / "eval")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and refusal in err.strip().splitlines()[-1], err
    training = [*common, "--train_file", str(records), "--do_train", "--max_steps", "1", "--save_strategy", "no"]
    assert main(YnatTask(), [*training, "--output_dir", str(tmp_path / "train")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and refusal in err and "pass --ignore_mismatched_sizes" in err, err
    out = tmp_path / "new-head"
    assert main(YnatTask(), [*training, "--output_dir", str(out), "--ignore_mismatched_sizes"]) == 0
    saved = json.loads((out / "config.json").read_text())
    assert [saved["id2label"][str(i)] for i in range(7)] == list(YNAT_LABELS) and saved["klue_task"] == "ynat"


def test_only_a_head_of_the_same_labels_in_another_order_is_reordered(tmp_path):
    """A head of some of the task's labels (or of the same labels with more) is another task's, not a
    reordering of this one's: it cannot be evaluated as this task."""
    from transformers import BertConfig

    from args import ArgumentsError, ModelArguments
    from trainers.loading import saved_label_order

    def saved_with(names: list[str]) -> ModelArguments:
        folder = tmp_path / f"labels-{len(names)}-{names[0]}"
        config = BertConfig(id2label=dict(enumerate(names)), label2id={n: i for i, n in enumerate(names)})
        config.save_pretrained(folder)
        return ModelArguments(str(folder))

    assert saved_label_order(saved_with(list(YNAT_HUB_LABELS)), YnatTask(), training=False) == list(YNAT_HUB_LABELS)
    for names in (list(YNAT_HUB_LABELS)[:6], [*YNAT_HUB_LABELS, "날씨"]):
        with pytest.raises(ArgumentsError, match="its head was trained on other labels"):
            saved_label_order(saved_with(names), YnatTask(), training=False)
