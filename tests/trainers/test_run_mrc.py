"""KLUE-MRC end to end through the script entry point, on tiny offline models, with windows.

``--max_seq_length 64 --doc_stride 16`` makes every context span several windows, so what is
scored is the per-question decoding across windows, not per-window outputs.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import torch

import metrics
from klue_data.mrc import gold_answers, read_file
from tests.synthetic import write_json
from tests.synthetic_mrc import long_article, mixed_length_document, mrc_document
from trainers.run_mrc import MrcTask
from trainers.runner import main

FAST = ["--per_device_train_batch_size", "8", "--per_device_eval_batch_size", "8", "--num_train_epochs", "1",
        "--learning_rate", "1e-3", "--save_strategy", "no", "--report_to", "none", "--seed", "7",
        "--use_cpu", "--disable_tqdm", "true", "--max_seq_length", "64", "--doc_stride", "16"]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def guids(document: dict) -> list[str]:
    return [qa["guid"] for article in document["data"] for paragraph in article["paragraphs"]
            for qa in paragraph["qas"]]


def run_mrc(model: Path, output: Path, files: dict[str, Path], *extra: str) -> int:
    argv = ["--model_name_or_path", str(model), "--output_dir", str(output), *FAST, *extra]
    for split, path in files.items():
        argv += [f"--{split}_file", str(path)]
    return main(MrcTask(), argv)


@pytest.mark.parametrize("model_fixture", ["tiny_bert", "tiny_roberta"])
def test_mrc_trains_evaluates_and_predicts_over_windows(model_fixture, request, tmp_path, capsys):
    model = request.getfixturevalue(model_fixture)
    write_json(tmp_path / "klue-mrc-v1.1_train.json", mrc_document(6, seed=1))
    dev_document = mrc_document(3, seed=2, first_guid=100)
    dev_document["data"] += long_article(seed=3)["data"]
    write_json(tmp_path / "klue-mrc-v1.1_dev.json", dev_document)
    out = tmp_path / "out"

    assert main(MrcTask(), ["--model_name_or_path", str(model), "--output_dir", str(out), "--data_dir", str(tmp_path),
                            "--do_train", "--do_eval", "--do_predict", *FAST]) == 0

    # The log counts questions and windows per split (the Trainer's "Num examples" counts windows).
    logged = capsys.readouterr().out
    train_windows = json.loads((out / "train_results.json").read_text())["train_samples"]
    assert f"train: 24 questions in {train_windows} windows." in logged
    windows = {split: int(re.search(rf"{split}: 16 questions in (\d+) windows", logged).group(1))
               for split in ("validation", "test")}
    assert windows["validation"] == windows["test"] > 16

    results = json.loads((out / "eval_results.json").read_text())
    assert 0.0 <= results["eval_exact_match"] <= 100.0 and 0.0 <= results["eval_rouge_w"] <= 100.0
    assert results["eval_samples"] == 16  # questions, not windows
    predictions = read_jsonl(out / "predictions.jsonl")
    assert [p["guid"] for p in predictions] == guids(dev_document)
    assert all(isinstance(p["prediction"], str) for p in predictions)

    nbest = read_jsonl(out / "nbest_predictions.jsonl")
    assert [record["guid"] for record in nbest] == guids(dev_document)
    contexts = {qa["guid"]: paragraph["context"] for article in dev_document["data"]
                for paragraph in article["paragraphs"] for qa in paragraph["qas"]}
    for record, prediction in zip(nbest, predictions):
        assert record["prediction"] == prediction["prediction"]
        assert isinstance(record["null_score"], float) and len(record["nbest"]) <= 20
        scores = [entry["score"] for entry in record["nbest"]]
        assert scores == sorted(scores, reverse=True)
        for entry in record["nbest"]:
            assert contexts[record["guid"]][entry["start"]:entry["end"]] == entry["text"] != ""
        if prediction["prediction"]:  # an answer is the best span of the n-best list
            assert prediction["prediction"] == record["nbest"][0]["text"]

    breakdown = json.loads((out / "eval_breakdown.json").read_text())
    per_type = breakdown["per_question_type"]  # named as in the results keys
    assert {name: values["count"] for name, values in per_type.items()} == \
        {"paraphrase": 8, "multi_sentence": 4, "unanswerable": 4}
    assert breakdown["unknown_question_type_count"] == 0
    for name in ("paraphrase", "multi_sentence", "unanswerable"):
        assert results[f"eval_exact_match_{name}"] == pytest.approx(per_type[name]["exact_match"])
        assert results[f"eval_rouge_w_{name}"] == pytest.approx(per_type[name]["rouge_w"])
    config = json.loads((out / "config.json").read_text())
    assert config["architectures"][0].endswith("ForQuestionAnswering")


def test_eval_accumulation_and_length_grouping_give_the_same_answers(tiny_bert, tmp_path):
    dev_document = mrc_document(4, seed=5)
    dev_document["data"] += long_article(seed=6)["data"]
    dev = write_json(tmp_path / "dev.json", dev_document)
    # --n_best_size (at most max_seq_length, 64) above most batches' padded length: the top-k reduction pads them to k.
    common = ["--do_eval", "--per_device_eval_batch_size", "3", "--n_best_size", "64"]

    assert run_mrc(tiny_bert, tmp_path / "plain", {"validation": dev}, *common) == 0
    # Accumulated on the way, and evaluated longest window first (then put back in order).
    assert run_mrc(tiny_bert, tmp_path / "accumulated", {"validation": dev}, *common,
                   "--eval_accumulation_steps", "1", "--train_sampling_strategy", "group_by_length") == 0

    plain = read_jsonl(tmp_path / "plain" / "eval_predictions.jsonl")
    accumulated = read_jsonl(tmp_path / "accumulated" / "eval_predictions.jsonl")
    assert len(plain) == 20 and plain == accumulated
    scores = [json.loads((tmp_path / name / "eval_results.json").read_text()) for name in ("plain", "accumulated")]
    assert scores[0]["eval_exact_match"] == scores[1]["eval_exact_match"]
    assert scores[0]["eval_rouge_w"] == scores[1]["eval_rouge_w"]


def test_a_tokenizer_set_to_cut_on_the_left_gives_the_same_answers(tiny_bert, tmp_path, capsys):
    """Windows cut from the left come last to first; their starts are counted from the context's start."""
    from tests.tiny_tokenizers import copy_with_tokenizer_settings

    dev_document = mrc_document(2, seed=5)
    dev_document["data"] += long_article(seed=6)["data"]
    dev = write_json(tmp_path / "dev.json", dev_document)
    left = copy_with_tokenizer_settings(tiny_bert, tmp_path / "left-model", truncation_side="left")
    assert run_mrc(tiny_bert, tmp_path / "right", {"validation": dev}, "--do_eval") == 0
    assert run_mrc(left, tmp_path / "left", {"validation": dev}, "--do_eval") == 0
    assert "Cutting long texts at their end (the tokenizer was set to cut on the left)" in capsys.readouterr().out
    right_answers = read_jsonl(tmp_path / "right" / "eval_predictions.jsonl")
    assert read_jsonl(tmp_path / "left" / "eval_predictions.jsonl") == right_answers
    assert any(line["prediction"] for line in right_answers)  # not all "no answer": the windows' answers matter


