"""KLUE-NER end to end through the script entry point, on a tiny offline model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from tests.synthetic import ner_records, write_json, write_ner_tsv
from trainers.run_ner import NerTask
from trainers.runner import main

FAST = ["--per_device_train_batch_size", "8", "--per_device_eval_batch_size", "8", "--num_train_epochs", "2",
        "--learning_rate", "5e-3", "--save_strategy", "no", "--report_to", "none", "--seed", "7",
        "--use_cpu", "--disable_tqdm", "true"]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run_ner(model: Path, output: Path, *extra: str) -> int:
    return main(NerTask(), ["--model_name_or_path", str(model), "--output_dir", str(output), *FAST, *extra])


@pytest.mark.parametrize("model_fixture", ["tiny_bert", "tiny_roberta"])
def test_ner_trains_and_scores_characters_from_the_original_tsv(model_fixture, request, tmp_path):
    model = request.getfixturevalue(model_fixture)
    data = tmp_path / "data"
    write_ner_tsv(data / "klue-ner-v1.1_train.tsv", ner_records(48, seed=1))
    dev = ner_records(12, seed=2)
    write_ner_tsv(data / "klue-ner-v1.1_dev.tsv", dev)
    out = tmp_path / "out"
    assert run_ner(model, out, "--data_dir", str(data), "--do_train", "--do_eval", "--do_predict",
                   "--eval_accumulation_steps", "1") == 0

    results = json.loads((out / "eval_results.json").read_text())
    assert 0 <= results["eval_entity_f1"] <= 100 and 0 <= results["eval_char_f1"] <= 100
    assert {f"eval_entity_f1_{t}" for t in ("PS", "LC", "OG", "DT", "TI", "QT")} <= set(results)
    breakdown = json.loads((out / "eval_breakdown.json").read_text())
    assert breakdown["per_type_support"]["PS"] == sum(r["ner_tags"].count("B-PS") for r in dev)

    predictions = read_jsonl(out / "predictions.jsonl")
    assert [p["guid"] for p in predictions] == [r["guid"] for r in dev]
    for prediction, record in zip(predictions, dev):
        assert len(prediction["prediction"]) == len(record["tokens"])  # one tag per character, spaces too
        text = "".join(record["tokens"])
        for entity in prediction["entities"]:
            assert text[entity["start"]:entity["end"]] == entity["text"]
        assert prediction["tagged_sentence"].replace("<", "").count(":") == len(prediction["entities"])
    config = json.loads((out / "config.json").read_text())
    assert config["id2label"]["0"] == "B-PS" and config["id2label"]["12"] == "O"


def test_ner_eval_scores_equal_the_metrics_on_the_written_predictions(tiny_bert, tmp_path):
    """What eval_results.json says is what the official metrics give on eval_predictions.jsonl."""
    import metrics

    train = write_json(tmp_path / "train.json", ner_records(40, seed=3))
    dev_records = ner_records(16, seed=4)
    dev = write_json(tmp_path / "dev.json", dev_records)
    out = tmp_path / "out"
    assert run_ner(tiny_bert, out, "--train_file", str(train), "--validation_file", str(dev), "--do_train",
                   "--do_eval", "--train_sampling_strategy", "group_by_length", "--ner_scoring", "characters") == 0
    results = json.loads((out / "eval_results.json").read_text())
    written = read_jsonl(out / "eval_predictions.jsonl")
    predicted = [[t for t, c in zip(p["prediction"], r["tokens"]) if c != " "] for p, r in zip(written, dev_records)]
    gold = [[t for t, c in zip(r["ner_tags"], r["tokens"]) if c != " "] for r in dev_records]
    assert results["eval_entity_f1"] == pytest.approx(metrics.ner_entity_f1(predicted, gold))
    assert results["eval_char_f1"] == pytest.approx(metrics.ner_char_f1(predicted, gold))


def official_flattening(model_dir: Path, records: list[dict], written: list[dict]) -> tuple[list[str], list[str]]:
    """KLUE-baseline's NER evaluation layout, rebuilt independently of the project's decoding: per
    sentence the model's tag at [CLS], the written tags of its non-space characters, the model's tag
    at its last position ([SEP]); gold O at both ends; all sentences as one sequence."""
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForTokenClassification.from_pretrained(model_dir).eval()
    names = model.config.id2label
    predicted, gold = [], []
    for record, line in zip(records, written, strict=True):
        encoded = tokenizer("".join(record["tokens"]), return_tensors="pt")
        with torch.no_grad():
            tags = model(**encoded).logits[0].argmax(-1).tolist()
        chars = [t for t, c in zip(line["prediction"], record["tokens"]) if c != " "]
        predicted += [names[tags[0]], *chars, names[tags[-1]]]
        gold += ["O", *[t for t, c in zip(record["ner_tags"], record["tokens"]) if c != " "], "O"]
    return predicted, gold


def test_official_scoring_equals_the_official_functions_on_the_official_flattening(tiny_bert, tmp_path):
    """By default eval_char_f1 / eval_entity_f1 are what KLUE-baseline reports: sklearn's macro F1 over
    the 13 tags and seqeval's strict entity F1, on its flattening (sentences with [CLS] and last position)."""
    from seqeval.metrics import f1_score as seqeval_f1
    from seqeval.scheme import IOB2
    from sklearn.metrics import f1_score

    from klue_data.labels import NER_TAGS

    train = write_json(tmp_path / "train.json", ner_records(40, seed=3))
    dev_records = ner_records(16, seed=4)
    dev = write_json(tmp_path / "dev.json", dev_records)
    out = tmp_path / "out"
    assert run_ner(tiny_bert, out, "--train_file", str(train), "--validation_file", str(dev), "--do_train",
                   "--do_eval", "--per_device_eval_batch_size", "5") == 0
    results = json.loads((out / "eval_results.json").read_text())
    predicted, gold = official_flattening(out, dev_records, read_jsonl(out / "eval_predictions.jsonl"))
    ids = {tag: index for index, tag in enumerate(NER_TAGS)}
    official_char = f1_score([ids[t] for t in gold], [ids[t] for t in predicted], labels=list(range(13)),
                             average="macro", zero_division=1) * 100
    official_entity = seqeval_f1([gold], [predicted], average="macro", mode="strict", scheme=IOB2) * 100
    assert results["eval_char_f1"] == pytest.approx(official_char, abs=1e-9)
    assert results["eval_entity_f1"] == pytest.approx(official_entity, abs=1e-9)


