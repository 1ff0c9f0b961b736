"""KLUE-NER tags from characters to subwords and back (algorithms/char_alignment.py)."""

from __future__ import annotations

import numpy as np
import pytest

from klue_data import ner
from klue_data.labels import NER_TAGS
from tests.shared_data import require_shared
from tests.synthetic import corpus
from tests.tiny_tokenizers import (
    byte_bpe_tokenizer,
    uncased_wordpiece_tokenizer,
    unigram_tokenizer,
    wordpiece_tokenizer,
)
from algorithms.char_alignment import (
    TAG_IDS,
    align_char_labels,
    boundary_inside_subword,
    entities_from_tags,
    klue_markup,
    official_tag_sequence,
    special_position_tags,
    subword_predictions_to_chars,
    tag_names,
    tags_with_spaces,
    truncated_sentences,
)

# "서울시청에 간다" with <서울시청:OG>; spaces are characters too
TOKENS = list("서울시청에 간다")
TAGS = ["B-OG", "I-OG", "I-OG", "I-OG", "O", "O", "O", "O"]


def padded(rows: list[list[int]], fill: int = -100) -> np.ndarray:
    array = np.full((len(rows), max(map(len, rows))), fill)
    for i, row in enumerate(rows):
        array[i, : len(row)] = row
    return array


def ids(*names: str) -> list[int]:
    return [TAG_IDS[name] for name in names]


def test_each_subword_learns_the_tag_of_its_first_character_and_specials_learn_o():
    # [CLS] 서울 ##시청 ##에 간다 [SEP]
    offsets = [[(0, 0), (0, 2), (2, 4), (4, 5), (6, 8), (0, 0)]]
    labels = align_char_labels([TOKENS], [TAGS], offsets)
    # [CLS] and [SEP] are trained as O, as KLUE-baseline trains them
    assert [row.tolist() for row in labels] == [ids("O", "B-OG", "I-OG", "O", "O", "O")]


def test_a_token_of_several_characters_gives_its_tag_to_the_subword_starting_on_it():
    # the readers tolerate a token of several characters: one unit, addressed by its first character
    labels = align_char_labels([["서울", "에", " ", "김", "씨"]], [["B-LC", "O", "O", "B-PS", "I-PS"]],
                               [[(0, 2), (2, 3), (4, 6)]])
    assert [row.tolist() for row in labels] == [ids("B-LC", "O", "B-PS")]


def test_a_leading_space_in_the_offsets_is_skipped():
    # byte-level BPE without trimmed offsets: "Ġ간다" covers the space before the word
    labels = align_char_labels([list("서울 부산")], [["B-LC", "I-LC", "O", "B-LC", "I-LC"]], [[(0, 2), (2, 5)]])
    assert [row.tolist() for row in labels] == [ids("B-LC", "B-LC")]


def test_a_subword_prediction_spreads_as_inside_tags_over_its_characters():
    # one subword "서울시청에" predicted B-OG: the whole subword becomes the entity
    offsets = [[(0, 0), (0, 4), (4, 5), (6, 8), (0, 0)]]
    predictions = padded([[0, *ids("B-OG", "O", "O"), 0]])
    chars = subword_predictions_to_chars([TOKENS], offsets, predictions)
    assert tag_names(chars.non_space[0]) == ["B-OG", "I-OG", "I-OG", "I-OG", "O", "O", "O"]
    assert tag_names(chars.token_tags[0])[5] == "O"  # the space
    assert not chars.truncated[0]


def test_a_subword_starting_on_a_character_decides_it_where_subwords_overlap():
    # byte-level BPE splits a syllable's bytes: "Ġ경찰"(3,5) then "찰"(4,5)
    tokens = list("간 경찰")
    offsets = [[(0, 1), (2, 4), (3, 4)]]
    chars = subword_predictions_to_chars([tokens], offsets, padded([ids("O", "O", "B-OG")]))
    assert tag_names(chars.non_space[0]) == ["O", "O", "B-OG"]


