"""Exceptions and input checks shared by the statistics engine.

Every check names the offending study by its 0-based position and the field, so a
message can be traced back to one row of the extraction form.
"""

from __future__ import annotations

import numpy as np


class ConvergenceError(ValueError):
    """An iterative estimator did not reach its tolerance.

    Raised instead of returning a number that merely looks like an estimate.
    """


MSG_LENGTH = "field '{field}' has {got} values but {expected} studies were given"
MSG_NOT_FINITE = "study {index}: field '{field}' is not a finite number ({value!r})"
MSG_NEGATIVE = "study {index}: field '{field}' must not be negative ({value!r})"
MSG_NOT_POSITIVE = "study {index}: field '{field}' must be positive ({value!r})"
MSG_BELOW_ONE = "study {index}: field '{field}' must be at least 1 ({value!r})"
MSG_EVENTS_ABOVE_N = "study {index}: field '{field}' ({value!r}) exceeds the group size ({n!r})"
MSG_CORRELATION = "study {index}: field '{field}' must lie in [-1, 1] ({value!r})"
MSG_EMPTY = "at least one study is needed"


def as_study_array(field: str, values, k: int | None = None) -> np.ndarray:
    """Return ``values`` as a 1-d float array after checking length and finiteness."""
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.ndim != 1:
        raise ValueError(f"field '{field}' must be one-dimensional")
    if k is not None and arr.shape[0] != k:
        raise ValueError(MSG_LENGTH.format(field=field, got=arr.shape[0], expected=k))
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        i = int(bad[0])
        raise ValueError(MSG_NOT_FINITE.format(index=i, field=field, value=float(arr[i])))
    return arr


def _first(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def check_non_negative(field: str, arr: np.ndarray) -> None:
    i = _first(arr < 0)
    if i is not None:
        raise ValueError(MSG_NEGATIVE.format(index=i, field=field, value=float(arr[i])))


def check_positive(field: str, arr: np.ndarray) -> None:
    i = _first(arr <= 0)
    if i is not None:
        raise ValueError(MSG_NOT_POSITIVE.format(index=i, field=field, value=float(arr[i])))


def check_at_least_one(field: str, arr: np.ndarray) -> None:
    i = _first(arr < 1)
    if i is not None:
        raise ValueError(MSG_BELOW_ONE.format(index=i, field=field, value=float(arr[i])))


def check_events(field: str, events: np.ndarray, n: np.ndarray) -> None:
    i = _first(events > n)
    if i is not None:
        raise ValueError(
            MSG_EVENTS_ABOVE_N.format(index=i, field=field, value=float(events[i]), n=float(n[i]))
        )


def check_correlation(field: str, arr: np.ndarray) -> None:
    i = _first(np.abs(arr) > 1)
    if i is not None:
        raise ValueError(MSG_CORRELATION.format(index=i, field=field, value=float(arr[i])))


def check_counts(xi, ni) -> tuple[np.ndarray, np.ndarray]:
    """Events and totals of single proportions as float arrays, or a ValueError naming the study."""
    x = np.asarray(xi, dtype=float).ravel()
    n = np.asarray(ni, dtype=float).ravel()
    if x.shape != n.shape:
        raise ValueError(f"xi has {x.size} studies but ni has {n.size}")
    for i in range(x.size):
        if not (np.isfinite(x[i]) and np.isfinite(n[i])):
            raise ValueError(f"study {i}: xi or ni is missing or not finite")
        if x[i] != np.round(x[i]) or n[i] != np.round(n[i]):
            raise ValueError(f"study {i}: xi and ni must be whole numbers")
        if n[i] < 1 or x[i] < 0 or x[i] > n[i]:
            raise ValueError(f"study {i}: need 0 <= xi <= ni and ni >= 1, got {x[i]:g}/{n[i]:g}")
    return x, n
