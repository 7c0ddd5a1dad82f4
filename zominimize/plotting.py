"""Convergence plots: best-so-far value against function evaluations.

Matplotlib is imported only when a plot is drawn (``pip install zominimize[plot]``).
Nothing here selects a backend or touches pyplot state unless ``ax`` is omitted, so
it is safe under the non-interactive Agg backend.

What can be plotted (a *trace*):

- a 1-D array of values, one per evaluation (raw values or best-so-far; the running
  minimum is taken), e.g. the values a wrapped objective recorded;
- a :class:`Trace` ``(nfev, fun)``: values at given evaluation counts, e.g. from a
  benchmark run;
- a :class:`History`: a callback for :func:`zominimize.minimize` (or SciPy's
  ``minimize``) that records ``(nfev, fun)`` at every iteration;
- an :class:`~scipy.optimize.OptimizeResult` that carries a ``trace`` attribute
  holding one of the above. Every result of :func:`zominimize.minimize` and
  :attr:`zominimize.Optimizer.result` carries one: the best value at each
  improvement, thinned to at most 50 points per decade of evaluations (so memory
  stays flat over long runs). Results of SciPy's own methods have none: use a
  :class:`History` callback there.

Example
-------
>>> import numpy as np
>>> from zominimize import minimize
>>> from zominimize.plotting import plot_convergence
>>> res = minimize(lambda x: float(np.sum(x**2)), np.ones(5), method="zo-adam",
...                options={"maxfev": 420}, rng=0)
>>> ax = plot_convergence({"zo-adam": res})  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._trace import Trace

__all__ = ["History", "Trace", "as_trace", "plot_convergence"]


class History:
    """A callback that records the best-so-far value at every iteration.

    Pass it as ``callback=`` to :func:`zominimize.minimize` (or to
    :func:`scipy.optimize.minimize`); it receives SciPy's ``intermediate_result``
    and stores ``(nfev, fun)``. When the result carries no ``nfev`` (some SciPy
    methods), the iteration number is stored and ``unit`` is ``"iterations"``.

    Attributes
    ----------
    nfev : ndarray of int
    fun : ndarray of float
    unit : {"evaluations", "iterations"}
    """

    def __init__(self) -> None:
        self._nfev: list[int] = []
        self._fun: list[float] = []
        self.unit = "evaluations"

    def __call__(self, intermediate_result: Any) -> None:
        res = intermediate_result
        nfev = getattr(res, "nfev", None)
        if nfev is None or self.unit == "iterations":
            self.unit = "iterations"
            nfev = len(self._nfev) + 1
        self._nfev.append(int(nfev))
        self._fun.append(float(getattr(res, "fun", np.nan)))

    @property
    def nfev(self) -> np.ndarray:
        return np.asarray(self._nfev, dtype=np.int64)

    @property
    def fun(self) -> np.ndarray:
        return np.asarray(self._fun, dtype=np.float64)

    def __len__(self) -> int:
        return len(self._nfev)


def as_trace(obj: Any) -> Trace:
    """Convert a trace-like object (see the module notes) to a :class:`Trace`.

    Raises
    ------
    TypeError
        For an object that holds no value history (e.g. an ``OptimizeResult``
        without a ``trace``).
    """
    if isinstance(obj, Trace):
        return Trace(np.asarray(obj.nfev, dtype=np.int64), np.asarray(obj.fun, dtype=float),
                     obj.nfev_end)
    if isinstance(obj, History):
        return Trace(obj.nfev, obj.fun)
    if isinstance(obj, dict) and "x" in obj and "fun" in obj:  # an OptimizeResult
        if "trace" in obj:
            return as_trace(obj["trace"])
        raise TypeError(
            "this OptimizeResult has no 'trace' (zominimize's methods record one; SciPy's "
            "do not): record one with the zominimize.plotting.History callback "
            "(minimize(..., callback=History())), or pass the values seen, one per evaluation"
        )
    if hasattr(obj, "nfev") and hasattr(obj, "fun") and np.ndim(obj.fun) == 1:
        return Trace(np.asarray(obj.nfev, dtype=np.int64), np.asarray(obj.fun, dtype=float))
    values = _as_1d(obj)
    if values is None:
        raise TypeError(
            f"cannot read a best-so-far history from {type(obj).__name__}: expected a 1-D "
            "array of values, a Trace, a History or an OptimizeResult with a 'trace'"
        )
    return Trace(np.arange(1, values.size + 1), values)


def _as_1d(obj: Any) -> np.ndarray | None:
    if isinstance(obj, str | bytes | Mapping):
        return None
    try:
        arr = np.asarray(obj, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return arr if arr.ndim == 1 else None


def _is_trace_like(obj: Any) -> bool:
    if isinstance(obj, Trace | History):
        return True
    if isinstance(obj, dict) and "x" in obj and "fun" in obj:
        return True
    if hasattr(obj, "nfev") and hasattr(obj, "fun") and not isinstance(obj, Mapping):
        return np.ndim(obj.fun) == 1
    return _as_1d(obj) is not None


def _group(value: Any) -> list[Trace]:
    """One curve's traces: a trace-like, or a sequence (or 2-D array) of them (seeds)."""
    if _is_trace_like(value):
        return [as_trace(value)]
    if isinstance(value, np.ndarray) and value.ndim == 2:
        return [as_trace(row) for row in value]
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value):
        return [as_trace(v) for v in value]
    raise TypeError(f"cannot plot {type(value).__name__} as a convergence history")


