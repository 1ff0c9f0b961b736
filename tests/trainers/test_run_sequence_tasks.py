"""YNAT, NLI and STS end to end through the script entry points, on a tiny offline model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from transformers import pipeline

from metrics.score import score as score_file
from tests.synthetic import nli_records, sts_records, write_json, ynat_records
from trainers.run_nli import NliTask
from trainers.run_re import ReTask
from trainers.run_sts import StsTask
from trainers.run_ynat import YnatTask
from trainers.runner import main

FAST = ["--per_device_train_batch_size", "8", "--per_device_eval_batch_size", "16", "--num_train_epochs", "1",
        "--learning_rate", "1e-3", "--save_strategy", "no", "--report_to", "none", "--seed", "7",
        "--use_cpu", "--disable_tqdm", "true"]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run_task(task, model: Path, output: Path, files: dict[str, Path], *extra: str) -> int:
    argv = ["--model_name_or_path", str(model), "--output_dir", str(output), *FAST, *extra]
    for split, path in files.items():
        argv += [f"--{split}_file", str(path)]
    return main(task, argv)


@pytest.mark.parametrize("model_fixture", ["tiny_bert", "tiny_roberta"])
def test_ynat_trains_evaluates_and_predicts_with_label_names(model_fixture, request, tmp_path):
    model = request.getfixturevalue(model_fixture)
    train = write_json(tmp_path / "ynat-v1.1_train.json", ynat_records(42, seed=1))
    dev = write_json(tmp_path / "ynat-v1.1_dev.json", ynat_records(21, seed=2))
    out = tmp_path / "out"
    assert main(YnatTask(), ["--model_name_or_path", str(model), "--output_dir", str(out), "--data_dir", str(tmp_path),
                             "--do_train", "--do_eval", "--do_predict", *FAST]) == 0

    for name in ("train_results.json", "eval_results.json", "all_results.json", "trainer_state.json",
                 "eval_breakdown.json", "predictions.jsonl"):
        assert (out / name).is_file(), name
    results = json.loads((out / "eval_results.json").read_text())
    assert 0.0 <= results["eval_macro_f1"] <= 100.0
    predictions = read_jsonl(out / "predictions.jsonl")
    assert [p["guid"] for p in predictions] == [f"smoke-ynat-{i:05d}" for i in range(21)]
    assert {p["prediction"] for p in predictions} <= set(YnatTask().label_names)
    assert abs(sum(predictions[0]["probabilities"].values()) - 1) < 1e-4
    breakdown = json.loads((out / "eval_breakdown.json").read_text())
    assert set(breakdown["per_class_f1"]) <= set(YnatTask().label_names)

    config = json.loads((out / "config.json").read_text())
    assert config["id2label"]["0"] == "정치" and config["label2id"]["IT과학"] == 5
    classifier = pipeline("text-classification", model=str(out), device="cpu")
    assert classifier("서울 축구 선수 발표")[0]["label"] in YnatTask().label_names
    assert dev.is_file() and train.is_file()


@pytest.mark.parametrize("model_fixture", ["tiny_bert", "tiny_roberta"])
def test_nli_sentence_pairs_work_on_bert_and_single_token_type_roberta(model_fixture, request, tmp_path):
    model = request.getfixturevalue(model_fixture)
    train = write_json(tmp_path / "train.json", nli_records(30, seed=1, source_field="genre"))
    dev = write_json(tmp_path / "dev.json", nli_records(12, seed=2))
    out = tmp_path / "out"
    assert run_task(NliTask(), model, out, {"train": train, "validation": dev}, "--do_train", "--do_eval",
                    "--do_predict", "--train_sampling_strategy", "group_by_length") == 0
    results = json.loads((out / "all_results.json").read_text())
    assert "eval_accuracy" in results and "train_loss" in results
    predictions = read_jsonl(out / "predictions.jsonl")
    assert len(predictions) == 12
    assert {p["prediction"] for p in predictions} <= {"entailment", "contradiction", "neutral"}


def test_sts_regresses_real_label_and_writes_csv(tiny_roberta, tmp_path):
    train = write_json(tmp_path / "train.json", sts_records(32, seed=1))
    dev = write_json(tmp_path / "dev.json", sts_records(10, seed=2))
    out = tmp_path / "out"
    assert run_task(StsTask(), tiny_roberta, out, {"train": train, "validation": dev, "test": dev},
                    "--do_train", "--do_eval", "--do_predict", "--predictions_csv") == 0
    results = json.loads((out / "eval_results.json").read_text())
    assert {"eval_pearsonr", "eval_f1"} <= set(results)
    assert len(read_jsonl(out / "predictions.jsonl")) == 10
    assert b"\r" not in (out / "predictions.csv").read_bytes()  # "\n" line ends, as MCQA's CSV and every other file
    rows = (out / "predictions.csv").read_text().splitlines()
    assert rows[0] == "id,target" and [r.split(",")[0] for r in rows[1:]] == [f"smoke-sts-{i:05d}" for i in range(10)]
    config = json.loads((out / "config.json").read_text())
    assert config["problem_type"] == "regression" and len(config["id2label"]) == 1
    # the scorer CLI gives the run's own numbers from the written scores (unrounded: one near 3.0 could flip F1)
    report = score_file("sts", str(dev), str(out / "eval_predictions.jsonl"))
    assert report.scores == {"pearsonr": results["eval_pearsonr"], "f1": results["eval_f1"]}


def wide_regression_head(model_dir: Path, output: Path, records: list[dict]) -> Path:
    """The tiny model with its regression head rescaled so that its outputs on ``records`` spread
    around 2.5 with a standard deviation of 3: far beyond [0, 5], as a model's outputs can be."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, num_labels=1, problem_type="regression")
    model.eval()
    batch = tokenizer([r["sentence1"] for r in records], [r["sentence2"] for r in records], padding=True,
                      return_tensors="pt")
    with torch.no_grad():
        outputs = model(**batch).logits.reshape(-1) - model.classifier.bias
        scale = 3.0 / outputs.std()
        model.classifier.weight.mul_(scale)
        model.classifier.bias.fill_(2.5 - float(outputs.mean() * scale))
    model.save_pretrained(output)
    tokenizer.save_pretrained(output)
    return output