def varied_ner_records(count: int, seed: int) -> list[dict]:
    """Sentences of very different lengths (1 to 4 synthetic sentences joined), in no length order."""
    records = ner_records(count * 3, seed=seed)
    joined = []
    for index in range(count):
        parts = records[3 * index : 3 * index + 1 + (index * 5) % 3]
        tokens, tags = [], []
        for part in parts:
            tokens += ([" "] if tokens else []) + part["tokens"]
            tags += (["O"] if tags else []) + part["ner_tags"]
        joined.append({**parts[0], "guid": f"smoke-ner-{900 + index:05d}", "tokens": tokens, "ner_tags": tags})
    return joined


def eval_outputs(model: Path, out: Path, dev: Path, *extra: str) -> tuple[dict, list[dict]]:
    assert run_ner(model, out, "--validation_file", str(dev), "--do_eval", *extra) == 0
    return json.loads((out / "eval_results.json").read_text()), read_jsonl(out / "eval_predictions.jsonl")


@pytest.fixture(scope="module")
def trained_ner(tiny_bert, tmp_path_factory) -> Path:
    """The tiny BERT after a few NER epochs, so its predictions vary from token to token."""
    root = tmp_path_factory.mktemp("trained-ner")
    train = write_json(root / "train.json", ner_records(48, seed=11))
    assert run_ner(tiny_bert, root / "model", "--train_file", str(train), "--do_train", "--num_train_epochs", "4") == 0
    return root / "model"