def test_hub_schema_file_with_shifted_starts_and_no_question_types(tiny_roberta, tmp_path, capsys):
    """A flat user file (the Hub's layout, contexts stripped so offsets are off by one, no
    question_type): offsets are repaired with a log line and the breakdown skips unknown types."""
    rows = []
    for article in mrc_document(3, seed=4)["data"]:
        paragraph = article["paragraphs"][0]
        for qa in paragraph["qas"]:
            answers = qa["answers"] or qa["plausible_answers"]  # the Hub merged them
            rows.append({"guid": qa["guid"], "title": article["title"], "context": paragraph["context"],
                         "question": qa["question"], "is_impossible": qa["is_impossible"],
                         "answers": {"text": [a["text"] for a in answers],
                                     "answer_start": [a["answer_start"] + 1 for a in answers]}})
    dev = write_json(tmp_path / "dev.json", rows)

    assert run_mrc(tiny_roberta, tmp_path / "out", {"validation": dev}, "--do_eval") == 0

    logged = capsys.readouterr().out
    assert "validation: moved 9 answer_start offsets to the nearest occurrence" in logged
    breakdown = json.loads((tmp_path / "out" / "eval_breakdown.json").read_text())
    assert breakdown["unknown_question_type_count"] == 12
    assert all(entry["count"] == 0 for entry in breakdown["per_question_type"].values())
    assert "eval_exact_match" in json.loads((tmp_path / "out" / "eval_results.json").read_text())