def test_sts_scores_raw_outputs_as_the_official_baseline_and_clips_only_when_asked(tiny_bert, tmp_path):
    """KLUE-baseline scores the regression outputs as they are, also outside [0, 5]; clipping them is an
    option, and the results name it when it is used."""
    import metrics

    records = sts_records(24, seed=5)
    model = wide_regression_head(tiny_bert, tmp_path / "model", records)
    dev = write_json(tmp_path / "dev.json", records)
    gold = [r["labels"]["real-label"] for r in records]
    scored = {}
    for name, extra in (("raw", []), ("clipped", ["--clip_predictions"])):
        out = tmp_path / name
        assert run_task(StsTask(), model, out, {"validation": dev}, "--do_eval", "--do_predict", *extra) == 0
        predicted = [p["prediction"] for p in read_jsonl(out / "predictions.jsonl")]
        results = json.loads((out / "eval_results.json").read_text())
        # predictions.jsonl rounds to 6 decimals
        assert results["eval_pearsonr"] == pytest.approx(metrics.sts_pearsonr(predicted, gold), abs=1e-3)
        scored[name] = (predicted, results)
    raw, raw_results = scored["raw"]
    clipped, clipped_results = scored["clipped"]
    assert min(raw) < 0.0 and max(raw) > 5.0  # the premise: raw outputs beyond the gold range
    assert "eval_predictions_clipped" not in raw_results
    assert clipped == [min(max(p, 0.0), 5.0) for p in raw] and clipped_results["eval_predictions_clipped"] == 1.0
    assert clipped_results["eval_pearsonr"] != pytest.approx(raw_results["eval_pearsonr"])


def test_sts_reads_competition_csv_and_flat_label(tiny_bert, tmp_path, capsys):
    csv_path = tmp_path / "test.csv"
    csv_path.write_text("id,source,sentence_1,sentence_2,label,binary-label\n"
                        "c-1,smoke,서울 주가 발표,서울 주가 소식,4.2,1\nc-2,smoke,부산 야구,대전 금리,0.4,0\n",
                        encoding="utf-8")
    out = tmp_path / "out"
    assert run_task(StsTask(), tiny_bert, out, {"test": csv_path}, "--do_predict", "--predictions_csv") == 0
    assert [p["guid"] for p in read_jsonl(out / "predictions.jsonl")] == ["c-1", "c-2"]
    assert "predict_pearsonr" in json.loads((out / "predict_results.json").read_text())
    assert (out / "predictions.csv").read_text().splitlines()[0] == "id,target"
    assert f"Wrote 2 scores to {out / 'predictions.csv'}" in capsys.readouterr().out  # the log names the file