@pytest.mark.parametrize(
    "variant",
    [
        ["--per_device_eval_batch_size", "1"],
        ["--per_device_eval_batch_size", "3", "--train_sampling_strategy", "group_by_length"],
        ["--eval_do_concat_batches", "true"],
        ["--eval_do_concat_batches", "true", "--train_sampling_strategy", "group_by_length"],
        ["--padding_side_copy", "left"],
    ],
    ids=["batch1", "grouped", "joined-per-batch", "joined-per-batch-grouped", "left-padding-tokenizer"],
)
def test_predictions_do_not_depend_on_batching_order_or_padding_side(trained_ner, tmp_path, variant):
    """Eval batch size, length-grouped order, per-batch outputs and a tokenizer that pads on the left all
    give the predictions and scores of plain sequential evaluation in batches of 8."""
    from tests.tiny_tokenizers import copy_with_padding_side

    dev = write_json(tmp_path / "dev.json", varied_ner_records(13, seed=12))
    reference_results, reference = eval_outputs(trained_ner, tmp_path / "reference", dev,
                                                "--per_device_eval_batch_size", "8")
    assert len({tuple(line["prediction"]) for line in reference}) > 3  # the model does not predict one thing
    model = trained_ner
    if variant[0] == "--padding_side_copy":
        model = copy_with_padding_side(trained_ner, tmp_path / "left-model", variant[1])
        variant = ["--per_device_eval_batch_size", "8"]
    results, predictions = eval_outputs(model, tmp_path / "variant", dev, *variant)
    assert [line["prediction"] for line in predictions] == [line["prediction"] for line in reference]
    for key in ("eval_entity_f1", "eval_char_f1"):
        assert results[key] == pytest.approx(reference_results[key])


def test_padding_to_max_length_leaves_the_pads_out_of_the_loss(trained_ner, tmp_path):
    """--pad_to_max_length gives the loss and predictions of dynamic padding: pads carry no label (they had
    the special tokens' offsets and were trained and scored as O, most of the loss at 510 tokens)."""
    dev = write_json(tmp_path / "dev.json", varied_ner_records(13, seed=12))
    results, predictions = eval_outputs(trained_ner, tmp_path / "dynamic", dev, "--max_seq_length", "96")
    padded_results, padded = eval_outputs(trained_ner, tmp_path / "padded", dev, "--max_seq_length", "96",
                                          "--pad_to_max_length")
    assert padded_results["eval_loss"] == pytest.approx(results["eval_loss"], rel=1e-4)
    assert [line["prediction"] for line in padded] == [line["prediction"] for line in predictions]


def test_truncated_sentences_are_logged_and_their_tail_predicted_o(tiny_bert, tmp_path, capsys):
    dev = write_json(tmp_path / "dev.json", ner_records(6, seed=5))
    out = tmp_path / "out"
    assert run_ner(tiny_bert, out, "--validation_file", str(dev), "--do_eval", "--max_seq_length", "4") == 0
    log = capsys.readouterr().out
    assert log.count("6 of 6 sentences are longer than max_seq_length") == 1
    assert "left out of the scores on both sides (--ner_scoring official" in log
    for record in read_jsonl(out / "eval_predictions.jsonl"):
        assert set(record["prediction"][-3:]) == {"O"}  # the last word is past the cut


def test_plain_sentences_are_predicted_not_scored(tiny_bert, tmp_path):
    test = tmp_path / "test.csv"
    test.write_text("guid,sentence\nsmoke-ner-00401,김철수는 서울에서 회의에 참석했다.\nsmoke-ner-00402,부산 날씨가 맑다.\n",
                    encoding="utf-8")
    out = tmp_path / "out"
    assert run_ner(tiny_bert, out, "--test_file", str(test), "--do_predict") == 0
    predictions = read_jsonl(out / "predictions.jsonl")
    assert [p["guid"] for p in predictions] == ["smoke-ner-00401", "smoke-ner-00402"]
    assert len(predictions[1]["prediction"]) == len("부산 날씨가 맑다.")
    predict_results = json.loads((out / "predict_results.json").read_text())
    assert not any(key.startswith("predict_entity_f1") for key in predict_results)


