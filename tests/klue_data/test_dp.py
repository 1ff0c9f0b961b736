"""klue_data.dp: the original word-per-line TSV, Hub-schema JSON and Hub rows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import datasets
import pytest

from klue_data import KlueDataError, dp, get_task
from tests.shared_data import SHARED_KLUE, require_shared

KLUE = SHARED_KLUE
DP_DEV = KLUE / "v1.1" / "klue-dp-v1.1" / "klue-dp-v1.1_dev.tsv"
DP_SAMPLES = KLUE / "samples" / "klue-dp-v1"

COMMENTS = (
    "## 토큰, 레이블 구분자 : \\t\n## 토큰 구분자 : \\n\n## 문장 구분자 : \\n\\n\n## 주석 : ##\n"
    "## 칼럼명 : INDEX\tWORD_FORM\tLEMMA\tPOS\tHEAD\tDEPREL\n"
)
# made-up sentences: (index, word, lemma, pos, head, deprel)
SENTENCE_1 = [
    (1, "민지가", "민지 가", "NNP+JKS", 3, "NP_SBJ"),
    (2, "사과를", "#NAME?", "NNG+JKO", 3, "NP_OBJ"),  # a spreadsheet-damaged lemma, kept
    (3, "먹었다.", "먹 었 다 .", "VV+EP+EF+SF", 0, "VP"),
]
SENTENCE_2 = [(1, "좋다.", "좋 다 .", "VA+EF+SF", 0, "VP")]


def block(guid: str, rows: list[tuple]) -> str:
    sentence = " ".join(row[1] for row in rows)
    return f"## {guid}\t{sentence}\n" + "".join("\t".join(map(str, row)) + "\n" for row in rows) + "\n"


def write(tmp_path: Path, text: str, name: str = "smoke-dp_dev.tsv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- real files


def test_dev_file_every_sentence_parses():
    text = require_shared(DP_DEV).read_text(encoding="utf-8")
    examples = dp.read_file(DP_DEV)
    assert len(examples) == 2000
    assert len({example["guid"] for example in examples}) == 2000
    # independent count: the lines that start with a word index
    assert sum(len(example["word_form"]) for example in examples) == sum(
        1 for line in text.split("\n") if line[:1].isdigit()
    )
    joined_differently = 0
    for example in examples:
        assert set(example) == {"guid", "sentence", "index", "word_form", "lemma", "pos", "head", "deprel"}
        n = len(example["index"])
        assert example["index"] == list(range(1, n + 1))
        assert all(len(example[name]) == n for name in ("word_form", "lemma", "pos", "head", "deprel"))
        assert all(0 <= head <= n for head in example["head"])
        assert example["head"].count(0) >= 1
        assert len(example["sentence"].split(" ")) == n
        joined_differently += " ".join(example["word_form"]) != example["sentence"]
    # a few word lines lost or gained a digit against the header (15.7% vs 15.70%): kept as they are
    assert joined_differently < 20


def test_truncated_sample_is_reported_and_complete_sentences_parse(tmp_path):
    # the samples are the first ~1 KB of the files: the last sentence is cut, its heads point past it
    text = require_shared(DP_SAMPLES / "klue-dp-v1_train.tsv").read_text(encoding="utf-8")
    last_header = text.rindex("\n## ") + 1
    last_guid = text[last_header + 3 :].split("\t", 1)[0]
    with pytest.raises(KlueDataError) as caught:
        dp.read_file(DP_SAMPLES / "klue-dp-v1_train.tsv")
    assert caught.value.guid == last_guid and caught.value.field == "head"
    assert "klue-dp-v1_train.tsv" in str(caught.value) and "line " in str(caught.value)
    examples = dp.read_file(write(tmp_path, text[:last_header], "complete.tsv"))
    assert examples and all(example["head"].count(0) >= 1 for example in examples)
    assert all(" ".join(example["word_form"]) == example["sentence"] for example in examples)


# ---------------------------------------------------------------- made-up files


def test_reads_a_made_up_file(tmp_path):
    path = write(tmp_path, COMMENTS + block("smoke-dp-00001", SENTENCE_1) + block("smoke-dp-00002", SENTENCE_2))
    first, second = dp.read_file(path)
    assert first == {
        "guid": "smoke-dp-00001",
        "sentence": "민지가 사과를 먹었다.",
        "index": [1, 2, 3],
        "word_form": ["민지가", "사과를", "먹었다."],
        "lemma": ["민지 가", "#NAME?", "먹 었 다 ."],
        "pos": ["NNP+JKS", "NNG+JKO", "VV+EP+EF+SF"],
        "head": [3, 3, 0],
        "deprel": ["NP_SBJ", "NP_OBJ", "VP"],
    }
    assert second["head"] == [0]


@pytest.mark.parametrize(
    ("rows", "bad_line", "field", "fragment"),
    [
        ([*SENTENCE_1[:2], (3, "먹었다.", "먹 었 다 .", "VV", 4, "VP")], 4, "head", "HEAD 4 outside 0..3"),
        ([*SENTENCE_1[:2], (3, "먹었다.", "먹 었 다 .", "VV", "x", "VP")], 4, "head", "expected an integer"),
        # a word attached to itself: the parser masks self arcs, its loss would explode (~1e38)
        ([SENTENCE_1[0], (2, "사과를", "사과 를", "NNG+JKO", 2, "NP_OBJ"), SENTENCE_1[2]], 3, "head", "own INDEX"),
        ([SENTENCE_1[0], (3, *SENTENCE_1[1][1:])], 3, "index", "out of sequence"),
        ([SENTENCE_1[0], SENTENCE_1[1][:5]], 3, None, "expected 6 tab-separated columns"),
    ],
)
def test_bad_lines_name_file_line_guid_and_field(tmp_path, rows, bad_line, field, fragment):
    path = write(tmp_path, block("smoke-dp-00009", rows), "smoke-bad.tsv")
    with pytest.raises(KlueDataError) as caught:
        dp.read_file(path)
    message = str(caught.value)
    assert "smoke-bad.tsv" in message and f"line {bad_line}" in message and "smoke-dp-00009" in message
    assert fragment in message
    assert caught.value.field == field


def test_a_header_without_word_lines_is_refused(tmp_path):
    # not read as a sentence of no words (predicted as one) nor as an unlabelled sentence among labelled ones
    text = block("smoke-dp-00001", SENTENCE_1) + "## smoke-dp-00002\t좋다.\n\n" + block("smoke-dp-00003", SENTENCE_2)
    with pytest.raises(KlueDataError, match="no word lines") as caught:
        dp.read_file(write(tmp_path, text))
    assert caught.value.line == 6 and caught.value.guid == "smoke-dp-00002"


def test_sentences_to_parse_leave_head_and_deprel_out(tmp_path):
    """Four columns, or ``_`` in HEAD and DEPREL (CoNLL's "no value"): read with head and deprel None."""
    four_columns = [row[:4] for row in SENTENCE_1]
    underscores = [(*row[:4], "_", "_") for row in SENTENCE_2]
    path = write(tmp_path, COMMENTS + block("smoke-dp-00001", four_columns) + block("smoke-dp-00002", underscores)
                 + block("smoke-dp-00003", SENTENCE_2))
    first, second, labelled = dp.read_file(path)
    assert first == {"guid": "smoke-dp-00001", "sentence": "민지가 사과를 먹었다.", "index": [1, 2, 3],
                     "word_form": ["민지가", "사과를", "먹었다."], "lemma": ["민지 가", "#NAME?", "먹 었 다 ."],
                     "pos": ["NNP+JKS", "NNG+JKO", "VV+EP+EF+SF"], "head": None, "deprel": None}
    assert second["head"] is None and second["deprel"] is None and second["word_form"] == ["좋다."]
    assert labelled["head"] == [0] and labelled["deprel"] == ["VP"]  # a file may mix them (the run decides)


@pytest.mark.parametrize(
    ("rows", "bad_line", "field", "fragment"),
    [
        ([SENTENCE_1[0], SENTENCE_1[1][:4], SENTENCE_1[2]], 3, "head",
         "no HEAD and DEPREL here, on the sentence's first word; a sentence has them on every word (scored) or on "
         "none (parsed only)"),
        ([SENTENCE_1[0][:4], *SENTENCE_1[1:]], 3, "head", "HEAD and DEPREL here, none on the sentence's first word"),
        ([SENTENCE_1[0], (*SENTENCE_1[1][:4], "_", "NP_OBJ"), SENTENCE_1[2]], 3, "head",
         "HEAD is _ and the other is not; leave both out (a sentence to parse) or give both"),
        ([SENTENCE_1[0], (*SENTENCE_1[1][:5], "_"), SENTENCE_1[2]], 3, "deprel", "DEPREL is _ and the other is not"),
    ],
)
def test_a_sentence_partly_without_heads_is_refused(tmp_path, rows, bad_line, field, fragment):
    path = write(tmp_path, block("smoke-dp-00009", rows), "smoke-bad.tsv")
    with pytest.raises(KlueDataError) as caught:
        dp.read_file(path)
    assert f"line {bad_line}" in str(caught.value) and fragment in str(caught.value), str(caught.value)
    assert caught.value.field == field


def test_word_lines_without_header(tmp_path):
    text = block("smoke-dp-00001", SENTENCE_2) + "1\t좋다.\t좋 다 .\tVA+EF+SF\t0\tVP\n"
    with pytest.raises(KlueDataError, match=r"smoke-dp_dev.tsv, line 4: a token line outside any sentence"):
        dp.read_file(write(tmp_path, text))


@pytest.mark.parametrize("layout", ["tsv", "json"])
def test_a_guid_used_twice_is_refused(tmp_path, layout):
    """Predictions are matched by guid: a repeated one is refused where it is read, not by the scorer later."""
    if layout == "tsv":
        path = write(tmp_path, COMMENTS + block("smoke-dp-00001", SENTENCE_1) + block("smoke-dp-00001", SENTENCE_2))
        expected = "line 11, guid smoke-dp-00001, field 'guid': guid 'smoke-dp-00001' was already used by the sentence "
    else:
        path = tmp_path / "smoke-dp.json"
        path.write_text(json.dumps([hub_row(), hub_row()], ensure_ascii=False), encoding="utf-8")
        expected = "record 1 (guid smoke-dp-00001), field 'guid': guid 'smoke-dp-00001' was already used by record 0"
    with pytest.raises(KlueDataError) as caught:
        dp.read_file(path)
    assert str(caught.value).startswith(f"{path}, {expected}")


# ---------------------------------------------------------------- Hub schema


def hub_row(**changes):
    row = {
        "guid": "smoke-dp-00001",
        "sentence": "민지가 웃었다.",
        "index": [1, 2],
        "word_form": ["민지가", "웃었다."],
        "lemma": ["민지 가", "웃 었 다 ."],
        "pos": ["NNP+JKS", "VV+EP+EF+SF"],
        "head": [2, 0],
        "deprel": ["NP_SBJ", "VP"],
    }
    row.update(changes)
    return row


def test_hub_schema_json(tmp_path):
    path = tmp_path / "smoke-dp.json"
    path.write_text(json.dumps([hub_row()], ensure_ascii=False), encoding="utf-8")
    assert dp.read_file(path) == [hub_row()]
    # a sentence to parse leaves head and deprel out, or null
    without = {key: value for key, value in hub_row().items() if key not in ("head", "deprel")}
    path.write_text(json.dumps([without, hub_row(guid="smoke-dp-00002", head=None, deprel=None)]), encoding="utf-8")
    assert dp.read_file(path) == [{**without, "head": None, "deprel": None},
                                  hub_row(guid="smoke-dp-00002", head=None, deprel=None)]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"head": [2]}, "head"),
        ({"head": [3, 0]}, "head[0]"),
        ({"head": [2, 2]}, "head[1]"),  # the second word heads itself
        ({"head": [2, "0"]}, "head[1]"),
        ({"index": [0, 1]}, "index[0]"),  # heads name words 1, 2, ...: numbered from 0, every arc would move
        ({"index": [1, 3]}, "index[1]"),
        ({"lemma": "x"}, "lemma"),
        ({"deprel": None}, "head"),  # heads without relations
        ({"head": None}, "deprel"),
    ],
)
def test_hub_schema_errors(tmp_path, changes, field):
    path = tmp_path / "smoke-dp.json"
    path.write_text(json.dumps([hub_row(**changes)], ensure_ascii=False), encoding="utf-8")
    with pytest.raises(KlueDataError) as caught:
        dp.read_file(path)
    assert "smoke-dp.json" in str(caught.value) and "smoke-dp-00001" in str(caught.value)
    assert caught.value.field == field


