"""KLUE-NER: files → Hub schema ``{guid, sentence, tokens, ner_tags}`` (tags as names).

The original files (``klue-ner-v1.1_dev.tsv``) are character-per-line TSV::

    ## 토큰, 레이블 구분자 : \\t          <- five comment lines at the top
    ...
    ## smoke-ner-00001<TAB><서울:LC>에 간다   <- header: guid, sentence with markup
    서<TAB>B-LC
    울<TAB>I-LC
    에<TAB>O
     <TAB>O                           <- a space is a character line too: never strip lines
    ...
                                      <- a blank line ends the sentence

Quirks handled here:

- The comment lines start with ``##`` like the headers, and the fifth one
  (``## 컬럼명 : CHAR<TAB>NE_TAG``) even has a tab, so a ``##`` line of the top block is a
  header only when token lines follow it directly (see ``klue_data.sentence_blocks``).
- A character line may be ``#<TAB>O``: only ``##`` starts a header.
- ``sentence`` keeps the KLUE markup (``<경찰:OG>``), as the Hub does; ``tokens`` are the
  characters of the sentence without markup, spaces included as ``" "``.
- A token is one character (KLUE's unit). A token of several characters is kept with a warning,
  but an empty token and a token mixing spaces with other characters (``" 에"``) are a
  ``KlueDataError``: the scorer and the aligner must agree on which tokens are spaces (never
  scored), and only a token that is all spaces or has none makes that one rule
  (``is_space_token``). A guid given twice is a ``KlueDataError`` too (predictions are matched by guid).
- A sentence whose character lines do not spell its header (without the markup) is read as the lines
  give it, with a warning naming it: a file cut short at a line end looks like that.
- Annotation oddities of the real files (an ``I-`` tag with no ``B-`` before it, spaces tagged
  inside an entity, even an entity's ``B-`` on the space before it, as in two v1.1 dev sentences)
  are loaded as they are: the loader checks structure, it does not re-annotate.

Also reads user JSON / JSON-lines / CSV files in the Hub schema, with tags as names or as ids
in the Hub's order (``NER_HUB_TAGS``, which differs from the official order ``NER_TAGS``); in CSV
the lists are JSON text in their cells. A record with only a ``sentence`` in KLUE markup
(``<서울:LC>에 간다``) is read from the markup.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from klue_data.errors import KlueDataError
from klue_data.hub_rows import hub_labels
from klue_data.labels import NER_ENTITY_TYPES, NER_HUB_TAGS, NER_TAGS
from klue_data.records import (
    CSV_SUFFIXES,
    JSON_SUFFIXES,
    RecordReader,
    claim_guid,
    iter_readers,
    numpy_text_hint,
    parse_cell,
    read_records,
)
from klue_data.sentence_blocks import sentence_blocks_with_guids
from klue_data.text_checks import warn_empty_texts

logger = logging.getLogger(__name__)

NAME = "ner"
FILE_PREFIXES = ("klue-ner-v1.1", "klue-ner-v1")
FILE_SUFFIX = ".tsv"
LABELS = NER_TAGS
_TAG_SET = frozenset(NER_TAGS)


def read_file(path: str | Path) -> list[dict[str, Any]]:
    """An original KLUE NER TSV file, or a Hub-schema JSON / JSON-lines file."""
    path = Path(path)
    if path.suffix.lower() in JSON_SUFFIXES + CSV_SUFFIXES:
        return read_rows(path, read_records(path))
    examples = _read_tsv(path)
    _warn_empty_sentences(path, examples)
    return examples


def _warn_empty_sentences(where: Path | str, examples: list[dict[str, Any]]) -> None:
    warn_empty_texts(where, [example["guid"] for example in examples if all(map(is_space_token, example["tokens"]))],
                     "sentence")


def _read_tsv(path: Path) -> list[dict[str, Any]]:
    examples, multi_char, unlike_header = [], [], []
    for guid, block in sentence_blocks_with_guids(path):
        tokens, tags = [], []
        for number, line in block.rows:
            char, tab, tag = line.partition("\t")
            tag = tag.strip()
            if not tab:
                raise KlueDataError(
                    path, f"expected CHAR<TAB>TAG, found no tab in {line[:40]!r}", line=number, guid=guid
                )
            problem = token_problem(char)
            if problem is not None:
                raise KlueDataError(path, problem, line=number, guid=guid)
            if tag not in NER_TAGS:
                raise KlueDataError(
                    path,
                    f"tag {tag!r} is not one of the 13 KLUE NER tags ({', '.join(NER_TAGS)})",
                    line=number,
                    guid=guid,
                    field="ner_tags",
                )
            if len(char) != 1:
                multi_char.append(f"{guid} (line {number})")
            tokens.append(char)
            tags.append(tag)
        split = split_decomposed_character(tokens)
        if split is not None:
            raise KlueDataError(path, split[1], line=block.rows[split[0]][0], guid=guid)
        # The header holds the sentence in KLUE markup: a file cut short (or edited by hand) leaves its last
        # sentence with fewer characters than the header says, which would be scored as if whole.
        if block.sentence and _MARKUP.sub(r"\1", block.sentence) != "".join(tokens):
            unlike_header.append(f"{guid} (line {block.header_line})")
        examples.append({"guid": guid, "sentence": block.sentence, "tokens": tokens, "ner_tags": tags})
    _warn_multi_char(path, multi_char, "token line(s)")
    if unlike_header:
        logger.warning("%s: %d sentence(s) whose character lines do not spell their '## guid<TAB>sentence' header "
                       "(a file cut short, or edited by hand?); read as the character lines give them: %s", path,
                       len(unlike_header), ", ".join(unlike_header[:5]) + (" ..." if len(unlike_header) > 5 else ""))
    return examples


def _warn_multi_char(path: Path | str, where: list[str], what: str) -> None:
    if where:  # kept as they are; the Hub schema expects one character per token
        logger.warning(
            "%s: %d %s hold more than one character (kept as one token): %s",
            path,
            len(where),
            what,
            ", ".join(where[:5]),
        )


def is_space_token(token: str) -> bool:
    """The one rule for which tokens are spaces (never scored, always predicted ``O``): a token
    whose characters are all whitespace (``str.isspace``). Readers reject empty tokens and tokens
    mixing spaces with other characters (``token_problem``), so for every token they pass this is
    also "its first character is a space", what ``algorithms.char_alignment.CharBatch`` reads over
    a whole batch at once."""
    return token.isspace()


def token_problem(token: str) -> str | None:
    """Why ``token`` cannot be a KLUE-NER token (None when it can): it must not be empty, and must
    be all spaces or hold none (a token like ``" 에"`` would be a space to the aligner, which reads
    its first character, and a character to the scorer)."""
    if token == "":
        return "an empty token; expected one character per token (a space as ' ')"
    if not token.isspace() and any(char.isspace() for char in token):
        return (f"token {token!r} mixes spaces with other characters; expected one character per token "
                "(a space as its own ' ' token)")
    return None


def split_decomposed_character(tokens: Sequence[str]) -> tuple[int, str] | None:
    """The position of the first token that composes with the token before it into one character, and
    why, or None. Decomposed Hangul (NFD) split one code point per token gives a syllable's jamo each their
    own token and tag: read as they are, the tokenizer sees jamo ([UNK] for KLUE's) and every score counts
    jamo. The readers make a file's text NFC as a whole, which cannot join jamo that separate tokens hold."""
    text = "".join(tokens)
    if unicodedata.is_normalized("NFC", text):
        return None
    for position in range(1, len(tokens)):
        pair = tokens[position - 1] + tokens[position]
        if not unicodedata.is_normalized("NFC", pair):
            return position, (f"tokens {tokens[position - 1]!r} and {tokens[position]!r} are parts of one character "
                              f"({unicodedata.normalize('NFC', pair)!r}: decomposed Hangul, NFD, split into "
                              "jamo); expected one whole character per token: make the text NFC before splitting it")
    return None


def first_token_problem(tokens: Sequence[str]) -> tuple[int, str] | None:
    """The position of the first token that cannot be a KLUE-NER token and why (``token_problem``),
    or None. Single characters, nearly every token, are passed over without a Python loop."""
    if set(map(len, tokens)) <= {1}:
        return None
    for position, token in enumerate(tokens):
        problem = token_problem(token)
        if problem is not None:
            return position, problem
    return None


def read_rows(where: Path | str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records in the Hub schema as checked examples (``klue_data``'s ``read_rows``: a JSON / CSV file's, or
    the Hub's rows).

    Lists may be JSON text (a CSV cell); a record with only a ``sentence`` in KLUE markup
    (``<서울:LC>에 간다``) gets its characters and tags from the markup.

    Unlabelled text (to predict) is ``tokens`` without ``ner_tags``, or sentences without any
    markup in the whole file: their ``ner_tags`` are None, so they are predicted, never scored
    as "no entity". A file that mixes labelled and unlabelled records is an error.
    """
    examples, labelled, multi_char, unknown_types = [], [], [], []
    seen: dict[str, int] = {}
    for row in iter_readers(where, records):
        guid = row.guid_or_fallback()
        claim_guid(row, guid, seen)
        if not any(row.has(name) for name in ("tokens", "char", "ner_tags", "ne_tag")) and row.has("sentence"):
            sentence = row.text("sentence")
            tokens, tags = tokens_from_markup(sentence)
            examples.append({"guid": guid, "sentence": sentence, "tokens": tokens, "ner_tags": tags})
            labelled.append(None if _MARKUP.search(sentence) is None else True)  # None: undecided
            unknown = _UNKNOWN_TYPE_MARKUP.search(_MARKUP.sub("", sentence))
            if unknown is not None:
                unknown_types.append((row, unknown.group()))
            continue
        for name in ("tokens", "char", "ner_tags", "ne_tag"):
            if isinstance(row.record.get(name), str):
                row.record[name] = _list_cell(row, name)
        tokens = _string_list(row, "tokens", alternatives=("char",))
        field_name = "tokens" if row.record.get("tokens") is not None else "char"
        bad = first_token_problem(tokens) or split_decomposed_character(tokens)
        if bad is not None:
            raise row.error(bad[1], f"{field_name}[{bad[0]}]")
        if max(map(len, tokens), default=1) > 1:
            multi_char.extend(f"{guid} (token {position})" for position, token in enumerate(tokens) if len(token) > 1)
        tag_field = "ner_tags" if "ner_tags" in row.record or "ne_tag" not in row.record else "ne_tag"
        tags = None
        if row.record.get(tag_field) is not None:
            tags = tag_names(row, tag_field, row.record[tag_field])
            if len(tags) != len(tokens):
                raise row.error(f"{len(tags)} tags for {len(tokens)} tokens; expected one tag per character", tag_field)
        sentence = row.text("sentence") if row.has("sentence") else "".join(tokens)
        examples.append({"guid": guid, "sentence": sentence, "tokens": tokens, "ner_tags": tags})
        labelled.append(tags is not None)
    if any(labelled) and False in labelled:
        index = labelled.index(False)
        raise KlueDataError(
            where,
            "no ner_tags here while other records have them; label every record, or none to only predict",
            record=index,
            guid=examples[index]["guid"],
            field="ner_tags",
        )
    if any(labelled) and unknown_types:  # a labelled file: a typo would drop its entity from the gold
        row, markup = unknown_types[0]
        raise row.error(f"{markup!r} reads as markup of an unknown type; expected one of "
                        f"{', '.join(NER_ENTITY_TYPES)} as in <서울:LC> (the text is otherwise read as characters "
                        "tagged O)", "sentence")
    _warn_multi_char(where, multi_char, "token(s)")
    if examples and not any(labelled):
        for example in examples:
            example["ner_tags"] = None
        logger.info("%s: no tags and no entity markup in any record: read as unlabelled text (predicted, not scored)",
                    where)
    _warn_empty_sentences(where, examples)
    return examples


def _list_cell(row: RecordReader, name: str) -> list[Any]:
    """A list written as text, as a CSV cell holds it: JSON (``["서", "울"]``) or Python's repr."""
    text = row.record[name]
    try:
        value = parse_cell(text)
    except ValueError:
        raise row.error(f'expected a list (JSON, e.g. ["서", "울"]), got {text[:60]!r}{numpy_text_hint(text)}',
                        name) from None
    if not isinstance(value, list):
        raise row.error(f"expected a list, got {text[:60]!r}", name)
    return value


_MARKUP = re.compile(rf"<([^<>]+?):({'|'.join(NER_ENTITY_TYPES)})>")
# What a slip in the markup looks like: <김철수:PER> (KLUE-RE's name), <부산:lc>, <대구: LC>
_UNKNOWN_TYPE_MARKUP = re.compile(r"<[^<>]+?:\s*[A-Za-z]{2,3}\s*>")


def tokens_from_markup(sentence: str) -> tuple[list[str], list[str]]:
    """Characters and BIO tags of a sentence in KLUE markup: ``<서울 시청:OG>`` is ``B-OG`` then
    ``I-OG`` on every other character, the space included (as the KLUE files tag it)."""
    tokens: list[str] = []
    tags: list[str] = []
    cursor = 0
    for match in _MARKUP.finditer(sentence):
        plain = sentence[cursor : match.start()]
        text, entity_type = match.group(1), match.group(2)
        tokens += [*plain, *text]
        tags += ["O"] * len(plain) + [f"B-{entity_type}"] + [f"I-{entity_type}"] * (len(text) - 1)
        cursor = match.end()
    tokens += list(sentence[cursor:])
    tags += ["O"] * (len(sentence) - cursor)
    return tokens, tags


def _string_list(row: RecordReader, name: str, *, alternatives: Sequence[str] = ()) -> list[str]:
    for field_name in (name, *alternatives):
        value = row.record.get(field_name)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise row.error(f"expected a list of strings, got {str(value)[:60]}", field_name)
        return value
    raise row.error(f"missing field {name!r}; expected a list of characters (spaces as ' ')")


def tag_names(row: RecordReader, name: str, value: Any) -> list[str]:
    """Tags given as names, or as ids in the Hub's order (``NER_HUB_TAGS``), as names."""
    if not isinstance(value, list):
        raise row.error(f"expected a list of tags ({', '.join(NER_TAGS)}) or Hub tag ids, got {str(value)[:60]}", name)
    try:
        if _TAG_SET.issuperset(value):  # all names already: what every Hub row is, ~50 tags each
            return list(value)
    except TypeError:  # an unhashable item (a list, an object): refused by name below
        pass
    tags = []
    for position, tag in enumerate(value):
        if isinstance(tag, str) and tag.strip() in NER_TAGS:
            tags.append(tag.strip())
        elif isinstance(tag, int) and not isinstance(tag, bool) and 0 <= tag < len(NER_HUB_TAGS):
            tags.append(NER_HUB_TAGS[tag])
        else:
            raise row.error(
                f"tag {tag!r} is neither one of the 13 KLUE NER tags nor a Hub tag id 0..{len(NER_HUB_TAGS) - 1}",
                f"{name}[{position}]",
            )
    return tags


def non_space_positions(tokens: Sequence[str]) -> list[int]:
    """Positions of the characters the official NER metric scores (every character but spaces)."""
    return [position for position, token in enumerate(tokens) if not is_space_token(token)]


def from_hub_example(example: dict[str, Any], features: Any, guid: str) -> dict[str, Any]:
    tag_feature = _inner_feature(features["ner_tags"])
    tokens = list(example["tokens"])
    guid = example.get("guid") or guid  # the Hub's NER has no guid
    bad = first_token_problem(tokens)
    if bad is not None:
        raise KlueDataError(None, bad[1], guid=guid, field=f"tokens[{bad[0]}]")
    tags = hub_labels(example["ner_tags"], tag_feature, NER_TAGS, "ner_tags")
    if None in tags:
        raise KlueDataError(None, "no tag (-1): every character needs one of the 13 KLUE NER tags", guid=guid,
                            field=f"ner_tags[{tags.index(None)}]")
    return {"guid": guid, "sentence": example["sentence"], "tokens": tokens, "ner_tags": tags}


def _inner_feature(feature: Any) -> Any:
    """The ClassLabel inside ``Sequence``/``List`` (``.feature``) or a plain ``[ClassLabel]``."""
    if isinstance(feature, (list, tuple)):
        return feature[0]
    return getattr(feature, "feature", feature)
