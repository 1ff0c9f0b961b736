"""WoS dialogues → one example per user turn, and the model input of its dialogue history.

Each user turn is one example: the dialogue so far (system and user turns, oldest first, up to
and including this user turn) and the state after it. The history is the turns' tokens, each
followed by the separator token, laid out as KLUE-baseline lays it: an empty system turn before a
dialogue's first user turn, and one more empty turn (its empty context) in that turn's own example,
so ``[CLS] [SEP] [SEP] user_0 [SEP]``, then ``[CLS] [SEP] user_0 [SEP] sys_1 [SEP] user_1 [SEP]``.
When it does not fit, the OLDEST tokens go (the latest turns are what the state changes with), and
the sequence keeps its leading [CLS]/<s> and closing [SEP]/</s>.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

USER_ROLE = "user"


def user_turn_examples(dialogue: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per user turn, in order: ``{"turn": 0-based index among user turns, "position": index in
    the dialogue, "history": texts of turns 0..position in KLUE-baseline's layout (empty texts where
    it has empty turns), "state": the turn's state}``."""
    examples = []
    opening = [""] if dialogue and dialogue[0]["role"] == USER_ROLE else []  # the system's missing first turn
    for position, turn in enumerate(dialogue):
        if turn["role"] == USER_ROLE:
            context = [] if examples else [""]  # the first user turn's empty context
            examples.append({
                "turn": len(examples),
                "position": position,
                "history": [*context, *opening, *(t["text"] for t in dialogue[: position + 1])],
                "state": list(turn.get("state") or []),
            })  # fmt: skip
    return examples


def history_input_ids(
    turn_ids: Sequence[Sequence[int]], max_length: int, prefix: Sequence[int], separator: Sequence[int]
) -> tuple[list[int], bool]:
    """``prefix + turn_0 + sep + turn_1 + sep + ... + turn_n + sep``, cut from the left to ``max_length``.

    ``turn_ids``: each turn's tokens without special tokens; ``prefix`` the tokens a sequence
    starts with ([CLS] or <s>), ``separator`` those after every turn ([SEP] or </s>; the last one
    closes the sequence). Returns the ids and whether older tokens were dropped. Turns are
    gathered from the end until they fill the room, then the oldest of them is cut mid-turn where
    needed."""
    room = max_length - len(prefix)
    if room <= len(separator):
        raise ValueError(f"max_length {max_length} leaves no room for a turn after {len(prefix)} prefix tokens")
    kept: list[Sequence[int]] = []
    used = 0
    for ids in reversed(turn_ids):
        kept.append(ids)
        used += len(ids) + len(separator)
        if used >= room:
            break
    body: list[int] = []
    for ids in reversed(kept):
        body.extend(ids)
        body.extend(separator)
    total = sum(len(ids) + len(separator) for ids in turn_ids)
    cut = total > room
    if cut:
        body = body[len(body) - room :]
    return list(prefix) + body, cut
