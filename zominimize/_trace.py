"""The compact convergence trace every result carries (``res.trace``).

A run records the best value each time it improves, at the evaluation count where
it was found, thinned to a log-spaced grid of evaluation counts: within one grid
cell only the last improvement is kept. The trace of a run of ``N`` evaluations
then holds at most about ``per_decade * log10(N)`` points (with 50 per decade:
about 450 points for a billion evaluations), and a curve drawn from it never shows
a value before the evaluation that found it.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

__all__ = ["Trace", "TraceRecorder"]


class Trace(NamedTuple):
    """Best-so-far history as a step function.

    Attributes
    ----------
    nfev : ndarray of int
        Evaluation counts (increasing, 1-based).
    fun : ndarray of float
        The value seen at (or the best value up to) each count; the running minimum
        is taken when plotting.
    nfev_end : int or None
        Evaluations made in total; the curve stays flat from ``nfev[-1]`` to here
        (default ``nfev[-1]``).
    """

    nfev: np.ndarray
    fun: np.ndarray
    nfev_end: int | None = None

    def __repr__(self) -> str:
        n = len(self.nfev)
        if n == 0:
            return f"Trace(0 points, nfev_end={self.nfev_end})"
        return (f"Trace({n} points, nfev {int(self.nfev[0])}..{int(self.nfev[-1])}, "
                f"best {float(np.min(self.fun)):.6g}, nfev_end={self.nfev_end})")


class TraceRecorder:
    """Record improvements of the best value on a log-spaced grid (bounded memory).

    Parameters
    ----------
    per_decade : int, default 50
        Grid cells per factor of ten in the evaluation count.
    """

    def __init__(self, per_decade: int = 50):
        self.per_decade = int(per_decade)
        self.nfev: list[int] = []
        self.fun: list[float] = []

    def _cell(self, nfev: int) -> int:
        return math.floor(self.per_decade * math.log10(nfev))

    def record(self, nfev: int, fun: float) -> None:
        """The best value became ``fun`` at evaluation ``nfev`` (1-based, increasing)."""
        if self.nfev and self._cell(self.nfev[-1]) == self._cell(nfev):
            self.nfev[-1], self.fun[-1] = int(nfev), float(fun)
        else:
            self.nfev.append(int(nfev))
            self.fun.append(float(fun))

    def trace(self, nfev_end: int | None = None) -> Trace:
        return Trace(np.array(self.nfev, dtype=np.int64), np.array(self.fun, dtype=np.float64),
                     nfev_end)