def test_predictions_csv_takes_a_path_and_a_config_files_true(tiny_bert, tmp_path):
    """As in MCQA: --predictions_csv PATH writes there; in a config file, true is the flag without a path."""
    test = write_json(tmp_path / "test.json", sts_records(3))
    out = tmp_path / "out"
    assert run_task(StsTask(), tiny_bert, out, {"test": test}, "--do_predict",
                    "--predictions_csv", str(tmp_path / "submit.csv")) == 0  # fmt: skip
    assert (tmp_path / "submit.csv").read_text().splitlines()[0] == "id,target"
    assert not (out / "predictions.csv").exists()
    config = write_json(tmp_path / "args.json", {"predictions_csv": True, "do_predict": True})
    again = tmp_path / "again"
    assert main(StsTask(), [str(config), "--model_name_or_path", str(tiny_bert), "--output_dir", str(again),
                            "--test_file", str(test), *FAST]) == 0  # fmt: skip
    assert len((again / "predictions.csv").read_text().splitlines()) == 4


def test_predictions_csv_without_do_predict_says_no_csv_is_written(tiny_bert, tmp_path, capsys):
    dev = write_json(tmp_path / "dev.json", sts_records(4))
    out = tmp_path / "out"
    assert run_task(StsTask(), tiny_bert, out, {"validation": dev}, "--do_eval", "--predictions_csv") == 0
    assert "--predictions_csv is written by --do_predict; this run does not predict" in capsys.readouterr().out
    assert not (out / "predictions.csv").exists()


def test_arguments_from_a_json_or_yaml_file(tiny_bert, tmp_path):
    dev = write_json(tmp_path / "dev.json", ynat_records(7))
    settings = {"model_name_or_path": str(tiny_bert), "output_dir": str(tmp_path / "out"),
                "validation_file": str(dev), "do_eval": True, "report_to": "none", "use_cpu": True}
    json_file = write_json(tmp_path / "args.json", settings)
    assert main(YnatTask(), [str(json_file)]) == 0
    assert "eval_macro_f1" in json.loads((tmp_path / "out" / "eval_results.json").read_text())

    yaml_file = tmp_path / "args.yaml"
    yaml_file.write_text("\n".join(f"{k}: {json.dumps(v)}" for k, v in
                                   {**settings, "output_dir": str(tmp_path / "out2")}.items()), encoding="utf-8")
    assert main(YnatTask(), [str(yaml_file)]) == 0
    assert (tmp_path / "out2" / "eval_results.json").is_file()


def test_length_grouped_evaluation_pairs_each_prediction_with_its_own_example(tiny_bert, tmp_path):
    """Under group_by_length the Trainer would evaluate in a shuffled length order; outputs come back in file order."""
    records = ynat_records(40, seed=3)
    for index, record in enumerate(records):  # lengths that differ a lot, in no order
        record["title"] = " ".join([record["title"]] * (1 + (index * 7) % 5))
    dev = write_json(tmp_path / "dev.json", records)
    outputs = {}
    for name, extra in (("sequential", []), ("grouped", ["--train_sampling_strategy", "group_by_length"])):
        out = tmp_path / name
        assert run_task(YnatTask(), tiny_bert, out, {"validation": dev}, "--do_eval", "--do_predict",
                        "--per_device_eval_batch_size", "4", *extra) == 0
        outputs[name] = read_jsonl(out / "predictions.jsonl")
    for sequential, grouped in zip(outputs["sequential"], outputs["grouped"], strict=True):
        assert sequential["guid"] == grouped["guid"]
        for label, probability in sequential["probabilities"].items():
            assert grouped["probabilities"][label] == pytest.approx(probability, abs=1e-5)


