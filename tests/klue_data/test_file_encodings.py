"""Files as Korean users' tools write them: a BOM (Excel's "CSV UTF-8"), CRLF (Windows), NFD Hangul
(macOS, some PDF copies), CP949 (Excel's "CSV" on Korean Windows), UTF-16 (PowerShell's ``>``), gzip."""

from __future__ import annotations

import gzip
import json
import logging
import unicodedata
from pathlib import Path

import pytest

from klue_data import KlueDataError, get_task
from metrics.score import score as score_file

BOM = b"\xef\xbb\xbf"
YNAT = [{"guid": "y-0", "title": "유튜브 크리에이터 지원 공간 운영", "label": "생활문화"},
        {"guid": "y-1", "title": "서울 날씨 맑음", "label": "사회"}]  # fmt: skip
RE_ROW = {"guid": "r-0",
          "sentence": "〈노을〉은 한 소라가 쓰고 별빛악단이 2019년 앨범 《바다》에 담은 노래다.",
          "subject_entity": {"word": "별빛악단", "start_idx": 15, "end_idx": 18, "type": "ORG"},
          "object_entity": {"word": "한 소라", "start_idx": 6, "end_idx": 9, "type": "PER"},
          "label": "no_relation", "source": "wikipedia"}  # fmt: skip
NER_TSV = "## n-0\t<서울:LC>에 간다\n서\tB-LC\n울\tI-LC\n에\tO\n \tO\n간\tO\n다\tO\n"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def write(path: Path, text: str, *, bom: bool = False, crlf: bool = False) -> Path:
    path.write_bytes((BOM if bom else b"") + (text.replace("\n", "\r\n") if crlf else text).encode("utf-8"))
    return path


