"""``--data_dir``: only the documented layouts are read, and a choice between two files is never silent."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from klue_data import KlueDataError, nli, ynat
from klue_data.sources import find_original_files, load_local


def write_nli(path: Path, count: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    labels = ("entailment", "neutral", "contradiction")
    records = [
        {"guid": f"{path.stem}_{i:05d}", "source": "airbnb", "premise": f"전제 {i}", "hypothesis": f"가설 {i}",
         "gold_label": labels[i % 3]}
        for i in range(count)
    ]
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_sample_file_in_a_subfolder_is_not_picked_over_the_dev_split(tmp_path, caplog):
    dev = write_nli(tmp_path / "klue-nli-v1.1_dev.json", 30)
    write_nli(tmp_path / "samples" / "x" / "klue-nli-v1.1_dev.json", 5)
    write_nli(tmp_path / "samples" / "x" / "klue-nli-v1.1_train.json", 5)
    with caplog.at_level(logging.INFO, logger="klue_data.sources"):
        files = find_original_files(nli, tmp_path)
        assert files == {"validation": dev}  # no train split either: the sample train file is not read
        assert len(load_local(nli, files)["validation"]) == 30
    messages = [record.getMessage() for record in caplog.records]
    assert any("validation" in m and str(dev) in m and "--data_dir" in m for m in messages)
    assert any("Read 30 nli validation examples" in m and str(dev) in m for m in messages)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("klue-nli-v1.1_dev.json", "[]", "the file holds no examples"),
    ("klue-nli-v1.1_dev.json", " \n", "the file is empty"),
    ("dev.jsonl", "", "the file is empty"),
    ("dev.csv", "guid,premise,hypothesis,label\n", "the file holds no examples"),
])
def test_a_file_without_examples_is_one_error_naming_it(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(KlueDataError) as caught:
        load_local(nli, {"validation": path})
    assert str(caught.value) == f"{path}: {message}"


def test_two_files_for_one_split_are_one_error_naming_both(tmp_path):
    direct = write_nli(tmp_path / "klue-nli-v1.1_dev.json", 3)
    in_folder = write_nli(tmp_path / "klue-nli-v1.1" / "klue-nli-v1.1_dev.json", 3)
    with pytest.raises(KlueDataError) as caught:
        find_original_files(nli, tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    assert str(direct) in message and str(in_folder) in message and "--validation_file" in message


def test_the_task_folder_layout_as_the_archives_unpack(tmp_path):
    folder = tmp_path / "klue-nli-v1.1"
    train = write_nli(folder / "klue-nli-v1.1_train.json", 6)
    dev = write_nli(folder / "klue-nli-v1.1_dev.json", 3)
    assert find_original_files(nli, tmp_path) == {"train": train, "validation": dev}


def test_v1_1_wins_over_v1_across_layouts(tmp_path):
    write_nli(tmp_path / "klue-nli-v1_dev.json", 3)
    newer = write_nli(tmp_path / "klue-nli-v1.1" / "klue-nli-v1.1_dev.json", 3)
    older_in_folder = write_nli(tmp_path / "klue-nli-v1" / "klue-nli-v1_train.json", 3)
    assert find_original_files(nli, tmp_path) == {"validation": newer, "train": older_in_folder}


def test_a_file_deeper_than_the_layouts_is_not_picked_and_the_error_says_where_to_put_it(tmp_path):
    deep = tmp_path / "klue-nli-v1.1" / "extra" / "klue-nli-v1.1_dev.json"
    write_nli(deep, 3)
    write_nli(tmp_path / "other" / "klue-nli-v1.1_train.json", 3)  # a folder not named like the file
    with pytest.raises(KlueDataError) as caught:
        find_original_files(nli, tmp_path)
    message = str(caught.value)
    assert "DIR/klue-nli-v1.1_train.json or DIR/klue-nli-v1.1/klue-nli-v1.1_train.json" in message
    assert "DIR/klue-nli-v1_train.json" in message  # v1 names are accepted too
    assert str(deep) in message  # pointed at, not read
    assert "\n" not in message


def test_no_task_files_at_all(tmp_path):
    (tmp_path / "readme.txt").write_text("nothing here", encoding="utf-8")
    with pytest.raises(KlueDataError, match=r"no ynat files found; expected DIR/ynat-v1\.1_train\.json") as caught:
        find_original_files(ynat, tmp_path)
    assert "found outside" not in str(caught.value)


def test_the_files_pointed_at_outside_the_layouts_are_looked_for_four_folders_deep(tmp_path):
    """The search for misplaced files stops at a depth, so that --data_dir / (or a home folder) answers at once."""
    from klue_data.sources import _other_matches

    write_nli(tmp_path / "a" / "b" / "c" / "d" / "klue-nli-v1.1_dev.json", 3)  # 4 folders down: looked at
    write_nli(tmp_path / "a" / "b" / "c" / "d" / "e" / "klue-nli-v1.1_train.json", 3)  # 5 down: not
    assert _other_matches(nli, tmp_path) == [tmp_path / "a" / "b" / "c" / "d" / "klue-nli-v1.1_dev.json"]
