"""KLUE-NER entity F1 and character F1.

Oracles: seqeval (strict, IOB2, macro) and scikit-learn ``f1_score(labels=range(13),
average="macro", zero_division=True)``, called as KLUE-baseline calls them.
"""

import json
import warnings

import numpy as np
import pytest
from seqeval.metrics import f1_score as seqeval_f1
from seqeval.scheme import IOB2
from sklearn.metrics import f1_score

import metrics
from tests.shared_data import SHARED_KLUE, require_shared

KLUE_V11 = SHARED_KLUE / "v1.1"
NER_DEV = KLUE_V11 / "klue-ner-v1.1" / "klue-ner-v1.1_dev.tsv"
TAGS = list(metrics.NER_TAGS)


def seqeval_sentences(predictions, references):
    """seqeval on the list of sentences."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return seqeval_f1(references, predictions, average="macro", mode="strict", scheme=IOB2) * 100.0


def seqeval_official(predictions, references):
    """The official call: one sequence, each sentence between its [CLS] and last position (gold O)."""
    gold = [tag for sentence in references for tag in ["O", *sentence, "O"]]
    pred = [tag for sentence in predictions for tag in ["O", *sentence, "O"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return seqeval_f1([gold], [pred], average="macro", mode="strict", scheme=IOB2) * 100.0


def sklearn_char_f1(predictions, references):
    gold = [TAGS.index(tag) for sentence in references for tag in sentence]
    pred = [TAGS.index(tag) for sentence in predictions for tag in sentence]
    return f1_score(gold, pred, labels=list(range(13)), average="macro", zero_division=True) * 100.0


def same(a, b):
    return (np.isnan(a) and np.isnan(b)) or a == pytest.approx(b, abs=1e-9)


# --- hand-computed cases -------------------------------------------------------------


def test_i_tag_without_b_starts_no_entity():
    references = [["B-PS", "I-PS", "O", "B-LC"]]
    predictions = [["I-PS", "I-PS", "O", "B-LC"]]  # lenient mode would find PS(0, 2) here
    # PS: gold 1, predicted 0 -> F1 0; LC: exact match -> F1 1; macro over {LC, PS} = 50
    assert metrics.ner_entity_f1(predictions, references) == 50.0


def test_i_tag_of_another_type_ends_the_entity_and_starts_nothing():
    references = [["B-PS", "I-PS", "I-PS"]]
    predictions = [["B-PS", "I-PS", "I-LC"]]  # PS(0, 2) wrong span; I-LC is no LC entity
    assert metrics.ner_entity_f1(predictions, references) == 0.0


def test_macro_average_over_types_in_gold_or_predictions():
    references = [["B-PS", "I-PS", "O", "B-DT", "I-DT", "O", "B-QT"]]
    predictions = [["B-PS", "I-PS", "O", "B-DT", "O", "O", "B-OG"]]
    # PS 1; DT span too short 0; QT missed 0; OG spurious 0 -> 1/4; TI and LC not averaged
    assert metrics.ner_entity_f1(predictions, references) == 25.0


def test_entity_never_continues_into_the_next_sentence():
    references = [["O", "B-PS"], ["B-PS", "O"]]
    predictions = [["O", "B-PS"], ["I-PS", "O"]]
    # gold PS, PS; predicted PS (first sentence only): P 1, R 1/2 -> F1 2/3
    ours = metrics.ner_entity_f1(predictions, references)
    assert ours == pytest.approx(200 / 3)
    assert ours == pytest.approx(seqeval_official(predictions, references))
    assert ours == pytest.approx(seqeval_sentences(predictions, references))
    # Concatenating the sentences *without* the [CLS]/[SEP] positions would merge
    # B-PS | I-PS into one entity and score 0: that is not the official number.
    plain = seqeval_sentences([sum(predictions, [])], [sum(references, [])])
    assert plain == 0.0


def test_no_entity_anywhere_gives_nan_like_seqeval():
    assert np.isnan(metrics.ner_entity_f1([["O", "I-PS"]], [["O", "O"]]))


def test_char_f1_includes_o_and_scores_unused_tags_1():
    references = [["B-PS", "I-PS", "O", "O"]]
    predictions = [["B-PS", "O", "O", "O"]]
    # B-PS 1; I-PS 0; O: TP 2, gold 2, predicted 3 -> 4/5; 10 unused tags -> 1 each
    assert metrics.ner_char_f1(predictions, references) == pytest.approx((1 + 0 + 0.8 + 10) / 13 * 100, abs=1e-9)


def test_breakdown_per_type():
    references = [["B-PS", "I-PS", "O", "B-DT", "I-DT", "O", "B-QT"]]
    predictions = [["B-PS", "I-PS", "O", "B-DT", "O", "O", "B-OG"]]
    result = metrics.ner_breakdown(predictions, references)
    assert result["per_type_f1"] == {"PS": 100.0, "LC": 0.0, "OG": 0.0, "DT": 0.0, "TI": 0.0, "QT": 0.0}
    assert result["per_type_support"] == {"PS": 1, "LC": 0, "OG": 0, "DT": 1, "TI": 0, "QT": 1}
    json.dumps(result)


# --- oracles on random inputs ----------------------------------------------------------


def random_sentences(rng, n_sentences, o_weight):
    weights = np.array([1.0] * 12 + [o_weight])
    weights /= weights.sum()
    return [[TAGS[i] for i in rng.choice(13, int(rng.integers(0, 12)), p=weights)] for _ in range(n_sentences)]


@pytest.mark.parametrize("seed", range(60))
def test_equal_to_seqeval_and_sklearn_on_random_tags(seed):
    rng = np.random.default_rng(seed)
    references = random_sentences(rng, int(rng.integers(1, 8)), o_weight=float(rng.uniform(0.5, 12)))
    if not any(references):
        references[0] = ["O"]
    # predictions: gold with some tags replaced (keeps many exact entity matches)
    predictions = [
        [TAGS[int(rng.integers(13))] if rng.random() < 0.3 else tag for tag in sentence] for sentence in references
    ]
    ours = metrics.ner_entity_f1(predictions, references)
    assert same(ours, seqeval_official(predictions, references))
    assert same(ours, seqeval_sentences(predictions, references))
    assert metrics.ner_char_f1(predictions, references) == pytest.approx(
        sklearn_char_f1(predictions, references), abs=1e-9
    )
    breakdown = metrics.ner_breakdown(predictions, references)["per_type_f1"]
    present = {tag[2:] for sentence in references + predictions for tag in sentence if tag.startswith("B-")}
    if present:
        assert ours == pytest.approx(np.mean([breakdown[t] for t in sorted(present)]), abs=1e-9)


# --- properties ------------------------------------------------------------------------


def test_perfect_predictions_score_100():
    sentences = [["B-PS", "I-PS", "O"], ["O", "B-QT", "B-QT", "I-QT"], []]
    assert metrics.ner_entity_f1(sentences, sentences) == 100.0
    assert metrics.ner_char_f1(sentences, sentences) == 100.0


def test_accepts_numpy_sentences_and_tuples():
    references = [np.array(["B-PS", "I-PS", "O"]), ("B-LC", "O")]
    predictions = [["B-PS", "I-PS", "O"], np.array(["B-LC", "O"])]
    assert metrics.ner_entity_f1(predictions, references) == 100.0
    assert type(metrics.ner_char_f1(predictions, references)) is float


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("predictions", "references", "message"),
    [
        ([["O"]], [["O"], ["O"]], "same length"),
        ([["O", "O"]], [["O"]], r"predictions\[0\] and references\[0\]"),
        ([["B-XX"]], [["O"]], "unknown NER tag 'B-XX'"),
        ([["O"]], [["b-ps"]], "^references: unknown NER tag"),
        (["B-PS", "O"], ["B-PS", "O"], r"predictions\[0\]: expected one of the sentences"),
        ([], [], "empty"),
        ([[]], [[]], "every sentence is empty"),
    ],
)
def test_bad_input_raises_value_error(predictions, references, message):
    with pytest.raises(ValueError, match=message):
        metrics.ner_entity_f1(predictions, references)
    with pytest.raises(ValueError, match=message):
        metrics.ner_char_f1(predictions, references)


# --- the real dev set --------------------------------------------------------------------


def read_ner_dev(path):
    sentences, current = [], []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("#"):
            continue
        if not line.strip():
            if current:
                sentences.append(current)
            current = []
            continue
        char, tag = line.split("\t")
        if char != " ":  # the metric's unit is the non-space character
            current.append(tag)
    if current:
        sentences.append(current)
    return sentences


@pytest.fixture(scope="module")
def ner_dev():
    return read_ner_dev(require_shared(NER_DEV))


def test_dev_set_tags_and_perfect_score(ner_dev):
    assert len(ner_dev) == 5000
    assert {tag for sentence in ner_dev for tag in sentence} == set(metrics.NER_TAGS)
    assert metrics.ner_entity_f1(ner_dev, ner_dev) == 100.0
    assert metrics.ner_char_f1(ner_dev, ner_dev) == 100.0


def test_dev_set_perturbed_equals_seqeval_and_sklearn(ner_dev):
    rng = np.random.default_rng(0)
    references = ner_dev[:600]  # the official quadratic call on all 5,000 takes ~30 s: see bench/
    predictions = []
    for sentence in references:
        pred = [TAGS[int(rng.integers(13))] if rng.random() < 0.05 else tag for tag in sentence]
        if pred and rng.random() < 0.1:  # a model's typical slip: I- where B- belongs
            pred[0] = "I-" + pred[0][2:] if pred[0] != "O" else pred[0]
        predictions.append(pred)
    ours = metrics.ner_entity_f1(predictions, references)
    assert ours == pytest.approx(seqeval_official(predictions, references), abs=1e-9)
    assert metrics.ner_char_f1(predictions, references) == pytest.approx(
        sklearn_char_f1(predictions, references), abs=1e-9
    )
