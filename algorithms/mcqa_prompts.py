"""Turning an exam item into model text, and cutting long passages (pure functions, no model).

An item is a passage (``paragraph``), a question, an optional ``<보기>`` box (``question_plus``) and
2 to 5 numbered choices. The encoder route reads (passage + question + 보기, choice) pairs; the
causal-LM route reads one prompt that ends where the answer number comes. When an input is too long,
only the passage is cut (from the end, at a space where one is near): the question, the 보기 and the
choices are what the answer is read from, so they are never cut (``PassageDoesNotFit`` when even
they alone are too long).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

ANSWER_INSTRUCTION = "{numbers} 중에 하나를 정답으로 고르세요."
ANSWER_CUE = "정답:"  # the prompt ends here without a chat template; the answer number follows
SNAP_TO_SPACE = 20  # characters a cut may move back to end at a word boundary


class PassageDoesNotFit(ValueError):
    """The item without any passage is still longer than the limit."""

    def __init__(self, needed: int, limit: int) -> None:
        super().__init__(
            f"the question, <보기> and choices alone take {needed} tokens, more than max_seq_length {limit} "
            "(only the passage is ever cut; raise --max_seq_length)"
        )
        self.needed, self.limit = needed, limit


def encoder_context(paragraph: str, question: str, question_plus: str = "") -> str:
    """The first segment of every (context, choice) pair: passage, question, then the 보기 box."""
    parts = [paragraph, question]
    if question_plus.strip():
        parts.append(f"<보기>\n{question_plus}")
    return "\n".join(part for part in parts if part)


def numbered_choices(choices: Sequence[str]) -> str:
    return "\n".join(f"{number} - {choice}" for number, choice in enumerate(choices, 1))


def user_prompt(paragraph: str, question: str, question_plus: str, choices: Sequence[str]) -> str:
    """The item as one instruction: what a chat template wraps as the user's turn."""
    blocks = []
    if paragraph:
        blocks.append(f"지문:\n{paragraph}")
    blocks.append(f"질문:\n{question}")
    if question_plus.strip():
        blocks.append(f"<보기>:\n{question_plus}")
    blocks.append(f"선택지:\n{numbered_choices(choices)}")
    numbers = ", ".join(str(number) for number in range(1, len(choices) + 1))
    blocks.append(ANSWER_INSTRUCTION.format(numbers=numbers))
    return "\n\n".join(blocks)


def plain_prompt(user_text: str) -> str:
    """The prompt for a model without a chat template: the instruction, then the answer cue."""
    return f"{user_text}\n{ANSWER_CUE}"


def fit_passage(passage: str, length_of: Callable[[str], int], max_length: int) -> str:
    """The longest start of ``passage`` for which ``length_of`` (the tokens of the whole model input
    built around that passage) stays within ``max_length``; the passage itself when it fits.

    Binary search over the cut position: a handful of tokenizations per long item, none for the
    others. A cut inside a word moves back to the last space when one is within ``SNAP_TO_SPACE``
    characters (fewer characters never take more tokens, so the result still fits).
    """
    if length_of(passage) <= max_length:
        return passage
    bare = length_of("")
    if bare > max_length:
        raise PassageDoesNotFit(bare, max_length)
    fits, too_long = 0, len(passage)
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if length_of(passage[:middle]) <= max_length:
            fits = middle
        else:
            too_long = middle
    cut = passage[:fits]
    if fits < len(passage) and not passage[fits].isspace():
        space = max(cut.rfind(" "), cut.rfind("\n"))
        if space > 0 and fits - space <= SNAP_TO_SPACE:
            cut = cut[:space]
    return cut.rstrip()


def answer_token_ids(tokenize: Callable[[str], list[int]], prompt: str, n_answers: int) -> list[int]:
    """The id of the token each answer number ``"1".."n"`` becomes right after ``prompt``.

    Read in context (the prompt's tokens, then one more), not from the digit alone: a tokenizer may
    mark a word start (``▁1``) or merge the digit with what precedes it. ``ValueError`` when a number
    does not become exactly one new token after the prompt.
    """
    base = tokenize(prompt)
    ids = []
    for number in range(1, n_answers + 1):
        full = tokenize(prompt + str(number))
        if full[: len(base)] != base or len(full) != len(base) + 1:
            raise ValueError(
                f"the answer number {number} does not become one token after the prompt "
                f"(prompt tokens then {full[len(base):] if full[:len(base)] == base else 'a re-split prompt'})"
            )
        ids.append(full[-1])
    if len(set(ids)) != len(ids):
        raise ValueError("two answer numbers became the same token (an unknown-token id?)")
    return ids
