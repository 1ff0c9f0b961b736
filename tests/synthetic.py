"""Made-up Korean examples in the original KLUE file formats (never KLUE's own data).

Topic words are kept apart per label so a tiny model can learn something in a few steps;
guids look like ``smoke-ynat-00001`` so they are never mistaken for KLUE's.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

TOPIC_WORDS = {
    "정치": ["국회", "대통령", "여당", "야당", "선거", "장관"],
    "경제": ["주가", "금리", "수출", "환율", "은행", "물가"],
    "사회": ["경찰", "사건", "학교", "병원", "시민", "법원"],
    "생활문화": ["영화", "공연", "음식", "여행", "전시", "책"],
    "세계": ["미국", "중국", "일본", "유럽", "유엔", "외교"],
    "IT과학": ["인공지능", "반도체", "스마트폰", "로봇", "우주", "게임"],
    "스포츠": ["축구", "야구", "농구", "선수", "감독", "올림픽"],
}
VERBS = ["발표", "확대", "논의", "개최", "강화", "증가", "감소", "추진"]
PLACES = ["서울", "부산", "대구", "인천", "광주", "대전"]


def corpus() -> Iterator[str]:
    """Text to train the test tokenizer on."""
    for words in TOPIC_WORDS.values():
        for word in words:
            for verb in VERBS:
                for place in PLACES:
                    yield f"{place}에서 {word} {verb} 소식입니다."
                    yield f"{word}는 {place}의 {verb} 계획을 밝혔다"
    for index, record in enumerate(ner_records(200, seed=99)):
        yield "".join(record["tokens"])


def ynat_records(count: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    labels = list(TOPIC_WORDS)
    records = []
    for index in range(count):
        label = labels[index % len(labels)]
        word = rng.choice(TOPIC_WORDS[label])
        title = f"{rng.choice(PLACES)} {word} {rng.choice(VERBS)} {rng.choice(TOPIC_WORDS[label])}"
        records.append({"guid": f"smoke-ynat-{index:05d}", "title": title, "label": label, "url": "", "date": ""})
    return records


def nli_records(count: int, seed: int = 0, *, source_field: str = "source") -> list[dict]:
    rng = random.Random(seed)
    labels = ["entailment", "contradiction", "neutral"]
    records = []
    for index in range(count):
        label = labels[index % 3]
        place, word = rng.choice(PLACES), rng.choice(TOPIC_WORDS["사회"])
        premise = f"{place}에서 {word} 행사가 열렸다."
        hypothesis = {
            "entailment": f"{place}에서 행사가 있었다.",
            "contradiction": f"{place}에서는 아무 행사도 없었다.",
            "neutral": f"{place}의 {word} 행사는 유명하다.",
        }[label]
        records.append(
            {
                "guid": f"smoke-nli-{index:05d}",
                source_field: "smoke",
                "premise": premise,
                "hypothesis": hypothesis,
                "gold_label": label,
            }
        )
    return records


def sts_records(count: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    records = []
    for index in range(count):
        place, word, verb = rng.choice(PLACES), rng.choice(TOPIC_WORDS["경제"]), rng.choice(VERBS)
        similar = index % 2 == 0
        score = round(rng.uniform(3.2, 5.0) if similar else rng.uniform(0.0, 2.5), 1)
        other = f"{place}의 {word} {verb} 소식" if similar else f"{rng.choice(TOPIC_WORDS['스포츠'])} 경기 결과"
        records.append(
            {
                "guid": f"smoke-sts-{index:05d}",
                "source": "smoke",
                "sentence1": f"{place}에서 {word} {verb} 소식입니다.",
                "sentence2": other,
                "labels": {"label": score, "real-label": score + 0.01 if score < 5 else score,
                           "binary-label": int(score >= 3)},
            }
        )
    return records


def write_json(path: Path, records: list[dict] | dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


NER_FILLERS = {
    "PS": ["김철수", "이영희", "박민수", "최지우"],
    "LC": ["서울", "부산", "제주도", "대구"],
    "OG": ["경찰청", "국회", "한국은행", "서울시청"],
    "DT": ["3월 5일", "어제", "2020년"],
    "TI": ["오후 3시", "새벽"],
    "QT": ["10명", "세 번", "5개"],
}
NER_TEMPLATES = [
    "{PS}는 {DT} {LC}에서 {OG} 회의에 참석했다.",
    "{OG}는 {TI}에 {QT}을 {LC}로 보냈다.",
    "{DT} {PS} 씨가 {LC}에 도착했다",
    "{LC} 날씨가 맑다.",
]


def ner_records(count: int, seed: int = 0) -> list[dict]:
    """Hub-schema NER records: characters (spaces as " "), BIO tag names, the sentence in KLUE markup."""
    rng = random.Random(seed)
    records = []
    for index in range(count):
        template = NER_TEMPLATES[index % len(NER_TEMPLATES)]
        tokens: list[str] = []
        tags: list[str] = []
        marked = []
        for piece in _template_pieces(template):
            if piece in NER_FILLERS:
                text = rng.choice(NER_FILLERS[piece])
                tokens += list(text)
                tags += [f"B-{piece}"] + [f"I-{piece}"] * (len(text) - 1)
                marked.append(f"<{text}:{piece}>")
            else:
                tokens += list(piece)
                tags += ["O"] * len(piece)
                marked.append(piece)
        records.append({"guid": f"smoke-ner-{index:05d}", "sentence": "".join(marked), "tokens": tokens,
                        "ner_tags": tags})
    return records


def _template_pieces(template: str) -> list[str]:
    pieces, rest = [], template
    while "{" in rest:
        before, _, rest = rest.partition("{")
        name, _, rest = rest.partition("}")
        pieces += [before, name] if before else [name]
    return pieces + ([rest] if rest else [])


def write_ner_tsv(path: Path, records: list[dict]) -> Path:
    """The original KLUE-NER layout: five comment lines, then ``## guid<TAB>sentence`` and CHAR<TAB>TAG lines."""
    lines = [
        "## 국립국어원 개체명 분석 말뭉치 형식 (made-up sample)",
        "## 토큰, 레이블 구분자 : \\t",
        "## 문장 구분자 : \\n",
        "## 레이블 : BIO",
        "## 컬럼명 : CHAR\tNE_TAG",
        "",
    ]
    for record in records:
        lines.append(f"## {record['guid']}\t{record['sentence']}")
        lines += [f"{char}\t{tag}" for char, tag in zip(record["tokens"], record["ner_tags"])]
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
