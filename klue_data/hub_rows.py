"""Values of the Hub's rows as the project's records hold them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from klue_data.errors import KlueDataError


def hub_label(value: Any, feature: Any, names: Sequence[str], field: str = "label") -> str | None:
    """A Hub label as a name: a ClassLabel id read in the dataset's own order, a name (a copy pushed
    with plain-string labels, checked against ``names``), or None for an unlabelled row (-1 or
    missing, the Hub's convention for test splits)."""
    if value is None or value == -1:
        return None
    if isinstance(value, str):
        if value not in names:
            raise KlueDataError(None, f"expected one of {', '.join(names)}; got {value!r}", field=field)
        return value
    if not hasattr(feature, "int2str"):
        raise KlueDataError(None, f"a class id ({value!r}) without a ClassLabel feature to name it", field=field)
    return feature.int2str(int(value))
