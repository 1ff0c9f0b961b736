"""Values of the Hub's rows as the project's records hold them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from klue_data.errors import KlueDataError


def hub_label(value: Any, feature: Any, names: Sequence[str], field: str = "label") -> str | None:
    """A Hub label as a name: a ClassLabel id read in the dataset's own order, a name (a copy pushed
    with plain-string labels), or None for an unlabelled row (-1 or missing, the Hub's convention for
    test splits). Either way the name must be one of ``names``, else a ``KlueDataError`` naming ``field``."""
    if value is None or value == -1:
        return None
    if isinstance(value, str):
        if value not in names:
            raise KlueDataError(None, f"expected one of {', '.join(names)}; got {value!r}", field=field)
        return value
    if not hasattr(feature, "int2str"):
        raise KlueDataError(None, f"a class id ({value!r}) without a ClassLabel feature to name it", field=field)
    name = feature.int2str(int(value))
    if name not in names:
        # Another dataset's ClassLabel (English topics, other NER tags) reads without error and only fails
        # as an unknown key once labels become ids, after the model is built, as a traceback.
        raise KlueDataError(None, f"class id {value!r} is {name!r} in the dataset's ClassLabel; expected one of "
                            f"{', '.join(names)} (another dataset?)", field=field)
    return name


def hub_labels(values: Sequence[Any], feature: Any, names: Sequence[str], field: str) -> list[str | None]:
    """``hub_label`` of each value (errors name ``field[position]``). Each distinct value is named once:
    an NER split holds about a million tags of 13 kinds."""
    named: dict[Any, str | None] = {}
    labels = []
    for position, value in enumerate(values):
        if value not in named:
            named[value] = hub_label(value, feature, names, field=f"{field}[{position}]")
        labels.append(named[value])
    return labels