def test_a_subword_of_a_space_alone_learns_o_and_decides_no_character():
    # byte-level BPE with untrimmed offsets: a "Ġ" left alone covers the space before "부산"
    tokens, offsets = list("서울 부산"), [[(0, 2), (2, 3), (3, 5)]]
    labels = align_char_labels([tokens], [["B-LC", "I-LC", "O", "B-LC", "I-LC"]], offsets)
    assert [row.tolist() for row in labels] == [ids("B-LC", "O", "B-LC")]
    chars = subword_predictions_to_chars([tokens], offsets, padded([ids("B-LC", "B-PS", "B-LC")]))
    assert tag_names(chars.non_space[0]) == ["B-LC", "I-LC", "B-LC", "I-LC"]


def test_of_byte_pieces_starting_on_one_character_the_first_decides_it():
    # a byte-level BPE splits each syllable into pieces that all start on it: (0, 1), (0, 1), (1, 2), (1, 2)
    offsets = [[(0, 1), (0, 1), (1, 2), (1, 2)]]
    chars = subword_predictions_to_chars([list("서울")], offsets, padded([ids("B-LC", "O", "I-LC", "O")]))
    assert tag_names(chars.non_space[0]) == ["B-LC", "I-LC"]


def test_a_prediction_outside_the_tag_ids_reads_as_o():
    chars = subword_predictions_to_chars([list("서울")], [[(0, 1), (1, 2)]], padded([[99, -100]]))
    assert tag_names(chars.non_space[0]) == ["O", "O"]


def test_a_space_inside_a_subword_is_predicted_o():
    chars = subword_predictions_to_chars([list("서울 시청")], [[(0, 5)]], padded([ids("B-OG")]))
    assert tag_names(chars.token_tags[0]) == ["B-OG", "I-OG", "O", "I-OG", "I-OG"]


def test_characters_cut_off_by_truncation_are_predicted_o_and_flagged():
    offsets = [[(0, 0), (0, 2), (0, 0)], [(0, 0), (0, 2), (2, 4), (0, 0)]]
    predictions = padded([[0, TAG_IDS["B-LC"], 0], [0, TAG_IDS["B-LC"], TAG_IDS["O"], 0]])
    chars = subword_predictions_to_chars([list("서울 부산"), list("부산시청")], offsets, predictions)
    assert tag_names(chars.non_space[0]) == ["B-LC", "I-LC", "O", "O"]
    assert chars.truncated.tolist() == [True, False]


def test_padding_predictions_beyond_a_sentence_are_never_read():
    offsets = [[(0, 1)], [(0, 1), (1, 2), (2, 3)]]
    predictions = padded([ids("B-PS"), ids("B-PS", "I-PS", "I-PS")], fill=-100)
    chars = subword_predictions_to_chars([["김"], list("김철수")], offsets, predictions)
    assert [tag_names(sentence) for sentence in chars.non_space] == [["B-PS"], ["B-PS", "I-PS", "I-PS"]]


def test_boundary_inside_subword_flags_only_sentences_a_subword_cannot_express():
    # "서울에": <서울:LC> glued to the particle
    glued = [[(0, 3)]]
    split = [[(0, 2), (2, 3)]]
    tags = [["B-LC", "I-LC", "O"]]
    assert boundary_inside_subword([list("서울에")], tags, glued).tolist() == [True]
    assert boundary_inside_subword([list("서울에")], tags, split).tolist() == [False]
    # mBERT-uncased's jamo: "##급이"(0, 2) then "##ᆫ"(1, 2), which starts on 인 and so decides it
    overlapping = [[(0, 2), (1, 2)]]
    assert boundary_inside_subword([list("급인")], [["B-QT", "O"]], overlapping).tolist() == [False]
    assert boundary_inside_subword([list("급인")], [["B-QT", "O"]], [[(0, 2)]]).tolist() == [True]
    # characters truncation cut off are no boundary inside a subword, the first of them included
    assert boundary_inside_subword([list("서울부산")], [["B-LC", "I-LC", "B-LC", "I-LC"]], [[(0, 2)]]).tolist() == [
        False]
    # a space inside a subword is no character to tag: its O breaks no entity
    assert boundary_inside_subword([list("서울 시청")], [["B-OG", "I-OG", "O", "I-OG", "I-OG"]], [[(0, 5)]]).tolist() == [
        False]


