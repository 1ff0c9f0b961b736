"""The shared record readers (JSON, JSON lines, CSV): cells and strings keep their own line breaks."""

from __future__ import annotations

import csv
import io
import json

import pytest

from klue_data import mcqa
from klue_data.errors import KlueDataError
from klue_data.records import read_records


def write_csv(path, rows):
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_a_quoted_cell_keeps_its_line_breaks(tmp_path):
    problems = json.dumps({"question": "Q", "choices": ["a", "b", "c", "d"], "answer": 2})
    path = write_csv(tmp_path / "items.csv", [["id", "paragraph", "problems", "question_plus"],
                                              ["q1", "첫 줄\n둘째 줄", problems, "ㄱ. 가\r\nㄴ. 나"]])
    [item] = mcqa.read_file(path)
    assert item["paragraph"] == "첫 줄\n둘째 줄"
    assert item["question_plus"] == "ㄱ. 가\nㄴ. 나"  # read as text: \r\n is one line break


def test_unicode_line_separators_are_text_not_line_ends(tmp_path):
    record = {"id": "q1", "paragraph": "가\u2028나\x85다", "question": "Q", "choices": ["a", "b"], "answer": 1}
    jsonl = tmp_path / "items.jsonl"
    jsonl.write_text(json.dumps(record, ensure_ascii=False) + "\n" + json.dumps({**record, "id": "q2"},
                     ensure_ascii=False) + "\n", encoding="utf-8")
    assert [item["paragraph"] for item in mcqa.read_file(jsonl)] == [record["paragraph"]] * 2
    path = write_csv(tmp_path / "s.csv", [["sentence", "label"], ["가\u2028나\x1c다", "0"]])
    assert read_records(path) == [{"sentence": "가\u2028나\x1c다", "label": "0"}]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        # a short row, named by the line it starts on (the row before spans two lines)
        ("rows.csv", 'a,b\n1,"two\nlines"\n3\n', r"rows.csv, line 4: expected 2 cells \(a, b\), got 1"),
        # JSON lines are counted from 1, blank lines too
        ("rows.jsonl", '{"guid": "a"}\n\n{"guid": "b",}\n', r"rows.jsonl, line 3: not valid JSON lines"),
        ("rows.json", '[{"guid": "a"}, ["b"]]', r"rows.json, record 1: expected a JSON object, got list"),
    ],
    ids=["short-csv-row", "broken-json-line", "array-item-not-an-object"],
)
def test_a_bad_row_is_named_by_its_line_or_record(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(KlueDataError, match=message):
        read_records(path)


def test_blank_csv_rows_are_skipped(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("guid,title\na,제목\n\n,\nb,둘\n", encoding="utf-8")  # an empty line and a row of empty cells
    assert [record["guid"] for record in read_records(path)] == ["a", "b"]


def test_a_csv_cell_holds_json_or_a_python_literal():
    from klue_data.records import parse_cell

    assert parse_cell('["서", "울"]') == parse_cell("['서', '울']") == ["서", "울"]
    assert parse_cell("{'word': '서울', 'start_idx': 0}") == {"word": "서울", "start_idx": 0}
    with pytest.raises(ValueError, match="Expecting"):  # JSON's message, the more telling one
        parse_cell("['서', '울'")
    with pytest.raises(ValueError):
        parse_cell("print('x')")  # never evaluated: literals only


def test_numpy_repr_of_a_string_list_is_a_list_and_adjacent_strings_are_refused():
    from klue_data.records import parse_cell

    # datasets' and pandas' to_csv write a list column as numpy's repr: no commas
    assert parse_cell("['서' '울' ' ' '간'\n '다']") == ["서", "울", " ", "간", "다"]
    # anywhere else Python would join them into one string ('서울'), silently
    with pytest.raises(ValueError, match="strings without a comma between them: line 2 column 6"):
        parse_cell("['서',\n '울' '에']")
    with pytest.raises(ValueError, match="strings without a comma"):
        parse_cell("{'word': '서' '울'}")


def test_numpy_repr_of_integer_ids_is_a_list_and_a_nested_or_cut_array_is_named():
    from klue_data.records import numpy_text_hint, parse_cell

    # datasets' to_csv of NER's ner_tags (Hub ids), wrapped over lines as numpy does past 75 columns
    assert parse_cell("[ 4  5 12\n 12 -1]") == [4, 5, 12, 12, -1]
    with pytest.raises(ValueError):
        parse_cell("[ 4  5 1.5]")
    # numpy cuts an array of over 1,000 items to '...', and writes nested columns as array(...): unreadable
    assert "save the split with to_json" in numpy_text_hint("[   0    1    2 ... 1197 1198 1199]")
    assert "save the split with to_json" in numpy_text_hint("{'answer_start': array([1, 2]), 'text': array(['b'])}")
    assert numpy_text_hint("['서' '울']") == numpy_text_hint(None) == ""


def test_a_csv_header_names_each_column_once(tmp_path):
    path = write_csv(tmp_path / "twice.csv", [["guid", "title", "label", "label"], ["a", "제목", "사회", "경제"]])
    with pytest.raises(KlueDataError, match=r"twice.csv, line 1: column 'label' appears 2 times in the header"):
        read_records(path)
    # a second BOM (one was read_text's to take off) is no part of the first column's name
    path = tmp_path / "boms.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\ufeffguid,title\na,제목\n".encode())
    assert read_records(path) == [{"guid": "a", "title": "제목"}]


def test_a_csv_cell_may_be_longer_than_the_csv_modules_default_limit(tmp_path):
    passage = "가" * 200_000  # csv's default field_size_limit is 131,072
    path = write_csv(tmp_path / "long.csv", [["id", "paragraph"], ["q1", passage]])
    assert read_records(path)[0]["paragraph"] == passage


def test_a_broken_pretty_printed_json_document_is_named_where_it_broke(tmp_path):
    document = json.dumps({"data": [{"title": "t", "paragraphs": []}, {"title": "u", "paragraphs": []}]}, indent=2)
    broken = document.replace('"u",', '"u"')  # a comma missing on line 9
    path = tmp_path / "pretty.json"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(KlueDataError, match=r"pretty.json, line 9: not valid JSON \(Expecting ',' delimiter"):
        read_records(path, list_key="data")


def test_a_missing_file_and_a_folder_are_told_apart(tmp_path):
    from klue_data.records import read_text

    with pytest.raises(KlueDataError, match="missing.json: no such file"):
        read_text(tmp_path / "missing.json")
    with pytest.raises(KlueDataError, match=f"{tmp_path}: is a folder, not a file"):
        read_text(tmp_path)


def test_a_byte_that_is_not_utf8_is_named_by_its_line(tmp_path):
    from klue_data.records import read_text

    path = tmp_path / "latin1.csv"
    path.write_bytes(b"guid,title\na,ok\nb,caf\xe9\n")  # Latin-1, not CP949-only either: the byte is on line 3
    with pytest.raises(KlueDataError, match=r"latin1.csv, line 3: not UTF-8 text \(byte 21\)"):
        read_text(path)


def test_old_mac_line_ends_read_as_line_breaks(tmp_path):
    from klue_data.records import read_text

    path = tmp_path / "mac.tsv"
    path.write_bytes("## n-0\t서\r서\tO\r".encode())  # a lone \r ends a line, as classic Mac OS wrote it
    assert read_text(path) == "## n-0\t서\n서\tO\n"


def test_a_number_below_the_range_is_refused_as_one_above_it():
    from klue_data.records import RecordReader

    row = RecordReader("sts.json", 0, {"guid": "s-0", "label": -0.5, "real": 5.5, "ok": "0"})
    with pytest.raises(KlueDataError, match=r"field 'label': expected a number in \[0, 5\], got -0.5"):
        row.number("label", low=0, high=5)
    with pytest.raises(KlueDataError, match=r"got 5.5"):
        row.number("real", low=0, high=5)
    assert row.number("ok", low=0, high=5) == 0.0


@pytest.mark.parametrize("unset", [None, ""])
def test_an_unset_id_field_falls_back_to_the_file_and_position(unset):
    from klue_data.records import RecordReader

    row = RecordReader("my-dev.csv", 12, {"id": unset, "sentence": "문장"})
    assert row.guid_or_fallback(id_field="id") == "my-dev-00012"
    assert RecordReader("my-dev.csv", 0, {"id": 7}).guid_or_fallback(id_field="id") == "7"


def test_an_optional_text_field_that_is_null_or_missing_reads_as_empty():
    from klue_data.records import RecordReader

    row = RecordReader("nli.json", 0, {"guid": "n-0", "source": None, "genre": "wiki", "n": 3})
    assert row.optional_text("source") == ""
    assert row.optional_text("missing") == ""
    assert row.optional_text("source", alternatives=("genre",)) == "wiki"
    with pytest.raises(KlueDataError, match=r"field 'n': expected a string, got int 3"):
        row.optional_text("n")
