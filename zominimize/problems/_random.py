"""Seeds and parameter ranges for problem families.

A family parameter is either a fixed value or a ``(low, high)`` range. Ranges of
positive scale-like quantities (dimensions, condition numbers, noise levels) are
sampled log-uniformly, so that each decade is equally likely.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["Range", "instance_seed", "log_uniform", "log_uniform_int", "uniform"]

# A fixed value, or an inclusive ``(low, high)`` range to sample from.
Range = float | tuple[float, float]

_SEED_BOUND = 2**63


def instance_seed(rng: object) -> int:
    """Return the integer seed that defines a random problem instance.

    A non-negative integer is its own seed, so that an instance rebuilt from its
    stored ``seed`` is identical. Anything else that :func:`numpy.random.default_rng`
    accepts (``None``, a ``Generator``, a ``SeedSequence``) is turned into a seed by one
    draw from it.
    """
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0:
        return int(rng)
    return int(np.random.default_rng(rng).integers(_SEED_BOUND))


def _bounds(spec: Range, what: str, positive: bool) -> tuple[float, float]:
    if isinstance(spec, tuple | list):
        if len(spec) != 2:
            raise ValueError(f"{what} must be a number or a (low, high) pair, got {spec!r}")
        low, high = float(spec[0]), float(spec[1])
    else:
        low = high = float(spec)
    if not (np.isfinite(low) and np.isfinite(high)) or low > high:
        raise ValueError(f"{what} must be finite with low <= high, got {spec!r}")
    if positive and low <= 0:
        raise ValueError(f"{what} must be positive, got {spec!r}")
    return low, high


def uniform(rng: np.random.Generator, spec: Range, what: str = "value") -> float:
    """Draw uniformly from ``spec`` (a number is returned as it is)."""
    low, high = _bounds(spec, what, positive=False)
    return low if low == high else float(rng.uniform(low, high))


def log_uniform(rng: np.random.Generator, spec: Range, what: str = "value") -> float:
    """Draw log-uniformly from the positive range ``spec``."""
    low, high = _bounds(spec, what, positive=True)
    return low if low == high else float(np.exp(rng.uniform(np.log(low), np.log(high))))


def log_uniform_int(rng: np.random.Generator, spec: Range, what: str = "dim") -> int:
    """Draw an integer log-uniformly from the inclusive positive range ``spec``."""
    low, high = _bounds(spec, what, positive=True)
    if low != int(low) or high != int(high):
        raise ValueError(f"{what} must be an integer or a pair of integers, got {spec!r}")
    if low == high:
        return int(low)
    value = np.exp(rng.uniform(np.log(low), np.log(high + 1)))
    return int(min(max(np.floor(value), low), high))