def test_a_character_the_tokenizer_drops_inside_an_entity_stays_in_it():
    # "서울\u200b시청에": BERT's normalizer drops U+200B, so no subword covers character 2
    tokens = list("서울\u200b시청에")
    tags = ["B-OG", "I-OG", "I-OG", "I-OG", "I-OG", "O"]
    offsets = [[(0, 0), (0, 2), (3, 5), (5, 6), (0, 0)]]
    chars = subword_predictions_to_chars([tokens], offsets, padded([ids("O", "B-OG", "I-OG", "O", "O")]))
    assert tag_names(chars.non_space[0]) == tags  # left O, it split <서울\u200b시청> into two non-entities
    assert boundary_inside_subword([tokens], [tags], offsets).tolist() == [False]
    # a dropped character ending a sentence, the next one going on with I-: sentences are never bridged,
    # nor is a dropped character ending the batch
    chars = subword_predictions_to_chars([list("서울\u200b"), list("시청\u200b")], [[(0, 2)], [(0, 2)]],
                                         padded([ids("B-LC"), ids("I-LC")]))
    assert [tag_names(sentence) for sentence in chars.non_space] == [["B-LC", "I-LC", "O"], ["I-LC", "I-LC", "O"]]
    # right after the entity's first character it goes on as I-, not as a second B-
    chars = subword_predictions_to_chars([list("서\u200b울")], [[(0, 1), (2, 3)]], padded([ids("B-LC", "I-LC")]))
    assert tag_names(chars.non_space[0]) == ["B-LC", "I-LC", "I-LC"]
    # after the entity, before O, it is O; gold that puts it in the entity is a limit, and flagged
    tokens, offsets = list("서울\u200b에"), [[(0, 0), (0, 2), (3, 4), (0, 0)]]
    chars = subword_predictions_to_chars([tokens], offsets, padded([ids("O", "B-LC", "O", "O")]))
    assert tag_names(chars.non_space[0]) == ["B-LC", "I-LC", "O", "O"]
    assert boundary_inside_subword([tokens], [["B-LC", "I-LC", "O", "O"]], offsets).tolist() == [False]
    assert boundary_inside_subword([tokens], [["B-LC", "I-LC", "I-LC", "O"]], offsets).tolist() == [True]
    # between two entities of one type, the second starting after it: no bridge into a B-
    tokens, offsets = list("서울\u200b부산"), [[(0, 2), (3, 5)]]
    chars = subword_predictions_to_chars([tokens], offsets, padded([ids("B-LC", "B-LC")]))
    assert tag_names(chars.non_space[0]) == ["B-LC", "I-LC", "O", "B-LC", "I-LC"]


def test_dropped_characters_keep_gold_entities_with_a_real_tokenizer():
    tokenizer = wordpiece_tokenizer(corpus(), 400)
    tokens = [list("서울\u200b시청에 간다\ufeff"), list("김\u00ad철수가 왔다")]
    tags = [["B-OG"] + ["I-OG"] * 4 + ["O"] * 5, ["B-PS", "I-PS", "I-PS", "I-PS"] + ["O"] * 4]
    offsets = tokenizer(["".join(sentence) for sentence in tokens], return_offsets_mapping=True)["offset_mapping"]
    assert all(start != 2 for start, _ in offsets[0]) and all(start != 1 for start, _ in offsets[1])  # dropped
    labels = align_char_labels(tokens, tags, offsets)
    chars = subword_predictions_to_chars(tokens, offsets, padded([row.tolist() for row in labels]))
    gold = [[tag for token, tag in zip(sentence, sentence_tags, strict=True) if not token.isspace()]
            for sentence, sentence_tags in zip(tokens, tags)]
    assert [tag_names(sentence) for sentence in chars.non_space] == gold
    assert not boundary_inside_subword(tokens, tags, offsets).any()
    # a sentence ending in U+FEFF, which no subword holds, was not cut by max_seq_length
    assert truncated_sentences(tokens, offsets).tolist() == [False, False]
    assert chars.truncated.tolist() == [False, False]