def json_lines(rows: list[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def csv_text(rows: list[dict]) -> str:
    return "\n".join([",".join(rows[0]), *(",".join(str(value) for value in row.values()) for row in rows)]) + "\n"


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("crlf", [False, True])
@pytest.mark.parametrize("suffix", [".json", ".jsonl", ".csv"])
def test_a_bom_and_crlf_keep_every_field(tmp_path, bom, crlf, suffix):
    """Without the BOM stripped, a CSV header's first name is '\\ufeffguid' and every guid is made up."""
    text = {".json": json.dumps(YNAT, ensure_ascii=False), ".jsonl": json_lines(YNAT), ".csv": csv_text(YNAT)}[suffix]
    records = get_task("ynat").read_file(write(tmp_path / f"ynat{suffix}", text, bom=bom, crlf=crlf))
    assert [(r["guid"], r["title"], r["label"]) for r in records] == [tuple(row.values()) for row in YNAT]


@pytest.mark.parametrize("bom", [False, True])
def test_a_ner_tsv_with_a_bom_and_crlf_has_no_carriage_returns_in_its_tags(tmp_path, bom):
    (record,) = get_task("ner").read_file(write(tmp_path / "ner.tsv", NER_TSV, bom=bom, crlf=True))
    assert record["guid"] == "n-0" and record["ner_tags"] == ["B-LC", "I-LC", "O", "O", "O", "O"]


@pytest.mark.parametrize("ascii_escapes", [False, True])
def test_nfd_text_is_read_as_nfc_with_a_warning(tmp_path, ascii_escapes, caplog):
    """Decomposed jamo tokenize to [UNK] with KLUE's tokenizers, and 생활문화 in NFD is no YNAT label."""
    rows = [{key: nfd(value) for key, value in row.items()} for row in YNAT]
    path = tmp_path / "ynat.json"
    path.write_text(json.dumps(rows, ensure_ascii=ascii_escapes), encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        records = get_task("ynat").read_file(path)
    assert [(r["title"], r["label"]) for r in records] == [(row["title"], row["label"]) for row in YNAT]
    assert "decomposed characters (NFD Hangul" in caplog.text


def test_nfd_re_offsets_counted_in_nfc_characters_select_the_entities(tmp_path):
    row = json.loads(nfd(json.dumps(RE_ROW, ensure_ascii=False)))
    (record,) = get_task("re").read_file(write(tmp_path / "re.json", json.dumps([row], ensure_ascii=False)))
    for name in ("subject_entity", "object_entity"):
        entity = record[name]
        assert record["sentence"][entity["start_idx"] : entity["end_idx"] + 1] == entity["word"]


def test_an_nfd_ner_tsv_has_one_character_per_token(tmp_path):
    (record,) = get_task("ner").read_file(write(tmp_path / "ner.tsv", nfd(NER_TSV)))
    assert record["tokens"] == list("서울에 간다")


def test_an_escape_of_half_a_utf16_pair_is_refused_naming_line_and_field(tmp_path):
    """JSON allows "\\ud83d" alone (a string cut inside an emoji); no UTF-8 writer can write it."""
    whole, cut = json.dumps(dict(YNAT[0], title="좋아요 😀")), json.dumps(dict(YNAT[1], title="좋아요 \ud83d"))
    path = write(tmp_path / "ynat.jsonl", f"{whole}\n{cut}\n")
    assert "\\ud83d\\ude00" in whole and "\\ud83d" in cut
    with pytest.raises(KlueDataError, match=r"line 2, field '\[1\].title': a string holds half of a UTF-16 pair"):
        get_task("ynat").read_file(path)
    assert get_task("ynat").read_file(write(tmp_path / "ok.jsonl", whole))[0]["title"] == "좋아요 😀"


def test_nfd_jamo_split_one_per_ner_token_are_refused_naming_the_character(tmp_path):
    """Text split into code points after it was decomposed: each jamo its own token and tag, which no
    normalisation of the file can join again."""
    jamo = list(nfd("서울에 간다"))
    tags = ["B-LC"] + ["I-LC"] * 4 + ["O"] * (len(jamo) - 5)
    path = write(tmp_path / "ner.json", json.dumps([{"guid": "n-0", "tokens": jamo, "ner_tags": tags}]))
    with pytest.raises(KlueDataError, match="parts of one character \\('서'") as error:
        get_task("ner").read_file(path)
    assert error.value.field == "tokens[1]" and error.value.guid == "n-0"
    lines = "".join(f"{char}\t{tag}\n" for char, tag in zip(jamo, tags))
    with pytest.raises(KlueDataError, match="decomposed Hangul") as error:
        get_task("ner").read_file(write(tmp_path / "ner.tsv", f"## n-0\t<서울:LC>에 간다\n{lines}"))
    assert error.value.line == 3  # the second jamo of 서
    # compatibility jamo are characters of their own (ㅋㅋ), not parts of a syllable
    (record,) = get_task("ner").read_file(write(tmp_path / "ok.tsv", "## n-1\tㅋㅋ\nㅋ\tO\nㅋ\tO\n"))
    assert record["tokens"] == ["ㅋ", "ㅋ"]


@pytest.mark.parametrize(("encoding", "expected"), [("cp949", "CP949"), ("utf-16", "UTF-16"), ("gzip", "gzip")])
@pytest.mark.parametrize(("task", "name", "text"), [("ynat", "ynat.csv", csv_text(YNAT)), ("ner", "ner.tsv", NER_TSV)])
def test_other_encodings_are_refused_in_one_line_saying_what_to_do(tmp_path, encoding, expected, task, name, text):
    path = tmp_path / name
    path.write_bytes(gzip.compress(text.encode()) if encoding == "gzip" else text.encode(encoding))
    with pytest.raises(KlueDataError) as error:
        get_task(task).read_file(path)
    message = str(error.value)
    assert "\n" not in message and str(path) in message and expected in message


def test_the_scorer_matches_nfc_predictions_against_an_nfd_reference(tmp_path):
    context, question, answer = nfd("올여름 장마가 길다"), nfd("무엇이 길다?"), nfd("장마")
    document = {"data": [{"title": "t", "paragraphs": [{"context": context, "qas": [
        {"guid": "m-0", "question": question, "answers": [{"text": answer, "answer_start": 4}],
         "is_impossible": False, "question_type": 1}]}]}]}  # fmt: skip
    reference = write(tmp_path / "dev.json", json.dumps(document, ensure_ascii=False))
    predictions = write(tmp_path / "predictions.jsonl", json_lines([{"guid": "m-0", "prediction": "장마"}]), bom=True,
                        crlf=True)
    assert score_file("mrc", str(reference), str(predictions)).scores["exact_match"] == 100.0
