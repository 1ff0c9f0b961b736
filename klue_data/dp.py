"""KLUE-DP: files → Hub schema ``{guid, sentence, index, word_form, lemma, pos, head, deprel}``.

The original files (``klue-dp-v1.1_dev.tsv``) share the NER layout: five ``##`` comment lines,
then per sentence a ``## guid<TAB>sentence`` header, one line per word (eojeol) with the columns
``INDEX WORD_FORM LEMMA POS HEAD DEPREL``, and a blank line. ``HEAD`` is 1-based, 0 = root.

Quirks kept as they are (the loader checks structure, it does not correct annotations):

- lemmas and POS are space/``+``-joined morpheme lists and can be odd (e.g. ``#NAME?``, a
  spreadsheet's error mark);
- the word forms do not always join to the header sentence: the v1.1 dev file has sentences
  whose numbers lost or gained a digit in the word lines (``15.7%`` vs ``15.70%``); ``sentence``
  is the header's text, ``word_form`` the word lines'.

Checked: six columns, integer INDEX equal to the word's position (1, 2, ...), integer
``0 <= HEAD <= number of words`` and HEAD not the word's own INDEX (no word heads itself), each guid
once (predictions are matched by guid). Also
reads Hub-schema JSON / JSON-lines user files (one record per sentence with equal-length lists).
DP has no closed label list here: ``LABELS`` is None.

A sentence to parse (a test file's) leaves HEAD and DEPREL out: four columns ``INDEX WORD_FORM LEMMA POS``,
or ``_`` in both (CoNLL's "no value"), on every one of its words; in JSON, ``head`` and ``deprel`` left out
or null. It is read with ``head`` and ``deprel`` None (as NER's untagged sentences have ``ner_tags`` None).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from klue_data.errors import KlueDataError
from klue_data.records import JSON_SUFFIXES, RecordReader, claim_guid, iter_readers, read_records
from klue_data.sentence_blocks import sentence_blocks_with_guids

NAME = "dp"
FILE_PREFIXES = ("klue-dp-v1.1", "klue-dp-v1")
FILE_SUFFIX = ".tsv"
LABELS = None  # dependency relations are read as they come
COLUMNS = ("index", "word_form", "lemma", "pos", "head", "deprel")
TSV_COLUMNS = "INDEX WORD_FORM LEMMA POS HEAD DEPREL"
LABEL_COLUMNS = ("head", "deprel")
NO_VALUE = "_"


def read_file(path: str | Path) -> list[dict[str, Any]]:
    """An original KLUE DP TSV file, or a Hub-schema JSON / JSON-lines file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in JSON_SUFFIXES:
        return read_rows(path, read_records(path))
    if suffix == ".csv":
        raise KlueDataError(path, f"DP files are KLUE TSV ({TSV_COLUMNS}) or Hub-schema JSON/JSON lines, not CSV")
    return _read_tsv(path)


def _read_tsv(path: Path) -> list[dict[str, Any]]:
    examples = []
    for guid, block in sentence_blocks_with_guids(path):
        example: dict[str, Any] = {"guid": guid, "sentence": block.sentence, **{name: [] for name in COLUMNS}}
        labelled: bool | None = None  # known from the sentence's first word; every other word must agree
        if not block.rows:  # a dev sentence would read as unlabelled, a test one as a sentence of no words
            raise KlueDataError(path, "a sentence header with no word lines under it; expected one line per word",
                                line=block.header_line, guid=guid)
        for position, (number, line) in enumerate(block.rows, 1):
            cells = line.split("\t")
            if len(cells) == len(COLUMNS) - len(LABEL_COLUMNS):
                cells += [NO_VALUE, NO_VALUE]
            if len(cells) != len(COLUMNS):
                raise KlueDataError(
                    path,
                    f"expected {len(COLUMNS)} tab-separated columns ({TSV_COLUMNS}), or 4 in a sentence to "
                    f"parse, got {len(cells)}",
                    line=number,
                    guid=guid,
                )
            word_labelled = _word_is_labelled(path, number, guid, cells[4], cells[5])
            if labelled is None:
                labelled = word_labelled
            elif word_labelled != labelled:
                raise KlueDataError(
                    path,
                    f"{'no ' if labelled else ''}HEAD and DEPREL here, {'' if labelled else 'none '}on the sentence's "
                    "first word; a sentence has them on every word (scored) or on none (parsed only)",
                    line=number,
                    guid=guid,
                    field="head",
                )
            index = _int_cell(path, number, guid, cells[0], "index")
            if index != position:
                raise KlueDataError(
                    path,
                    f"INDEX {index} out of sequence; expected {position} (words are numbered 1, 2, ...)",
                    line=number,
                    guid=guid,
                    field="index",
                )
            example["index"].append(index)
            example["word_form"].append(cells[1])
            example["lemma"].append(cells[2])
            example["pos"].append(cells[3])
            if labelled:
                example["head"].append(_int_cell(path, number, guid, cells[4], "head"))
                example["deprel"].append(cells[5].strip())
        if not labelled:
            examples.append({**example, "head": None, "deprel": None})
            continue
        n_words = len(block.rows)
        for position, ((number, _), head) in enumerate(zip(block.rows, example["head"]), 1):
            if not 0 <= head <= n_words:  # known only once the whole sentence is read
                raise KlueDataError(
                    path,
                    f"HEAD {head} outside 0..{n_words} (0 = root, else the 1-based index of a word)",
                    line=number,
                    guid=guid,
                    field="head",
                )
            if head == position:  # the parser masks self arcs: its loss on this word would be ~1e38
                raise KlueDataError(
                    path,
                    f"HEAD {head} is the word's own INDEX; expected the index of another word or 0 (root)",
                    line=number,
                    guid=guid,
                    field="head",
                )
        examples.append(example)
    return examples