def test_entities_and_markup_keep_spaces_inside_an_entity():
    tokens = list("3월 5일 서울")
    tags = ["B-DT", "I-DT", "O", "I-DT", "I-DT", "O", "B-LC", "I-LC"]
    full = tags_with_spaces(tokens, tags)
    assert full[2] == "I-DT" and full[5] == "O"
    entities = entities_from_tags(tokens, full)
    assert entities == [
        {"text": "3월 5일", "type": "DT", "start": 0, "end": 5},
        {"text": "서울", "type": "LC", "start": 6, "end": 8},
    ]
    assert klue_markup(tokens, entities) == "<3월 5일:DT> <서울:LC>"


def test_a_stray_inside_tag_starts_no_entity_as_in_the_entity_f1():
    assert entities_from_tags(list("서울"), ["I-LC", "I-LC"]) == []
    # nor does it continue an entity that an O ended
    assert entities_from_tags(list("서울역"), ["B-LC", "O", "I-LC"]) == [
        {"text": "서", "type": "LC", "start": 0, "end": 1}]


def test_an_inside_tag_of_another_type_ends_the_entity():
    entities = entities_from_tags(list("서울역"), ["B-LC", "I-PS", "I-PS"])
    assert entities == [{"text": "서", "type": "LC", "start": 0, "end": 1}]


# --- the real dev set ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ner_dev(shared_klue):
    return ner.read_file(require_shared(shared_klue / "v1.1" / "klue-ner-v1.1" / "klue-ner-v1.1_dev.tsv"))


@pytest.mark.parametrize(
    "make_tokenizer",
    [wordpiece_tokenizer, byte_bpe_tokenizer, unigram_tokenizer, uncased_wordpiece_tokenizer],
    ids=["bert", "roberta", "xlm-r", "mbert-uncased"],
)
def test_gold_tags_survive_the_round_trip_except_boundaries_inside_subwords(ner_dev, make_tokenizer):
    tokens = [record["tokens"] for record in ner_dev]
    tags = [record["ner_tags"] for record in ner_dev]
    texts = ["".join(sentence) for sentence in tokens]
    # Trained on the dev text itself, with a large vocabulary: many subwords glue a particle to
    # an entity, the hard case for the round trip.
    tokenizer = make_tokenizer([*texts, *corpus()], 8000, model_max_length=512)
    offsets = tokenizer(texts, truncation=True, max_length=512, return_offsets_mapping=True)["offset_mapping"]

    labels = align_char_labels(tokens, tags, offsets)
    chars = subword_predictions_to_chars(tokens, offsets, padded(labels))
    gold = [[TAG_IDS[tag] for token, tag in zip(sentence, sentence_tags) if not token.isspace()]
            for sentence, sentence_tags in zip(tokens, tags)]
    exact = np.array([predicted.tolist() == expected for predicted, expected in zip(chars.non_space, gold)])
    limited = boundary_inside_subword(tokens, tags, offsets)

    assert len(ner_dev) == 5000 and not chars.truncated.any()
    assert exact[~limited].all(), [ner_dev[i]["guid"] for i in np.flatnonzero(~exact & ~limited)[:5]]
    assert not exact[limited].any()  # the flag is exact too: each flagged sentence does change
    assert 0 < limited.sum() < len(ner_dev) / 2
    assert set(NER_TAGS) >= {tag for sentence in tags for tag in sentence}


