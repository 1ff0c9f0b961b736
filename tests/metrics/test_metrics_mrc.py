"""KLUE-MRC exact match and ROUGE-W (longest-common-substring F1 as difflib finds it)."""

import json
import string
from difflib import SequenceMatcher

import numpy as np
import pytest

import metrics

# --- normalisation ---------------------------------------------------------------------


def test_normalisation_lowercases_deletes_ascii_punctuation_and_collapses_spaces():
    assert metrics.normalize_answer("  Hello, World!  (test)\t\n ") == "hello world test"
    assert metrics.normalize_answer(string.punctuation) == ""


def test_normalisation_keeps_non_ascii_brackets_and_quotes():
    assert metrics.normalize_answer("《서울》 ‘A’ “B” 〈C〉 <D> 「E」 ·…") == "《서울》 ‘a’ “b” 〈c〉 d 「e」 ·…"


def test_normalisation_official_bracket_pattern_quirk():
    # The official pattern is one of ' " 《 》 < > 〈 〉 followed by the literal "()‘’";
    # that exact sequence becomes a space (plain deletion would give "a《‘’b").
    assert metrics.normalize_answer("a《()‘’b") == "a b"
    assert metrics.normalize_answer("a《()b") == "a《b"


# --- exact match and ROUGE-W, hand-computed ----------------------------------------------


PREDICTIONS = ["서울.", "부산", "", "있다"]
REFERENCES = [["서울"], ["대구", "부산광역시"], [], []]


def test_exact_match_hand_computed():
    # "서울." normalises to "서울": 1; "부산" matches no gold: 0; unanswerable with "": 1;
    # unanswerable with an answer: 0
    assert metrics.mrc_exact_match(PREDICTIONS, REFERENCES) == 50.0


def test_rouge_w_hand_computed():
    # q1: 1; q2: best gold "부산광역시": L 2, P 1, R 2/5 -> F1 4/7; q3: "" vs "" -> 1; q4: 0
    assert metrics.mrc_rouge_w(PREDICTIONS, REFERENCES) == pytest.approx((1 + 4 / 7 + 1 + 0) / 4 * 100, abs=1e-9)


def test_unanswerable_gold_is_the_empty_string():
    assert metrics.mrc_exact_match(["", "없음"], [[], []]) == 50.0
    assert metrics.mrc_rouge_w(["", "없음"], [[], []]) == 50.0
    # a prediction that normalises to "" also matches: "?!" -> ""
    assert metrics.mrc_exact_match(["?!"], [[]]) == 100.0


def test_gold_normalising_to_empty_behaves_like_unanswerable():
    assert metrics.mrc_rouge_w(["", "가"], [["..."], ["..."]]) == 50.0


def test_empty_prediction_against_a_real_answer_scores_zero():
    assert metrics.mrc_rouge_w([""], [["서울"]]) == 0.0


def test_rouge_w_is_longest_contiguous_substring_not_subsequence():
    # LCS-subsequence would be 3 ("가다마"); the longest common substring is 1
    assert metrics.mrc_rouge_w(["가다마"], [["가나다라마"]]) == pytest.approx(2 * (1 / 3) * (1 / 5) / (1 / 3 + 1 / 5) * 100)


def test_rouge_w_follows_difflib_autojunk_for_long_golds():
    # In a gold of 200+ characters, a character making up over 1% of it is "popular" and
    # difflib's matcher skips it: the true longest common substring "가가가가가" (5) is
    # not found and the official score is 0.
    gold = "나" + "가" * 5 + "".join(chr(0xAC10 + i) for i in range(194))
    prediction = "가" * 5
    assert len(gold) == 200
    assert SequenceMatcher(None, prediction, gold).find_longest_match(0, 5, 0, 200).size == 0
    assert metrics.mrc_rouge_w([prediction], [[gold]]) == 0.0
    # below 200 characters there is no autojunk: the same substring is found
    short = gold[:150]
    assert metrics.mrc_rouge_w([prediction], [[short]]) == pytest.approx(2 * (5 / 150) / (1 + 5 / 150) * 100)


def test_identical_long_answers_use_difflib_too():
    answer = "".join(chr(0xAC00 + i % 7) for i in range(260))
    size = SequenceMatcher(None, answer, answer).find_longest_match(0, 260, 0, 260).size
    expected = 1.0 if size == 260 else 2 * (size / 260) ** 2 / (2 * size / 260)
    assert metrics.mrc_rouge_w([answer], [[answer]]) == pytest.approx(expected * 100)
    assert metrics.mrc_exact_match([answer], [[answer]]) == 100.0