def test_unlabelled_test_file_is_predicted_not_scored(tiny_bert, tmp_path):
    document = mrc_document(2, seed=7)
    for article in document["data"]:
        for qa in article["paragraphs"][0]["qas"]:
            for name in ("answers", "plausible_answers", "is_impossible"):
                qa.pop(name, None)
    test = write_json(tmp_path / "test.json", document)

    assert run_mrc(tiny_bert, tmp_path / "out", {"test": test}, "--do_predict") == 0

    assert [p["guid"] for p in read_jsonl(tmp_path / "out" / "predictions.jsonl")] == guids(document)
    results = json.loads((tmp_path / "out" / "predict_results.json").read_text())
    # no scores, nor a loss against the "no answer" labels the windows were given
    assert not {"predict_exact_match", "predict_rouge_w", "predict_loss"} & set(results)
    assert (tmp_path / "out" / "nbest_predictions.jsonl").is_file()


@pytest.mark.parametrize("model_fixture", ["tiny_bert", "tiny_roberta"])
def test_a_separators_text_in_a_question_is_text(model_fixture, request, tmp_path):
    """"[SEP]" or "</s>" typed in a question (web text) is read as characters: it used to become the
    separator token, and the pair-template check then stopped the whole run blaming the tokenizer."""
    model = request.getfixturevalue(model_fixture)
    document = mrc_document(2, seed=7)
    qas = document["data"][0]["paragraphs"][0]["qas"]
    qas[0]["question"] = "[SEP] </s> " + qas[0]["question"]
    dev = write_json(tmp_path / "dev.json", document)

    assert run_mrc(model, tmp_path / "out", {"validation": dev}, "--do_eval") == 0
    assert [p["guid"] for p in read_jsonl(tmp_path / "out" / "eval_predictions.jsonl")] == guids(document)


def test_a_classification_checkpoint_of_three_labels_loads_with_a_two_logit_span_head(tiny_bert, tmp_path):
    # its config says num_labels 3: a span head of three logits per token cannot be read as start and end
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    checkpoint = tmp_path / "three-labels"
    AutoModelForSequenceClassification.from_pretrained(tiny_bert, num_labels=3).save_pretrained(checkpoint)
    AutoTokenizer.from_pretrained(tiny_bert).save_pretrained(checkpoint)
    dev = write_json(tmp_path / "dev.json", mrc_document(2, seed=7))
    assert run_mrc(checkpoint, tmp_path / "out", {"validation": dev}, "--do_eval") == 0
    assert "eval_exact_match" in json.loads((tmp_path / "out" / "eval_results.json").read_text())


@pytest.mark.parametrize("split, flag", [("train", "--do_train"), ("validation", "--do_eval")])
def test_a_train_or_dev_file_with_an_answerable_question_without_answers_is_refused(split, flag, tiny_bert, tmp_path,
                                                                                    capsys):
    document = mrc_document(2, seed=7)
    question = next(qa for article in document["data"] for qa in article["paragraphs"][0]["qas"]
                    if not qa["is_impossible"])
    question["answers"] = []
    path = write_json(tmp_path / f"{split}.json", document)
    assert run_mrc(tiny_bert, tmp_path / "out", {split: path}, flag) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"guid {question['guid']}" in err[0] and "field 'answers'" in err[0], err
    assert str(path) in err[0] and "1 of " in err[0] and "have no label" in err[0]


def test_a_test_file_with_an_answerable_question_without_answers_is_predicted_not_scored(tiny_bert, tmp_path,
                                                                                        capsys):
    """An unlabelled test file may still flag its unanswerable questions, which then read as labelled."""
    document = mrc_document(2, seed=7)
    question = next(qa for article in document["data"] for qa in article["paragraphs"][0]["qas"]
                    if not qa["is_impossible"])
    question["answers"] = []
    path = write_json(tmp_path / "test.json", document)
    assert run_mrc(tiny_bert, tmp_path / "out", {"test": path}, "--do_predict") == 0
    warning = r"test: 1 of \d+ examples have no label: the split is predicted, not scored"
    assert re.search(warning, capsys.readouterr().out)
    results = json.loads((tmp_path / "out" / "predict_results.json").read_text())
    assert "predict_exact_match" not in results and results["predict_samples"] > 1


