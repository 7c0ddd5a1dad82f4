"""Input checks with SciPy's error types and texts, plus a few SciPy does not make."""

from __future__ import annotations

import numbers
import sys
import warnings
from typing import Any

import numpy as np
from numpy.exceptions import ComplexWarning
from scipy.optimize import Bounds

__all__ = ["check_x0", "standardize_bounds", "check_budget", "check_nonneg_float", "check_real"]


def check_x0(x0: Any) -> np.ndarray:
    """Return ``x0`` as a finite 1-D float64 array (a copy) or raise ``ValueError``."""
    if isinstance(x0, (str, bytes)):
        raise ValueError(f"could not convert string to float: {x0!r} (`x0` must be an array "
                         "of real numbers)")
    kind = getattr(getattr(x0, "dtype", None), "kind", "f")
    if kind in "cmMV":  # complex, datetime, timedelta, structured
        raise TypeError(f"`x0` must be an array of real numbers, got dtype {x0.dtype}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ComplexWarning)
            x = np.atleast_1d(np.asarray(x0, dtype=np.float64)).copy()
    except (TypeError, ComplexWarning):
        raise TypeError(f"`x0` must be an array of real numbers, got {type(x0).__name__}") from None
    except (ValueError, OverflowError) as exc:  # ragged nesting, strings, ints beyond float64
        raise ValueError(f"{exc} (`x0` must be a 1-D array of finite real numbers)") from None
    if x.ndim != 1:
        raise ValueError("'x0' must only have one dimension.")
    if x.size == 0:
        raise ValueError("'x0' must have at least one element.")
    if not np.all(np.isfinite(x)):
        raise ValueError("'x0' must contain only finite values (no NaN or inf).")
    return x


def standardize_bounds(bounds: Any, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Convert ``Bounds`` or a sequence of ``(min, max)`` pairs to ``(lb, ub)`` arrays.

    ``None`` in a pair means unbounded; one pair broadcasts to every coordinate.
    Returns ``None`` when there are no finite bounds at all.
    """
    if bounds is None:
        return None
    if isinstance(bounds, Bounds):
        lb, ub = bounds.lb, bounds.ub
    else:
        try:
            pairs = list(bounds)
            if len(pairs) == 2 and all(np.ndim(p) == 1 and len(p) == n != 2 for p in pairs):
                # (lb_array, ub_array): accepted as an unambiguous convenience
                lb, ub = pairs
            else:
                arr = [
                    (-np.inf if lo is None else lo, np.inf if hi is None else hi)
                    for lo, hi in pairs
                ]
                lb, ub = (np.array(a, dtype=np.float64) for a in zip(*arr)) if arr else ([], [])
        except (TypeError, ValueError, OverflowError):
            raise ValueError(
                "`bounds` must be a scipy.optimize.Bounds or a sequence of (min, max) pairs, "
                f"got {bounds!r}"
            ) from None
    try:
        lb = np.asarray(lb, dtype=np.float64)
        ub = np.asarray(ub, dtype=np.float64)
        lb, ub = (np.broadcast_to(b, (n,)).copy() for b in (lb, ub))
    except OverflowError:
        raise ValueError("`bounds` must be real numbers within the float64 range.") from None
    except ValueError:
        msg = "The number of bounds is not compatible with the length of `x0`."
        raise ValueError(msg) from None
    if np.isnan(lb).any() or np.isnan(ub).any():
        raise ValueError("`bounds` must not contain NaN.")
    if np.any(lb > ub):
        raise ValueError("An upper bound is less than the corresponding lower bound.")
    if np.all(np.isneginf(lb)) and np.all(np.isposinf(ub)):
        return None
    return lb, ub


def check_budget(name: str, value: Any, *, minimum: int = 0) -> int | None:
    """An integer option such as ``maxiter``: ``None`` or an integer >= ``minimum``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, float, np.floating)):
        raise TypeError(f"`{name}` must be an integer, got {type(value).__name__}")
    if isinstance(value, (float, np.floating)):
        if not (np.isfinite(value) and float(value).is_integer()):
            if np.isposinf(value):
                return None
            raise ValueError(f"`{name}` must be an integer, got {value!r}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {value}")
    if value > sys.maxsize:
        raise ValueError(f"`{name}` must be at most {sys.maxsize} (None: no limit), got {value}")
    return value


def check_real(name: str, value: Any) -> float:
    """A real number option such as ``f_target`` (not NaN)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, got {value!r}")
    try:
        v = float(value)
    except OverflowError:
        raise ValueError(f"`{name}` is beyond the float64 range: {value!r}") from None
    if np.isnan(v):
        raise ValueError(f"`{name}` must not be NaN")
    return v


def check_nonneg_float(name: str, value: Any) -> float:
    """A tolerance: a finite float >= 0 (a scalar: arrays are refused on every NumPy)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a number, got {value!r}")
    v = float(value)
    if not (np.isfinite(v) and v >= 0):
        raise ValueError(f"`{name}` must be a finite number >= 0, got {value!r}")
    return v