@pytest.mark.parametrize("seed", range(10))
def test_rouge_w_equals_difflib_definition_on_random_strings(seed):
    rng = np.random.default_rng(seed)
    alphabet = list("가나다라 마바.,!") + ["《", "》", "A", "b"]
    predictions, references, expected = [], [], []
    for _ in range(30):
        prediction = "".join(rng.choice(alphabet, int(rng.integers(0, 12))))
        golds = ["".join(rng.choice(alphabet, int(rng.integers(0, 250 if rng.random() < 0.2 else 12))))
                 for _ in range(int(rng.integers(0, 3)))]
        predictions.append(prediction)
        references.append(golds)
        pred = metrics.normalize_answer(prediction)
        best = 0.0
        for gold in [metrics.normalize_answer(g) for g in golds] or [""]:
            if gold == "":
                score = float(pred == "")
            else:
                size = SequenceMatcher(None, pred, gold).find_longest_match(0, len(pred), 0, len(gold)).size
                p = size / len(pred) if pred else 0.0
                r = size / len(gold)
                score = 2 * p * r / (p + r) if p + r else 0.0
            best = max(best, score)
        expected.append(best)
    assert metrics.mrc_rouge_w(predictions, references) == pytest.approx(np.mean(expected) * 100, abs=1e-9)


def test_perfect_predictions_score_100():
    assert metrics.mrc_exact_match(["서울", ""], [["서울", "서울시"], []]) == 100.0
    assert metrics.mrc_rouge_w(["서울", ""], [["서울", "서울시"], []]) == 100.0


# --- breakdown -------------------------------------------------------------------------


def test_breakdown_per_question_type():
    result = metrics.mrc_breakdown(PREDICTIONS, REFERENCES, [1, 1, 3, 3])
    per_type = result["per_question_type"]
    assert per_type["1"] == pytest.approx({"exact_match": 50.0, "rouge_w": (1 + 4 / 7) / 2 * 100, "count": 2})
    assert per_type["2"] == {"exact_match": None, "rouge_w": None, "count": 0}
    assert per_type["3"] == {"exact_match": 50.0, "rouge_w": 50.0, "count": 2}
    json.dumps(result)


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: metrics.mrc_exact_match(["a"], [["a"], ["b"]]), "same length"),
        (lambda: metrics.mrc_exact_match([], []), "empty"),
        (lambda: metrics.mrc_exact_match("a", [["a"]]), "^predictions: .*single string"),
        (lambda: metrics.mrc_rouge_w(["a"], ["a"]), r"^references\[0\]: expected a list of gold answer strings"),
        (lambda: metrics.mrc_rouge_w([None], [["a"]]), r"^predictions\[0\]"),
        (lambda: metrics.mrc_rouge_w(["a"], [[1]]), r"^references\[0\]: gold answers must be strings"),
        (lambda: metrics.mrc_breakdown(["a"], [["a"]], [4]), "^question_types: expected 1, 2 or 3"),
        (lambda: metrics.mrc_breakdown(["a"], [["a"]], [1, 2]), "same length"),
    ],
)
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_scores_by_question_type_equal_the_official_functions_in_one_pass():
    import metrics

    predictions = ["서울", "", "부산 시청", "대전", ""]
    references = [["서울"], [], ["부산시청", "부산 시청"], ["대구"], ["광주"]]
    types = [1, 3, 2, 0, 1]  # 0: a question of unknown type counts in the overall scores only
    scores, breakdown = metrics.mrc_scores_by_question_type(predictions, references, types)
    assert scores["exact_match"] == metrics.mrc_exact_match(predictions, references)
    assert scores["rouge_w"] == metrics.mrc_rouge_w(predictions, references)
    known = [i for i, kind in enumerate(types) if kind]
    official = metrics.mrc_breakdown([predictions[i] for i in known], [references[i] for i in known],
                                     [types[i] for i in known])["per_question_type"]
    for kind, name in {"1": "paraphrase", "2": "multi_sentence", "3": "unanswerable"}.items():
        assert breakdown["per_question_type"][name] == official[kind]
        assert scores[f"exact_match_{name}"] == official[kind]["exact_match"]
    assert breakdown["unknown_question_type_count"] == 1
    assert scores["exact_match_unanswerable"] == 100.0  # "" for an unanswerable question is exact


def test_exact_match_counts_a_match_with_any_gold_not_only_the_first():
    # the official EM is the max over the golds: "부산광역시" equals the second gold
    assert metrics.mrc_exact_match(["부산광역시"], [["부산", "부산광역시"]]) == 100.0


def test_scores_by_question_type_name_only_types_with_questions_and_count_other_types_as_unknown():
    # type 7 is no KLUE type: like 0, it counts in the overall scores and as unknown only
    scores, breakdown = metrics.mrc_scores_by_question_type(["서울", "x"], [["서울"], ["y"]], [1, 7])
    assert scores == {"exact_match": 50.0, "rouge_w": 50.0, "exact_match_paraphrase": 100.0,
                      "rouge_w_paraphrase": 100.0}
    assert breakdown["per_question_type"]["multi_sentence"] == {"exact_match": None, "rouge_w": None, "count": 0}
    assert breakdown["unknown_question_type_count"] == 1


def test_scores_by_question_type_refuse_a_type_list_of_another_length():
    with pytest.raises(ValueError, match="same length"):
        metrics.mrc_scores_by_question_type(["a", "b"], [["a"], ["b"]], [1])