def test_a_line_without_a_tab_names_the_file_line_and_guid(tiny_bert, tmp_path, capsys):
    path = write_ner_tsv(tmp_path / "dev.tsv", ner_records(2))
    lines = path.read_text(encoding="utf-8").split("\n")
    broken = next(i for i, line in enumerate(lines) if line.startswith("## smoke-ner-00001")) + 2
    lines[broken] = lines[broken].replace("\t", " ")
    path.write_text("\n".join(lines), encoding="utf-8")
    out = tmp_path / "out"
    assert run_ner(tiny_bert, out, "--validation_file", str(path), "--do_eval") == 2
    error = capsys.readouterr().err
    assert f"{path}, line {broken + 1}" in error and "smoke-ner-00001" in error and "no tab" in error
    assert not out.exists() or not any(out.iterdir())


def test_a_tag_outside_the_thirteen_is_an_error(tiny_bert, tmp_path, capsys):
    records = ner_records(2)
    records[1]["ner_tags"][0] = "B-XX"
    path = write_ner_tsv(tmp_path / "dev.tsv", records)
    assert run_ner(tiny_bert, tmp_path / "out", "--validation_file", str(path), "--do_eval") == 2
    error = capsys.readouterr().err
    assert "'B-XX' is not one of the 13 KLUE NER tags" in error and "smoke-ner-00001" in error


def test_real_dev_sentences_flow_through_and_scores_match_the_written_predictions(tiny_roberta, shared_klue, tmp_path):
    import metrics
    from klue_data import ner

    dev = shared_klue / "v1.1" / "klue-ner-v1.1" / "klue-ner-v1.1_dev.tsv"
    out = tmp_path / "out"
    assert run_ner(tiny_roberta, out, "--validation_file", str(dev), "--do_eval", "--max_eval_samples", "300",
                   "--per_device_eval_batch_size", "64", "--ner_scoring", "characters") == 0
    gold = ner.read_file(dev)[:300]
    written = read_jsonl(out / "eval_predictions.jsonl")
    assert [line["guid"] for line in written] == [record["guid"] for record in gold]
    predicted = [[t for t, c in zip(p["prediction"], r["tokens"]) if not c.isspace()] for p, r in zip(written, gold)]
    references = [[t for t, c in zip(r["ner_tags"], r["tokens"]) if not c.isspace()] for r in gold]
    results = json.loads((out / "eval_results.json").read_text())
    assert results["eval_char_f1"] == pytest.approx(metrics.ner_char_f1(predicted, references))
    assert results["eval_entity_f1"] == pytest.approx(metrics.ner_entity_f1(predicted, references))


def perfect_scores(scoring: str) -> tuple[dict, dict]:
    """Scores and breakdown of a model that predicts every subword's label, on two sentences of which
    the first loses its last entity (김하늘, PS) to a 12-token max_seq_length."""
    import datasets
    import numpy as np

    from args import NerArguments
    from tests.synthetic import corpus
    from tests.tiny_tokenizers import wordpiece_tokenizer

    def sentence(pieces):
        tokens, tags = [], []
        for text, kind in pieces:
            for index, char in enumerate(text):
                tokens.append(char)
                tags.append("O" if kind is None or char == " " else ("B-" if index == 0 else "I-") + kind)
        return tokens, tags

    cut = sentence([("서울", "LC"), (" 축구 경기 소식입니다. 서울에서 축구 경기 소식입니다. ", None), ("김하늘", "PS"),
                    (" 만났다", None)])
    whole = sentence([("부산", "LC"), (" 야구 소식입니다.", None)])
    examples = datasets.Dataset.from_dict({"guid": ["smoke-ner-00001", "smoke-ner-00002"],
                                           "tokens": [cut[0], whole[0]], "ner_tags": [cut[1], whole[1]]})
    task = NerTask()
    task.use_options(NerArguments(ner_scoring=scoring))
    tokenizer = wordpiece_tokenizer(list(corpus()), 300)
    features = datasets.Dataset(task.preprocess(examples.with_format("arrow")[:], tokenizer, 12, False))
    labels = features["labels"]
    perfect = np.full((len(labels), max(map(len, labels))), -100)
    for row, sentence_labels in enumerate(labels):
        perfect[row, : len(sentence_labels)] = sentence_labels
    decoded = task.decode(examples, features, perfect)
    assert [sentence["covered"] < len(sentence["scored"]) for sentence in decoded] == [True, False]
    scored = task.score(decoded, task.references(examples), examples)
    return scored.scores, scored.breakdown