def test_a_tokenizer_that_pads_on_the_left_gives_the_same_predictions(tiny_bert, tmp_path):
    """Encoders read [CLS] at position 0: a tokenizer shipped with padding_side "left" is padded on the right."""
    from tests.tiny_tokenizers import copy_with_padding_side

    records = ynat_records(12, seed=8)
    for index, record in enumerate(records):  # batches with padding
        record["title"] = " ".join([record["title"]] * (1 + index % 4))
    dev = write_json(tmp_path / "dev.json", records)
    left = copy_with_padding_side(tiny_bert, tmp_path / "left-model", "left")
    probabilities = {}
    for name, model in (("right", tiny_bert), ("left", left)):
        out = tmp_path / name
        assert run_task(YnatTask(), model, out, {"validation": dev}, "--do_eval", "--do_predict") == 0
        probabilities[name] = [p["probabilities"] for p in read_jsonl(out / "predictions.jsonl")]
    for right, left_padded in zip(probabilities["right"], probabilities["left"], strict=True):
        assert left_padded == pytest.approx(right, abs=1e-5)


def test_padding_batches_to_a_multiple_changes_their_shapes_not_the_predictions(tiny_bert, tmp_path, monkeypatch):
    """--pad_to_multiple_of (few shapes for torch.compile / CUDA graphs) pads on the right, masked."""
    from trainers.klue_trainer import KlueTrainer

    records = ynat_records(12, seed=8)
    for index, record in enumerate(records):  # batches of different lengths
        record["title"] = " ".join([record["title"]] * (1 + index % 4))
    dev = write_json(tmp_path / "dev.json", records)
    lengths: list[int] = []
    original = KlueTrainer.prediction_step

    def recording_step(self, model, inputs, *args, **kwargs):
        lengths.append(int(inputs["input_ids"].shape[1]))
        return original(self, model, inputs, *args, **kwargs)

    monkeypatch.setattr(KlueTrainer, "prediction_step", recording_step)
    probabilities, shapes = {}, {}
    for name, extra in (("dynamic", ()), ("multiple", ("--pad_to_multiple_of", "32"))):
        lengths.clear()
        out = tmp_path / name
        assert run_task(YnatTask(), tiny_bert, out, {"test": dev}, "--do_predict", *extra) == 0
        probabilities[name] = [p["probabilities"] for p in read_jsonl(out / "predictions.jsonl")]
        shapes[name] = list(lengths)
    assert {length % 32 for length in shapes["multiple"]} == {0}
    assert any(length % 32 for length in shapes["dynamic"])
    for dynamic, padded in zip(probabilities["dynamic"], probabilities["multiple"], strict=True):
        assert padded == pytest.approx(dynamic, abs=1e-5)


def test_a_padding_multiple_past_the_model_positions_is_one_line(tiny_bert, tmp_path, capsys):
    dev = write_json(tmp_path / "dev.json", ynat_records(4, seed=8))
    status = run_task(YnatTask(), tiny_bert, tmp_path / "out", {"test": dev}, "--do_predict",
                      "--max_seq_length", "128", "--pad_to_multiple_of", "100")
    assert status == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "error: --pad_to_multiple_of 100: a batch of max_seq_length 128 tokens would be padded to 200, past the "
        "tokenizer's model_max_length (128); choose a multiple that divides 128 or lower --max_seq_length to 100")

    # A tokenizer saved without model_max_length (1e30): the model's 130 positions are the limit.
    unlimited = tmp_path / "unlimited"
    shutil.copytree(tiny_bert, unlimited)
    config_file = unlimited / "tokenizer_config.json"
    config_file.write_text(json.dumps({key: value for key, value in json.loads(config_file.read_text()).items()
                                       if key != "model_max_length"}))
    status = run_task(YnatTask(), unlimited, tmp_path / "out", {"test": dev}, "--do_predict",
                      "--max_seq_length", "100", "--pad_to_multiple_of", "96")
    assert status == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith(
        "error: --pad_to_multiple_of 96: a batch of max_seq_length 100 tokens would be padded to 192, past the "
        "model's position embeddings (130);")


