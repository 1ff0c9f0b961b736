"""Made-up Korean task-oriented dialogues in the original WoS format (never KLUE's own data).

A dialogue books one to three things (a restaurant, a hotel, a taxi); every user turn adds slots
to the cumulative state, with values said in the turn itself (so a copying model can find them),
``dontcare`` (“상관없어요”) and yes/no (“주차 가능한 곳”). Some values contain ``-`` (a taxi stop
``강남역 3-1번 출구``), which a state string must keep. guids look like ``smoke-wos-00001``.
``wos_ontology()`` is a small ontology over the same slot names, with the values used here.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

AREAS = ["서울 동쪽", "서울 서쪽", "서울 남쪽", "서울 북쪽", "서울 중앙"]
FOOD = ["한식당", "중식당", "일식당", "양식당"]
HOTEL = ["호텔", "게스트하우스", "모텔"]
PRICE = ["저렴", "적당", "비싼"]
DAYS = ["월요일", "수요일", "금요일", "토요일"]
TIMES = ["12:30", "18:00", "19:30", "20:10"]
PEOPLE = ["2", "3", "4", "6"]
STOPS = ["강남역 3-1번 출구", "서울역", "잠실 종합운동장", "홍대입구역 9-2번 출구", "여의도 공원"]
TAXI = ["모범택시", "일반택시"]


def _restaurant(rng: random.Random) -> list[tuple[str, list[str], str]]:
    """(user text, items the turn adds, system answer) for one restaurant booking."""
    area, food, day, time, people = (rng.choice(values) for values in (AREAS, FOOD, DAYS, TIMES, PEOPLE))
    turns = [(f"{area}에 있는 {food}을 찾고 있어요.", [f"식당-지역-{area}", f"식당-종류-{food}"],
              "가격대는 어느 정도로 찾으세요?")]
    if rng.random() < 0.5:
        turns.append(("가격대는 상관없어요. 주차 가능한 곳이면 좋겠어요.", ["식당-가격대-dontcare", "식당-주차 가능-yes"],
                      "주차가 되는 곳으로 찾았습니다."))
    else:
        price = rng.choice(PRICE)
        turns.append((f"{price}한 곳으로 부탁해요. 주차는 안 되어도 괜찮아요.",
                      [f"식당-가격대-{price}", "식당-주차 가능-dontcare"], "알겠습니다. 예약도 도와드릴까요?"))
    turns.append((f"{day} {time}에 {people}명 예약해 주세요.",
                  [f"식당-예약 요일-{day}", f"식당-예약 시간-{time}", f"식당-예약 명수-{people}"],
                  "예약이 완료되었습니다."))
    return turns


def _hotel(rng: random.Random) -> list[tuple[str, list[str], str]]:
    area, kind, price, day = (rng.choice(values) for values in (AREAS, HOTEL, PRICE, DAYS))
    wifi = rng.choice(["yes", "no"])
    ask = "인터넷이 되는 곳이어야 해요." if wifi == "yes" else "인터넷은 없어도 돼요."
    return [
        (f"{area}에 {price}한 {kind} 있을까요?", [f"숙소-지역-{area}", f"숙소-가격대-{price}", f"숙소-종류-{kind}"],
         "몇 곳이 있습니다. 원하시는 조건이 더 있나요?"),
        (f"{ask} {day}부터 묵을게요.", [f"숙소-인터넷 가능-{wifi}", f"숙소-예약 요일-{day}"], "조건에 맞는 곳을 찾았습니다."),
    ]


def _taxi(rng: random.Random) -> list[tuple[str, list[str], str]]:
    start, end = rng.sample(STOPS, 2)
    kind = rng.choice(TAXI)
    turns = [(f"{start}에서 {end}까지 가는 택시를 불러 주세요.", [f"택시-출발지-{start}", f"택시-도착지-{end}"],
              "택시 종류는 어떤 걸로 할까요?")]
    if rng.random() < 0.5:
        turns.append((f"{kind}로 해 주세요.", [f"택시-종류-{kind}"], "택시를 불렀습니다."))
    else:
        turns.append(("종류는 아무거나 괜찮아요.", ["택시-종류-dontcare"], "택시를 불렀습니다."))
    return turns


DOMAINS = {"식당": _restaurant, "숙소": _hotel, "택시": _taxi}


def wos_dialogue(index: int, rng: random.Random) -> dict:
    """One dialogue in the original format: user turns carry the cumulative ``state``, system turns none."""
    domains = rng.sample(list(DOMAINS), rng.randint(1, 3))
    dialogue, state = [], []
    for domain in domains:
        for user, items, system in DOMAINS[domain](rng):
            state = state + items
            dialogue.append({"role": "user", "text": user, "state": list(state)})
            dialogue.append({"role": "sys", "text": system})
    return {"guid": f"smoke-wos-{index:05d}", "domains": domains, "dialogue": dialogue}


def wos_dialogues(count: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    return [wos_dialogue(index, rng) for index in range(count)]


def wos_ontology() -> dict[str, list[str]]:
    """``{"domain-slot": [values]}`` in KLUE's layout (``none`` and ``dontcare`` first; boolean slots yes/no)."""
    boolean = ["none", "dontcare", "yes", "no"]
    return {
        "숙소-가격대": ["none", "dontcare", *PRICE], "숙소-예약 요일": ["none", "dontcare", *DAYS],
        "숙소-인터넷 가능": boolean, "숙소-종류": ["none", "dontcare", *HOTEL], "숙소-지역": ["none", "dontcare", *AREAS],
        "식당-가격대": ["none", "dontcare", *PRICE], "식당-예약 명수": ["none", "dontcare", *PEOPLE],
        "식당-예약 시간": ["none", "dontcare", *TIMES], "식당-예약 요일": ["none", "dontcare", *DAYS],
        "식당-종류": ["none", "dontcare", *FOOD], "식당-주차 가능": boolean, "식당-지역": ["none", "dontcare", *AREAS],
        "택시-도착지": ["none", "dontcare", *STOPS], "택시-종류": ["none", "dontcare", *TAXI],
        "택시-출발지": ["none", "dontcare", *STOPS],
    }  # fmt: skip


def wos_corpus() -> Iterator[str]:
    """Text to train a test tokenizer on: every turn of many dialogues, and the slot names."""
    for dialogue in wos_dialogues(300, seed=1234):
        for turn in dialogue["dialogue"]:
            yield turn["text"]
    for slot in wos_ontology():
        yield slot.replace("-", " ")
