"""smoke.data: deterministic, in the original KLUE formats (read back by the project's readers), made up."""

from __future__ import annotations

import json
import re

import pytest

import klue_data
from klue_data.sources import find_original_files
from smoke import data

KLUE_TASKS = ["ynat", "sts", "nli", "ner", "re", "dp", "mrc", "wos"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("smoke-data")
    data.write_all(folder)
    return folder


def test_the_files_are_the_same_every_time(tmp_path):
    data.write_all(tmp_path / "a", ("ner", "wos"))
    data.write_all(tmp_path / "b", ("ner", "wos"))
    names = sorted(path.name for path in (tmp_path / "a").iterdir())
    assert names == ["klue-ner-v1.1_dev.tsv", "klue-ner-v1.1_train.tsv", "ontology.json", "wos-v1.1_dev.json",
                     "wos-v1.1_train.json"]  # fmt: skip
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


@pytest.mark.parametrize("task", KLUE_TASKS)
def test_every_task_reads_back_through_its_original_file_reader(folder, task):
    reader = klue_data.get_task(task)
    files = find_original_files(reader, str(folder))  # the original names, as --data_dir finds them
    assert set(files) == {"train", "validation"}
    train, dev = reader.read_file(files["train"]), reader.read_file(files["validation"])
    assert (len(train), len(dev)) == (data.SIZES[task][0] // (4 if task == "mrc" else 1) * (4 if task == "mrc" else 1),
                                      data.SIZES[task][1])  # fmt: skip
    assert not {record["guid"] for record in train} & {record["guid"] for record in dev}


def test_mcqa_csv_has_the_competition_columns_and_a_json_problem(folder):
    import csv

    with (folder / "mcqa_dev.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert list(rows[0]) == ["id", "paragraph", "problems", "question_plus"]
    problem = json.loads(rows[0]["problems"])
    assert set(problem) == {"question", "choices", "answer"}
    right = problem["choices"][problem["answer"] - 1]  # 1-based
    assert right in rows[0]["paragraph"]  # the paragraph names the right choice
    assert {json.loads(row["problems"])["answer"] for row in rows} == {1, 2, 3, 4}


def test_guids_never_look_like_klue_guids(folder):
    text = "".join(path.read_text(encoding="utf-8") for path in folder.iterdir())
    assert not re.search(r"v1(\.1)?_(train|dev|test)_\d", text)
    assert "smoke-ynat-dev-00000" in text


def test_labels_follow_from_the_words():
    """What a model must learn is in the text: YNAT titles use their topic's words only, RE's clause
    names its relation, NER's entities are known names, WoS states name values the user said."""
    for record in data.ynat_records(50, seed=1):
        words = record["title"].replace("…", " ").split()
        assert sum(word in data.TOPIC_WORDS[record["label"]] for word in words) == 2
    for record in data.re_records(30, seed=1):
        for entity in ("subject_entity", "object_entity"):
            span = record[entity]
            assert record["sentence"][span["start_idx"] : span["end_idx"] + 1] == span["word"]
    for record in data.ner_records(20, seed=1):
        assert "".join(record["tokens"]) == re.sub(r"<([^:>]+):[A-Z]{2}>", r"\1", record["sentence"])
    for dialogue in data.wos_records(20, seed=1):
        said = ""
        for turn in dialogue["dialogue"]:
            said += turn["text"]
            for item in turn.get("state", []):
                assert item.split("-", 2)[2] in said


def test_dp_heads_point_inside_the_sentence_and_one_root(folder):
    for record in klue_data.get_task("dp").read_file(folder / "klue-dp-v1.1_dev.tsv"):
        heads = record["head"]
        assert heads.count(0) == 1 and all(0 <= head <= len(heads) for head in heads)