def test_from_hub_example():
    features = datasets.Features(
        {
            "sentence": datasets.Value("string"),
            "index": [datasets.Value("int32")],
            "word_form": [datasets.Value("string")],
            "lemma": [datasets.Value("string")],
            "pos": [datasets.Value("string")],
            "head": [datasets.Value("int32")],
            "deprel": [datasets.Value("string")],
        }
    )
    row = {key: value for key, value in hub_row().items() if key != "guid"}  # the Hub's DP has no guid
    hub = datasets.Dataset.from_list([row], features=features)
    example = dp.from_hub_example(hub[0], hub.features, "klue-dp-v1_validation_00000")
    assert example == hub_row(guid="klue-dp-v1_validation_00000")


def test_registered():
    task = get_task("dp")
    assert task is dp and task.FILE_SUFFIX == ".tsv" and task.LABELS is None
    assert task.FILE_PREFIXES == ("klue-dp-v1.1", "klue-dp-v1")


@pytest.mark.parametrize(
    ("rows", "bad_line", "field", "fragment"),
    [
        ([(1, "좋다.", "좋 다 .", "VA+EF+SF", -1, "VP")], 2, "head", "HEAD -1 outside 0..1"),
        ([(1, "좋다.", "좋 다 .", "VA+EF+SF", 0, "VP", "extra")], 2, None, "expected 6 tab-separated columns"),
    ],
)
def test_a_negative_head_or_a_seventh_column_is_refused(tmp_path, rows, bad_line, field, fragment):
    with pytest.raises(KlueDataError, match=re.escape(fragment)) as caught:
        dp.read_file(write(tmp_path, block("smoke-dp-00009", rows), "smoke-bad.tsv"))
    assert caught.value.line == bad_line and caught.value.field == field


