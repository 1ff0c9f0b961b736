"""Reading JSON / JSON-lines / CSV files into plain records, with errors that point at the line.

Task modules turn these records into the Hub schema; this module knows nothing of tasks.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import logging
import re
import tokenize
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from klue_data.errors import KlueDataError

logger = logging.getLogger(__name__)

JSON_SUFFIXES = (".json", ".jsonl")
CSV_CELL_LIMIT = 1 << 30
CSV_SUFFIXES = (".csv",)


def read_json(path: Path) -> Any:
    """A whole JSON document; a JSON-lines file comes back as a list of its records."""
    text = read_text(path)
    if not text.strip():
        raise KlueDataError(path, "the file is empty")
    if path.suffix.lower() == ".jsonl":
        return _nfc_escaped(path, text, _read_json_lines(path, text))
    try:
        return _nfc_escaped(path, text, json.loads(text))
    except json.JSONDecodeError as whole_error:
        lines = [line for line in text.split("\n") if line.strip()]
        if len(lines) < 2 or not lines[0].lstrip().startswith("{") or not _is_json(lines[0]):
            # one record per line or not: a pretty-printed document's own error says where it broke
            raise KlueDataError(
                path, f"not valid JSON ({whole_error.msg}, column {whole_error.colno})", line=whole_error.lineno
            ) from None
        return _nfc_escaped(path, text, _read_json_lines(path, text))


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def _nfc_escaped(path: Path, text: str, document: Any) -> Any:
    """The strings of a parsed JSON document in NFC, where the file wrote them as ``\\u`` escapes
    (``ensure_ascii`` JSON), which ``read_text``'s normalisation of the raw text cannot see. An escape of
    half a UTF-16 pair (``"\\ud83d"``: a string cut inside an emoji) is a ``KlueDataError``: Python reads
    it, but no UTF-8 writer (Arrow, the output files) can write it."""
    if "\\u" not in text:
        return document
    decomposed = False

    def nfc(value: Any, where: str) -> Any:
        nonlocal decomposed
        if isinstance(value, str):
            if _LONE_SURROGATE.search(value):
                raise _lone_surrogate_error(path, text, where)
            if unicodedata.is_normalized("NFC", value):
                return value
            decomposed = True
            return unicodedata.normalize("NFC", value)
        if isinstance(value, list):
            return [nfc(item, f"{where}[{index}]") for index, item in enumerate(value)]
        if isinstance(value, dict):
            return {nfc(key, where): nfc(item, f"{where}.{key}" if where else str(key)) for key, item in value.items()}
        return value

    document = nfc(document, "")
    if decomposed:
        _warn_decomposed(path)
    return document


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# the escape of a high half not followed by a low one, or of a low half not after a high one
_LONE_SURROGATE_ESCAPE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<![dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def _lone_surrogate_error(path: Path, text: str, where: str) -> KlueDataError:
    escape = _LONE_SURROGATE_ESCAPE.search(text)
    line = text.count("\n", 0, escape.start()) + 1 if escape else None
    shown = f" ({escape.group()})" if escape else ""
    return KlueDataError(path, f"a string holds half of a UTF-16 pair{shown}, as when a text is cut inside an emoji; "
                               "expected whole characters", line=line, field=where or None)


def _read_json_lines(path: Path, text: str) -> list[Any]:
    records = []
    # Split at \n only (read_text made every line end one): JSON strings may hold U+2028, U+0085 raw.
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise KlueDataError(path, f"not valid JSON lines ({error.msg}, column {error.colno})",
                                line=number) from None
    return records


def read_csv(path: Path) -> list[dict[str, str]]:
    """CSV rows as dicts keyed by the header; every row must have as many cells as the header."""
    text = read_text(path)
    # newline="": quoted cells keep their line breaks (csv joins a cell's physical lines itself);
    # str.splitlines would also split at U+2028, U+0085, \x1c.. and drop the breaks inside cells.
    reader = csv.reader(io.StringIO(text, newline=""))
    # A MCQA passage or an MRC context may pass csv's default limit of 131,072 characters per cell
    csv.field_size_limit(max(csv.field_size_limit(), CSV_CELL_LIMIT))
    try:
        header = next(reader)
    except StopIteration:
        raise KlueDataError(path, "the CSV file is empty; expected a header row") from None
    except csv.Error as error:
        raise KlueDataError(path, f"not valid CSV ({error})", line=reader.line_num or 1) from None
    header = [name.strip().lstrip("\ufeff").strip() for name in header]  # read_text took one BOM off, not two
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise KlueDataError(path, f"column {repeated[0]!r} appears {header.count(repeated[0])} times in the header; "
                                  "expected each column once (which one holds the data?)", line=1)
    rows, start = [], reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return rows
        except csv.Error as error:
            raise KlueDataError(path, f"not valid CSV ({error})", line=start) from None
        line, start = start, reader.line_num + 1  # where this row starts: a quoted cell may span lines
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise KlueDataError(path, f"expected {len(header)} cells ({', '.join(header)}), got {len(row)}", line=line)
        rows.append(dict(zip(header, row)))


def parse_cell(text: str) -> Any:
    """A list or object a CSV cell holds as text: JSON, else Python's repr (``['서', '울']``,
    ``{'word': ...}``), which Korean competition files often hold, or numpy's repr of an array of strings
    (``['서' '울']``: a list column that ``datasets``' or pandas' ``to_csv`` wrote). None of them: JSON's
    error (``ValueError``)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as json_error:
        if _INTEGER_ARRAY.fullmatch(text):  # numpy's repr of integer ids (NER tags), wrapped over lines past 75 columns
            return [int(number) for number in text.strip()[1:-1].split()]
        # Python's tokenizer (slow: 3x the literal itself, on every cell of a 30,000-row CSV) only where two
        # string literals may stand side by side: a quote, then spaces, a line continuation or a comment, then a
        # quote (after at most a two-letter prefix)
        tokens = _python_tokens(text) if _MAYBE_ADJACENT_STRINGS.search(text) else None
        if tokens is not None and _is_string_array(tokens):
            return [ast.literal_eval(token.string) for token in tokens[1:-1]]
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            raise json_error from None
        joined = _adjacent_string(text, tokens) if tokens else None
        if joined is not None:  # Python joins 'a' 'b' into one string: never what a file meant
            raise json.JSONDecodeError("strings without a comma between them", text, joined) from None
        return value


