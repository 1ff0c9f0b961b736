"""Input checks shared by the metric functions.

Every public metric validates its arguments here, so that bad input fails with one
``ValueError`` that names the argument and says what was expected, instead of a numpy
broadcasting error or, worse, a silently wrong score.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def _describe(values: Any) -> str:
    """A short description of a value for error messages (type and shape, never the data)."""
    if isinstance(values, np.ndarray):
        return f"an array of shape {values.shape} and dtype {values.dtype}"
    return f"{type(values).__name__}"


def check_same_length(left: Any, right: Any, left_name: str, right_name: str) -> int:
    """Both sized arguments have the same, non-zero length; returns it."""
    n_left, n_right = len(left), len(right)
    if n_left != n_right:
        raise ValueError(
            f"{left_name} and {right_name} must have the same length; got {n_left} and {n_right}"
        )
    if n_left == 0:
        raise ValueError(f"{left_name} and {right_name} are empty; expected at least one item")
    return n_left


def as_int_array(values: Any, name: str, *, low: int | None = None, high: int | None = None) -> np.ndarray:
    """A non-empty 1-D int64 array of class ids, optionally within ``[low, high)``.

    Floats are accepted when they hold whole numbers (label arrays sometimes arrive as
    floats); NaN, fractions, strings and nested shapes are rejected.
    """
    if isinstance(values, (str, bytes)) or isinstance(values, Mapping):
        raise ValueError(f"{name}: expected a 1-D list or array of integer ids, got {_describe(values)}")
    try:
        array = np.asarray(values)
    except (ValueError, TypeError) as error:  # ragged nested lists
        raise ValueError(f"{name}: expected a 1-D list or array of integer ids ({error})") from None
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D list or array of integer ids, got {_describe(array)}")
    if array.size == 0:
        raise ValueError(f"{name}: is empty; expected at least one id")
    if array.dtype.kind in "iub":
        result = array.astype(np.int64, copy=False)
    elif array.dtype.kind == "f":
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name}: contains NaN or infinite values; expected integer ids")
        result = array.astype(np.int64)
        if not np.array_equal(result, array):
            raise ValueError(f"{name}: contains non-integer values; expected integer ids")
    else:
        raise ValueError(f"{name}: expected integer ids, got {_describe(array)}")
    outside = np.zeros(result.shape, dtype=bool)
    if low is not None:
        outside |= result < low
    if high is not None:
        outside |= result >= high
    if outside.any():
        bound = f"[{low if low is not None else '-inf'}, {high if high is not None else 'inf'})"
        raise ValueError(f"{name}: ids must lie in {bound}; found {int(result[outside][0])}")
    return result


def as_float_array(values: Any, name: str) -> np.ndarray:
    """A non-empty 1-D float64 array without NaN or infinities.

    A trailing axis of size 1 (``(n, 1)`` regression outputs) is squeezed away.
    """
    if isinstance(values, (str, bytes)) or isinstance(values, Mapping):
        raise ValueError(f"{name}: expected a 1-D list or array of numbers, got {_describe(values)}")
    try:
        array = np.asarray(values, dtype=np.float64)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{name}: expected a 1-D list or array of numbers ({error})") from None
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D list or array of numbers, got {_describe(array)}")
    if array.size == 0:
        raise ValueError(f"{name}: is empty; expected at least one score")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name}: contains NaN or infinite values; expected finite scores")
    return array


def as_list_of_sequences(values: Any, name: str, what: str) -> list[Sequence[Any]]:
    """A non-empty list whose items are themselves sequences (sentences, turns...).

    ``what`` names the items in error messages ("sentences of tag strings"). A flat list
    of strings is refused explicitly: iterating a string yields characters, which would
    otherwise turn a forgotten nesting level into a confusing "unknown tag 'B'" error.
    """
    if isinstance(values, (str, bytes)) or isinstance(values, Mapping):
        raise ValueError(f"{name}: expected a list of {what}, got {_describe(values)}")
    try:
        items = list(values)
    except TypeError:
        raise ValueError(f"{name}: expected a list of {what}, got {_describe(values)}") from None
    if not items:
        raise ValueError(f"{name}: is empty; expected a list of {what}")
    for index, item in enumerate(items):
        if isinstance(item, (str, bytes)) or not hasattr(item, "__len__") or not hasattr(item, "__iter__"):
            raise ValueError(f"{name}[{index}]: expected one of the {what}, got {_describe(item)} {item!r:.40}")
    return items


def flatten_aligned(
    predictions: Any, references: Any, pred_name: str, ref_name: str, what: str
) -> tuple[list[Any], list[Any], np.ndarray]:
    """Flatten two nested lists whose inner lengths must agree item by item.

    Returns the two flat lists and the inner lengths (used to mark where each sentence
    starts, so that an entity never spans two sentences).
    """
    preds = as_list_of_sequences(predictions, pred_name, what)
    refs = as_list_of_sequences(references, ref_name, what)
    check_same_length(preds, refs, pred_name, ref_name)
    pred_lengths = np.fromiter((len(item) for item in preds), dtype=np.int64, count=len(preds))
    ref_lengths = np.fromiter((len(item) for item in refs), dtype=np.int64, count=len(refs))
    mismatch = np.flatnonzero(pred_lengths != ref_lengths)
    if mismatch.size:
        i = int(mismatch[0])
        raise ValueError(
            f"{pred_name}[{i}] and {ref_name}[{i}] must have the same length; "
            f"got {pred_lengths[i]} and {ref_lengths[i]}"
        )
    flat_preds = list(itertools.chain.from_iterable(preds))
    flat_refs = list(itertools.chain.from_iterable(refs))
    return flat_preds, flat_refs, ref_lengths


def encode_strings(values: list[Any], vocabulary: Mapping[str, int], name: str, what: str) -> np.ndarray:
    """Map strings to ids through ``vocabulary``; an unknown string is a ``ValueError``."""
    try:
        return np.fromiter(map(vocabulary.__getitem__, values), dtype=np.int64, count=len(values))
    except (KeyError, TypeError):
        unknown = next(value for value in values if not isinstance(value, str) or value not in vocabulary)
        raise ValueError(
            f"{name}: unknown {what} {unknown!r}; expected one of {', '.join(vocabulary)}"
        ) from None