@pytest.mark.parametrize("field", ["qas", "context"])
def test_paragraph_without_qas_or_context_fails_with_file_and_field(field, tiny_bert, tmp_path, capsys):
    document = mrc_document(2, seed=1)
    del document["data"][1]["paragraphs"][0][field]
    bad = write_json(tmp_path / "dev.json", document)
    out = tmp_path / "out"

    assert run_mrc(tiny_bert, out, {"validation": bad}, "--do_eval") == 2

    message = capsys.readouterr().err
    assert str(bad) in message and "data[1].paragraphs[0]" in message and f"'{field}'" in message
    if field == "context":  # the paragraph's questions still name it
        assert "smoke-mrc-00004" in message
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize(
    ("flags", "expected"),
    [(["--n_best_size", "0"], "--n_best_size must be >= 1, got 0"),
     (["--n_best_size", "100000"], "--n_best_size 100000: more candidates than a window has tokens; at most "
                                   "max_seq_length (64)"),
     (["--null_score_diff_threshold", "nan"], "--null_score_diff_threshold must be a number, got nan"),
     (["--doc_stride", "62"], "--doc_stride 62 leaves no room for a question"),
     (["--doc_stride_mode", "step", "--doc_stride", "61"], "--doc_stride 61 (--doc_stride_mode step: the step between "
                                                            "windows) leaves no room for a question"),
     (["--doc_stride_mode", "step", "--doc_stride", "0"], "--doc_stride must be >= 1 with --doc_stride_mode step")],
)
def test_flags_that_cannot_work_end_in_one_line_and_exit_status_2(flags, expected, tiny_bert, tmp_path, capsys):
    dev = write_json(tmp_path / "dev.json", mrc_document(2, seed=1))
    assert run_mrc(tiny_bert, tmp_path / "out", {"validation": dev}, "--do_eval", *flags) == 2
    error = capsys.readouterr().err
    assert expected in error and "Traceback" not in error


def predict_outputs(out: Path) -> tuple[list[dict], list[dict], dict]:
    """Answers, n-best records and scores of a ``--do_predict`` run on a labelled file."""
    results = json.loads((out / "predict_results.json").read_text())
    scores = {key: value for key, value in results.items() if "exact_match" in key or "rouge_w" in key}
    assert scores
    return read_jsonl(out / "predictions.jsonl"), read_jsonl(out / "nbest_predictions.jsonl"), scores


def assert_same_outputs(outputs: dict[str, tuple[list[dict], list[dict], dict]]) -> None:
    """Every run's answers and scores equal, and their n-best spans (scores up to float noise)."""
    (first_name, (answers, nbest, scores)), *others = outputs.items()
    for name, (other_answers, other_nbest, other_scores) in others:
        assert other_answers == answers, (name, first_name)
        assert other_scores == scores, (name, first_name)
        for record, other in zip(nbest, other_nbest, strict=True):
            assert [(e["text"], e["start"], e["end"]) for e in other["nbest"]] == \
                [(e["text"], e["start"], e["end"]) for e in record["nbest"]], (name, record["guid"])
            assert [e["score"] for e in other["nbest"]] == \
                pytest.approx([e["score"] for e in record["nbest"]], abs=1e-4)
            assert other["null_score"] == pytest.approx(record["null_score"], abs=1e-4)


def reseeded(model: Path, target: Path, seed: int = 0) -> Path:
    """A copy of a tiny model (same config and tokenizer) with weights drawn from a fixed seed."""
    from transformers import AutoConfig, AutoModel

    shutil.copytree(model, target)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        AutoModel.from_config(AutoConfig.from_pretrained(target)).save_pretrained(target)
    return target


