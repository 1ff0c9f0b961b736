"""sources.load_hub checks the Hub's rows as a Hub-schema file is checked (each task's ``read_rows``).

Rows of the real klue/klue schema (its features, ClassLabel orders included) load exactly as
``from_hub_example`` converts them; bad rows (another dataset's labels, values outside the task's range,
lists of different lengths, entity spans outside the sentence, a guid used twice) end in one
``KlueDataError`` line naming the dataset, split, row, guid and field. All text here is made up.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

import datasets
import pytest

from klue_data import KlueDataError, dp, mcqa, mrc, ner, nli, sources, sts, wos, ynat
from klue_data import re as re_data
from klue_data.hub_rows import hub_label
from klue_data.labels import NER_HUB_TAGS, NLI_HUB_LABELS, RE_HUB_RELATIONS, YNAT_HUB_LABELS
from klue_data.records import fallback_guid

V, CL = datasets.Value, datasets.ClassLabel
ENTITY = {"word": V("string"), "start_idx": V("int32"), "end_idx": V("int32"), "type": V("string")}
# As klue/klue declares them: the ClassLabel orders of YNAT, NLI and NER differ from the official ones.
FEATURES: dict[str, dict[str, Any]] = {
    "ynat": {"guid": V("string"), "title": V("string"), "label": CL(names=list(YNAT_HUB_LABELS)),
             "url": V("string"), "date": V("string")},
    "nli": {"guid": V("string"), "source": V("string"), "premise": V("string"), "hypothesis": V("string"),
            "label": CL(names=list(NLI_HUB_LABELS))},
    "sts": {"guid": V("string"), "source": V("string"), "sentence1": V("string"), "sentence2": V("string"),
            "labels": {"label": V("float64"), "real-label": V("float64"),
                       "binary-label": CL(names=["negative", "positive"])}},
    "ner": {"sentence": V("string"), "tokens": datasets.Sequence(V("string")),
            "ner_tags": datasets.Sequence(CL(names=list(NER_HUB_TAGS)))},
    "re": {"guid": V("string"), "sentence": V("string"), "subject_entity": ENTITY, "object_entity": ENTITY,
           "label": CL(names=list(RE_HUB_RELATIONS)), "source": V("string")},
    "dp": {"sentence": V("string"), "index": [V("int32")], "word_form": [V("string")], "lemma": [V("string")],
           "pos": [V("string")], "head": [V("int32")], "deprel": [V("string")]},
    "mrc": {"title": V("string"), "context": V("string"), "news_category": V("string"), "source": V("string"),
            "guid": V("string"), "is_impossible": V("bool"), "question_type": V("int32"), "question": V("string"),
            "answers": datasets.Sequence({"answer_start": V("int32"), "text": V("string")})},
    "wos": {"guid": V("string"), "domains": [V("string")],
            "dialogue": [{"role": V("string"), "text": V("string"), "state": [V("string")]}]},
    # MCQA has no Hub dataset; a copy in its flattened layout is read the same way
    "mcqa": {"id": V("string"), "paragraph": V("string"), "question": V("string"), "question_plus": V("string"),
             "choices": [V("string")], "answer": V("int32")},
}
WHERE = "klue/klue (config '{}', validation split)"


def ner_row(marked_up: str) -> dict[str, Any]:
    tokens, tags = ner.tokens_from_markup(marked_up)
    return {"sentence": marked_up, "tokens": tokens, "ner_tags": [NER_HUB_TAGS.index(tag) for tag in tags]}


def entity(sentence: str, word: str, kind: str) -> dict[str, Any]:
    start = sentence.index(word)
    return {"word": word, "start_idx": start, "end_idx": start + len(word) - 1, "type": kind}


def re_row(guid: str, sentence: str, subject: tuple[str, str], obj: tuple[str, str], relation: str) -> dict[str, Any]:
    return {"guid": guid, "sentence": sentence, "subject_entity": entity(sentence, *subject),
            "object_entity": entity(sentence, *obj), "label": RE_HUB_RELATIONS.index(relation), "source": "wikitree"}


CONTEXT = "한빛시는 2020년에 새 도서관을 열었다. 도서관은 시청 옆에 있고 주말에도 문을 연다."


def hub_rows(name: str) -> list[dict[str, Any]]:
    """A few rows of each task as the Hub serves them (label ids, no guid for NER and DP)."""
    if name == "ynat":
        return [
            {"guid": "ynat-hub-1", "title": "새 학기 맞아 학교 앞 교통안전 점검", "label": YNAT_HUB_LABELS.index("사회"),
             "url": "https://news.example/1", "date": "2024.03.02. 오전 9:00"},
            {"guid": "ynat-hub-2", "title": "연구진, 빛으로 움직이는 작은 로봇 개발", "label": YNAT_HUB_LABELS.index("IT과학"),
             "url": "https://news.example/2", "date": "2024.03.03. 오후 1:10"},
            {"guid": "ynat-hub-3", "title": "국회, 새 예산안 심사 시작", "label": YNAT_HUB_LABELS.index("정치"),
             "url": "", "date": ""},
        ]
    if name == "nli":
        return [
            {"guid": "nli-hub-1", "source": "airbnb", "premise": "방이 넓고 창밖으로 바다가 보여요.",
             "hypothesis": "창밖으로 바다가 보인다.", "label": NLI_HUB_LABELS.index("entailment")},
            {"guid": "nli-hub-2", "source": "NSMC", "premise": "배우들 연기가 정말 좋았다.",
             "hypothesis": "배우들 연기가 형편없었다.", "label": NLI_HUB_LABELS.index("contradiction")},
            {"guid": "nli-hub-3", "source": "wikinews", "premise": "시장은 내일 회의를 연다.",
             "hypothesis": "회의에는 주민도 참석한다.", "label": NLI_HUB_LABELS.index("neutral")},
        ]
    if name == "sts":
        return [
            {"guid": "sts-hub-1", "source": "airbnb-rtt", "sentence1": "숙소가 역에서 가까워요.",
             "sentence2": "숙소는 역과 가깝습니다.", "labels": {"label": 4.3, "real-label": 4.285714285714286,
                                                             "binary-label": 1}},
            {"guid": "sts-hub-2", "source": "policy-sampled", "sentence1": "신청서는 온라인으로 내야 한다.",
             "sentence2": "오늘은 날씨가 맑다.", "labels": {"label": 0.0, "real-label": 0.0, "binary-label": 0}},
            {"guid": "sts-hub-3", "source": "paraKQC", "sentence1": "불 좀 꺼 줄래?", "sentence2": "불을 꺼 주세요.",
             "labels": {"label": 5.0, "real-label": 5.0, "binary-label": 1}},
        ]
    if name == "ner":
        return [ner_row("<민지:PS>는 <서울:LC>에 산다."), ner_row("<3월 2일:DT> <오전 9시:TI>에 <한빛시청:OG>이 문을 연다."),
                ner_row("오늘은 조용하다.")]
    if name == "re":
        return [
            re_row("re-hub-1", "김하늘은 푸른대학교를 졸업했다.", ("김하늘", "PER"), ("푸른대학교", "ORG"),
                   "per:schools_attended"),
            re_row("re-hub-2", "한빛전자는 2001년에 세워졌다.", ("한빛전자", "ORG"), ("2001년", "DAT"), "org:founded"),
            re_row("re-hub-3", "박서준과 이도윤은 같은 마을에 산다.", ("박서준", "PER"), ("이도윤", "PER"), "no_relation"),
        ]
    if name == "dp":
        return [
            {"sentence": "민지가 새 책을 읽었다.", "index": [1, 2, 3, 4], "word_form": ["민지가", "새", "책을", "읽었다."],
             "lemma": ["민지 가", "새", "책 을", "읽 었 다 ."], "pos": ["NNP+JKS", "MM", "NNG+JKO", "VV+EP+EF+SF"],
             "head": [4, 3, 4, 0], "deprel": ["NP_SBJ", "DP", "NP_OBJ", "VP"]},
            {"sentence": "비가 온다.", "index": [1, 2], "word_form": ["비가", "온다."], "lemma": ["비 가", "오 ㄴ다 ."],
             "pos": ["NNG+JKS", "VV+EF+SF"], "head": [2, 0], "deprel": ["NP_SBJ", "VP"]},
        ]
    if name == "mrc":
        base = {"title": "한빛시 새 도서관", "context": CONTEXT, "news_category": "사회", "source": "hankyung"}
        return [
            {**base, "guid": "mrc-hub-1", "is_impossible": False, "question_type": 1,
             "question": "한빛시가 도서관을 연 해는?", "answers": {"answer_start": [5], "text": ["2020년"]}},
            {**base, "guid": "mrc-hub-2", "is_impossible": False, "question_type": 2,
             "question": "도서관은 어디 옆에 있나?", "answers": {"answer_start": [30, 30], "text": ["시청", "시청"]}},
            # the Hub merged plausible_answers into answers; from_hub_example moves them back
            {**base, "guid": "mrc-hub-3", "is_impossible": True, "question_type": 3,
             "question": "도서관을 설계한 사람은?", "answers": {"answer_start": [0], "text": ["한빛시"]}},
        ]
    if name == "wos":
        return [
            {"guid": "wos-hub-1", "domains": ["식당"], "dialogue": [
                {"role": "user", "text": "시내에 있는 저렴한 식당을 찾아요.", "state": ["식당-가격대-저렴", "식당-지역-시내"]},
                {"role": "sys", "text": "두 곳이 있습니다. 한식당은 어떠세요?", "state": []},
                {"role": "user", "text": "좋아요, 그걸로 할게요.", "state": ["식당-가격대-저렴", "식당-지역-시내"]},
            ]},
            {"guid": "wos-hub-2", "domains": ["관광", "택시"], "dialogue": [
                {"role": "user", "text": "안녕하세요.", "state": []},
                {"role": "sys", "text": "무엇을 도와드릴까요?", "state": []},
                {"role": "user", "text": "박물관까지 택시를 불러 주세요.", "state": ["택시-도착지-박물관"]},
            ]},
        ]
    if name == "mcqa":
        return [
            {"id": "mcqa-hub-1", "paragraph": "지우는 여름을 가장 좋아한다.", "question": "지우가 좋아하는 계절은?",
             "question_plus": "", "choices": ["봄", "여름", "가을", "겨울"], "answer": 2},
            {"id": "mcqa-hub-2", "paragraph": "하준은 아침마다 달린다.", "question": "하준이 아침마다 하는 일은?",
             "question_plus": "ㄱ. 달리기", "choices": ["수영", "달리기", "독서", "요리", "산책"], "answer": 2},
        ]
    raise AssertionError(name)


TASKS = (ynat, nli, sts, ner, re_data, dp, mrc, wos, mcqa)


def hub_split(task: ModuleType, rows: list[dict[str, Any]] | None = None,
              features: dict[str, Any] | None = None) -> datasets.Dataset:
    return datasets.Dataset.from_list(rows if rows is not None else hub_rows(task.NAME),
                                      features=datasets.Features(features or FEATURES[task.NAME]))


def load(monkeypatch: pytest.MonkeyPatch, task: ModuleType, split: datasets.Dataset) -> list[dict[str, Any]]:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets, "load_dataset", lambda *args, **kwargs: datasets.DatasetDict({"validation": split}))
    return sources.load_hub(task, "klue/klue", task.NAME)["validation"].to_list()


def convert(task: ModuleType, split: datasets.Dataset) -> list[dict[str, Any]]:
    """``from_hub_example`` alone, with the guids load_hub gives rows without one."""
    return [task.from_hub_example(row, split.features, fallback_guid(f"{task.FILE_PREFIXES[-1]}_dev", index,
                                                                     separator="_"))
            for index, row in enumerate(split)]


def assert_identical(got: Any, expected: Any) -> None:
    assert got == expected
    assert repr(got) == repr(expected)  # also the types (1 vs 1.0, True vs 1) and the order of the fields


@pytest.mark.parametrize("task", TASKS, ids=lambda task: task.NAME)
def test_real_schema_rows_are_unchanged_by_the_checks(monkeypatch, task):
    split = hub_split(task)
    converted = convert(task, split)
    assert_identical(task.read_rows(WHERE.format(task.NAME), copy.deepcopy(converted)), converted)
    # end to end: load_hub gives what the conversion alone gave before the checks were added
    assert_identical(load(monkeypatch, task, split), datasets.Dataset.from_list(converted).to_list())


def foreign(name: str, **features: Any) -> dict[str, Any]:
    return {**FEATURES[name], **features}


def set_in(row: dict[str, Any], key: str, value: Any) -> None:
    row[key] = value


def with_entity(row: dict[str, Any], name: str, start: int, end: int) -> None:
    row[name] = {**row[name], "start_idx": start, "end_idx": end}


def dp_head(row: dict[str, Any], head: list[int]) -> None:
    row["head"] = head


def sts_scale(row: dict[str, Any]) -> None:  # a copy on a 0..10 scale
    row["labels"] = {key: value * 2 if key != "binary-label" else value for key, value in row["labels"].items()}


Case = tuple[ModuleType, int, Callable[[dict[str, Any]], None], dict[str, Any] | None, str | None, str]
# task, the row broken, how, other features (None: the Hub's), the field named, what the message says
BAD_ROWS: dict[str, Case] = {
    "ynat foreign ClassLabel": (
        ynat, 0, lambda row: None, foreign("ynat", label=CL(names=["it", "economy", "society", "culture", "world",
                                                                   "sports", "politics"])),
        "label", r"class id 2 is 'society' in the dataset's ClassLabel; expected one of 정치, 경제"),
    "nli foreign ClassLabel": (
        nli, 0, lambda row: None, foreign("nli", label=CL(names=["yes", "maybe", "no"])),
        "label", r"class id 0 is 'yes' in the dataset's ClassLabel; expected one of entailment"),
    "ner foreign ClassLabel": (
        ner, 0, lambda row: None, foreign("ner", ner_tags=datasets.Sequence(CL(names=[f"T{i}" for i in range(13)]))),
        "ner_tags[0]", r"class id 6 is 'T6' in the dataset's ClassLabel; expected one of B-PS"),
    "re foreign ClassLabel": (
        re_data, 0, lambda row: None, foreign("re", label=CL(names=[f"rel{i}" for i in range(30)])),
        "label", r"class id 19 is 'rel19'"),
    "ner tags shorter than tokens": (
        ner, 1, lambda row: set_in(row, "ner_tags", row["ner_tags"][:3]), None,
        "ner_tags", r"3 tags for 25 tokens; expected one tag per character"),
    "ner tags longer than tokens": (
        ner, 2, lambda row: set_in(row, "ner_tags", row["ner_tags"] + [12]), None,
        "ner_tags", r"10 tags for 9 tokens"),
    "dp head past the sentence": (
        dp, 1, lambda row: dp_head(row, [9, 0]), None, "head[0]", r"head 9 outside 0\.\.2 \(0 = root\)"),
    "dp head before the sentence": (
        dp, 0, lambda row: dp_head(row, [4, 3, -1, 0]), None, "head[2]", r"head -1 outside 0\.\.4"),
    "dp head on its own word": (
        dp, 0, lambda row: dp_head(row, [4, 2, 4, 0]), None, "head[1]", r"head 2 is the word's own index"),
    "dp lists of different lengths": (
        dp, 0, lambda row: dp_head(row, [4, 3, 4]), None, "head", r"3 values for 4 words; expected one per word"),
    "dp a deprel missing": (
        dp, 1, lambda row: set_in(row, "deprel", ["NP_SBJ"]), None, "deprel", r"1 values for 2 words"),
    "sts score on another scale": (
        sts, 0, sts_scale, None, "real-label", r"expected a number in \[0, 5\], got 8\.57"),
    "re span past the sentence": (
        re_data, 1, lambda row: with_entity(row, "subject_entity", 50, 53), None,
        "subject_entity", r"offsets 50\.\.53 \(inclusive\) are outside the sentence of 18 characters"),
    "re span ending before it starts": (
        re_data, 0, lambda row: with_entity(row, "object_entity", 9, 5), None,
        "object_entity", r"offsets 9\.\.5"),
    "wos a turn of no known role": (
        wos, 1, lambda row: set_in(row, "dialogue", [{**row["dialogue"][0], "role": "bot"}, *row["dialogue"][1:]]),
        None, "dialogue[0].role", r"expected role user or sys, got 'bot'"),
    "mrc a question without a context": (
        mrc, 2, lambda row: set_in(row, "context", None), None, None, r"'context' is null; expected a string"),
}


@pytest.mark.parametrize("case", list(BAD_ROWS), ids=list(BAD_ROWS))
def test_a_bad_row_is_one_line_naming_dataset_record_guid_and_field(monkeypatch, case):
    task, broken, damage, features, field, problem = BAD_ROWS[case]
    rows = hub_rows(task.NAME)
    damage(rows[broken])
    split = hub_split(task, rows, features)
    guid = rows[broken].get("guid") or fallback_guid(f"{task.FILE_PREFIXES[-1]}_dev", broken, separator="_")
    with pytest.raises(KlueDataError) as caught:
        load(monkeypatch, task, split)
    message = str(caught.value)
    where = f"{WHERE.format(task.NAME)}, record {broken} (guid {guid})" + (f", field {field!r}" if field else "")
    assert message.startswith(where + ": "), message
    assert "\n" not in message
    assert caught.value.field == field and caught.value.record == broken and caught.value.guid == guid
    assert re.search(problem, message), message


@pytest.mark.parametrize("case", [case for case, (*_, features, _, _) in BAD_ROWS.items() if features is None])
def test_the_same_rows_in_a_hub_schema_file_fail_alike(monkeypatch, tmp_path, case):
    task, broken, damage, _, _, _ = BAD_ROWS[case]
    rows = hub_rows(task.NAME)
    damage(rows[broken])
    split = hub_split(task, rows)
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(convert(task, split), ensure_ascii=False), encoding="utf-8")
    with pytest.raises(KlueDataError) as from_file:
        task.read_file(path)
    with pytest.raises(KlueDataError) as from_hub:
        load(monkeypatch, task, split)
    assert str(from_hub.value) == str(from_file.value).replace(str(path), WHERE.format(task.NAME), 1)


@pytest.mark.parametrize("task", [ynat, nli, sts, re_data, mrc, wos, mcqa], ids=lambda task: task.NAME)
def test_a_guid_used_twice_is_refused_as_in_a_file(monkeypatch, task):
    rows = hub_rows(task.NAME)
    guid_field = "id" if task is mcqa else "guid"
    repeated = len(rows) - 1
    rows[repeated][guid_field] = rows[0][guid_field]
    with pytest.raises(KlueDataError) as caught:
        load(monkeypatch, task, hub_split(task, rows))
    message = str(caught.value)
    guid = rows[0][guid_field]
    assert message.startswith(f"{WHERE.format(task.NAME)}, record {repeated} ({guid_field} {guid}), "
                              f"field '{guid_field}': {guid_field} '{guid}' was already used by record 0")
    assert "\n" not in message


def test_a_copy_of_ner_or_dp_with_a_guid_column_is_checked_too(monkeypatch):
    rows = [{**row, "guid": "same"} for row in hub_rows("ner")]
    with pytest.raises(KlueDataError, match=r"record 1 \(guid same\), field 'guid': guid 'same' was already used"):
        load(monkeypatch, ner, hub_split(ner, rows, foreign("ner", guid=V("string"))))


def test_hub_label_refuses_a_class_name_that_is_not_the_tasks():
    feature = CL(names=["politics", "정치"])
    assert hub_label(1, feature, YNAT_HUB_LABELS) == "정치"
    with pytest.raises(KlueDataError) as caught:
        hub_label(0, feature, YNAT_HUB_LABELS, field="topic")
    assert caught.value.field == "topic" and "class id 0 is 'politics'" in caught.value.problem
    assert hub_label(-1, feature, YNAT_HUB_LABELS) is None  # unlabelled, whatever the names