def test_official_scoring_leaves_out_what_truncation_cut_on_both_sides_as_klue_baseline():
    """KLUE-baseline scores the gold cut to the predicted length: a model perfect on what it saw scores
    100, and the cut entity is not in the support. ``characters`` scores the cut tail as predicted O."""
    scores, breakdown = perfect_scores("official")
    assert scores["entity_f1"] == scores["char_f1"] == 100.0
    assert breakdown["per_type_support"]["PS"] == 0 and breakdown["per_type_support"]["LC"] == 2
    scores, breakdown = perfect_scores("characters")
    assert scores["entity_f1"] < 100.0 and scores["char_f1"] < 100.0
    assert breakdown["per_type_support"]["PS"] == 1 and scores["entity_f1_PS"] == 0.0


def test_ner_logits_do_not_depend_on_the_eval_batch(trained_ner, tmp_path, monkeypatch):
    """The raw per-token logits, not only the argmax tags (a padding leak moves logits long before it flips a tag)."""
    dev = write_json(tmp_path / "dev.json", varied_ner_records(13, seed=12))
    reduce, seen = NerTask.reduce_logits, []

    def recording(self, logits, inputs, tokenizer):
        raw = logits[0] if isinstance(logits, tuple) else logits
        lengths = (inputs["input_ids"] != tokenizer.pad_token_id).sum(dim=1)
        seen.extend(row[:n].detach().clone() for row, n in zip(raw, lengths))
        return reduce(self, logits, inputs, tokenizer)

    monkeypatch.setattr(NerTask, "reduce_logits", recording)
    rows = {}
    for size in ("1", "8"):
        seen.clear()
        assert run_ner(trained_ner, tmp_path / size, "--validation_file", str(dev), "--do_eval",
                       "--per_device_eval_batch_size", size) == 0
        rows[size] = list(seen)
    assert len(rows["1"]) == len(rows["8"]) == 13
    for alone, batched in zip(rows["1"], rows["8"], strict=True):
        torch.testing.assert_close(batched, alone, rtol=0, atol=1e-5)


def test_ner_padding_multiple_is_applied_and_changes_no_logit(trained_ner, tmp_path, monkeypatch):
    """--pad_to_multiple_of (what --cuda_graphs, NER's default on one GPU, pads to) reaches NER batches."""
    dev = write_json(tmp_path / "dev.json", varied_ner_records(13, seed=12))
    reduce, seen, widths = NerTask.reduce_logits, [], []

    def recording(self, logits, inputs, tokenizer):
        raw = logits[0] if isinstance(logits, tuple) else logits
        widths.append(inputs["input_ids"].shape[1])
        lengths = (inputs["input_ids"] != tokenizer.pad_token_id).sum(dim=1)
        seen.extend(row[:n].detach().clone() for row, n in zip(raw, lengths))
        return reduce(self, logits, inputs, tokenizer)

    monkeypatch.setattr(NerTask, "reduce_logits", recording)
    rows, shapes = {}, {}
    for name, extra in (("dynamic", []), ("multiple", ["--pad_to_multiple_of", "32"])):
        seen.clear()
        widths.clear()
        assert run_ner(trained_ner, tmp_path / name, "--validation_file", str(dev), "--do_eval", *extra) == 0
        rows[name], shapes[name] = list(seen), list(widths)
    assert {w % 32 for w in shapes["multiple"]} == {0} and any(w % 32 for w in shapes["dynamic"])
    for plain, padded in zip(rows["dynamic"], rows["multiple"], strict=True):
        torch.testing.assert_close(padded, plain, rtol=0, atol=1e-5)


