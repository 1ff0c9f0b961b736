"""klue_data.wos: dialogues with per-user-turn states, from files and from Hub rows."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest

from klue_data import KlueDataError, get_task, wos
from tests.shared_data import SHARED_KLUE, require_shared

KLUE = SHARED_KLUE
WOS_SAMPLES = KLUE / "samples" / "wos-v1"
ONTOLOGY = KLUE / "v1.1" / "wos-v1.1" / "ontology.json"


def dialogue(guid: str = "smoke-wos-00001") -> dict:
    return {
        "guid": guid,
        "domains": ["식당"],
        "dialogue": [
            {
                "role": "user",
                "text": "강남에 있는 한식당을 찾아요.",
                "state": ["식당-지역-서울 강남", "식당-종류-한식당"],
            },
            {"role": "sys", "text": "가격대는 어떻게 할까요?"},
            {
                "role": "user",
                "text": "상관없어요. 12-1시쯤 가요.",
                "state": ["식당-지역-서울 강남", "식당-종류-한식당", "식당-가격대-dontcare", "식당-예약 시간-12-1시"],
            },
            {"role": "sys", "text": "찾아볼게요."},
        ],
    }


def write(tmp_path: Path, rows: list[dict], name: str = "smoke-wos.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def test_samples_and_ontology_slots():
    slots = set(json.loads(ONTOLOGY.read_text(encoding="utf-8"))) if ONTOLOGY.exists() else None  # optional
    for split in ("train", "dev"):
        path = require_shared(WOS_SAMPLES / f"wos-v1_{split}.json")
        raw = json.loads(path.read_text(encoding="utf-8"))
        examples = wos.read_file(path)
        assert [example["guid"] for example in examples] == [row["guid"] for row in raw]
        for example, row in zip(examples, raw):
            assert set(example) == {"guid", "domains", "dialogue"} and example["domains"] == row["domains"]
            assert [turn["text"] for turn in example["dialogue"]] == [turn["text"] for turn in row["dialogue"]]
            for turn, raw_turn in zip(example["dialogue"], row["dialogue"]):
                assert set(turn) == {"role", "text", "state"}
                assert turn["state"] == raw_turn.get("state", [])  # system turns: [] as in the Hub
            user_turns = [turn for turn in row["dialogue"] if turn["role"] == "user"]
            assert len(wos.user_states(example)) == len(user_turns)
            for state in wos.user_states(example):
                for item in state:
                    domain, slot, value = item.split("-", 2)
                    assert value
                    if slots is not None:
                        assert f"{domain}-{slot}" in slots


def test_made_up_dialogue(tmp_path):
    (example,) = wos.read_file(write(tmp_path, [dialogue()]))
    assert example["dialogue"][1] == {"role": "sys", "text": "가격대는 어떻게 할까요?", "state": []}
    assert wos.user_states(example)[1][-1] == "식당-예약 시간-12-1시"  # the value keeps its '-'
    assert len(wos.user_states(example)) == 2


def test_unlabelled_dialogue_reads_with_empty_states(tmp_path):
    row = dialogue()
    for turn in row["dialogue"]:
        turn.pop("state", None)
    (example,) = wos.read_file(write(tmp_path, [row]))
    assert wos.user_states(example) == [[], []]


def broken(change) -> dict:
    row = dialogue("smoke-wos-00002")
    change(row)
    return row


@pytest.mark.parametrize(
    ("row", "field", "fragment"),
    [
        (
            broken(lambda r: r["dialogue"][2]["state"].append("식당-가격대")),
            "dialogue[2].state[4]",
            "domain-slot-value",
        ),
        (broken(lambda r: r["dialogue"][2].update(state="식당-종류-한식당")), "dialogue[2].state", "expected a list"),
        (broken(lambda r: r["dialogue"][2].pop("state")), "dialogue[2].state", "user turn without a 'state'"),
        (broken(lambda r: r["dialogue"][1].update(role="system")), "dialogue[1].role", "expected role user or sys"),
        (broken(lambda r: r["dialogue"][3].pop("text")), "dialogue[3].text", "expected a string"),
        (broken(lambda r: r.pop("dialogue")), "dialogue", "expected a list of turns"),
        # a dialogue without any state beside a labelled one: read alike, it would be scored as empty states
        (broken(lambda r: [turn.pop("state", None) for turn in r["dialogue"]]), "dialogue",
         "mixes dialogues with states and dialogues without (first without: 'smoke-wos-00002')"),
    ],
)
def test_errors_name_file_record_guid_and_field(tmp_path, row, field, fragment):
    path = write(tmp_path, [dialogue(), row], "smoke-bad.json")
    with pytest.raises(KlueDataError) as caught:
        wos.read_file(path)
    message = str(caught.value)
    assert "smoke-bad.json" in message and "record 1 (guid smoke-wos-00002)" in message and fragment in message
    assert caught.value.field == field


def test_a_repeated_guid_is_refused(tmp_path):
    # predictions.jsonl is matched to the references by (guid, turn): a repeat could not be scored
    path = write(tmp_path, [dialogue(), dialogue("smoke-wos-00002"), dialogue()], "smoke-dup.json")
    with pytest.raises(KlueDataError, match=r"record 2 \(guid smoke-wos-00001\).*already used by record 0"):
        wos.read_file(path)


def test_from_hub_example():
    features = datasets.Features(
        {
            "guid": datasets.Value("string"),
            "domains": [datasets.Value("string")],
            "dialogue": [
                {
                    "role": datasets.Value("string"),
                    "text": datasets.Value("string"),
                    "state": [datasets.Value("string")],
                }
            ],
        }
    )
    row = dialogue()
    for turn in row["dialogue"]:
        turn.setdefault("state", [])  # the Hub's loader gives system turns an empty state
    hub = datasets.Dataset.from_list([row], features=features)
    assert wos.from_hub_example(hub[0], hub.features, "unused") == row
    # a Sequence(dict) feature would give a dict of lists: read the same
    columns = {key: [turn[key] for turn in row["dialogue"]] for key in ("role", "text", "state")}
    assert wos.from_hub_example({**row, "dialogue": columns}, None, "unused") == row


def test_is_state_item():
    assert wos.is_state_item("택시-출발 시간-10:30")
    assert not wos.is_state_item("택시--10:30") and not wos.is_state_item("택시-출발지") and not wos.is_state_item(3)


def test_registered():
    assert get_task("wos") is wos and wos.FILE_PREFIXES == ("wos-v1.1", "wos-v1") and wos.FILE_SUFFIX == ".json"


def test_empty_turns_are_read_and_warned_about_by_guid_and_turn(tmp_path, caplog):
    dialogue = [{"role": "user", "text": " ", "state": []}, {"role": "sys", "text": "네"},
                {"role": "user", "text": "고마워요", "state": []}]
    path = tmp_path / "wos.json"
    path.write_text(json.dumps([{"guid": "d1", "domains": [], "dialogue": dialogue}], ensure_ascii=False),
                    encoding="utf-8")
    with caplog.at_level("WARNING"):
        assert len(wos.read_file(path)[0]["dialogue"]) == 3
    assert "1 turn(s) with an empty text (still predicted): d1 turn 0" in caplog.text


def test_domains_as_numpy_text_are_read_and_a_dialogue_saved_by_to_csv_is_refused_naming_to_json(tmp_path):
    path = tmp_path / "smoke-wos.csv"
    datasets.Dataset.from_list([dialogue()]).to_csv(path)  # domains as ['식당'], dialogue as numpy's nested text
    with pytest.raises(KlueDataError, match=r"field 'dialogue': .*got str; this is numpy's text .*to_json"):
        wos.read_file(path)
    # what a CSV can hold: domains as numpy's text of strings, the dialogue as JSON
    turns = json.dumps(dialogue()["dialogue"], ensure_ascii=False).replace('"', '""')
    path.write_text(f'guid,domains,dialogue\nsmoke-wos-00001,"[\'관광\' \'식당\']","{turns}"\n', encoding="utf-8")
    (read,) = wos.read_file(path)
    assert read["domains"] == ["관광", "식당"] and read["dialogue"][2]["state"] == dialogue()["dialogue"][2]["state"]


def test_a_state_item_with_a_blank_part_is_refused():
    assert not wos.is_state_item("식당- -저렴") and not wos.is_state_item(" -가격대-저렴")
    assert not wos.is_state_item("식당-가격대- ")


def test_domains_that_are_not_all_names_are_refused(tmp_path):
    row = {**dialogue(), "domains": ["식당", 3]}
    with pytest.raises(KlueDataError, match=r"expected a list of domain names, got \['식당', 3\]") as caught:
        wos.read_file(write(tmp_path, [row]))
    assert caught.value.field == "domains"


def test_a_mixed_file_names_its_first_unlabelled_dialogue_when_that_one_comes_first(tmp_path):
    unlabelled = dialogue("smoke-wos-00001")
    for turn in unlabelled["dialogue"]:
        turn.pop("state", None)
    path = write(tmp_path, [unlabelled, dialogue("smoke-wos-00002")])
    with pytest.raises(KlueDataError, match=r"record 1 \(guid smoke-wos-00002\).*\(first without: 'smoke-wos-00001'\)"):
        wos.read_file(path)