def test_predicting_without_a_test_file_says_it_predicts_the_validation_split(tiny_bert, tmp_path, capsys):
    dev = write_json(tmp_path / "dev.json", ynat_records(5))
    out = tmp_path / "out"
    assert run_task(YnatTask(), tiny_bert, out, {"validation": dev}, "--do_predict") == 0
    warnings = [line for line in capsys.readouterr().out.splitlines() if "WARNING" in line and "--do_predict" in line]
    assert len(warnings) == 1 and "predicts the validation split" in warnings[0]
    assert len(read_jsonl(out / "predictions.jsonl")) == 5


def test_load_best_model_at_end_keeps_the_checkpoint_best_by_macro_f1(tiny_bert, tmp_path):
    train = write_json(tmp_path / "train.json", ynat_records(16, seed=1))
    dev = write_json(tmp_path / "dev.json", ynat_records(8, seed=2))
    out = tmp_path / "out"
    flags = [*FAST, "--load_best_model_at_end", "--eval_strategy", "epoch", "--save_strategy", "epoch",
             "--num_train_epochs", "2"]
    argv = ["--model_name_or_path", str(tiny_bert), "--output_dir", str(out), "--train_file", str(train),
            "--validation_file", str(dev), "--do_train", "--do_eval", *flags]
    assert main(YnatTask(), argv) == 0
    state = json.loads((out / "trainer_state.json").read_text())
    epoch_scores = [entry["eval_macro_f1"] for entry in state["log_history"] if "eval_macro_f1" in entry][:2]
    assert state["best_metric"] == max(epoch_scores) and state["best_model_checkpoint"]


@pytest.mark.parametrize("task_class", [YnatTask, NliTask, StsTask, ReTask])
def test_the_first_forward_leaves_the_config_alone(task_class, tiny_bert):
    """The config says the problem type before training: a forward that writes ``problem_type`` into
    the config fails torch.compile's guard on it and compiles the whole model a second time."""
    import torch
    from transformers import AutoModelForSequenceClassification

    task = task_class()
    model = AutoModelForSequenceClassification.from_pretrained(tiny_bert, **task.config_overrides())
    before = model.config.problem_type
    labels = torch.tensor([0.5, 3.0]) if task_class is StsTask else torch.tensor([0, 1])
    model(input_ids=torch.tensor([[2, 5, 3], [2, 6, 3]]), labels=labels)
    assert before is not None and model.config.problem_type == before


@pytest.mark.parametrize(("padding", "side"), [(False, "right"), ("max_length", "right"), ("max_length", "left")])
def test_truncated_rows_are_the_examples_whose_text_was_cut(padding, side):
    from smoke.tiny_model import wordpiece_tokenizer
    from trainers.sequence_tasks import truncated_rows

    premises = ["서울 행사", "서울 행사 " * 6, "부산", "대구 행사 소식 " * 3]
    hypotheses = ["행사", "소식", "부산 행사 " * 8, "대구"]
    tokenizer = wordpiece_tokenizer(premises + hypotheses)
    tokenizer.padding_side = side
    for texts in ([premises], [premises, hypotheses]):
        whole = [len(ids) for ids in tokenizer(*texts)["input_ids"]]
        for max_length in (4, 8, 12):
            features = tokenizer(*texts, truncation=True, max_length=max_length, padding=padding)
            expected = [length > max_length for length in whole]
            assert truncated_rows(tokenizer, texts, features, max_length) == expected
            # a row exactly max_length long was not cut
            exact = tokenizer(*texts, truncation=True, max_length=max(whole), padding=padding)
            assert not any(truncated_rows(tokenizer, texts, exact, max(whole)))


def test_examples_longer_than_max_seq_length_are_counted_in_the_log(tiny_bert, tmp_path, capsys):
    records = nli_records(6, seed=3)
    records[1]["premise"] = " ".join([records[1]["premise"]] * 20)
    dev = write_json(tmp_path / "dev.json", records)
    assert run_task(NliTask(), tiny_bert, tmp_path / "out", {"validation": dev}, "--do_eval",
                    "--max_seq_length", "32") == 0  # fmt: skip
    assert "validation: 1 of 6 examples are longer than max_seq_length: their text past it is left out" in (
        capsys.readouterr().out)


# --- the task classes' steps called directly --------------------------------------------------------


