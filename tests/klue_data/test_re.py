"""klue_data.re: original JSON, competition CSV, Hub rows; inclusive entity offsets."""

from __future__ import annotations

import csv
import json
import logging
import re
from pathlib import Path

import datasets
import pytest

from klue_data import KlueDataError, get_task
from klue_data import re as re_data
from klue_data.labels import RE_RELATIONS
from tests.shared_data import SHARED_KLUE, require_shared

KLUE = SHARED_KLUE
RE_SAMPLES = KLUE / "samples" / "klue-re-v1"
RELATION_LIST = KLUE / "v1.1" / "klue-re-v1.1" / "relation_list.json"

SENTENCE = "배우 한소라는 2019년 서울에서 태어났다."  # made up


def entity(word: str, start: int, kind: str) -> dict:
    return {"word": word, "start_idx": start, "end_idx": start + len(word) - 1, "type": kind}


def record(guid: str = "smoke-re-00001", **changes) -> dict:
    row = {
        "guid": guid,
        "sentence": SENTENCE,
        "subject_entity": entity("한소라", 3, "PER"),
        "object_entity": entity("서울", 14, "LOC"),
        "label": "per:place_of_birth",
        "source": "made-up",
    }
    row.update(changes)
    return row


def write(tmp_path: Path, rows: list[dict], name: str = "smoke-re.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def test_relation_names_equal_relation_list_json():
    relations = json.loads(require_shared(RELATION_LIST).read_text(encoding="utf-8"))["relations"]
    assert tuple(relations) == RE_RELATIONS == get_task("re").LABELS
    assert len(relations) == 30 and relations[0] == "no_relation"


def test_samples():
    for split in ("train", "dev"):
        path = require_shared(RE_SAMPLES / f"klue-re-v1_{split}.json")
        raw = json.loads(path.read_text(encoding="utf-8"))
        examples = re_data.read_file(path)
        assert [example["guid"] for example in examples] == [row["guid"] for row in raw]
        for example, row in zip(examples, raw):
            assert set(example) == {"guid", "sentence", "subject_entity", "object_entity", "label", "source"}
            assert example["label"] == row["label"] and example["label"] in RE_RELATIONS
            for name in ("subject_entity", "object_entity"):
                found = example[name]
                assert found == row[name]
                # inclusive offsets, computed independently
                assert example["sentence"][found["start_idx"] : found["end_idx"] + 1] == found["word"]


def test_made_up_record_and_unlabelled_and_label_id(tmp_path):
    rows = [record(), record("smoke-re-00002", label=None), record("smoke-re-00003", label=29)]
    first, second, third = re_data.read_file(write(tmp_path, rows))
    assert first == record()
    assert second["label"] is None
    assert third["label"] == "per:title"  # ids follow the official order (the Hub's is the same)


def test_word_mismatch_is_kept_and_warned_once(tmp_path, caplog):
    wrong = {**entity("한소라", 3, "PER"), "word": "한소라는"}
    rows = [
        record(subject_entity=wrong),
        record("smoke-re-00002", object_entity={**entity("서울", 14, "LOC"), "word": "부산"}),
    ]
    with caplog.at_level(logging.WARNING, logger="klue_data.re"):
        examples = re_data.read_file(write(tmp_path, rows))
    assert examples[0]["subject_entity"]["word"] == "한소라는"  # kept as it is
    warnings = [entry for entry in caplog.records if entry.name == "klue_data.re"]
    assert len(warnings) == 1
    assert "2 entit" in warnings[0].getMessage() and "smoke-re-00001 subject_entity" in warnings[0].getMessage()


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"object_entity": {**entity("서울", 14, "LOC"), "end_idx": 99}}, "object_entity", "outside the sentence"),
        ({"object_entity": {**entity("서울", 14, "LOC"), "start_idx": -1}}, "object_entity", "outside the sentence"),
        ({"subject_entity": {**entity("한소라", 3, "PER"), "end_idx": 2}}, "subject_entity", "end before they start"),
        ({"subject_entity": {**entity("한소라", 3, "PER"), "start_idx": "셋"}}, "subject_entity.start_idx", "integer"),
        ({"subject_entity": {**entity("한소라", 3, "PER"), "end_idx": "²"}}, "subject_entity.end_idx", "integer"),
        ({"subject_entity": None}, "subject_entity", "expected an object"),
        ({"label": "per:hobby"}, "label", "expected one of"),
    ],
)
def test_errors_name_file_record_guid_and_field(tmp_path, changes, field, fragment):
    path = write(tmp_path, [record(), record("smoke-re-00002", **changes)], "smoke-bad.json")
    with pytest.raises(KlueDataError) as caught:
        re_data.read_file(path)
    message = str(caught.value)
    assert "smoke-bad.json" in message and "record 1 (guid smoke-re-00002)" in message and fragment in message
    assert caught.value.field == field