@pytest.mark.parametrize("model_fixture", ["tiny_bert", "tiny_roberta"])
def test_answers_do_not_depend_on_the_eval_batch(model_fixture, request, tmp_path):
    """Which windows share an eval batch (its size, length grouping, a padding multiple) changes the
    padding of every batch, never the answers or the n-best: non-context positions are masked before the top k.

    Untrained heads, fixed weights: with the session's random ones, whether padding logits ever
    reach a window's top k is luck; with these, the unmasked top k gives other n-best lists."""
    model = reseeded(request.getfixturevalue(model_fixture), tmp_path / "model")
    document = mixed_length_document(seed=11)  # contexts of one to four windows
    test = write_json(tmp_path / "test.json", document)
    runs = {
        "batch1": ["--per_device_eval_batch_size", "1"],
        "batch3": ["--per_device_eval_batch_size", "3"],
        "batch8": ["--per_device_eval_batch_size", "8"],
        "batch8_grouped": ["--per_device_eval_batch_size", "8", "--train_sampling_strategy", "group_by_length"],
        "batch8_padded_to_32": ["--per_device_eval_batch_size", "8", "--pad_to_multiple_of", "32"],  # --cuda_graphs'
    }
    outputs = {}
    for name, flags in runs.items():
        assert run_mrc(model, tmp_path / name, {"test": test}, "--do_predict", *flags) == 0
        outputs[name] = predict_outputs(tmp_path / name)

    answers = outputs["batch1"][0]
    assert [a["guid"] for a in answers] == guids(document) and any(a["prediction"] for a in answers)
    assert_same_outputs(outputs)


def test_eval_loss_does_not_depend_on_the_eval_batch(tiny_bert, tmp_path):
    """The span head's softmax leaves padding out (models/span_head.py): a window's loss, and so eval_loss
    and the training gradient, no longer depend on how far its batch is padded (the stock head's did)."""
    model = reseeded(tiny_bert, tmp_path / "model")
    dev = write_json(tmp_path / "dev.json", mixed_length_document(seed=11))
    losses = {}
    for name, flags in {"batch1": ["--per_device_eval_batch_size", "1"],
                        "batch8": ["--per_device_eval_batch_size", "8"],
                        "batch8_padded_to_32": ["--per_device_eval_batch_size", "8", "--pad_to_multiple_of", "32"],
                        }.items():  # fmt: skip
        assert run_mrc(model, tmp_path / name, {"validation": dev}, "--do_eval", *flags) == 0
        losses[name] = json.loads((tmp_path / name / "eval_results.json").read_text())["eval_loss"]
    assert losses["batch8"] == pytest.approx(losses["batch1"], rel=1e-5)
    assert losses["batch8_padded_to_32"] == pytest.approx(losses["batch1"], rel=1e-5)


@pytest.mark.parametrize("grouped", [False, True])
def test_per_batch_eval_outputs_give_the_same_answers_and_scores(grouped, tiny_bert, tmp_path):
    """``--eval_do_concat_batches`` false (the default here: per-batch outputs, joined once before decoding) and
    true (the Trainer's: joined batch by batch), with and without length-grouped evaluation, decode alike."""
    dev = write_json(tmp_path / "dev.json", mixed_length_document(seed=12))
    common = ["--do_eval", "--per_device_eval_batch_size", "3"]
    if grouped:
        common += ["--train_sampling_strategy", "group_by_length"]
    outputs = {}
    for name, flags in {"default": [], "per_batch": ["--eval_do_concat_batches", "true"]}.items():
        assert run_mrc(tiny_bert, tmp_path / name, {"validation": dev}, *common, *flags) == 0
        results = json.loads((tmp_path / name / "eval_results.json").read_text())
        outputs[name] = (read_jsonl(tmp_path / name / "eval_predictions.jsonl"),
                         {key: value for key, value in results.items() if "exact_match" in key or "rouge_w" in key},
                         json.loads((tmp_path / name / "eval_breakdown.json").read_text()))
    assert len(outputs["default"][0]) == 16 and len(outputs["default"][1]) == 8  # overall + 3 types, EM and ROUGE-W
    assert outputs["per_batch"] == outputs["default"]