def _groups(results: Any, labels: Sequence[str] | None, problem: str | None):
    from .bench._result import BenchResult  # no heavy imports: numpy only

    if isinstance(results, BenchResult):
        problems = results.problems
        if problem is None:
            if len(problems) != 1:
                raise ValueError(f"give `problem`, one of {problems}")
            problem = problems[0]
        out = []
        for method in results.methods(problem):
            runs = results.select(method, problem)
            out.append((method, [Trace(np.asarray(r.trace_nfev), np.asarray(r.trace_f),
                                       r.nfev) for r in runs]))
        return out
    if isinstance(results, Mapping) and not _is_trace_like(results):
        return [(str(k), _group(v)) for k, v in results.items()]
    if _is_trace_like(results):
        items = [results]
    elif isinstance(results, np.ndarray) and results.ndim == 2:
        items = list(results)
    elif isinstance(results, Sequence) and not isinstance(results, str):
        items = list(results)
    else:
        raise TypeError(f"cannot plot {type(results).__name__} as convergence histories")
    if labels is not None and len(labels) != len(items):
        raise ValueError(f"{len(labels)} labels for {len(items)} curves")
    return [(labels[i] if labels is not None else _default_label(item, i), _group(item))
            for i, item in enumerate(items)]


def _default_label(item: Any, i: int) -> str:
    if isinstance(item, dict) and "method" in item:
        return str(item["method"])
    return f"run {i}"


def _step_values(trace: Trace, grid: np.ndarray) -> np.ndarray:
    """Best-so-far of ``trace`` at each evaluation count of ``grid`` (NaN before its
    first finite value)."""
    fun = np.where(np.isfinite(trace.fun), trace.fun, np.inf)
    best = np.minimum.accumulate(fun) if fun.size else fun
    idx = np.searchsorted(trace.nfev, grid, side="right")
    out = np.full(grid.shape, np.nan)
    ok = idx > 0
    out[ok] = best[idx[ok] - 1]
    out[np.isinf(out)] = np.nan
    return out


def _end(trace: Trace) -> int:
    if trace.nfev_end is not None:
        return int(trace.nfev_end)
    return int(trace.nfev[-1]) if trace.nfev.size else 0


def plot_convergence(
    results: Any,
    ax: Any = None,
    *,
    labels: Sequence[str] | None = None,
    problem: str | None = None,
    band: tuple[float, float] | None = (25, 75),
    max_nfev: int | None = None,
    yscale: str = "auto",
    unit: str = "evaluations",
    **plot_kw: Any,
) -> Any:
    """Plot best-so-far value against function evaluations.

    Parameters
    ----------
    results : trace-like, sequence, mapping or BenchResult
        What to plot. A trace-like (module notes: a 1-D array of values per
        evaluation, a :class:`Trace`, a :class:`History`, or an ``OptimizeResult``
        with a ``trace``) is one curve; a sequence of them is one curve each; a
        mapping ``{label: trace-like or sequence of trace-likes}`` draws, per label,
        the median over the sequence (e.g. over seeds) with a band; a
        :class:`~zominimize.bench.BenchResult` draws one median curve per method on
        ``problem``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default ``matplotlib.pyplot.gca()``.
    labels : sequence of str, optional
        Curve labels when ``results`` is a sequence (default ``"run 0"``, ...).
    problem : str, optional
        The problem to plot from a ``BenchResult`` with several.
    band : (float, float) or None, default (25, 75)
        Percentiles of the shaded band over the runs of one label; ``None``: no band.
    max_nfev : int, optional
        Right end of the x axis.
    yscale : {"auto", "log", "linear", "symlog"}, default "auto"
        ``"auto"`` is ``"log"`` when every plotted value is positive.
    unit : str, default "evaluations"
        The x-axis label.
    **plot_kw
        Passed to ``ax.step`` for every curve (e.g. ``linewidth``).

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    Curves are step functions of the best value found within the first ``n``
    evaluations. With several runs per label, each run's best value is held after
    its last evaluation, and the median curve ends, marked ``x``, at the median
    number of evaluations made when runs stopped early (time limit, convergence).
    """
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    groups = _groups(results, labels, problem)
    lows = []
    styles = ["-", "--", ":", "-."]  # after the 10 default colours, vary the line style
    for i, (label, traces) in enumerate(groups):
        kw = dict(plot_kw)
        if len(groups) > 10:
            kw.setdefault("linestyle", styles[(i // 10) % len(styles)])
        ends = np.array([_end(t) for t in traces])
        grid = np.unique(np.concatenate([t.nfev for t in traces] + [ends]))
        grid = grid[grid > 0]
        if grid.size == 0:
            continue
        curves = np.array([_step_values(t, grid) for t in traces])
        with np.errstate(all="ignore"), _quiet_nan():
            med = np.nanmedian(curves, axis=0)
            end = int(np.median(ends))
            keep = grid <= end
            (line,) = ax.step(grid[keep], med[keep], where="post", label=label, **kw)
            if band is not None and len(traces) > 1:
                lo, hi = np.nanpercentile(curves, band, axis=0)
                ax.fill_between(grid[keep], lo[keep], hi[keep], step="post",
                                alpha=0.2, color=line.get_color(), linewidth=0)
                lows.append(lo[keep])
            if max_nfev is not None and end < max_nfev and keep.any():
                ax.plot([grid[keep][-1]], [med[keep][-1]], "x", color=line.get_color())
        lows.append(med[keep])
    finite = np.concatenate([v[np.isfinite(v)] for v in lows]) if lows else np.array([])
    if yscale == "auto":
        yscale = "log" if finite.size and np.all(finite > 0) else "linear"
    ax.set_yscale(yscale)
    ax.set_xlabel(unit)
    ax.set_ylabel("best f so far")
    if max_nfev is not None:
        ax.set_xlim(0, max_nfev)
    if groups:
        ax.legend(fontsize="small")
    return ax


class _quiet_nan:
    """Silence numpy's all-NaN-slice warnings (the start of curves before any value)."""

    def __enter__(self):
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)
