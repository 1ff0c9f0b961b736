"""Made-up Korean MRC articles in the original KLUE-MRC (SQuAD-like) format (never KLUE's own data).

Each paragraph is a short news-like story; its questions are answerable (types 1 and 2, with
``answer_start`` pointing at the text) or unanswerable (type 3, ``is_impossible`` with
``plausible_answers``). Answers are delimited by spaces or quotes, so any tokenizer has a token
boundary at both ends and gold spans can round-trip through token offsets exactly.
``long_article`` pads one story with filler sentences so the answer lands many windows deep;
``mixed_length_document`` mixes short and long contexts.
Guids look like ``smoke-mrc-00001``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from tests.synthetic import PLACES, TOPIC_WORDS, VERBS

NAMES = ["김하늘", "이바다", "박구름", "최들판", "정나무", "한별빛", "윤강물", "조바람"]
TOPICS = [word for words in TOPIC_WORDS.values() for word in words]


def _filler(rng: random.Random, count: int) -> str:
    """Sentences in the style of the test tokenizer's corpus, carrying no answer."""
    return " ".join(
        f"{rng.choice(PLACES)}에서 {rng.choice(TOPICS)} {rng.choice(VERBS)} 소식입니다." for _ in range(count)
    )


def _story(rng: random.Random, filler_sentences: int) -> tuple[str, dict[str, str]]:
    facts = {
        "place": rng.choice(PLACES),
        "topic": rng.choice(TOPICS),
        "count": str(rng.randint(3, 99)),
        "name": rng.choice(NAMES),
        "sponsor": rng.choice(NAMES),
    }
    facts["venue"] = f"{facts['place']} 시민 공원"
    sentences = [
        _filler(rng, filler_sentences),
        f"{facts['place']}에서 열린 {facts['topic']} 행사에는 모두 {facts['count']} 개 팀이 참가했다.",
        f"행사를 이끈 사람은 ‘{facts['name']}’ 감독이다.",
        f"대회 장소는 ‘{facts['venue']}’ 이다.",
    ]
    return " ".join(sentence for sentence in sentences if sentence), facts


def _qa(guid: str, context: str, question: str, answer: str, question_type: int) -> dict[str, Any]:
    start = context.index(answer)
    if question_type == 3:
        return {"question": question, "answers": [], "plausible_answers": [{"text": answer, "answer_start": start}],
                "question_type": 3, "is_impossible": True, "guid": guid}
    return {"question": question, "answers": [{"text": answer, "answer_start": start}],
            "question_type": question_type, "is_impossible": False, "guid": guid}


def _paragraph(rng: random.Random, first_guid: int, filler_sentences: int) -> dict[str, Any]:
    context, facts = _story(rng, filler_sentences)
    guid = (f"smoke-mrc-{first_guid + offset:05d}" for offset in range(4))
    return {
        "context": context,
        "qas": [
            _qa(next(guid), context, f"{facts['place']} {facts['topic']} 행사에 참가한 팀은 몇 개인가?", facts["count"], 1),
            _qa(next(guid), context, f"{facts['topic']} 행사를 이끈 감독은 누구인가?", facts["name"], 2),
            _qa(next(guid), context, "대회가 열린 곳은 어디인가?", facts["venue"], 1),
            # Not in the story: the sponsor is never named (the plausible answer is the director).
            _qa(next(guid), context, f"{facts['topic']} 행사를 후원한 사람은 누구인가?", facts["name"], 3),
        ],
    }


def mrc_document(paragraphs: int, seed: int = 0, *, filler_sentences: int = 1, first_guid: int = 0) -> dict[str, Any]:
    """``{"version", "data": [...]}`` with one article per paragraph and four questions each."""
    rng = random.Random(seed)
    articles = []
    for index in range(paragraphs):
        articles.append({
            "title": f"스모크 기사 {index}",
            "news_category": "smoke",
            "source": "smoke",
            "paragraphs": [_paragraph(rng, first_guid + 4 * index, filler_sentences)],
        })
    return {"version": "smoke", "data": articles}


def long_article(seed: int = 0, filler_sentences: int = 24, first_guid: int = 9000) -> dict[str, Any]:
    """One paragraph whose answers come after ``filler_sentences`` sentences (many windows deep)."""
    return mrc_document(1, seed, filler_sentences=filler_sentences, first_guid=first_guid)


def mixed_length_document(seed: int = 0, fillers: tuple[int, ...] = (0, 20, 1, 6)) -> dict[str, Any]:
    """One article per entry of ``fillers``, each a story after that many filler sentences: contexts
    from a few sentences to several windows long, mixed, so eval batches pad very differently."""
    rng = random.Random(seed)
    articles = []
    for index, filler_sentences in enumerate(fillers):
        articles.append({
            "title": f"스모크 기사 {index}",
            "news_category": "smoke",
            "source": "smoke",
            "paragraphs": [_paragraph(rng, 4 * index, filler_sentences)],
        })
    return {"version": "smoke", "data": articles}


def texts(document: dict[str, Any]) -> Iterator[str]:
    """Every context and question of a document (to train test tokenizers on)."""
    for article in document["data"]:
        for paragraph in article["paragraphs"]:
            yield paragraph["context"]
            for qa in paragraph["qas"]:
                yield qa["question"]
