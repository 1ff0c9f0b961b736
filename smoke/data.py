"""Small, learnable Korean data sets in the original KLUE file formats, made up here (never KLUE data).

Every generator is deterministic (``random.Random(seed)``) and builds its sentences from the
word lists below, so that what a task asks for follows from the words: the topic from topic
words, the similarity from shared words, the relation from the clause's verb, entities and slots
from known names. A tiny model learns each task in a few epochs, which is what the smoke run
checks. Guids look like ``smoke-ner-dev-00012``, never like KLUE's.

``write_all(folder)`` writes the train and dev file of every task under the original file names
(``ynat-v1.1_train.json``, ``klue-ner-v1.1_dev.tsv``, ``wos-v1.1_dev.json`` plus
``ontology.json``, ...), flat in ``folder``: what ``--data_dir`` reads.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from trainers.outputs import write_text

# ---------------------------------------------------------------- shared words

PLACES = ["서울", "부산", "대구", "인천", "광주", "대전", "울산", "제주"]
PEOPLE = ["김민준", "이서연", "박지훈", "최수아", "정도윤", "강하은", "조예준", "윤지우"]
ORGS = ["한빛은행", "새솔전자", "푸른병원", "누리대학", "바다건설", "하늘항공"]
TOPIC_WORDS = {
    "정치": ["국회", "대통령", "여당", "야당", "선거", "장관"],
    "경제": ["주가", "금리", "수출", "환율", "물가", "투자"],
    "사회": ["경찰", "사건", "학교", "병원", "시민", "법원"],
    "생활문화": ["영화", "공연", "음식", "여행", "전시", "책"],
    "세계": ["미국", "중국", "일본", "유럽", "유엔", "외교"],
    "IT과학": ["인공지능", "반도체", "스마트폰", "로봇", "우주", "게임"],
    "스포츠": ["축구", "야구", "농구", "선수", "감독", "올림픽"],
}
VERBS = ["발표", "확대", "논의", "개최", "강화", "추진"]


def _guid(task: str, split: str, index: int) -> str:
    return f"smoke-{task}-{split}-{index:05d}"


# ---------------------------------------------------------------- YNAT: topic from topic words


def ynat_records(count: int, seed: int, split: str = "train") -> list[dict[str, Any]]:
    """``{guid, title, label, url, date}``; the two topic words of a title belong to its label."""
    rng = random.Random(seed)
    labels = list(TOPIC_WORDS)
    records = []
    for index in range(count):
        label = labels[index % len(labels)]
        first, second = rng.sample(TOPIC_WORDS[label], 2)
        title = f"{rng.choice(PLACES)} {first} {rng.choice(VERBS)}… {second} 관심"
        records.append({"guid": _guid("ynat", split, index), "title": title, "label": label,
                        "url": "https://example.com/smoke", "date": "2026.01.01. 오전 9:00"})  # fmt: skip
    rng.shuffle(records)
    return records


# ---------------------------------------------------------------- STS: similarity from shared words


def sts_records(count: int, seed: int, split: str = "train") -> list[dict[str, Any]]:
    """Pairs that say the same (4-5), share the topic word only (2-3) or nothing (0-1)."""
    rng = random.Random(seed)
    words = [word for topic in TOPIC_WORDS.values() for word in topic]
    records = []
    for index in range(count):
        place, word, verb = rng.choice(PLACES), rng.choice(words), rng.choice(VERBS)
        first = f"{place}에서 {word} {verb} 소식이 전해졌다."
        kind = index % 3
        if kind == 0:
            second, score = f"{word} {verb} 소식이 {place}에서 나왔다.", rng.uniform(4.0, 5.0)
        elif kind == 1:
            other_place = rng.choice([p for p in PLACES if p != place])
            second, score = f"{other_place}의 {word} 문제는 아직 남았다.", rng.uniform(2.0, 3.0)
        else:
            other = rng.choice([w for w in words if w != word])
            second, score = f"오늘 {other} 이야기는 재미있었다.", rng.uniform(0.0, 1.0)
        real = round(score, 4)
        labels = {"label": round(real, 1), "real-label": real, "binary-label": int(real >= 3.0)}
        records.append({"guid": _guid("sts", split, index), "source": "smoke", "sentence1": first,
                        "sentence2": second, "labels": labels})  # fmt: skip
    return records


# ---------------------------------------------------------------- NLI: the label from the hypothesis


NLI_HYPOTHESES = {
    "entailment": ["{place}에서 {word} 행사가 있었다.", "{word} 행사가 {place}에서 열렸다."],
    "contradiction": ["{place}에서는 아무 행사도 없었다.", "{word} 행사는 취소되어 열리지 않았다."],
    "neutral": ["{place}의 {word} 행사는 유명하다.", "{word} 행사에 사람이 많이 왔을 것이다."],
}


def nli_records(count: int, seed: int, split: str = "train") -> list[dict[str, Any]]:
    """``{guid, genre|source, premise, hypothesis, gold_label}``: train files say ``genre``, dev files
    ``source`` (as the original files do)."""
    rng = random.Random(seed)
    words = [word for topic in TOPIC_WORDS.values() for word in topic]
    source_field = "genre" if split == "train" else "source"
    records = []
    for index in range(count):
        label = list(NLI_HYPOTHESES)[index % 3]
        place, word = rng.choice(PLACES), rng.choice(words)
        premise = f"어제 {place}에서 {word} 행사가 열렸다."
        hypothesis = rng.choice(NLI_HYPOTHESES[label]).format(place=place, word=word)
        records.append({"guid": _guid("nli", split, index), source_field: "smoke", "premise": premise,
                        "hypothesis": hypothesis, "gold_label": label})  # fmt: skip
    rng.shuffle(records)
    return records


# ---------------------------------------------------------------- NER: known names in templates

NER_FILLERS = {
    "PS": PEOPLE,
    "LC": PLACES,
    "OG": ORGS,
    "DT": ["3월 5일", "어제", "2020년", "지난주"],
    "TI": ["오후 3시", "새벽", "아침 9시"],
    "QT": ["10명", "세 번", "5개", "20권"],
}
NER_TEMPLATES = [
    "{PS}는 {DT} {LC}에서 {OG} 회의에 참석했다.",
    "{OG}는 {TI}에 {QT}을 {LC}로 보냈다.",
    "{DT} {PS} 씨가 {LC}에 도착했다.",
    "{PS}와 {PS}는 {OG}에서 일한다.",
    "{LC} 날씨가 {TI}부터 맑다.",
]


def ner_records(count: int, seed: int, split: str = "train") -> list[dict[str, Any]]:
    """``{guid, sentence (KLUE markup), tokens (characters), ner_tags (BIO names)}``."""
    rng = random.Random(seed)
    records = []
    for index in range(count):
        template = NER_TEMPLATES[index % len(NER_TEMPLATES)]
        tokens: list[str] = []
        tags: list[str] = []
        marked = []
        for piece, is_slot in _template_pieces(template):
            if is_slot:
                text = rng.choice(NER_FILLERS[piece])
                tokens += list(text)
                tags += [f"B-{piece}"] + [f"I-{piece}"] * (len(text) - 1)
                marked.append(f"<{text}:{piece}>")
            else:
                tokens += list(piece)
                tags += ["O"] * len(piece)
                marked.append(piece)
        records.append({"guid": _guid("ner", split, index), "sentence": "".join(marked), "tokens": tokens,
                        "ner_tags": tags})  # fmt: skip
    return records


def _template_pieces(template: str) -> list[tuple[str, bool]]:
    """``"{PS}는 {LC}"`` → ``[("PS", True), ("는 ", False), ("LC", True)]``."""
    pieces, rest = [], template
    while "{" in rest:
        before, _, rest = rest.partition("{")
        name, _, rest = rest.partition("}")
        if before:
            pieces.append((before, False))
        pieces.append((name, True))
    return pieces + ([(rest, False)] if rest else [])


def ner_tsv(records: list[dict[str, Any]]) -> str:
    """The original KLUE-NER layout: five ``##`` comment lines, then per sentence a ``## guid<TAB>sentence``
    header, one ``CHAR<TAB>TAG`` line per character (spaces too) and a blank line."""
    lines = ["## 토큰, 레이블 구분자 : \\t", "## 토큰 구분자 : \\n", "## 문장 구분자 : \\n\\n", "## 주석 : ##",
             "## 컬럼명 : CHAR\tNE_TAG", ""]  # fmt: skip
    for record in records:
        lines.append(f"## {record['guid']}\t{record['sentence']}")
        lines += [f"{char}\t{tag}" for char, tag in zip(record["tokens"], record["ner_tags"], strict=True)]
        lines.append("")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- RE: the relation from the clause

RE_CLAUSES = [
    # (template, subject type, object type, relation); the verb words name the relation
    ("{S}는 {O}에서 일한다.", "PER", "ORG", "per:employee_of"),
    ("{S}는 {O}에서 태어났다.", "PER", "LOC", "per:place_of_birth"),
    ("{S}의 본사는 {O}에 있다.", "ORG", "LOC", "org:place_of_headquarters"),
    ("{S}는 {O}에 세워졌다.", "ORG", "DAT", "org:founded"),
    ("{S}는 {O}에 태어났다.", "PER", "DAT", "per:date_of_birth"),
    ("{S}는 {O} 소식을 들었다.", "PER", "ORG", "no_relation"),
    ("{S}는 어제 {O}를 지나갔다.", "PER", "LOC", "no_relation"),
]
RE_FILLERS = {"PER": PEOPLE, "ORG": ORGS, "LOC": PLACES, "DAT": ["1990년", "2005년", "2010년", "1985년"]}


def re_records(count: int, seed: int, split: str = "train") -> list[dict[str, Any]]:
    """``{guid, sentence, subject_entity, object_entity, label, source}``; entities ``{word,
    start_idx, end_idx, type}`` with inclusive character offsets, as in the original files."""
    rng = random.Random(seed)
    records = []
    for index in range(count):
        template, s_type, o_type, label = RE_CLAUSES[index % len(RE_CLAUSES)]
        subject, obj = rng.choice(RE_FILLERS[s_type]), rng.choice(RE_FILLERS[o_type])
        before, _, rest = template.partition("{S}")
        middle, _, after = rest.partition("{O}")
        sentence = before + subject + middle + obj + after
        s_start = len(before)
        o_start = s_start + len(subject) + len(middle)
        records.append({
            "guid": _guid("re", split, index), "sentence": sentence,
            "subject_entity": {"word": subject, "start_idx": s_start, "end_idx": s_start + len(subject) - 1,
                               "type": s_type},
            "object_entity": {"word": obj, "start_idx": o_start, "end_idx": o_start + len(obj) - 1, "type": o_type},
            "label": label, "source": "smoke",
        })  # fmt: skip
    rng.shuffle(records)
    return records


# ---------------------------------------------------------------- DP: heads from the sentence pattern

NOUNS = [word for topic in TOPIC_WORDS.values() for word in topic]


def _dp_words(rng: random.Random) -> list[tuple[str, str, str, int, str]]:
    """One sentence as ``(word, lemma, pos, head, deprel)`` rows; heads are 1-based, 0 = root.

    Three patterns (possessive, relative clause, two coordinated verbs) where many words do not
    attach to the last word, so "everything attaches to the predicate" stays a weak baseline."""
    noun = lambda: rng.choice(NOUNS)  # noqa: E731
    place, verb, verb2 = rng.choice(PLACES), rng.choice(VERBS), rng.choice(VERBS)
    pattern = rng.randrange(3)
    if pattern == 0:  # A의 B가 P에서 C를 V했다.
        a, b, c = noun(), noun(), noun()
        return [(f"{a}의", f"{a} 의", "NNG+JKG", 2, "NP_MOD"), (f"{b}가", f"{b} 가", "NNG+JKS", 5, "NP_SBJ"),
                (f"{place}에서", f"{place} 에서", "NNP+JKB", 5, "NP_AJT"), (f"{c}를", f"{c} 를", "NNG+JKO", 5, "NP_OBJ"),
                (f"{verb}했다.", f"{verb} 하 였 다 .", "NNG+XSV+EP+EF+SF", 0, "VP")]  # fmt: skip
    if pattern == 1:  # A를 V한 B가 P에서 V했다.
        a, b = noun(), noun()
        return [(f"{a}를", f"{a} 를", "NNG+JKO", 2, "NP_OBJ"), (f"{verb}한", f"{verb} 하 ㄴ", "NNG+XSV+ETM", 3, "VP_MOD"),
                (f"{b}가", f"{b} 가", "NNG+JKS", 5, "NP_SBJ"), (f"{place}에서", f"{place} 에서", "NNP+JKB", 5, "NP_AJT"),
                (f"{verb2}했다.", f"{verb2} 하 였 다 .", "NNG+XSV+EP+EF+SF", 0, "VP")]  # fmt: skip
    a, b, c, d = noun(), noun(), noun(), noun()  # A의 B는 C를 V하고 D를 V했다.
    return [(f"{a}의", f"{a} 의", "NNG+JKG", 2, "NP_MOD"), (f"{b}는", f"{b} 는", "NNG+JX", 6, "NP_SBJ"),
            (f"{c}를", f"{c} 를", "NNG+JKO", 4, "NP_OBJ"), (f"{verb}하고", f"{verb} 하 고", "NNG+XSV+EC", 6, "VP"),
            (f"{d}를", f"{d} 를", "NNG+JKO", 6, "NP_OBJ"),
            (f"{verb2}했다.", f"{verb2} 하 였 다 .", "NNG+XSV+EP+EF+SF", 0, "VP")]  # fmt: skip


def dp_records(count: int, seed: int, split: str = "train") -> list[dict[str, Any]]:
    """Hub-schema DP records ``{guid, sentence, word_form, lemma, pos, head, deprel}``."""
    rng = random.Random(seed)
    records = []
    for index in range(count):
        rows = _dp_words(rng)
        words, lemmas, tags, heads, relations = (list(column) for column in zip(*rows, strict=True))
        records.append({"guid": _guid("dp", split, index), "sentence": " ".join(words), "word_form": words,
                        "lemma": lemmas, "pos": tags, "head": heads, "deprel": relations})  # fmt: skip
    return records


def dp_tsv(records: list[dict[str, Any]]) -> str:
    """The original KLUE-DP layout: five ``##`` comment lines, ``## guid<TAB>sentence``, then
    ``INDEX WORD_FORM LEMMA POS HEAD DEPREL`` per word and a blank line."""
    lines = ["## 토큰, 레이블 구분자 : \\t", "## 토큰 구분자 : \\n", "## 문장 구분자 : \\n\\n", "## 주석 : ##",
             "## 칼럼명 : INDEX\tWORD_FORM\tLEMMA\tPOS\tHEAD\tDEPREL"]  # fmt: skip
    for record in records:
        lines.append(f"## {record['guid']}\t{record['sentence']}")
        columns = zip(*(record[key] for key in ("word_form", "lemma", "pos", "head", "deprel")), strict=True)
        lines += ["\t".join([str(i), *map(str, cells)]) for i, cells in enumerate(columns, 1)]
        lines.append("")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- MRC: the answer after its cue words


def _mrc_paragraph(rng: random.Random, split: str, first: int) -> dict[str, Any]:
    place, topic = rng.choice(PLACES), rng.choice(NOUNS)
    leader, count = rng.choice(PEOPLE), f"{rng.randint(3, 40)}개"
    context = (f"{place}에서 {topic} 대회가 열렸다. 모두 {count} 팀이 참가했다. "
               f"대회를 이끈 사람은 {leader} 감독이다. 날씨는 맑았다.")  # fmt: skip

    def qa(offset: int, question: str, answer: str, question_type: int) -> dict[str, Any]:
        guid, start = _guid("mrc", split, first + offset), context.index(answer)
        if question_type == 3:  # unanswerable: scored against "", the plausible answer kept aside
            return {"question": question, "answers": [], "plausible_answers": [{"text": answer, "answer_start": start}],
                    "question_type": 3, "is_impossible": True, "guid": guid}  # fmt: skip
        return {"question": question, "answers": [{"text": answer, "answer_start": start}],
                "question_type": question_type, "is_impossible": False, "guid": guid}  # fmt: skip

    return {"context": context, "qas": [
        qa(0, f"{topic} 대회는 어디에서 열렸나?", place, 1),
        qa(1, f"{topic} 대회에 참가한 팀은 몇 개인가?", count, 1),
        qa(2, f"{topic} 대회를 이끈 감독은 누구인가?", leader, 2),
        qa(3, f"{topic} 대회를 후원한 회사는 어디인가?", place, 3),  # the sponsor is never named
    ]}  # fmt: skip


def mrc_document(paragraphs: int, seed: int, split: str = "train") -> dict[str, Any]:
    """``{"data": [{"title", "news_category", "source", "paragraphs": [{"context", "qas"}]}]}``, four
    questions per paragraph (two paraphrase, one multi-sentence, one unanswerable)."""
    rng = random.Random(seed)
    articles = [{"title": f"스모크 기사 {index}", "news_category": "스포츠", "source": "smoke",
                 "paragraphs": [_mrc_paragraph(rng, split, 4 * index)]} for index in range(paragraphs)]  # fmt: skip
    return {"version": "smoke", "data": articles}


# ---------------------------------------------------------------- WoS: slots from the values named

WOS_ONTOLOGY: dict[str, list[str]] = {
    "식당-지역": ["none", "dontcare", "서울 북쪽", "서울 남쪽", "서울 동쪽", "서울 서쪽"],
    "식당-종류": ["none", "dontcare", "한식당", "중식당", "일식당", "양식당"],
    "식당-가격대": ["none", "dontcare", "저렴", "적당", "비싼"],
    "숙소-지역": ["none", "dontcare", "서울 북쪽", "서울 남쪽", "서울 동쪽", "서울 서쪽"],
    "숙소-종류": ["none", "dontcare", "호텔", "게스트 하우스", "한옥"],
    "숙소-예약 기간": ["none", "dontcare", "1", "2", "3"],
    "관광-이름": ["none", "dontcare", "하늘 공원", "바다 박물관", "별빛 전망대", "숲속 정원"],
    "관광-지역": ["none", "dontcare", "서울 북쪽", "서울 남쪽", "서울 동쪽", "서울 서쪽"],
}
_WOS_SAY = {  # how a user asks for each slot; {v} is the value
    "식당-지역": "{v}에 있는 식당", "식당-종류": "{v}이면 좋겠어요", "식당-가격대": "가격은 {v}한 곳으로",
    "숙소-지역": "{v}에 있는 숙소", "숙소-종류": "{v}에서 묵고 싶어요", "숙소-예약 기간": "{v}일 동안 예약해 주세요",
    "관광-이름": "{v}에 가 보고 싶어요", "관광-지역": "{v}의 관광지",
}  # fmt: skip


def wos_records(count: int, seed: int, split: str = "train") -> list[dict[str, Any]]:
    """Dialogues ``{guid, domains, dialogue: [{role, text, state}]}``: each user turn names one or
    two slot values in words, the state (on user turns) is cumulative ``domain-slot-value``."""
    rng = random.Random(seed)
    domains_all = sorted({slot.split("-")[0] for slot in WOS_ONTOLOGY})
    records = []
    for index in range(count):
        domains = sorted(rng.sample(domains_all, rng.choice([1, 2])))
        slots = [slot for slot in WOS_ONTOLOGY if slot.split("-")[0] in domains]
        rng.shuffle(slots)
        state: list[str] = []
        dialogue: list[dict[str, Any]] = []
        for turn in range(rng.choice([2, 3])):
            said = slots[2 * turn : 2 * turn + rng.choice([1, 2])]
            parts = []
            for slot in said:
                value = rng.choice(WOS_ONTOLOGY[slot][2:])
                parts.append(_WOS_SAY[slot].format(v=value))
                state.append(f"{slot}-{value}")
            text = ", ".join(parts) + "." if parts else "안녕하세요, 도움이 필요해요."
            dialogue.append({"role": "user", "text": text, "state": sorted(state)})
            dialogue.append({"role": "sys", "text": "네, 알겠습니다. 더 필요한 것이 있으신가요?"})
        records.append({"guid": _guid("wos", split, index), "domains": domains, "dialogue": dialogue})
    return records


# ---------------------------------------------------------------- MCQA: the choice the paragraph names


def mcqa_rows(count: int, seed: int, split: str = "train") -> list[dict[str, str]]:
    """CSV rows ``id, paragraph, problems, question_plus``; ``problems`` is JSON ``{"question",
    "choices", "answer"}`` with ``answer`` the 1-based number of the right choice (spread evenly, so
    "always the first choice" scores about one in four)."""
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        person, place, topic = rng.choice(PEOPLE), rng.choice(PLACES), rng.choice(NOUNS)
        paragraph = f"{person}는 {place}에서 열린 {topic} 행사에 갔다. 그곳에서 친구를 만났다."
        distractors = rng.sample([p for p in PLACES if p != place], 3)
        answer = index % 4
        choices = distractors[:answer] + [place] + distractors[answer:]
        problems = {"question": f"{person}가 {topic} 행사에 간 곳은?", "choices": choices, "answer": answer + 1}
        rows.append({"id": _guid("mcqa", split, index), "paragraph": paragraph,
                     "problems": json.dumps(problems, ensure_ascii=False), "question_plus": ""})  # fmt: skip
    rng.shuffle(rows)
    return rows


def mcqa_csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["id", "paragraph", "problems", "question_plus"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


# ---------------------------------------------------------------- every task, on disk

# (train size, dev size); sized so that every task learns in seconds on two CPU cores
SIZES: dict[str, tuple[int, int]] = {
    "ynat": (280, 70), "sts": (300, 90), "nli": (300, 90), "ner": (250, 60), "re": (280, 70),
    "dp": (240, 60), "mrc": (240, 48), "wos": (120, 30), "mcqa": (200, 60),
}  # fmt: skip
TRAIN_SEED, DEV_SEED = 11, 22  # different seeds: dev sentences are new combinations of the words


def _file_name(task: str, split: str, default_suffix: str) -> str:
    """The original file name of ``task``'s ``split`` (the reader's newest prefix); ``mcqa_dev.csv``
    style for a task whose reader is not there."""
    try:
        import klue_data

        reader = klue_data.get_task(task)
        return f"{reader.FILE_PREFIXES[0]}_{split}{reader.FILE_SUFFIX}"
    except (KeyError, ValueError, ImportError, AttributeError):
        return f"{task}_{split}{default_suffix}"


def _dump_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def task_files(task: str) -> dict[str, str]:
    """``{file name: text}`` of one task's smoke train and dev files (and WoS's ontology)."""
    train_size, dev_size = SIZES[task]
    files: dict[str, str] = {}
    for split, size, seed in (("train", train_size, TRAIN_SEED), ("dev", dev_size, DEV_SEED)):
        if task == "ner":
            files[_file_name(task, split, ".tsv")] = ner_tsv(ner_records(size, seed, split))
        elif task == "dp":
            files[_file_name(task, split, ".tsv")] = dp_tsv(dp_records(size, seed, split))
        elif task == "mrc":
            files[_file_name(task, split, ".json")] = _dump_json(mrc_document(size // 4, seed, split))
        elif task == "mcqa":
            files[_file_name(task, split, ".csv")] = mcqa_csv(mcqa_rows(size, seed, split))
        else:
            files[_file_name(task, split, ".json")] = _dump_json(GENERATORS[task](size, seed, split))
    if task == "wos":
        files["ontology.json"] = _dump_json(WOS_ONTOLOGY)
    return files


GENERATORS: dict[str, Callable[[int, int, str], Any]] = {
    "ynat": ynat_records, "sts": sts_records, "nli": nli_records, "ner": ner_records, "re": re_records,
    "dp": dp_records, "mrc": mrc_document, "wos": wos_records, "mcqa": mcqa_rows,
}  # fmt: skip
TASKS = tuple(GENERATORS)


def write_all(folder: str | Path, tasks: tuple[str, ...] = TASKS) -> list[Path]:
    """Every task's smoke files, flat in ``folder`` (atomic writes); returns the paths."""
    folder = Path(folder)
    written = []
    for task in tasks:
        for name, text in task_files(task).items():
            path = folder / name
            write_text(path, lambda stream, text=text: stream.write(text))
            written.append(path)
    return written


def corpus() -> Iterator[str]:
    """All smoke text (for the tiny tokenizer): every file's sentences, questions, turns, choices, and
    every character of them alone and after another: new combinations (``최수아와``) then split into
    known pieces instead of becoming ``[UNK]``."""
    lines = list(_file_lines())
    characters = sorted({char for line in lines for char in line if not char.isspace()})
    yield from lines
    yield " ".join(characters)
    yield " ".join(f"가{char}" for char in characters)


def _file_lines() -> Iterator[str]:
    for task in TASKS:
        for name, text in task_files(task).items():
            if name == "ontology.json":
                yield " ".join(value for values in WOS_ONTOLOGY.values() for value in values)
                yield " ".join(WOS_ONTOLOGY)
                continue
            for line in text.splitlines():
                # TSV lines are one character each: the header sentences carry the text
                if "\t" in line and not line.startswith("##"):
                    continue
                yield line.split("\t", 1)[-1]