@pytest.mark.parametrize(("threshold", "answers"), [(-1e9, "none"), (1e9, "all")])
def test_unanswerable_questions_match_only_an_empty_answer(threshold, answers, tiny_bert, tmp_path):
    """The no-answer threshold decides: far below any score difference, every question is answered
    "" (an exact match exactly for the unanswerable ones); far above, none is."""
    document = mrc_document(3, seed=13)
    dev = write_json(tmp_path / "dev.json", document)
    out = tmp_path / "out"

    assert run_mrc(tiny_bert, out, {"validation": dev}, "--do_eval", "--null_score_diff_threshold", str(threshold)) == 0

    predictions = [record["prediction"] for record in read_jsonl(out / "eval_predictions.jsonl")]
    assert all(text == "" for text in predictions) if answers == "none" else all(predictions)
    records = read_file(dev)
    golds = [gold_answers(record) for record in records]
    types = [record["question_type"] for record in records]
    results = json.loads((out / "eval_results.json").read_text())
    breakdown = json.loads((out / "eval_breakdown.json").read_text())["per_question_type"]
    assert results["eval_exact_match"] == pytest.approx(metrics.mrc_exact_match(predictions, golds))
    for kind, name in ((1, "paraphrase"), (2, "multi_sentence"), (3, "unanswerable")):
        rows = [row for row, question_type in enumerate(types) if question_type == kind]
        expected = metrics.mrc_exact_match([predictions[row] for row in rows], [golds[row] for row in rows])
        assert results[f"eval_exact_match_{name}"] == pytest.approx(expected)
        assert breakdown[name]["exact_match"] == pytest.approx(expected) and breakdown[name]["count"] == len(rows)
    assert results["eval_exact_match_unanswerable"] == (100.0 if answers == "none" else 0.0)
    if answers == "none":  # 3 of the 12 questions are unanswerable; no answerable one matches ""
        assert results["eval_exact_match"] == 25.0 and results["eval_exact_match_paraphrase"] == 0.0
        assert results["eval_rouge_w_unanswerable"] == 100.0


@pytest.mark.parametrize("max_context_only", ["true", "false"])
def test_step_windows_and_max_context_decoding_run_end_to_end(max_context_only, tiny_roberta, tmp_path, capsys):
    document = mixed_length_document(seed=14)
    dev = write_json(tmp_path / "dev.json", document)
    out = tmp_path / "out"

    assert run_mrc(tiny_roberta, out, {"validation": dev, "test": dev}, "--do_eval", "--do_predict",
                   "--doc_stride_mode", "step", "--doc_stride", "20", "--max_context_only", max_context_only) == 0

    assert re.search(r"validation: 16 questions in (\d+) windows", capsys.readouterr().out)
    predictions = read_jsonl(out / "predictions.jsonl")
    assert [p["guid"] for p in predictions] == guids(document)
    nbest = read_jsonl(out / "nbest_predictions.jsonl")
    assert all(record["prediction"] in ("", record["nbest"][0]["text"]) for record in nbest)
    assert "eval_exact_match" in json.loads((out / "eval_results.json").read_text())


def test_a_doc_stride_without_room_for_a_question_fails_before_the_data_is_read(tiny_bert, tmp_path, capsys):
    missing = tmp_path / "not-there.json"  # were the data read first, this would be the error
    status = run_mrc(tiny_bert, tmp_path / "out", {"validation": missing}, "--do_eval", "--max_seq_length", "64",
                     "--doc_stride", "100")
    message = capsys.readouterr().err.strip()
    assert status == 2 and len(message.splitlines()) == 1
    assert "--doc_stride 100" in message and "not-there.json" not in message


def test_questions_cut_to_fit_the_windows_are_counted_in_the_log(tiny_bert, tmp_path, capsys):
    document = mrc_document(3, seed=4)
    document["data"][0]["paragraphs"][0]["qas"][0]["question"] = "누가"  # one or two tokens: never cut
    dev = write_json(tmp_path / "dev.json", document)
    assert run_mrc(tiny_bert, tmp_path / "cut", {"validation": dev}, "--do_eval", "--max_query_length", "3") == 0
    questions = len(read_file(dev))
    assert (f"validation: {questions - 1} of {questions} questions are longer than the question room "
            "(--max_query_length, or what --max_seq_length and --doc_stride leave)") in capsys.readouterr().out
    assert run_mrc(tiny_bert, tmp_path / "whole", {"validation": dev}, "--do_eval") == 0
    assert "questions are longer than the question room" not in capsys.readouterr().out