def test_the_hubs_no_label_id_reads_as_unlabelled(tmp_path):
    assert re_data.read_file(write(tmp_path, [record(label=-1)]))[0]["label"] is None


def test_a_guid_used_twice_is_refused(tmp_path):
    """Predictions are matched by guid: a repeated one is refused where it is read, not by the scorer later."""
    expected = r"record 1 \(guid smoke-re-00001\), field 'guid': .*already used by record 0"
    with pytest.raises(KlueDataError, match=expected):
        re_data.read_file(write(tmp_path, [record(), record()]))


def test_competition_csv_with_dict_cells(tmp_path):
    path = tmp_path / "smoke-re.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "sentence", "subject_entity", "object_entity", "label", "source"])
        writer.writerow(
            [
                7,
                SENTENCE,
                repr(entity("한소라", 3, "PER")),
                json.dumps(entity("서울", 14, "LOC"), ensure_ascii=False),
                "per:place_of_birth",
                "made-up",
            ]
        )
    (example,) = re_data.read_file(path)
    assert example["guid"] == "7"
    assert example["subject_entity"] == entity("한소라", 3, "PER")
    assert example["object_entity"]["start_idx"] == 14


def test_from_hub_example_maps_ids_to_names():
    entity_feature = {
        "word": datasets.Value("string"),
        "start_idx": datasets.Value("int32"),
        "end_idx": datasets.Value("int32"),
        "type": datasets.Value("string"),
    }
    features = datasets.Features(
        {
            "guid": datasets.Value("string"),
            "sentence": datasets.Value("string"),
            "subject_entity": entity_feature,
            "object_entity": entity_feature,
            "label": datasets.ClassLabel(names=list(RE_RELATIONS)),
            "source": datasets.Value("string"),
        }
    )
    row = record(label=RE_RELATIONS.index("per:place_of_birth"))
    hub = datasets.Dataset.from_list([row, record("smoke-re-00002", label=0)], features=features)
    first = re_data.from_hub_example(hub[0], hub.features, "unused")
    assert first == record()
    assert re_data.from_hub_example(hub[1], hub.features, "unused")["label"] == "no_relation"


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [  # end_idx is inclusive: the sentence's length is one past its last character
        ({"object_entity": {**entity("다.", len(SENTENCE) - 2, "LOC"), "end_idx": len(SENTENCE)}}, "object_entity",
         f"offsets {len(SENTENCE) - 2}..{len(SENTENCE)} (inclusive) are outside the sentence of {len(SENTENCE)}"),
        ({"subject_entity": {**entity("한소라", 3, "PER"), "start_idx": True}}, "subject_entity.start_idx",
         "expected an integer character offset, got True"),
        ({"subject_entity": {**entity("한소라", 3, "PER"), "type": 3}}, "subject_entity.type",
         "expected a string, got 3"),
        ({"object_entity": {**entity("서울", 14, "LOC"), "word": None}}, "object_entity.word",
         "expected a string, got None"),
    ],
)
def test_an_offset_past_the_end_or_a_field_of_the_wrong_type_is_refused(tmp_path, changes, field, fragment):
    with pytest.raises(KlueDataError, match=re.escape(fragment)) as caught:
        re_data.read_file(write(tmp_path, [record(**changes)]))
    assert caught.value.field == field and caught.value.guid == "smoke-re-00001"


def test_an_entity_ending_on_the_last_character_is_read(tmp_path):
    last = entity("태어났다.", len(SENTENCE) - 5, "DAT")
    (example,) = re_data.read_file(write(tmp_path, [record(object_entity=last)]))
    assert example["object_entity"]["end_idx"] == len(SENTENCE) - 1


def test_a_sentence_of_spaces_is_read_and_warned_about_by_guid(tmp_path, caplog):
    blank = {"word": " ", "start_idx": 0, "end_idx": 0, "type": "PER"}
    row = record(sentence="  ", subject_entity=blank, object_entity={**blank, "start_idx": 1, "end_idx": 1})
    with caplog.at_level(logging.WARNING):
        (example,) = re_data.read_file(write(tmp_path, [row]))
    assert example["sentence"] == "  "
    assert "1 record(s) with an empty sentence (still predicted): smoke-re-00001" in caplog.text