def test_sentence_pairs_are_encoded_together_cut_at_max_seq_length_and_labelled_in_the_official_order(tiny_bert):
    """NLI reads premise and hypothesis as one pair; a long one is cut to max_seq_length (and counted), and the
    label ids are KLUE's order (entailment 0, contradiction 1, neutral 2), the ids the config's id2label names."""
    import datasets
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    records = nli_records(3, seed=1)
    records[1]["premise"] = " ".join([records[1]["premise"]] * 20)
    columns = {key: [record[key] for record in records] for key in ("premise", "hypothesis")}
    columns["label"] = [record["gold_label"] for record in records]  # the file's field, read as "label"
    task = NliTask()
    features = task.preprocess(columns, tokenizer, 32, False)
    assert features["input_ids"] == tokenizer(columns["premise"], columns["hypothesis"], truncation=True,
                                              max_length=32)["input_ids"]
    assert all(len(ids) <= 32 for ids in features["input_ids"]) and len(features["input_ids"][1]) == 32
    assert [label for label in features["labels"]] == [0, 1, 2]
    assert columns["label"] == ["entailment", "contradiction", "neutral"]
    assert task.config_overrides()["id2label"] == {0: "entailment", 1: "contradiction", 2: "neutral"}
    assert features["truncated"] == [False, True, False]
    assert task.feature_warnings(datasets.Dataset.from_dict(columns), datasets.Dataset.from_dict(features)) == [
        "1 of 3 examples are longer than max_seq_length: their text past it is left out (raise --max_seq_length "
        "to keep it)."]
    uncut = {key: [value[0], value[2]] for key, value in features.items()}
    assert task.feature_warnings(None, datasets.Dataset.from_dict(uncut)) == []  # nothing cut, nothing said
    assert task.targets({"label": [None, None]}) is None  # unlabelled: no labels column


def test_class_probabilities_become_a_label_name_and_unrounded_named_probabilities():
    import numpy as np

    from trainers.task import softmax

    task = NliTask()
    logits = np.array([[0.0, 2.0, 1.0], [3.0, 0.0, 0.5], [0.0, 0.0, 4.0]], dtype=np.float32)
    decoded = task.decode(None, None, (logits,))
    np.testing.assert_allclose(decoded, softmax(logits.astype(np.float64)))
    record = task.prediction_record({"guid": "g-1"}, decoded[0])
    assert record == {"guid": "g-1", "prediction": "contradiction",
                      "probabilities": {"entailment": float(decoded[0, 0]), "contradiction": float(decoded[0, 1]),
                                        "neutral": float(decoded[0, 2])}}
    scored = task.score(decoded, np.array([1, 0, 0]), None)
    assert scored.scores == pytest.approx({"accuracy": 200 / 3})
    assert scored.breakdown["confusion_matrix"]["matrix"] == [[1, 0, 1], [0, 1, 0], [0, 0, 0]]  # rows: gold


def test_sts_outputs_are_one_unrounded_score_each_clipped_into_0_5_only_by_clip():
    import numpy as np

    from args import StsArguments

    task = StsTask()
    task.use_options(StsArguments())
    outputs = np.array([[-0.5], [2.123456789], [6.0]], dtype=np.float32)  # the regression head's (batch, 1)
    decoded = task.decode(None, None, outputs)
    assert decoded.shape == (3,) and decoded.tolist() == pytest.approx([-0.5, 2.123456789, 6.0])
    assert task.clip(decoded).tolist() == pytest.approx([0.0, 2.123456789, 5.0])
    assert task.prediction_record({"guid": "g-1"}, decoded[1]) == {"guid": "g-1", "prediction": float(decoded[1])}
    task.use_options(StsArguments(clip_predictions=True))
    assert task.decode(None, None, outputs).tolist() == pytest.approx([0.0, 2.123456789, 5.0])


def test_label_smoothing_is_accepted_for_a_classifier(tiny_bert, tmp_path):
    """--label_smoothing_factor is the Trainer's for class labels (refused for STS's scores only)."""
    train = write_json(tmp_path / "train.json", ynat_records(8, seed=1))
    assert run_task(YnatTask(), tiny_bert, tmp_path / "out", {"train": train}, "--do_train", "--max_steps", "1",
                    "--label_smoothing_factor", "0.1") == 0
