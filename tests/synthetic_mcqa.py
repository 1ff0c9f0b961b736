"""Made-up Korean exam items (never competition or KLUE data) whose answer follows from the passage.

Each passage tells what a person likes among one topic's options ("지우가 가장 좋아하는 과일은
딸기이다"), among filler sentences about other people and topics; the question asks for it, and the
choices are the topic's options (4 or 5 of them, in the topic's fixed order, so one file mixes 4- and
5-choice items). Some items carry a <보기> box. The answer is uniform over the choices: guessing
scores 1/4 or 1/5. ids look like ``smoke-mcqa-00001``.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from pathlib import Path

# topic -> its options (4 and 5: one file mixes both); the particle after the topic word ("계절은")
TOPICS = {
    "계절": ["봄", "여름", "가을", "겨울"],
    "색깔": ["빨강", "파랑", "노랑", "초록", "보라"],
}
PARTICLE = {"계절": "은", "색깔": "은"}
NAMES = ["지우", "민준", "서연", "하준", "수아", "도윤"]
FILLERS = [
    "오늘은 날씨가 맑았다.",
    "학교 앞에는 작은 서점이 있다.",
    "아침마다 산책을 한다.",
    "주말에는 도서관에 간다.",
    "친구들과 함께 점심을 먹었다.",
]
BOX = "ㄱ. 지문에 나온 사실만으로 답한다."


def mcqa_records(count: int, seed: int = 0, *, distractors: bool = False) -> list[dict]:
    """``count`` items in the flattened layout (``id, paragraph, question, question_plus, choices, answer``);
    ``distractors`` adds a sentence about someone else's favourite of the other topic and a filler."""
    rng = random.Random(seed)
    topics = list(TOPICS)
    records = []
    for index in range(count):
        topic = topics[index % len(topics)]
        choices = TOPICS[topic]
        answer = rng.randrange(len(choices)) + 1
        name = rng.choice(NAMES)
        # The option in quotes: it is split off as the choice itself is ("'여름'이다" -> ', 여름, ', 이다).
        sentences = [f"{name}가 가장 좋아하는 {topic}{PARTICLE[topic]} '{choices[answer - 1]}'이다."]
        if distractors:  # someone else's favourite of the other topic, and a sentence about nothing
            other_name = rng.choice([n for n in NAMES if n != name])
            other_topic = rng.choice([t for t in topics if t != topic])
            sentences += [
                f"{other_name}가 좋아하는 {other_topic}{PARTICLE[other_topic]} '{rng.choice(TOPICS[other_topic])}'이다.",
                rng.choice(FILLERS),
            ]
            rng.shuffle(sentences)
        records.append({
            "id": f"smoke-mcqa-{index:05d}",
            "paragraph": " ".join(sentences),
            "question": f"{name}가 가장 좋아하는 {topic}{PARTICLE[topic]} 무엇인가?",
            "question_plus": BOX if rng.random() < 0.3 else "",
            "choices": list(choices),
            "answer": answer,
        })
    return records


def mcqa_corpus() -> Iterator[str]:
    """Text to train a test tokenizer on: every sentence shape with every word."""
    for topic, choices in TOPICS.items():
        for name in NAMES:
            for choice in choices:
                yield (f"{name}가 가장 좋아하는 {topic}{PARTICLE[topic]} '{choice}'이다. {choice} "
                       f"{name}가 좋아하는 {topic}{PARTICLE[topic]} 무엇인가?")
    yield from FILLERS
    yield BOX


def write_competition_csv(path: Path, records: list[dict], *, with_answers: bool = True) -> Path:
    """The competition layout: ``id,paragraph,problems,question_plus`` with ``problems`` as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "paragraph", "problems", "question_plus"])
        for record in records:
            problems = {"question": record["question"], "choices": record["choices"]}
            if with_answers:
                problems["answer"] = record["answer"]
            writer.writerow([record["id"], record["paragraph"], json.dumps(problems, ensure_ascii=False),
                             record["question_plus"]])
    return path


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path
