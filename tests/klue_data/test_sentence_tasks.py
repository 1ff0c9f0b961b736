"""YNAT, NLI and STS readers on the real KLUE files and on the Hub schema."""

from __future__ import annotations

import json

import datasets
import pytest

from klue_data import KlueDataError, nli, sts, ynat
from klue_data.labels import NLI_HUB_LABELS, YNAT_HUB_LABELS
from klue_data.sources import find_original_files, load_local


def test_nli_dev_every_row_parses_with_its_gold_label(shared_klue):
    path = shared_klue / "v1.1" / "klue-nli-v1.1" / "klue-nli-v1.1_dev.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    examples = nli.read_file(path)
    assert len(examples) == len(raw) == 3000
    assert [e["label"] for e in examples] == [r["gold_label"] for r in raw]
    assert [e["guid"] for e in examples] == [r["guid"] for r in raw]
    assert {e["label"] for e in examples} == set(nli.LABELS)


def test_sts_dev_every_row_parses_and_keeps_the_unrounded_score(shared_klue):
    path = shared_klue / "v1.1" / "klue-sts-v1.1" / "klue-sts-v1.1_dev.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    examples = sts.read_file(path)
    assert len(examples) == len(raw) == 519
    for example, record in zip(examples, raw):
        assert example["labels"]["real-label"] == record["labels"]["real-label"]
        assert sts.regression_target(example["labels"]) == record["labels"]["real-label"]
        assert example["labels"]["binary-label"] == record["labels"]["binary-label"]


def test_v1_samples_of_every_sentence_task(shared_klue):
    samples = shared_klue / "samples"
    for module in (ynat, nli, sts):
        files = find_original_files(module, samples)
        assert {"train", "validation"} <= set(files)
        for path in files.values():
            raw = json.loads(path.read_text(encoding="utf-8"))
            examples = module.read_file(path)
            assert [e["guid"] for e in examples] == [r["guid"] for r in raw]
    ynat_raw = json.loads((samples / "ynat-v1" / "ynat-v1_train.json").read_text(encoding="utf-8"))
    assert [e["label"] for e in ynat.read_file(samples / "ynat-v1" / "ynat-v1_train.json")] == [
        r["label"] for r in ynat_raw
    ]
    train = nli.read_file(samples / "klue-nli-v1" / "klue-nli-v1_train.json")
    assert all(e["source"] for e in train)  # train files call it "genre"


def test_hub_rows_map_ids_through_the_hubs_own_label_order():
    features = datasets.Features(
        {"guid": datasets.Value("string"), "title": datasets.Value("string"),
         "label": datasets.ClassLabel(names=list(YNAT_HUB_LABELS)), "url": datasets.Value("string"),
         "date": datasets.Value("string")}
    )
    row = {"guid": "g", "title": "t", "label": 0, "url": "", "date": ""}
    assert ynat.from_hub_example(row, features, "x")["label"] == "IT과학"  # official id 0 is 정치
    nli_features = datasets.Features({"label": datasets.ClassLabel(names=list(NLI_HUB_LABELS))})
    row = {"guid": "g", "source": "s", "premise": "p", "hypothesis": "h", "label": 1}
    assert nli.from_hub_example(row, nli_features, "x")["label"] == "neutral"


def test_user_files_accept_label_names_or_hub_ids_and_csv(tmp_path):
    path = tmp_path / "user.jsonl"
    path.write_text('{"guid": "u1", "title": "제목", "label": "스포츠"}\n{"guid": "u2", "title": "제목", "label": 6}\n',
                    encoding="utf-8")
    assert [e["label"] for e in ynat.read_file(path)] == ["스포츠", "정치"]
    csv_path = tmp_path / "user.csv"
    csv_path.write_text("guid,premise,hypothesis,label\nc1,가,나,neutral\nc2,다,라,\n", encoding="utf-8")
    examples = nli.read_file(csv_path)
    assert [e["label"] for e in examples] == ["neutral", None]
    dataset = load_local(nli, {"test": csv_path})["test"]
    assert dataset.column_names == ["guid", "source", "premise", "hypothesis", "label"]


