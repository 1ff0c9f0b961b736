"""klue_data.mrc: SQuAD-like originals, flat Hub-schema files and Hub rows; unanswerable questions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import datasets
import pytest

from klue_data import KlueDataError, get_task, mrc
from tests.shared_data import SHARED_KLUE, require_shared

KLUE = SHARED_KLUE
MRC_SAMPLES = KLUE / "samples" / "klue-mrc-v1"

CONTEXT = "한빛시는 2020년에 새 도서관을 열었다. 도서관은 강변에 있다."  # made up


def qa(guid: str, question: str, answers: list, *, impossible: bool = False, plausible: list | None = None) -> dict:
    item = {
        "question": question,
        "answers": answers,
        "question_type": 3 if impossible else 1,
        "is_impossible": impossible,
        "guid": guid,
    }
    if plausible is not None:
        item["plausible_answers"] = plausible
    return item


def original(paragraphs: list[dict]) -> dict:
    return {
        "data": [{"title": "한빛시 도서관", "news_category": "사회", "source": "made-up", "paragraphs": paragraphs}]
    }


def write(tmp_path: Path, document, name: str = "smoke-mrc.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_samples():
    for split in ("train", "dev"):
        path = require_shared(MRC_SAMPLES / f"klue-mrc-v1_{split}.json")
        raw = json.loads(path.read_text(encoding="utf-8"))
        raw_qas = [
            (article, paragraph, item)
            for article in raw["data"]
            for paragraph in article["paragraphs"]
            for item in paragraph["qas"]
        ]
        examples = mrc.read_file(path)
        assert len(examples) == len(raw_qas) > 0
        for example, (article, paragraph, item) in zip(examples, raw_qas):
            assert set(example) == {
                "guid",
                "title",
                "context",
                "news_category",
                "source",
                "question",
                "question_type",
                "is_impossible",
                "answers",
                "plausible_answers",
            }
            assert example["guid"] == item["guid"] and example["title"] == article["title"]
            assert example["context"] == paragraph["context"]
            assert isinstance(example["question_type"], int) and isinstance(example["is_impossible"], bool)
            if example["is_impossible"]:
                assert example["answers"] == {"answer_start": [], "text": []}
            else:
                assert example["answers"]["text"] == [answer["text"] for answer in item["answers"]]
                for start, text in zip(example["answers"]["answer_start"], example["answers"]["text"]):
                    assert example["context"][start : start + len(text)] == text


def test_unanswerable_questions_have_empty_answers(tmp_path):
    document = original(
        [
            {
                "context": CONTEXT,
                "qas": [
                    qa("smoke-mrc-00001", "도서관은 언제 열었나?", [{"text": "2020년", "answer_start": 5}]),
                    qa(
                        "smoke-mrc-00002",
                        "도서관장은 누구인가?",
                        [],
                        impossible=True,
                        plausible=[{"text": "한빛시", "answer_start": 0}],
                    ),
                    # an unanswerable question whose candidates sit in 'answers' (as in the Hub's merge): moved
                    qa("smoke-mrc-00003", "도서관의 층수는?", [{"text": "강변", "answer_start": 29}], impossible=True),
                ],
            }
        ]
    )
    answerable, unanswerable, moved = mrc.read_file(write(tmp_path, document))
    assert answerable["answers"] == {"answer_start": [5], "text": ["2020년"]}
    assert answerable["plausible_answers"] == {"answer_start": [], "text": []}
    assert CONTEXT[5 : 5 + len("2020년")] == "2020년"
    assert unanswerable["answers"] == {"answer_start": [], "text": []}
    assert unanswerable["plausible_answers"] == {"answer_start": [0], "text": ["한빛시"]}
    assert moved["answers"]["text"] == [] and moved["plausible_answers"]["text"] == ["강변"]
    assert [mrc.gold_answers(example) for example in (answerable, unanswerable, moved)] == [["2020년"], [], []]
    assert answerable["title"] == "한빛시 도서관" and answerable["question_type"] == 1


@pytest.mark.parametrize(
    ("paragraph", "field", "fragments"),
    [
        ({"context": CONTEXT}, "qas", ["data[0].paragraphs[1] has no 'qas'"]),
        ({"qas": [qa("smoke-mrc-00009", "무엇?", [])]}, "context", ["data[0].paragraphs[1]", "guid smoke-mrc-00009"]),
        (
            {"context": CONTEXT, "qas": [qa("smoke-mrc-00009", "무엇?", [{"text": "한빛시", "answer_start": "0"}])]},
            "answers[0].answer_start",
            ["guid smoke-mrc-00009"],
        ),
        (
            {"context": CONTEXT, "qas": [{**qa("smoke-mrc-00009", "무엇?", []), "is_impossible": "maybe"}]},
            "is_impossible",
            ["guid smoke-mrc-00009"],
        ),
        ({"context": CONTEXT, "qas": [{"guid": "smoke-mrc-00009", "answers": []}]}, None, ["missing field 'question'"]),
        (  # a blank answer would score the empty prediction (no answer) 100 on an answerable question
            {"context": CONTEXT, "qas": [qa("smoke-mrc-00009", "무엇?", [{"text": " ", "answer_start": 0}])]},
            "answers[0].text",
            ["guid smoke-mrc-00009", "answerable question"],
        ),
        (
            {"context": CONTEXT, "qas": [{**qa("smoke-mrc-00009", "무엇?", []), "question_type": "①"}]},
            "question_type",
            ["expected an integer (1, 2 or 3)"],
        ),
    ],
)
def test_errors_name_file_position_guid_and_field(tmp_path, paragraph, field, fragments):
    good = {"context": CONTEXT, "qas": [qa("smoke-mrc-00001", "언제?", [{"text": "2020년", "answer_start": 5}])]}
    path = write(tmp_path, original([good, paragraph]), "smoke-bad.json")
    with pytest.raises(KlueDataError) as caught:
        mrc.read_file(path)
    message = str(caught.value)
    assert "smoke-bad.json" in message
    assert all(fragment in message for fragment in fragments), message
    assert caught.value.field == field


def test_missing_paragraphs(tmp_path):
    with pytest.raises(KlueDataError, match=r"data\[0\] has no 'paragraphs' list"):
        mrc.read_file(write(tmp_path, {"data": [{"title": "제목"}]}))


def test_flat_hub_schema_file_with_merged_answers(tmp_path):
    rows = [
        {
            "guid": "smoke-mrc-00001",
            "title": "t",
            "context": CONTEXT,
            "news_category": "사회",
            "source": "made-up",
            "question": "언제?",
            "question_type": 1,
            "is_impossible": False,
            "answers": {"answer_start": [5], "text": ["2020년"]},
        },
        {
            "guid": "smoke-mrc-00002",
            "title": "t",
            "context": CONTEXT,
            "news_category": "사회",
            "source": "made-up",
            "question": "누가?",
            "question_type": 3,
            "is_impossible": True,
            "answers": {"answer_start": [0], "text": ["한빛시"]},
        },
    ]
    path = tmp_path / "smoke-mrc.jsonl"
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8")
    first, second = mrc.read_file(path)
    assert first["answers"]["text"] == ["2020년"]
    assert second["answers"] == {"answer_start": [], "text": []}
    assert second["plausible_answers"] == {"answer_start": [0], "text": ["한빛시"]}


@pytest.mark.parametrize(("written", "impossible"), [("false", False), ("False", False), (" true ", True), (0, False)])
def test_is_impossible_written_as_text_or_a_number(tmp_path, written, impossible):
    # CSV and JSON-lines exports write the flag as text: "false" is answerable, and keeps its answer
    row = {"guid": "smoke-mrc-00001", "context": CONTEXT, "question": "언제?", "question_type": 1,
           "is_impossible": written, "answers": {"answer_start": [5], "text": ["2020년"]}}
    (example,) = mrc.read_file(write(tmp_path, [row], "smoke-mrc.json"))
    assert example["is_impossible"] is impossible
    assert example["answers"]["text"] == ([] if impossible else ["2020년"])


def test_from_hub_example_moves_merged_answers_of_unanswerable_questions():
    features = datasets.Features(
        {
            "title": datasets.Value("string"),
            "context": datasets.Value("string"),
            "news_category": datasets.Value("string"),
            "source": datasets.Value("string"),
            "guid": datasets.Value("string"),
            "is_impossible": datasets.Value("bool"),
            "question_type": datasets.Value("int32"),
            "question": datasets.Value("string"),
            "answers": datasets.Sequence({"answer_start": datasets.Value("int32"), "text": datasets.Value("string")}),
        }
    )
    base = {"title": "t", "context": CONTEXT, "news_category": "사회", "source": "made-up"}
    hub = datasets.Dataset.from_list(
        [
            {
                **base,
                "guid": "smoke-mrc-00001",
                "is_impossible": False,
                "question_type": 1,
                "question": "언제?",
                "answers": {"answer_start": [5], "text": ["2020년"]},
            },
            {
                **base,
                "guid": "smoke-mrc-00002",
                "is_impossible": True,
                "question_type": 3,
                "question": "누가?",
                "answers": {"answer_start": [0], "text": ["한빛시"]},
            },
        ],
        features=features,
    )
    answerable = mrc.from_hub_example(hub[0], hub.features, "unused")
    unanswerable = mrc.from_hub_example(hub[1], hub.features, "unused")
    assert answerable["answers"] == {"answer_start": [5], "text": ["2020년"]}
    assert answerable["plausible_answers"] == {"answer_start": [], "text": []}
    assert unanswerable["answers"] == {"answer_start": [], "text": []}
    assert unanswerable["plausible_answers"] == {"answer_start": [0], "text": ["한빛시"]}
    assert unanswerable["is_impossible"] is True and unanswerable["guid"] == "smoke-mrc-00002"
    # the records of both readers fit one Dataset (same fields, same types)
    assert datasets.Dataset.from_list([answerable, unanswerable]).num_rows == 2


def test_registered():
    assert get_task("mrc") is mrc and mrc.FILE_PREFIXES == ("klue-mrc-v1.1", "klue-mrc-v1")


@pytest.mark.parametrize("layout", ["original", "hub_jsonl"])
def test_a_guid_used_twice_is_refused_naming_the_file_record_and_guid(tmp_path, layout):
    """Predictions files and the metric match answers by guid, so a repeated guid is refused where it
    is read (it used to pass here and make the written predictions unscorable)."""
    first = qa("smoke-mrc-00001", "언제?", [{"text": "2020년", "answer_start": 5}])
    second = qa("smoke-mrc-00001", "어디에?", [{"text": "강변", "answer_start": CONTEXT.index("강변")}])
    if layout == "original":
        path = write(tmp_path, original([{"context": CONTEXT, "qas": [first]}, {"context": CONTEXT, "qas": [second]}]))
    else:
        path = tmp_path / "smoke-mrc.jsonl"
        path.write_text("\n".join(json.dumps({**row, "context": CONTEXT}, ensure_ascii=False)
                                  for row in (first, second)), encoding="utf-8")
    with pytest.raises(KlueDataError) as caught:
        mrc.read_file(path)
    assert caught.value.field == "guid" and caught.value.record == 1
    assert str(caught.value).startswith(f"{path}, record 1 (guid smoke-mrc-00001), field 'guid': guid "
                                        "'smoke-mrc-00001' was already used by record 0")


def test_empty_questions_are_read_and_warned_about_by_guid(tmp_path, caplog):
    questions = [qa("smoke-mrc-00001", "  ", []), qa("smoke-mrc-00002", "언제?", [])]
    document = original([{"context": CONTEXT, "qas": questions}])
    with caplog.at_level("WARNING"):
        examples = mrc.read_file(write(tmp_path, document))
    assert [example["question"] for example in examples] == ["  ", "언제?"]
    assert "1 record(s) with an empty question or context (still predicted): smoke-mrc-00001" in caplog.text


def test_answers_in_a_csv_cell_are_read_and_a_split_saved_by_to_csv_is_refused_naming_to_json(tmp_path):
    row = {"guid": "smoke-mrc-00001", "title": "도서관", "context": "도서관은 아홉 시에 문을 연다.",
           "question": "도서관은 몇 시에 여나?", "answers": {"answer_start": [5], "text": ["아홉 시"]},
           "is_impossible": False, "question_type": 1, "source": "made-up", "news_category": "사회"}
    path = tmp_path / "dev.csv"
    datasets.Dataset.from_list([row]).to_csv(path)  # answers as numpy's text: {'answer_start': array([5]), ...}
    with pytest.raises(KlueDataError, match=r"field 'answers': .*got str; this is numpy's text .*to_json"):
        mrc.read_file(path)
    datasets.Dataset.from_list([{**row, "answers": json.dumps(row["answers"], ensure_ascii=False)}]).to_csv(path)
    (read,) = mrc.read_file(path)
    assert read["answers"] == {"answer_start": [5], "text": ["아홉 시"]}


def test_a_squad_v1_style_question_without_flag_or_type_is_answerable_of_unknown_type(tmp_path):
    document = original([{"context": CONTEXT, "qas": [{"guid": "smoke-mrc-00001", "question": "언제?",
                                                        "answers": [{"text": "2020년", "answer_start": 5}]}]}])
    (example,) = mrc.read_file(write(tmp_path, document))
    assert example["is_impossible"] is False and example["question_type"] == mrc.UNKNOWN_QUESTION_TYPE
    assert example["answers"] == {"answer_start": [5], "text": ["2020년"]}


def test_an_empty_question_type_cell_reads_as_unknown(tmp_path):
    path = tmp_path / "dev.csv"
    path.write_text(f'guid,context,question,question_type,answers\nm-0,{CONTEXT},언제?,,'
                    '"[{""text"": ""2020년"", ""answer_start"": 5}]"\n', encoding="utf-8")
    (example,) = mrc.read_file(path)
    assert example["question_type"] == 0 and example["answers"]["text"] == ["2020년"]


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"is_impossible": 2}, "is_impossible", "expected true or false, got 2"),
        ({"answers": {"answer_start": [5, 0], "text": ["2020년"]}}, "answers",
         "expected 'text' and 'answer_start' lists of the same length"),
        ({"answers": [{"text": None, "answer_start": 5}]}, "answers[0]", "with a string text, got"),
        ({"answers": [{"text": "2020년", "answer_start": True}]}, "answers[0].answer_start",
         "expected an integer answer_start, got True"),
    ],
)
def test_a_bad_flag_or_answer_in_a_flat_file_is_refused_naming_the_field(tmp_path, changes, field, fragment):
    row = {"guid": "smoke-mrc-00001", "context": CONTEXT, "question": "언제?", "question_type": 1,
           "is_impossible": False, "answers": [{"text": "2020년", "answer_start": 5}], **changes}
    with pytest.raises(KlueDataError, match=re.escape(fragment)) as caught:
        mrc.read_file(write(tmp_path, [row], "smoke-mrc.json"))
    assert caught.value.field == field and caught.value.guid == "smoke-mrc-00001"


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ({"version": "v1", "rows": []}, "expected a JSON array of records"),
        ({"data": {"title": "t", "paragraphs": []}}, "expected 'data' to be a list of articles, got dict"),
        ({"data": [{"title": 3, "paragraphs": []}]}, "data[0]: expected a string, got 3"),
        ({"data": [{"news_category": 0, "paragraphs": []}]}, "data[0]: expected a string, got 0"),
        ({"data": [{"paragraphs": [{"context": CONTEXT, "qas": ["언제?"]}]}]},
         "data[0].paragraphs[0].qas[0]: expected an object, got str"),
    ],
)
def test_a_document_that_is_not_squad_like_is_refused_in_one_line(tmp_path, document, fragment):
    with pytest.raises(KlueDataError, match=re.escape(fragment)):
        mrc.read_file(write(tmp_path, document))


def test_an_unanswerable_questions_answers_join_its_plausible_answers_once(tmp_path):
    """The Hub merged plausible_answers into answers: the two lists often hold the same span."""
    item = qa("smoke-mrc-00001", "도서관장은 누구인가?", [{"text": "한빛시", "answer_start": 0},
                                                           {"text": "강변", "answer_start": 29}],
              impossible=True, plausible=[{"text": "한빛시", "answer_start": 0}, {"text": "도서관", "answer_start": 15}])
    (example,) = mrc.read_file(write(tmp_path, original([{"context": CONTEXT, "qas": [item]}])))
    assert example["answers"] == {"answer_start": [], "text": []}
    assert example["plausible_answers"] == {"answer_start": [0, 15, 29], "text": ["한빛시", "도서관", "강변"]}


def test_an_empty_context_is_read_and_warned_about_by_guid(tmp_path, caplog):
    document = original([{"context": "  ", "qas": [qa("smoke-mrc-00001", "언제?", [])]}])
    with caplog.at_level("WARNING"):
        (example,) = mrc.read_file(write(tmp_path, document))
    assert example["context"] == "  "
    assert "1 record(s) with an empty question or context (still predicted): smoke-mrc-00001" in caplog.text
