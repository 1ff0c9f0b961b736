"""The MCQA reader: the competition CSV and flattened JSON lines to one schema; bad items named by file and row."""

from __future__ import annotations

import json
import re

import pytest

from klue_data import KlueDataError, get_task
from klue_data.mcqa import read_file
from klue_data.sources import find_original_files
from tests.synthetic_mcqa import mcqa_records, write_competition_csv, write_jsonl

PROBLEM = {"question": "지우가 좋아하는 계절은?", "choices": ["봄", "여름", "가을", "겨울"], "answer": 2}


def write_csv(path, rows, header="id,paragraph,problems,question_plus"):
    import csv

    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header.split(","))
        writer.writerows(rows)
    return path


def test_competition_csv_and_flattened_jsonl_read_alike(tmp_path):
    records = mcqa_records(10, seed=3)  # 4- and 5-choice items mixed
    from_csv = read_file(write_competition_csv(tmp_path / "train.csv", records))
    from_jsonl = read_file(write_jsonl(tmp_path / "train.jsonl", records))
    assert from_csv == from_jsonl == records
    assert {len(item["choices"]) for item in from_csv} == {4, 5}
    assert get_task("mcqa").read_file is read_file


def test_python_dict_literal_problems_and_question_plus_inside_problems(tmp_path):
    problems = dict(PROBLEM, question_plus="ㄱ. 봄은 따뜻하다.")
    path = write_csv(tmp_path / "t.csv", [["q-1", "지우는 '여름'을 좋아한다.", repr(problems), ""]])
    (item,) = read_file(path)
    assert item == {"id": "q-1", "paragraph": "지우는 '여름'을 좋아한다.", "question": PROBLEM["question"],
                    "question_plus": "ㄱ. 봄은 따뜻하다.", "choices": PROBLEM["choices"], "answer": 2}


def test_test_files_have_no_answer(tmp_path):
    records = mcqa_records(4, seed=1)
    items = read_file(write_competition_csv(tmp_path / "test.csv", records, with_answers=False))
    assert [item["answer"] for item in items] == [None] * 4


def test_a_blank_choice_is_read_and_warned_about(tmp_path, caplog):
    records = mcqa_records(3, seed=1)
    records[1]["choices"][2] = " "
    items = read_file(write_jsonl(tmp_path / "dev.jsonl", records))
    assert items[1]["choices"][2] == " "  # still predicted: a test file must not be refused for it
    assert f"1 record(s) with an empty choice (still predicted): {records[1]['id']}" in caplog.text


def test_data_dir_layout(tmp_path):
    write_competition_csv(tmp_path / "mcqa_train.csv", mcqa_records(2))
    write_competition_csv(tmp_path / "mcqa_dev.csv", mcqa_records(2))
    assert find_original_files(get_task("mcqa"), tmp_path) == {
        "train": tmp_path / "mcqa_train.csv", "validation": tmp_path / "mcqa_dev.csv"}


@pytest.mark.parametrize(
    "problems, field, expected",
    [
        ('{"question": "q", "choices": ["a", "b"', "problems", "not valid JSON"),
        (json.dumps(dict(PROBLEM, answer=5)), "problems.answer", "expected a choice number in 1..4"),
        (json.dumps(dict(PROBLEM, answer=0)), "problems.answer", "expected a choice number in 1..4"),
        (json.dumps(dict(PROBLEM, answer="③")), "problems.answer", "expected a choice number in 1..4"),  # isdigit
        (json.dumps(dict(PROBLEM, choices=["봄"], answer=1)), "problems.choices", "expected 2 to 5 choices, got 1"),
        (json.dumps(dict(PROBLEM, choices=list("가나다라마바"), answer=1)), "problems.choices", "got 6"),
        (json.dumps(["not", "an", "object"]), "problems", "expected an object"),
    ],
)
def test_bad_items_name_file_row_id_and_field(tmp_path, problems, field, expected):
    good = ["q-0", "지문", json.dumps(PROBLEM, ensure_ascii=False), ""]
    path = write_csv(tmp_path / "bad.csv", [good, ["q-bad", "지문", problems, ""]])
    with pytest.raises(KlueDataError) as raised:
        read_file(path)
    message = str(raised.value)
    assert message.startswith(f"{path}, record 1 (id q-bad), field '{field}': ") and expected in message
    assert "\n" not in message


def test_repeated_id_and_bad_flattened_answer(tmp_path):
    record = dict(mcqa_records(1)[0])
    with pytest.raises(KlueDataError, match=r"record 1 .* field 'id': id 'smoke-mcqa-00000' was already used"):
        read_file(write_jsonl(tmp_path / "twice.jsonl", [record, record]))
    with pytest.raises(KlueDataError, match=r"record 0 .* field 'answer': expected a choice number in 1..4"):
        read_file(write_jsonl(tmp_path / "bad.jsonl", [dict(record, answer="9")]))


def flat(**changes):
    return {"id": "q-1", "paragraph": "지우는 '여름'을 좋아한다.", **PROBLEM, **changes}


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"answer": 2.5}, "answer", "expected a choice number in 1..4 (1-based), got 2.5"),
        ({"answer": True}, "answer", "got True"),
        ({"choices": ["봄", 2]}, "choices", "expected a list of choice strings"),
        ({"question": None}, "question", "expected the question as a string, got None"),
        ({"question_plus": 3}, "question_plus", "expected a string or nothing, got 3"),
    ],
)
def test_a_bad_flattened_field_is_refused_naming_it(tmp_path, changes, field, expected):
    path = tmp_path / "items.jsonl"
    path.write_text(json.dumps(flat(**changes), ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(KlueDataError, match=re.escape(expected)) as caught:
        read_file(path)
    assert caught.value.field == field and caught.value.guid == "q-1"


def test_a_missing_paragraph_is_refused(tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text(json.dumps({k: v for k, v in flat().items() if k != "paragraph"}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    with pytest.raises(KlueDataError, match="missing field 'paragraph'"):
        read_file(path)


def test_an_empty_answer_is_a_test_item_and_a_nan_question_plus_beside_problems_is_empty(tmp_path):
    path = tmp_path / "items.jsonl"  # pandas writes an empty cell as NaN, which Python's json reads
    nested = {"id": "q-2", "paragraph": "지우", "problems": PROBLEM, "question_plus": float("nan")}
    path.write_text(json.dumps(flat(answer=""), ensure_ascii=False) + "\n" + json.dumps(nested, ensure_ascii=False)
                    + "\n", encoding="utf-8")
    first, second = read_file(path)
    assert first["answer"] is None and second["question_plus"] == "" and second["answer"] == 2


def test_nan_for_an_empty_cell_is_nothing_in_a_flat_record_too(tmp_path):
    """A table flattened with pandas and written by Python's json holds NaN where a cell was empty: no
    question_plus, and no answer (a test item)."""
    path = tmp_path / "items.jsonl"
    path.write_text(json.dumps(flat(question_plus=float("nan"))) + "\n"
                    + json.dumps(flat(id="q-2", answer=float("nan"))) + "\n", encoding="utf-8")
    first, second = read_file(path)
    assert first["question_plus"] == "" and first["answer"] == 2
    assert second["answer"] is None