def mrc_windows_of(tmp_path: Path, document: dict) -> tuple:
    """The task with its default flags, the examples, their windows (``--max_seq_length 64 --doc_stride 16``) as
    evaluation makes them, and the windows' token ids as padded batch inputs."""
    import datasets

    from args import MrcArguments
    from tests.synthetic_mrc import texts
    from tests.tiny_tokenizers import wordpiece_tokenizer

    task = MrcTask()
    task.use_options(MrcArguments(doc_stride=16))
    path = write_json(tmp_path / "dev.json", document)
    examples = task.prepare_split(datasets.Dataset.from_list(read_file(path)), "validation")
    tokenizer = wordpiece_tokenizer(list(texts(document)), vocab_size=300)
    features = examples.map(task.preprocess, batched=True, remove_columns=examples.column_names,
                            fn_kwargs={"tokenizer": tokenizer, "max_length": 64, "padding": False})
    width = max(len(ids) for ids in features["input_ids"])
    input_ids = torch.full((len(features), width), tokenizer.pad_token_id)
    for row, ids in enumerate(features["input_ids"]):
        input_ids[row, : len(ids)] = torch.tensor(ids)
    inputs = {"input_ids": input_ids, "attention_mask": (input_ids != tokenizer.pad_token_id).long()}
    return task, tokenizer, examples, features, inputs


def test_the_task_decodes_logits_peaked_at_the_gold_labels_into_the_gold_answers(tmp_path):
    """The start logits are the model's first output, the end logits its second."""
    document = mrc_document(3, seed=3)
    task, tokenizer, examples, features, inputs = mrc_windows_of(tmp_path, document)
    start, end = torch.full(inputs["input_ids"].shape, -10.0), torch.full(inputs["input_ids"].shape, -10.0)
    rows = torch.arange(len(features))
    start[rows, torch.tensor(features["start_positions"])] = 10.0
    end[rows, torch.tensor(features["end_positions"])] = 10.0
    reduced = task.reduce_logits((start, end), inputs, tokenizer)
    decoded = task.decode(examples, features, tuple(value.numpy() for value in reduced))
    assert [prediction.text for prediction in decoded] == [(gold_answers(example) or [""])[0] for example in examples]


def test_max_context_only_counts_a_start_only_in_the_window_where_it_has_the_most_context(tmp_path):
    """Window 1's first context token is also in window 0, with 15 tokens on each side there and none on its left
    in window 1: a span starting on it counts in window 0 only (unless --max_context_only false)."""
    from args import MrcArguments

    task, tokenizer, examples, features, inputs = mrc_windows_of(tmp_path, long_article(seed=4))
    first = [index for index, example in enumerate(features["example_index"]) if example == 0]
    assert len(first) >= 2
    offsets = [list(zip(row[::2], row[1::2])) for row in features["offset_mapping"]]
    context_positions = [[pos for pos, (s, _) in enumerate(offsets[row]) if s >= 0] for row in first[:2]]
    start, end = torch.full(inputs["input_ids"].shape, -10.0), torch.full(inputs["input_ids"].shape, -10.0)
    own = context_positions[0][0]  # window 0's first context token: in no other window
    start[first[0], own], end[first[0], own + 1] = 10.0, 10.0
    shared = context_positions[1][0]  # window 1's first context token: its left side is all cut
    start[first[1], shared], end[first[1], shared + 1] = 50.0, 50.0
    context = examples[0]["context"]
    window_0_span = context[offsets[first[0]][own][0] : offsets[first[0]][own + 1][1]]
    window_1_span = context[offsets[first[1]][shared][0] : offsets[first[1]][shared + 1][1]]
    assert window_0_span != window_1_span
    for max_context_only, expected in ((True, window_0_span), (False, window_1_span)):
        task.use_options(MrcArguments(doc_stride=16, max_context_only=max_context_only))
        reduced = task.reduce_logits((start, end), inputs, tokenizer)
        decoded = task.decode(examples, features, tuple(value.numpy() for value in reduced))
        assert decoded[0].text == expected, max_context_only