_INTEGER_ARRAY = re.compile(r"\s*\[\s*-?[0-9]+(?:\s+-?[0-9]+)*\s*\]\s*")
def cell_value(value: Any) -> Any:
    """A CSV cell holding a list or an object, read (``parse_cell``); any other value, and text that is neither, as
    it is, for the caller to refuse with its own message."""
    if isinstance(value, str):
        try:
            return parse_cell(value)
        except ValueError:
            pass
    return value


def numpy_text_hint(value: Any) -> str:
    """A note to end the error of a cell holding numpy's text for a nested array or for one over 1,000 items (cut
    to ``...``), which ``datasets``' ``to_csv`` writes and nothing can read back; "" for any other value."""
    if isinstance(value, str) and ("array(" in value or _NUMPY_ELISION.search(value)):
        return ("; this is numpy's text for a nested or long list, as datasets' to_csv writes it, which cannot be "
                "read back: save the split with to_json instead")
    return ""


_NUMPY_ELISION = re.compile(r"\s\.\.\.\s")
_MAYBE_ADJACENT_STRINGS = re.compile(r"""['"][\s\\]*[rRbBuUfF]{0,2}['"]|#""")


def _python_tokens(text: str) -> list[tokenize.TokenInfo] | None:
    """The tokens of Python source ``text`` without line breaks and comments, or None if it does not tokenize."""
    layout = (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
    try:
        return [token for token in tokenize.generate_tokens(io.StringIO(text).readline) if token.type not in layout]
    except (tokenize.TokenError, SyntaxError):
        return None


def _is_string_array(tokens: list[tokenize.TokenInfo]) -> bool:
    """``[`` string literals separated by spaces only ``]``: numpy's repr of an array of strings."""
    return (len(tokens) >= 3 and tokens[0].string == "[" and tokens[-1].string == "]"
            and all(token.type == tokenize.STRING for token in tokens[1:-1]))


def _adjacent_string(text: str, tokens: list[tokenize.TokenInfo]) -> int | None:
    """Where ``text`` holds a string literal right after another, or None."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    for previous, token in zip(tokens, tokens[1:]):
        if previous.type == tokenize.STRING and token.type == tokenize.STRING:
            return starts[token.start[0] - 1] + token.start[1]
    return None


def read_records(path: str | Path, *, list_key: str | None = None) -> list[dict[str, Any]]:
    """The records of a JSON array, JSON-lines or CSV file (by suffix).

    ``list_key`` also accepts a JSON object holding the list under that key.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return read_csv(path)
    if suffix not in JSON_SUFFIXES:
        raise KlueDataError(path, f"unsupported file type {suffix!r}; expected .json, .jsonl or .csv")
    document = read_json(path)
    if isinstance(document, dict) and list_key and isinstance(document.get(list_key), list):
        document = document[list_key]
    if not isinstance(document, list):
        expected = "a JSON array of records (or JSON lines)"
        if list_key:
            expected += f" or an object with a {list_key!r} list"
        raise KlueDataError(path, f"expected {expected}, got a JSON {type(document).__name__}")
    for index, record in enumerate(document):
        if not isinstance(record, dict):
            raise KlueDataError(path, f"expected a JSON object, got {type(record).__name__}", record=index)
    return document


def read_text(path: str | Path) -> str:
    """A data file's text, the one decoder of every reader (JSON, JSON lines, CSV, NER/DP TSV, ontology).

    UTF-8 with or without a BOM; line ends \\r\\n and \\r read as \\n. Text is returned in NFC: KLUE's
    files and every Korean tokenizer's vocabulary are precomposed Hangul, while files written on
    macOS or copied from some PDFs hold decomposed jamo (NFD), which tokenizes to [UNK] and makes
    labels ('생활문화') and offsets (counted in NFC characters) miss. UTF-16, gzip and CP949/EUC-KR
    files are refused with what to do.
    """
    path = Path(path)
    if not path.is_file():
        raise KlueDataError(path, "is a folder, not a file" if path.is_dir() else "no such file")
    try:
        data = path.read_bytes()
    except OSError as error:  # no read permission, a broken mount
        raise KlueDataError(path, f"cannot read it ({error.strerror or error})") from None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise KlueDataError(path, "UTF-16 text (PowerShell's '>' writes it); save it as UTF-8")
    if data[:2] == b"\x1f\x8b":
        raise KlueDataError(path, "a gzip-compressed file; decompress it first (gunzip)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        hint = "save it as UTF-8"
        try:
            data.decode("cp949")
            hint = ("it reads as CP949/EUC-KR (Korean Windows' default, e.g. Excel's 'CSV'): save it as UTF-8 "
                    "(Excel: 'CSV UTF-8') or convert it: iconv -f cp949 -t utf-8")
        except UnicodeDecodeError:
            pass
        line = data.count(b"\n", 0, error.start) + 1
        raise KlueDataError(path, f"not UTF-8 text (byte {error.start}); {hint}", line=line) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # what text-mode reading did
    if not unicodedata.is_normalized("NFC", text):
        _warn_decomposed(path)
        text = unicodedata.normalize("NFC", text)
    return text


def _warn_decomposed(path: Path) -> None:
    logger.warning("%s: decomposed characters (NFD Hangul, as macOS or PDF copies write it): read as NFC, the "
                   "form KLUE's files, offsets and tokenizers use; character offsets in it (RE entities, MRC "
                   "answers) are taken as counted in NFC characters, as KLUE's are", path)


def fallback_guid(prefix: str, index: int, *, separator: str = "-") -> str:
    """The guid of a record that has none: where it comes from and its 0-based position.

    Records of a file: ``<file stem>-<index:05d>`` (``my-dev-00012`` for the 13th record of
    ``my-dev.json``). Hub rows: ``<file prefix>_<split>_<index:05d>`` with ``separator="_"`` (see
    ``sources.load_hub``).
    """
    return f"{prefix}{separator}{index:05d}"


class RecordReader:
    """Field access for one record that turns a missing or malformed field into a KlueDataError."""

    def __init__(self, path: Path | str | None, index: int, record: dict[str, Any], guid_field: str = "guid") -> None:
        self.path = path
        self.index = index
        self.record = record
        self.guid_field = guid_field
        guid = record.get(guid_field)
        self.guid = str(guid) if guid not in (None, "") else None

    def error(self, problem: str, field: str | None = None) -> KlueDataError:
        return KlueDataError(self.path, problem, record=self.index, guid=self.guid, field=field,
                             guid_name=self.guid_field)

    def has(self, field: str) -> bool:
        return self.record.get(field) not in (None, "")

    def text(self, field: str, *, alternatives: Sequence[str] = ()) -> str:
        """A string field (an empty string is allowed; a missing field is not)."""
        for name in (field, *alternatives):
            if name in self.record and self.record[name] is not None:
                value = self.record[name]
                if not isinstance(value, str):
                    raise self.error(f"expected a string, got {type(value).__name__} {value!r}", name)
                return value
        names = " or ".join(repr(name) for name in (field, *alternatives))
        if any(name in self.record for name in (field, *alternatives)):  # there, but null: not "missing"
            raise self.error(f"{names} is null; expected a string")
        raise self.error(f"missing field {names}; the record has {_field_list(self.record)}")

    def optional_text(self, field: str, *, alternatives: Sequence[str] = ()) -> str:
        """A string field that may be missing or null (read as ""); any other type is an error, not a value
        that Arrow refuses later with a traceback (a ``source`` of 3 in one record)."""
        for name in (field, *alternatives):
            if self.record.get(name) not in (None, ""):
                return self.text(name)
        return ""

    def number(self, field: str, *, low: float, high: float, source: dict[str, Any] | None = None) -> float:
        """A number in [low, high]; CSV strings are parsed."""
        container = self.record if source is None else source
        if field not in container or container[field] in (None, ""):
            raise self.error(f"missing field {field!r}; expected a number in [{low:g}, {high:g}]")
        value = container[field]
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise self.error(f"expected a number in [{low:g}, {high:g}], got {value!r}", field) from None
        if not low <= number <= high:  # also rejects NaN
            raise self.error(f"expected a number in [{low:g}, {high:g}], got {value!r}", field)
        return number

    def label_name(self, field: str, names: Sequence[str], *, hub_order: Sequence[str] | None = None) -> str:
        """A label given by name, or (Hub schema) by its id in the Hub's ClassLabel order."""
        if field not in self.record or self.record[field] in (None, ""):
            raise self.error(f"missing field {field!r}; expected one of {', '.join(names)}")
        value = self.record[field]
        if isinstance(value, str) and value.strip() in names:
            return value.strip()
        if hub_order is not None and _is_int(value):
            index = int(value)
            if 0 <= index < len(hub_order):
                return hub_order[index]
            raise self.error(f"label id {index} is outside the Hub's 0..{len(hub_order) - 1}", field)
        raise self.error(f"expected one of {', '.join(names)}; got {value!r}", field)

    def optional_label(self, field: str, names: Sequence[str], *, hub_order: Sequence[str]) -> str | None:
        """``label_name``, or None for an unlabelled record: the field missing or empty, or -1, the Hub's id of
        "no label" (a test split saved from the Hub with ``to_json``/``to_csv``)."""
        if not self.has(field) or (_is_int(self.record[field]) and int(self.record[field]) == -1):
            return None
        return self.label_name(field, names, hub_order=hub_order)

    def guid_or_fallback(self, *, id_field: str | None = None) -> str:
        """The record's guid; else its ``id_field`` where given and set (competition CSVs have
        ``id``); else ``fallback_guid`` of the file's stem and the record's index."""
        if self.guid:
            return self.guid
        if id_field is not None and self.has(id_field):
            return str(self.record[id_field])
        return fallback_guid(Path(self.path).stem if self.path is not None else "record", self.index)


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    # isdecimal, not isdigit: int() refuses the digits isdigit also accepts (③, ²)
    return isinstance(value, str) and value.strip().lstrip("-").isdecimal()


def _field_list(record: dict[str, Any]) -> str:
    names = list(record)
    return ", ".join(repr(name) for name in names[:12]) if names else "no fields"


def claim_guid(row: RecordReader, guid: str, seen: dict[str, int], field: str = "guid") -> None:
    """Record ``guid`` as read at ``row`` (``seen``: guid -> record index), refusing a repeat: the
    predictions files and the scorer match answers by guid, so a repeat could not be scored."""
    if guid in seen:
        raise row.error(
            f"{field} {guid!r} was already used by record {seen[guid]}; {field}s must be unique (predictions are "
            f"matched by {field})",
            field,
        )
    seen[guid] = row.index


def iter_readers(
    path: Path | str, records: Iterable[dict[str, Any]], guid_field: str = "guid"
) -> Iterable[RecordReader]:
    """A reader per record; ``path`` is what errors name: a file, or a Hub dataset's split (``sources.load_hub``)."""
    for index, record in enumerate(records):
        yield RecordReader(path, index, record, guid_field)