def test_an_sts_csv_as_datasets_writes_it_holds_the_labels_object_as_text(tmp_path):
    labels = {"label": 4.9, "real-label": 4.857142857142857, "binary-label": 1}
    row = {"guid": "s-0", "source": "made-up", "sentence1": "비가 온다", "sentence2": "비가 내린다", "labels": labels}
    path = tmp_path / "sts.csv"
    datasets.Dataset.from_list([row]).to_csv(path, index=False)  # the cell: "{'label': 4.9, ...}"
    assert sts.read_file(path) == [row]


@pytest.mark.parametrize("unlabelled", [-1, "-1"])
def test_the_hubs_no_label_id_reads_as_unlabelled(tmp_path, unlabelled):
    """A test split saved from the Hub (to_json / to_csv) marks its rows -1: unlabelled, not an id out of range."""
    path = write_jsonl(tmp_path / "test.jsonl", [{"guid": "u1", "title": "제목", "label": unlabelled}])
    assert ynat.read_file(path)[0]["label"] is None
    with pytest.raises(KlueDataError, match="label id -2 is outside the Hub's 0..6"):
        ynat.read_file(write_jsonl(tmp_path / "bad.jsonl", [{"guid": "u1", "title": "제목", "label": -2}]))


def write_jsonl(path, rows: list[dict]):
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def test_labels_are_read_as_names_with_spaces_around_or_hub_ids_in_range(tmp_path):
    row = {"guid": "a", "source": "s", "premise": "비가 온다", "hypothesis": "눈이 온다"}
    assert nli.read_file(write_jsonl(tmp_path / "a.jsonl", [dict(row, label=" neutral ")]))[0]["label"] == "neutral"
    with pytest.raises(KlueDataError, match="outside the Hub"):  # three labels: Hub ids 0, 1, 2
        nli.read_file(write_jsonl(tmp_path / "b.jsonl", [dict(row, label=3)]))
    with pytest.raises(KlueDataError, match="expected one of"):  # true is no Hub id 1
        nli.read_file(write_jsonl(tmp_path / "c.jsonl", [dict(row, label=True)]))


def test_a_numeric_guid_becomes_text_and_a_numeric_sentence_is_refused(tmp_path):
    row = {"guid": 7, "source": "s", "premise": "비가 온다", "hypothesis": "눈이 온다", "label": "neutral"}
    assert nli.read_file(write_jsonl(tmp_path / "a.jsonl", [row]))[0]["guid"] == "7"
    with pytest.raises(KlueDataError, match="expected a string, got int"):
        nli.read_file(write_jsonl(tmp_path / "b.jsonl", [dict(row, hypothesis=5)]))


def test_an_optional_text_field_of_another_type_is_refused_not_left_to_arrow(tmp_path):
    row = {"guid": "a", "premise": "비가 온다", "hypothesis": "눈이 온다", "label": "neutral"}
    assert nli.read_file(write_jsonl(tmp_path / "a.jsonl", [row]))[0]["source"] == ""  # missing: ""
    path = write_jsonl(tmp_path / "b.jsonl", [dict(row, source="wiki"), dict(row, guid="b", source=3)])
    with pytest.raises(KlueDataError, match=r"record 1 \(guid b\), field 'source': expected a string, got int 3"):
        nli.read_file(path)


def test_label_ids_are_decimal_digits_only(tmp_path):
    row = {"guid": "a", "title": "제목"}
    assert ynat.read_file(write_jsonl(tmp_path / "a.jsonl", [dict(row, label="2")]))[0]["label"] == "사회"
    with pytest.raises(KlueDataError, match="label"):  # '②' passes str.isdigit, int() refuses it
        ynat.read_file(write_jsonl(tmp_path / "b.jsonl", [dict(row, label="②")]))


@pytest.mark.parametrize(
    ("reader", "row"),
    [
        (ynat, {"title": "제목", "label": "스포츠"}),
        (nli, {"premise": "비가 온다", "hypothesis": "눈이 온다", "label": "neutral"}),
        (sts, {"sentence1": "비가 온다", "sentence2": "눈이 온다", "labels": {"label": 1.0}}),
    ],
)
def test_a_guid_used_twice_is_refused(tmp_path, reader, row):
    """Predictions are matched by guid: a repeated one is refused where it is read, not by the scorer later."""
    path = write_jsonl(tmp_path / "a.jsonl", [dict(row, guid="u1"), dict(row, guid="u2"), dict(row, guid="u1")])
    expected = r"record 2 \(guid u1\), field 'guid': guid 'u1' was already used by record 0"
    with pytest.raises(KlueDataError, match=expected):
        reader.read_file(path)


