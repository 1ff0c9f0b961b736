"""Labels as users hold them, names or ids, to the form the metric functions take.

Used by the ``evaluate`` modules in ``metrics/hf_evaluate``: users hold label *names*
(``"정치"``, ``"entailment"``, ``"B-PS"``, ``"per:origin"``, ``"NP_SBJ"``) as often as ids, and
ids here are always positions in the official KLUE order (the tuples below), never the Hub
dataset's order. Anything else (an unknown name, an id out of range, a mix of names and ids,
another type) raises one ``ValueError`` that says what is accepted.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from metrics.labels import DP_DEPREL_LABELS, NER_TAGS, NLI_LABELS, RE_RELATIONS, YNAT_LABELS

__all__ = ["DP_DEPREL_LABELS", "NER_TAGS", "NLI_LABELS", "RE_RELATIONS", "YNAT_LABELS", "label_ids", "label_names",
           "label_names_per_sentence"]


def label_ids(values: Any, names: Sequence[str], argument: str) -> list[int] | None:
    """One label per item, given as names or ids (all of one kind), as ids into ``names``."""
    if values is None:
        return None
    return _convert(_items(values, argument, names), names, argument, to_names=False)


def label_names(values: Any, names: Sequence[str], argument: str) -> list[str] | None:
    """One label per item, given as names or ids (all of one kind), as names."""
    if values is None:
        return None
    return _convert(_items(values, argument, names), names, argument, to_names=True)


def label_names_per_sentence(values: Any, names: Sequence[str], argument: str) -> list[list[str]] | None:
    """Per sentence, a list of labels (names or ids, one kind throughout the argument), as names."""
    if values is None:
        return None
    sentences = [
        _items(sentence, f"{argument}[{i}]", names) for i, sentence in enumerate(_items(values, argument, names))
    ]
    # one kind for the whole argument: a name in one sentence and an id in another is a mix too
    _one_kind([item for sentence in sentences for item in sentence], names, argument)
    return [_convert(sentence, names, f"{argument}[{i}]", to_names=True) for i, sentence in enumerate(sentences)]


def _expected(names: Sequence[str]) -> str:
    return f"label names ({', '.join(names)}) or integer ids 0-{len(names) - 1} in that order"


def _items(values: Any, argument: str, names: Sequence[str]) -> list[Any]:
    """A list or array (numpy, torch) as a Python list."""
    if hasattr(values, "tolist") and not isinstance(values, (str, bytes)):
        values = values.tolist()
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, (list, tuple)):
        raise ValueError(f"{argument}: expected a list of {_expected(names)}; got {type(values).__name__}")
    return list(values)


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "name"
    if isinstance(value, bool):
        return "other"
    if isinstance(value, numbers.Integral) or (isinstance(value, numbers.Real) and float(value).is_integer()):
        return "id"  # numpy scalars too; floats holding whole numbers, as the metric functions accept
    return "other"


def _one_kind(items: list[Any], names: Sequence[str], argument: str) -> str | None:
    """"name" or "id" (None for no items); anything else, or a mix of the two, is an error."""
    kinds: dict[str, Any] = {}
    for value in items:
        kinds.setdefault(_kind(value), value)
    if "other" in kinds:
        value = kinds["other"]
        raise ValueError(f"{argument}: expected {_expected(names)}; got {type(value).__name__} {value!r}")
    if len(kinds) > 1:
        raise ValueError(
            f"{argument}: mixes label names and ids ({kinds['name']!r} and {kinds['id']!r}); "
            f"give all as names or all as ids: {_expected(names)}"
        )
    return next(iter(kinds), None)


def _convert(items: list[Any], names: Sequence[str], argument: str, *, to_names: bool) -> list[Any]:
    kind = _one_kind(items, names, argument)
    index = {name: i for i, name in enumerate(names)}
    if kind == "name":
        unknown = [value for value in items if value not in index]
        if unknown:
            raise ValueError(f"{argument}: unknown label name {unknown[0]!r}; expected {_expected(names)}")
        return list(items) if to_names else [index[value] for value in items]
    ids = [int(value) for value in items]
    outside = [i for i in ids if not 0 <= i < len(names)]
    if outside:
        raise ValueError(f"{argument}: id {outside[0]} is out of range; expected {_expected(names)}")
    return [names[i] for i in ids] if to_names else ids
