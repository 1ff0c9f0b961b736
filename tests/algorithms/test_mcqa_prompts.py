"""Prompt text and passage cutting for MCQA, with a word-counting stand-in for a tokenizer."""

from __future__ import annotations

import pytest

from algorithms import mcqa_prompts
from algorithms.mcqa_prompts import PassageDoesNotFit, answer_token_ids, fit_passage

PASSAGE = " ".join(f"단어{i}" for i in range(40))  # 40 "tokens" for a whitespace tokenizer


def words(text: str) -> int:
    return len(text.split())


def test_a_passage_that_fits_is_kept_whole():
    assert fit_passage(PASSAGE, lambda p: words(p) + 10, 50) == PASSAGE


def test_only_the_passage_is_cut_and_the_rest_of_the_input_is_counted():
    question_and_choices = 12  # what length_of adds around the passage
    cut = fit_passage(PASSAGE, lambda p: words(p) + question_and_choices, 30)
    assert cut == " ".join(f"단어{i}" for i in range(18))  # 18 + 12 = 30: the longest start that fits
    assert PASSAGE.startswith(cut)


def test_a_cut_inside_a_word_moves_back_to_the_space():
    def characters(passage: str) -> int:  # one "token" per character: the cut may land mid-word
        return len(passage)

    cut = fit_passage("가나다 라마바사 아자차", characters, 6)
    assert cut == "가나다"  # not "가나다 라마"


def test_even_an_empty_passage_too_long_is_an_error_naming_the_tokens():
    with pytest.raises(PassageDoesNotFit, match="alone take 25 tokens, more than max_seq_length 20") as raised:
        fit_passage(PASSAGE, lambda p: words(p) + 25, 20)
    assert (raised.value.needed, raised.value.limit) == (25, 20)


def test_prompts_hold_every_part_and_the_numbers_of_the_choices():
    text = mcqa_prompts.user_prompt("지우는 '봄'을 좋아한다.", "지우가 좋아하는 계절은?", "ㄱ. 봄은 따뜻하다.",
                                    ["봄", "여름", "가을", "겨울", "없음"])
    assert text.index("지문:\n지우는") < text.index("질문:\n지우가") < text.index("<보기>:\nㄱ.") < text.index("선택지:")
    assert "1 - 봄\n2 - 여름\n3 - 가을\n4 - 겨울\n5 - 없음" in text
    assert text.endswith("1, 2, 3, 4, 5 중에 하나를 정답으로 고르세요.")
    assert "<보기>" not in mcqa_prompts.user_prompt("p", "q", "", ["a", "b"])
    assert mcqa_prompts.plain_prompt("X").endswith("\n정답:")
    assert mcqa_prompts.encoder_context("지문", "질문", "") == "지문\n질문"
    assert mcqa_prompts.encoder_context("지문", "질문", "ㄱ") == "지문\n질문\n<보기>\nㄱ"


class CharTokenizer:
    """One id per character; ``merge`` joins a digit with the character before it into one token."""

    def __init__(self, merge: str | None = None) -> None:
        self.merge = merge

    def __call__(self, text: str) -> list[int]:
        ids: list[int] = []
        for char in text:
            if self.merge and char.isdigit() and ids and ids[-1] == ord(self.merge):
                ids[-1] = 100000 + ord(char)
            else:
                ids.append(ord(char))
        return ids


def test_answer_tokens_are_read_in_context():
    assert answer_token_ids(CharTokenizer(), "정답:", 5) == [ord(d) for d in "12345"]


def test_an_answer_number_merged_with_the_prompt_is_refused():
    with pytest.raises(ValueError, match="answer number 1 does not become one token after the prompt"):
        answer_token_ids(CharTokenizer(merge=":"), "정답:", 5)


def test_answer_numbers_that_become_one_unknown_token_are_refused():
    def digits_unknown(text: str) -> list[int]:  # a vocabulary without digits: each is the unknown token 0
        return [0 if char.isdigit() else ord(char) for char in text]

    with pytest.raises(ValueError, match="two answer numbers became the same token"):
        answer_token_ids(digits_unknown, "정답:", 5)


def test_a_blank_box_or_an_empty_passage_adds_no_block():
    assert mcqa_prompts.encoder_context("", "질문", " \n") == "질문"
    text = mcqa_prompts.user_prompt("", "질문", "  ", ["a", "b"])
    assert text.startswith("질문:\n질문") and "지문" not in text and "<보기>" not in text


def test_the_cut_is_the_longest_start_that_fits_to_the_character():
    def characters(passage: str) -> int:
        return len(passage) + 3  # the question and choices around it take 3

    for limit in (4, 5, 40, 99, 102):
        assert fit_passage("가" * 100, characters, limit) == "가" * (limit - 3)
    assert fit_passage("가" * 100, characters, 3) == ""  # room for the rest only: no passage, no error


@pytest.mark.parametrize(
    ("passage", "limit", "expected"),
    [
        ("가 나다 라마", 4, "가 나다"),  # cut right before a space: a whole word, nothing to snap
        ("가나다\n라마바", 5, "가나다"),  # a line break is a word boundary too
        ("가나다  라마", 5, "가나다"),  # snapped back, then the spaces it ends on dropped
        ("가 " + "나" * 40, 21, "가"),  # the space 20 characters back: snapped to
        ("가 " + "나" * 40, 22, "가 " + "나" * 20),  # 21 back: too far, the word is cut
        (" 가나다라", 3, " 가나"),  # a space at the very start: snapping to it would leave nothing
    ],
)
def test_a_cut_inside_a_word_snaps_back_only_to_a_near_space(passage, limit, expected):
    assert fit_passage(passage, len, limit) == expected


def test_an_answer_number_of_two_tokens_or_a_re_split_prompt_is_refused():
    def two_tokens(text: str) -> list[int]:  # each digit becomes two ids
        return [i for char in text for i in ((ord(char), 0) if char.isdigit() else (ord(char),))]

    with pytest.raises(ValueError, match=r"answer number 1 does not become one token after the prompt \(prompt "
                                         r"tokens then \[49, 0\]\)"):
        answer_token_ids(two_tokens, "정답:", 4)

    def re_split(text: str) -> list[int]:  # a digit changes the prompt's first token, and adds one
        ids = [ord(char) for char in text]
        if text[-1:].isdigit():
            ids[0] = 7
        return ids

    with pytest.raises(ValueError, match="answer number 1 does not become one token after the prompt "
                                         r"\(prompt tokens then a re-split prompt\)"):
        answer_token_ids(re_split, "정답:", 4)