def test_a_null_text_field_is_called_null_not_missing(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"guid": "u1", "title": None, "label": "스포츠"}])
    with pytest.raises(KlueDataError, match=r"record 0 \(guid u1\): 'title' is null; expected a string$"):
        ynat.read_file(path)
    with pytest.raises(KlueDataError, match=r"missing field 'title'; the record has"):
        ynat.read_file(write_jsonl(tmp_path / "b.jsonl", [{"guid": "u1", "label": "스포츠"}]))


def test_sts_labels_of_real_label_alone_are_made_as_klue_makes_them(tmp_path, shared_klue):
    """KLUE's ``label`` is ``real-label`` rounded to one decimal and ``binary-label`` is ``label >= 3``: a file
    that keeps only ``real-label`` reads as the original (every dev pair checked)."""
    raw = json.loads((shared_klue / "v1.1" / "klue-sts-v1.1" / "klue-sts-v1.1_dev.json").read_text(encoding="utf-8"))
    stripped = [{**record, "labels": {"real-label": record["labels"]["real-label"]}} for record in raw]
    path = tmp_path / "real-label-only.json"
    path.write_text(json.dumps(stripped, ensure_ascii=False), encoding="utf-8")
    assert [example["labels"] for example in sts.read_file(path)] == [record["labels"] for record in raw]


def test_an_sts_score_that_is_not_a_number_in_range_is_refused(tmp_path):
    path = tmp_path / "sts.csv"
    path.write_text("guid,sentence1,sentence2,label\na,비,눈,nan\n", encoding="utf-8")  # NaN would make Pearson NaN
    with pytest.raises(KlueDataError, match="expected a number in"):
        sts.read_file(path)


def test_empty_sentences_are_read_and_warned_about_by_guid(tmp_path, caplog):
    rows = [{"guid": "a", "source": "s", "premise": "비가 온다", "hypothesis": " ", "gold_label": "entailment"},
            {"guid": "b", "source": "s", "premise": "비가 온다", "hypothesis": "날씨", "gold_label": "neutral"}]
    path = tmp_path / "nli.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    with caplog.at_level("WARNING"):
        assert len(nli.read_file(path)) == 2
    assert "1 record(s) with an empty premise or hypothesis" in caplog.text and ": a" in caplog.text


def test_csv_row_with_missing_cells_names_the_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("guid,title,label\na,제목,정치\nb,제목\n", encoding="utf-8")
    with pytest.raises(KlueDataError, match=r"bad\.csv, line 3: expected 3 cells"):
        ynat.read_file(path)


def test_data_dir_without_task_files_says_what_it_looked_for(tmp_path):
    with pytest.raises(KlueDataError, match="ynat-v1.1_train.json"):
        find_original_files(ynat, tmp_path)


def test_one_line_jsonl_file(tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text('{"guid": "u1", "title": "제목", "label": "세계"}\n', encoding="utf-8")
    assert ynat.read_file(path)[0]["label"] == "세계"


def test_load_hub_converts_every_split_to_names_and_fills_missing_guids(monkeypatch):
    from klue_data import sources

    features = datasets.Features({"title": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=list(YNAT_HUB_LABELS))})
    hub = datasets.DatasetDict({
        "train": datasets.Dataset.from_dict({"title": ["가", "나"], "label": [0, 6]}, features=features),
        "validation": datasets.Dataset.from_dict({"title": ["다"], "label": [5]}, features=features),
    })
    calls = []
    monkeypatch.setattr(sources.datasets, "load_dataset", lambda *a, **k: calls.append((a, k)) or hub)
    monkeypatch.setattr(sources, "prefer_offline_when_hub_unreachable", lambda: False)  # no network probe
    loaded = sources.load_hub(ynat, "klue/klue", token="hf_private")
    assert calls[0][0] == ("klue/klue", "ynat") and calls[0][1]["token"] == "hf_private"
    assert list(loaded["train"]["label"]) == ["IT과학", "정치"] and list(loaded["validation"]["label"]) == ["스포츠"]
    # no guid on the Hub rows: file-name prefix, original split name, index
    assert list(loaded["validation"]["guid"]) == [f"{ynat.FILE_PREFIXES[-1]}_dev_{0:05d}"]