def test_official_scoring_puts_the_cls_tag_first_the_last_position_last_and_gold_o_around_each_sentence():
    """One sentence ending in an entity (서울, LC), every character right, [CLS] predicted O and the last
    position I-LC: on KLUE-baseline's layout that I-LC follows the entity and stretches it past the gold one (gold
    is O there), so the one entity is missed. Read the other way round, or with the predicted ends taken as gold,
    the entity would match."""
    from args import NerArguments

    task = NerTask()
    task.use_options(NerArguments(ner_scoring="official"))
    characters = ["O", "O", "B-LC", "I-LC"]  # 소식 서울, the space left out
    decoded = [{"tags": None, "scored": list(characters), "ends": ("O", "I-LC"), "covered": 4}]
    scores = task.score(decoded, [list(characters)], None).scores
    assert scores["entity_f1"] == 0.0
    assert scores["char_f1"] < 100.0  # the gold O at the last position predicted I-LC


def ner_features(sentences: list[str]):
    """Examples (all O) and their features under the synthetic WordPiece tokenizer, as evaluation builds them."""
    import datasets

    from tests.synthetic import corpus
    from tests.tiny_tokenizers import wordpiece_tokenizer

    examples = datasets.Dataset.from_dict({
        "guid": [f"smoke-ner-{i:05d}" for i in range(len(sentences))],
        "tokens": [list(sentence) for sentence in sentences],
        "ner_tags": [["O"] * len(sentence) for sentence in sentences],
    })
    tokenizer = wordpiece_tokenizer(list(corpus()), 300)
    task = NerTask()
    features = datasets.Dataset(task.preprocess(examples.with_format("arrow")[:], tokenizer, 64, False))
    return task, examples, features


def test_decoding_reads_each_rows_first_and_last_position_and_logits_as_their_argmax():
    """``ends`` are the tags at a row's first model position ([CLS]) and its last one ([SEP], at its own length,
    not the padded width); full logits (reduce_logits bypassed) decode as their argmax."""
    import numpy as np

    task, examples, features = ner_features(["서울에서 회의 소식입니다.", "부산 야구"])
    lengths = [len(ids) for ids in features["input_ids"]]
    assert lengths[0] != lengths[1]
    tags = np.full((2, max(lengths)), -100)
    for row, n in enumerate(lengths):
        tags[row, :n] = 12  # O
        tags[row, 0], tags[row, n - 1] = 0, 3  # B-PS at [CLS], I-LC at [SEP]
    decoded = task.decode(examples, features, tags)
    assert [sentence["ends"] for sentence in decoded] == [("B-PS", "I-LC"), ("B-PS", "I-LC")]
    assert decoded[1]["scored"] == ["O"] * len("부산야구") and decoded[1]["covered"] == 4

    logits = np.zeros((2, max(lengths), 13), dtype=np.float32)
    for row, n in enumerate(lengths):
        logits[row, np.arange(n), tags[row, :n]] = 5.0
    from_logits = task.decode(examples, features, logits)
    assert [(s["ends"], s["scored"], s["covered"]) for s in from_logits] == [
        (s["ends"], s["scored"], s["covered"]) for s in decoded]
    assert [list(s["tags"]) for s in from_logits] == [list(s["tags"]) for s in decoded]


def test_a_prediction_record_lists_every_entity_of_the_tags_with_spaces_inside_entities_tagged():
    import numpy as np

    tokens = list("서울 시청 김철수")
    ids = np.array([4, 5, 12, 5, 5, 12, 0, 1, 1])  # B-OG I-OG _ I-OG I-OG _ B-PS I-PS I-PS
    record = NerTask().prediction_record({"guid": "smoke-ner-00001", "tokens": tokens}, {"tags": ids})
    assert record == {
        "guid": "smoke-ner-00001",
        "prediction": ["B-OG", "I-OG", "I-OG", "I-OG", "I-OG", "O", "B-PS", "I-PS", "I-PS"],
        "entities": [{"text": "서울 시청", "type": "OG", "start": 0, "end": 5},
                     {"text": "김철수", "type": "PS", "start": 6, "end": 9}],
        "tagged_sentence": "<서울 시청:OG> <김철수:PS>",
    }
