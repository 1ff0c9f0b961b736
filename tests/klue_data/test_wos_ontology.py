"""klue_data.wos: the ontology file (read, checked, found beside the dialogues) and dialogues without user turns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from klue_data import KlueDataError, wos
from tests.shared_data import SHARED_KLUE, require_shared
from tests.synthetic_wos import wos_dialogues, wos_ontology


def write(path: Path, value) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def test_own_ontology_reads_as_slot_to_values(tmp_path):
    ontology = wos.read_ontology(write(tmp_path / "ontology.json", wos_ontology()))
    assert ontology == wos_ontology() and ontology["식당-주차 가능"] == ["none", "dontcare", "yes", "no"]


def test_real_ontology_has_the_45_slots():
    ontology = wos.read_ontology(require_shared(SHARED_KLUE / "v1.1" / "wos-v1.1" / "ontology.json"))
    assert len(ontology) == 45 and all(len(slot.split("-")) == 2 for slot in ontology)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ([["식당-가격대", ["저렴"]]], "expected a non-empty JSON object"),
        ({}, "expected a non-empty JSON object"),
        ({"식당가격대": ["저렴"]}, "field '식당가격대': expected a 'domain-slot' name"),
        ({"식당-가격대": "저렴"}, "field '식당-가격대': expected a list of candidate value strings"),
        ({"식당-가격대-저렴": ["저렴"]}, "field '식당-가격대-저렴': expected a 'domain-slot' name"),
        ({"식당- ": ["저렴"]}, "field '식당- ': expected a 'domain-slot' name"),
        ({"식당-가격대": ["저렴", 3]}, "field '식당-가격대': expected a list of candidate value strings"),
    ],
)
def test_bad_ontology_is_one_line_naming_the_file(tmp_path, content, expected):
    path = write(tmp_path / "my-ontology.json", content)
    with pytest.raises(KlueDataError) as error:
        wos.read_ontology(path)
    assert str(path) in str(error.value) and expected in str(error.value) and "\n" not in str(error.value)
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(KlueDataError, match="not valid JSON"):
        wos.read_ontology(tmp_path / "broken.json")


def test_ontology_is_found_beside_the_files_or_in_the_archive_folder(tmp_path):
    assert wos.find_ontology([tmp_path]) is None
    nested = write(tmp_path / "wos-v1.1" / "ontology.json", wos_ontology())
    assert wos.find_ontology([tmp_path / "elsewhere", tmp_path]) == nested
    direct = write(tmp_path / "ontology.json", wos_ontology())
    assert wos.find_ontology([tmp_path]) == direct  # directly in the folder wins


def test_dialogue_without_user_turns_names_the_file_and_guid(tmp_path):
    dialogues = wos_dialogues(3, seed=1)
    dialogues[1]["dialogue"] = [turn for turn in dialogues[1]["dialogue"] if turn["role"] == "sys"]
    path = write(tmp_path / "dev.json", dialogues)
    with pytest.raises(KlueDataError) as error:
        wos.read_file(path)
    message = str(error.value)
    assert str(path) in message and "record 1 (guid smoke-wos-00001)" in message and "user turn" in message