def _word_is_labelled(path: Path, number: int, guid: str, head: str, deprel: str) -> bool:
    """Whether a word line gives its HEAD and DEPREL; ``_`` in one of them only is an error."""
    missing = [name for name, cell in (("HEAD", head), ("DEPREL", deprel)) if cell.strip() == NO_VALUE]
    if len(missing) == 1:
        raise KlueDataError(path, f"{missing[0]} is {NO_VALUE} and the other is not; leave both out (a sentence "
                            "to parse) or give both", line=number, guid=guid, field=missing[0].lower())
    return not missing


def _int_cell(path: Path, number: int, guid: str, cell: str, name: str) -> int:
    try:
        return int(cell.strip())
    except ValueError:
        raise KlueDataError(path, f"expected an integer, got {cell!r}", line=number, guid=guid, field=name) from None


def read_rows(where: Path | str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Hub-schema records (one per sentence, a list with one value per word) as checked examples (``klue_data``'s
    ``read_rows``: a JSON file's, or the Hub's rows)."""
    examples, seen = [], {}
    for row in iter_readers(where, records):
        guid = row.guid_or_fallback()
        claim_guid(row, guid, seen)
        example: dict[str, Any] = {"guid": guid}
        given = [name for name in LABEL_COLUMNS if row.record.get(name) is not None]
        if len(given) == 1:
            raise row.error(f"{given[0]} without {'deprel' if given[0] == 'head' else 'head'}; give both (scored) or "
                            "neither (a sentence to parse)", given[0])
        read = COLUMNS if given else tuple(name for name in COLUMNS if name not in LABEL_COLUMNS)
        lists = {name: _list(row, name, int if name in ("index", "head") else str) for name in read}
        if not given:
            lists.update(head=None, deprel=None)
        n_words = len(lists["word_form"])
        for name, values in lists.items():
            if values is not None and len(values) != n_words:
                raise row.error(f"{len(values)} values for {n_words} words; expected one per word", name)
        for position, index in enumerate(lists["index"]):
            if index != position + 1:  # heads name words by their index: a gap or a shift moves every arc
                raise row.error(f"index {index} out of sequence; expected {position + 1} (words are numbered 1, 2, "
                                "...)", f"index[{position}]")
        for position, head in enumerate(lists["head"] or []):
            if not 0 <= head <= n_words:
                raise row.error(f"head {head} outside 0..{n_words} (0 = root)", f"head[{position}]")
            if head == position + 1:  # heads are 1-based: a word attached to itself
                raise row.error(f"head {head} is the word's own index; expected another word or 0 (root)",
                                f"head[{position}]")
        example["sentence"] = row.text("sentence") if row.has("sentence") else " ".join(lists["word_form"])
        example.update(lists)
        examples.append(example)
    return examples


def _list(row: RecordReader, name: str, kind: type) -> list[Any]:
    value = row.record.get(name)
    if not isinstance(value, list):
        raise row.error(f"expected a list with one {kind.__name__} per word, got {str(value)[:60]}", name)
    for position, item in enumerate(value):
        if not isinstance(item, kind) or isinstance(item, bool):
            raise row.error(f"expected {kind.__name__}, got {item!r}", f"{name}[{position}]")
    return value


def from_hub_example(example: dict[str, Any], features: Any, guid: str) -> dict[str, Any]:
    return {
        "guid": example.get("guid") or guid,  # the Hub's DP has no guid
        "sentence": example["sentence"],
        "index": [int(value) for value in example["index"]],
        "word_form": list(example["word_form"]),
        "lemma": list(example["lemma"]),
        "pos": list(example["pos"]),
        "head": [int(value) for value in example["head"]],
        "deprel": list(example["deprel"]),
    }
