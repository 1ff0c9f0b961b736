"""The TSV layout KLUE's NER and DP files share: a ``## guid<TAB>sentence`` header line, one line per
token (character or word) under it, a blank line after each sentence, comment lines at the top."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from klue_data.errors import KlueDataError
from klue_data.records import fallback_guid, read_text


@dataclass
class SentenceBlock:
    """One ``## guid<TAB>sentence`` header and the raw lines under it (KLUE NER and DP TSV)."""

    guid: str | None
    sentence: str
    header_line: int
    rows: list[tuple[int, str]] = field(default_factory=list)  # (1-based line number, line without newline)


def read_sentence_blocks(path: str | Path) -> list[SentenceBlock]:
    """The sentence blocks of a KLUE NER/DP TSV file; token lines are returned raw (not split, not stripped).

    Lines starting with ``#`` before the first sentence are comments, except the last ``##`` line
    directly followed by a token line, which is the first header (the official files have five
    comment lines, user files may have none). After the first sentence every ``##`` line is a header;
    a missing blank line between two sentences is tolerated. A token line with no header above it
    is a ``KlueDataError`` with its line number.
    """
    path = Path(path)
    text = read_text(path)
    blocks: list[SentenceBlock] = []
    current: SentenceBlock | None = None
    pending: tuple[int, str] | None = None  # header candidate of the top (comment) block
    started = False
    for number, line in enumerate(text.split("\n"), 1):  # not splitlines(): it also splits on \x1c, \u2028, ...
        line = line.removesuffix("\r")
        if line == "" or (current is None and not line.strip(" ")):
            current = None
            if not started:
                pending = None
            continue
        if not started and line.startswith("#") and (line.startswith("##") or pending is None):
            pending = (number, line) if line.startswith("##") else None
            continue
        if started and line.startswith("##"):
            current = _header(path, number, line)
            blocks.append(current)
            continue
        if current is None:
            if started or pending is None:
                after = f" (the sentence before is guid {blocks[-1].guid})" if blocks else ""
                raise KlueDataError(
                    path,
                    f"a token line outside any sentence{after}: expected a '## guid<TAB>sentence' header line "
                    f"before it, got {line[:40]!r}",
                    line=number,
                )
            current = _header(path, *pending)
            blocks.append(current)
            started, pending = True, None
        current.rows.append((number, line))
    return blocks


def sentence_blocks_with_guids(path: str | Path) -> list[tuple[str, SentenceBlock]]:
    """``read_sentence_blocks`` with each block's guid (the header's, else one made from the file name and
    the block's position), refusing a guid used twice: predictions files and the scorer match by guid."""
    path = Path(path)
    blocks, seen = [], {}
    for index, block in enumerate(read_sentence_blocks(path)):
        guid = block.guid or fallback_guid(path.stem, index)
        if guid in seen:
            raise KlueDataError(
                path,
                f"guid {guid!r} was already used by the sentence at line {seen[guid]}; guids must be unique "
                "(predictions are matched by guid)",
                line=block.header_line,
                guid=guid,
                field="guid",
            )
        seen[guid] = block.header_line
        blocks.append((guid, block))
    return blocks


def _header(path: Path, number: int, line: str) -> SentenceBlock:
    guid, tab, sentence = line[2:].partition("\t")
    guid = guid.strip()
    if not tab:
        raise KlueDataError(
            path,
            f"sentence header without a tab: expected '## guid<TAB>sentence', got {line[:60]!r}",
            line=number,
            guid=guid or None,
        )
    return SentenceBlock(guid or None, sentence, number)
