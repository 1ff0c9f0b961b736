"""Made-up KLUE-RE examples (never KLUE's own data) whose relation follows from the marked pair.

Every sentence joins two clauses, each naming a subject, an object and, in the words between
them, their relation ("{PER}는 {ORG}에서 일한다" → per:employee_of). One sentence gives three
examples: the pair of each clause (its relation) and a pair across the clauses (no_relation).
The words of a sentence alone cannot tell the three apart: only the entity markers can, so a
model that learns them must read the markers. guids look like ``smoke-re-00001``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

FILLERS = {
    "PER": ["김철수", "이영희", "박민수", "최지우", "정하늘", "한가람"],
    "ORG": ["한국은행", "경찰청", "서울시청", "국회", "삼성전자", "현대자동차"],
    "LOC": ["서울", "부산", "대구", "인천", "광주", "제주도"],
    "DAT": ["1990년", "2005년", "2010년", "1985년", "2001년"],
}
# (template, subject type, object type, relation); "S" and "O" mark where the entities go.
CLAUSES = [
    ("{S}는 {O}에서 일한다", "PER", "ORG", "per:employee_of"),
    ("{O}에서는 {S}가 일한다", "PER", "ORG", "per:employee_of"),  # the object before the subject
    ("{S}는 {O}에 설립되었다", "ORG", "DAT", "org:founded"),
    ("{S}는 {O}에서 태어났다", "PER", "LOC", "per:place_of_birth"),
    ("{S}의 본사는 {O}에 있다", "ORG", "LOC", "org:place_of_headquarters"),
]


def _clause(template: str, subject: str, obj: str, offset: int) -> tuple[str, tuple[int, int], tuple[int, int]]:
    """The clause text and the inclusive character spans of its subject and object, ``offset`` on."""
    text, spans, rest = "", {}, template
    while "{" in rest:
        before, _, rest = rest.partition("{")
        name, _, rest = rest.partition("}")
        text += before
        word = subject if name == "S" else obj
        spans[name] = (offset + len(text), offset + len(text) + len(word) - 1)
        text += word
    return text + rest, spans["S"], spans["O"]


def _entity(sentence: str, span: tuple[int, int], kind: str) -> dict:
    return {"word": sentence[span[0] : span[1] + 1], "start_idx": span[0], "end_idx": span[1], "type": kind}


def re_records(count: int, seed: int = 0) -> list[dict]:
    """``count`` Hub-schema RE records (``guid, sentence, subject_entity, object_entity, label, source``)."""
    rng = random.Random(seed)
    records: list[dict] = []
    while len(records) < count:
        first, second = rng.sample(CLAUSES, 2)
        words = {}
        for key, (_, s_type, o_type, _) in (("1", first), ("2", second)):
            words[key] = (rng.choice(FILLERS[s_type]), rng.choice(FILLERS[o_type]))
        text1, s1, o1 = _clause(first[0], *words["1"], 0)
        joint = ". 그리고 "
        text2, s2, o2 = _clause(second[0], *words["2"], len(text1) + len(joint))
        sentence = text1 + joint + text2 + "."
        pairs = [
            (s1, first[1], o1, first[2], first[3]),
            (s2, second[1], o2, second[2], second[3]),
            # across the clauses: no relation (in either order of subject and object)
            (s1, first[1], o2, second[2], "no_relation") if rng.random() < 0.5
            else (s2, second[1], o1, first[2], "no_relation"),
        ]
        for subject, s_type, obj, o_type, label in pairs:
            records.append(
                {
                    "guid": f"smoke-re-{len(records):05d}",
                    "sentence": sentence,
                    "subject_entity": _entity(sentence, subject, s_type),
                    "object_entity": _entity(sentence, obj, o_type),
                    "label": label,
                    "source": "smoke",
                }
            )
    rng.shuffle(records)
    return records[:count]


def re_corpus() -> Iterator[str]:
    """Text to train a test tokenizer on: every clause with every filler."""
    for template, s_type, o_type, _ in CLAUSES:
        for subject in FILLERS[s_type]:
            for obj in FILLERS[o_type]:
                yield _clause(template, subject, obj, 0)[0] + ". 그리고"