def test_truncated_sentences_are_those_with_a_character_past_the_last_subword():
    # "서울 간다": whole; cut after "서울" (the space and "간다" left out); a trailing space alone is no cut
    offsets = [[(0, 0), (0, 2), (3, 5), (0, 0)], [(0, 0), (0, 2), (0, 0)], [(0, 0), (0, 2), (0, 0)]]
    tokens = [list("서울 간다"), list("서울 간다"), list("서울 ")]
    assert truncated_sentences(tokens, offsets).tolist() == [False, True, False]


def test_official_layout_puts_each_sentence_between_its_first_and_last_position_tags():
    predicted = np.array([[TAG_IDS["B-PS"], TAG_IDS["O"], TAG_IDS["I-LC"], -100], [TAG_IDS["O"], TAG_IDS["O"], 99, 99]])
    ends = special_position_tags(predicted, np.array([3, 2]))  # padding and out-of-range ids read as O
    assert ends == [("B-PS", "I-LC"), ("O", "O")]
    assert special_position_tags(np.array([[99, -100, 5]]), np.array([2])) == [("O", "O")]  # read, out of range
    first, last = zip(*ends)
    assert official_tag_sequence([["B-LC"], ["O", "O"]], first, last) == [
        "B-PS", "B-LC", "I-LC", "O", "O", "O", "O"]


def test_the_aligner_and_the_scorer_agree_on_which_tokens_are_spaces():
    """One rule (klue_data.ner.is_space_token): the characters the predictions carry for scoring are
    exactly the gold positions ``non_space_positions`` keeps, whitespace of any kind included."""
    tokens = ["서", "\u3000", "울", "  ", "에", "\t", "가"]
    offsets = [[(0, 0), (0, 1), (2, 3), (5, 6), (7, 8), (0, 0)]]
    predictions = padded([ids("O", "B-LC", "I-LC", "O", "O", "O")])
    chars = subword_predictions_to_chars([tokens], offsets, predictions)
    assert chars.non_space_counts().tolist() == [len(ner.non_space_positions(tokens))] == [4]
    assert chars.is_space.tolist() == [ner.is_space_token(token) for token in tokens]


@pytest.mark.parametrize("tokens", [["서", "울", ""], ["서", "울", " 에"], ["서", "울 ", "에"]])
def test_tokens_the_readers_refuse_are_refused_by_the_aligner_too(tokens):
    """Never an IndexError after the model ran, nor a token that is a space to one side only."""
    with pytest.raises(ValueError, match="empty or mixes spaces with other characters"):
        subword_predictions_to_chars([tokens], [[(0, 0), (0, 1), (0, 0)]], padded([ids("O", "O", "O")]))


def test_covered_counts_are_the_non_space_characters_the_subwords_reach():
    # "서울 부산" cut after "서울": 2 of its 4 non-space characters are reached; "부산시청" whole.
    offsets = [[(0, 0), (0, 2), (0, 0)], [(0, 0), (0, 2), (2, 4), (0, 0)]]
    predictions = padded([[0, TAG_IDS["B-LC"], 0], [0, TAG_IDS["B-LC"], TAG_IDS["O"], 0]])
    chars = subword_predictions_to_chars([list("서울 부산"), list("부산시청")], offsets, predictions)
    assert chars.covered_counts.tolist() == [2, 4]
    assert chars.non_space_counts().tolist() == [4, 4]
    # whole, its space not counted; cut right before a non-space character, that one not reached
    offsets = [[(0, 0), (0, 2), (3, 5), (0, 0)], [(0, 0), (0, 2), (0, 0)]]
    predictions = padded([[0, TAG_IDS["B-LC"], TAG_IDS["B-LC"], 0], [0, TAG_IDS["B-LC"], 0]])
    chars = subword_predictions_to_chars([list("서울 부산"), list("서울부산")], offsets, predictions)
    assert chars.covered_counts.tolist() == [4, 2]
