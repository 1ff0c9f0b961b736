"""The one error type of the loaders: it always says where the bad input is."""

from __future__ import annotations

from pathlib import Path


class KlueDataError(ValueError):
    """Bad input data: names the file, the place in it, the field and what was expected.

    The message reads like ``train.json, record 12 (guid smoke-ynat-00012), field 'label':
    expected one of 정치, 경제, ...; got '연예'`` so that a user can open the file and fix it.
    """

    def __init__(
        self,
        path: str | Path | None,
        problem: str,
        *,
        record: int | None = None,
        line: int | None = None,
        guid: str | None = None,
        field: str | None = None,
        guid_name: str = "guid",
    ) -> None:
        self.path = str(path) if path is not None else None
        self.record = record
        self.line = line
        self.guid = guid
        self.field = field
        self.problem = problem
        self.guid_name = guid_name  # what the data calls its example ids (MCQA: id)
        where = []
        if line is not None:
            where.append(f"line {line}")
        if record is not None:
            where.append(f"record {record}" + (f" ({guid_name} {guid})" if guid else ""))
        elif guid:
            where.append(f"{guid_name} {guid}")
        if field:
            where.append(f"field {field!r}")
        super().__init__(", ".join([self.path or "<data>", *where]) + f": {problem}")

    def in_file(self, path: str | Path) -> KlueDataError:
        """The same error, naming ``path``: a task hook sees only a split's examples, not the file they came from."""
        return KlueDataError(path, self.problem, record=self.record, line=self.line, guid=self.guid, field=self.field,
                             guid_name=self.guid_name)


class SourceUnavailableError(RuntimeError):
    """A model or dataset could not be fetched (usually: no network); the message says what to do."""