def test_spaces_around_deprel_and_the_no_value_mark_are_not_part_of_them(tmp_path):
    text = ("## smoke-dp-00001\t좋다.\n1\t좋다.\t좋 다 .\tVA+EF+SF\t0\tVP \n\n"
            "## smoke-dp-00002\t좋다.\n1\t좋다.\t좋 다 .\tVA\t_ \t _\n")
    labelled, unlabelled = dp.read_file(write(tmp_path, text))
    assert labelled["deprel"] == ["VP"] and labelled["head"] == [0]
    assert unlabelled["head"] is None and unlabelled["deprel"] is None


def test_a_csv_file_is_refused_naming_the_formats_read(tmp_path):
    path = tmp_path / "smoke-dp.csv"
    path.write_text("guid,sentence\nsmoke-dp-00001,좋다.\n", encoding="utf-8")
    with pytest.raises(KlueDataError, match="DP files are KLUE TSV .* or Hub-schema JSON/JSON lines, not CSV"):
        dp.read_file(path)


def test_a_hub_row_keeps_its_sentence_and_one_without_gets_the_word_forms_joined_by_spaces(tmp_path):
    """The real files' sentences do not always equal their word forms joined (15.7% vs 15.70%)."""
    path = tmp_path / "smoke-dp.json"
    without = {key: value for key, value in hub_row(guid="smoke-dp-00002").items() if key != "sentence"}
    path.write_text(json.dumps([hub_row(sentence="민지가  웃었다!"), without], ensure_ascii=False), encoding="utf-8")
    kept, joined = dp.read_file(path)
    assert kept["sentence"] == "민지가  웃었다!" and joined["sentence"] == "민지가 웃었다."


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"index": [True, 2]}, "index[0]"), ({"head": [2, False]}, "head[1]"), ({"index": 12}, "index")],
)
def test_hub_schema_lists_of_booleans_or_not_lists_are_refused(tmp_path, changes, field):
    path = tmp_path / "smoke-dp.json"
    path.write_text(json.dumps([hub_row(**changes)], ensure_ascii=False), encoding="utf-8")
    with pytest.raises(KlueDataError, match="expected") as caught:
        dp.read_file(path)
    assert caught.value.field == field and caught.value.guid == "smoke-dp-00001"
