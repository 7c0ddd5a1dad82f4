"""The outcome of one benchmark run, in the compact form that results store.

A run is summarised by its best-so-far value at a fixed set of budgets (the
checkpoints: about ten per decade, log-spaced, and every 5 % of the budget, so
that convergence plots on a log or a linear axis are faithful), its final best
value, the evaluations it needed to reach each of COCO's 51 precision targets,
its evaluations, how it stopped and its times. The full trace of every
improvement is kept only on request (``keep_trace``), for debugging.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["ECDF_TARGETS", "RunRecord", "checkpoint_grid"]

#: COCO's 51 precision targets ``10**[-8, -7.8, ..., 2]`` on ``f - f_opt`` (on
#: ``f - f_lower`` where the optimum is unknown).
ECDF_TARGETS = 10.0 ** np.linspace(-8.0, 2.0, 51)

#: Significant digits of the stored checkpoint gaps ``best - f_ref`` (finals are exact).
_DIGITS = 6


def checkpoint_grid(budget: int) -> np.ndarray:
    """The checkpoints of a run with ``budget`` evaluations.

    The union of ``round(10**(k/10))`` (ten per decade) and every 5 % of the budget,
    from 1 to ``budget``.

    >>> checkpoint_grid(100).tolist()
    [1, 2, 3, 4, 5, 6, 8, 10, 13, 15, 16, 20, 25, 30, 32, 35, 40, 45, 50, 55, 60, 63, 65, \
70, 75, 79, 80, 85, 90, 95, 100]
    """
    budget = int(budget)
    if budget < 1:
        return np.zeros(0, dtype=np.int64)
    logs = np.round(10.0 ** (np.arange(0, 10 * np.log10(budget) + 1) / 10.0))
    linear = np.round(np.arange(1, 21) * budget / 20.0)
    grid = np.unique(np.concatenate([logs, linear]).astype(np.int64))
    return grid[(grid >= 1) & (grid <= budget)]


def _round(values: np.ndarray) -> list[float]:
    return [float(f"{v:.{_DIGITS}g}") if np.isfinite(v) else float(v) for v in values]


@dataclass
class RunRecord:
    """The outcome of one run.

    Attributes
    ----------
    method, problem : str
        The method and problem specs (canonical text).
    seed : int
        Selects the problem instance and the method's ``rng``.
    instance : str
        The instance's name (e.g. ``"attack(test[3],label=5)"``).
    dim : int
    budget : int
        The evaluation budget the run was held to.
    nfev : int
        Evaluations made (``<= budget``).
    stop : {"budget", "time", "converged", "error"}
        ``"budget"``: stopped exactly at the budget; ``"time"``: stopped by the
        per-run time limit; ``"converged"``: the method ended by itself before the
        budget; ``"error"``: it raised (see ``error``).
    wall_time : float
        Seconds for the whole run.
    fun_time : float
        Seconds spent inside the objective (and the attack-success bookkeeping).
    f_lower : float
        The problem's known lower bound (for plotting gaps).
    f_opt : float or None
        The problem's optimal value where known (BBOB): precisions are ``f - f_opt``.
    final : float
        The best value found (``inf`` when no finite value was seen).
    checkpoints, gaps : list
        ``f_ref + gaps[i]`` is the best value among the first ``checkpoints[i]``
        evaluations (``inf`` before the first finite one), to six significant digits
        of the gap (see :attr:`best`); the checkpoints are
        :func:`~zominimize.bench.checkpoint_grid` up to ``nfev``, and ``nfev`` itself.
    hits : list
        ``hits[j]``: the first evaluation at which the best value is within
        ``ECDF_TARGETS[j]`` (:data:`~zominimize.bench.ECDF_TARGETS`) of ``f_opt`` (of
        ``f_lower`` where ``f_opt`` is unknown), ``None`` if never.
    first_success : int or None
        Attacks only: the evaluation at which an evaluated point first succeeded
        (margin ``<= -kappa``), else ``None``.
    is_attack : bool
    error : str or None
    full_trace : tuple of two lists or None
        ``(nfev, f)``: every improvement of the best value, when the run was made
        with ``keep_trace=True`` (or read from a result that stored it).
    target_evals : dict
        ``{target: evaluations}`` known exactly (a result stores the evaluations to
        its table's target for every run, so that tables read back are exact).
    """

    method: str
    problem: str
    seed: int
    instance: str
    dim: int
    budget: int
    nfev: int
    stop: str
    wall_time: float
    fun_time: float
    f_lower: float = 0.0
    f_opt: float | None = None
    final: float = np.inf
    checkpoints: list[int] = field(default_factory=list)
    gaps: list[float] = field(default_factory=list)
    hits: list[int | None] = field(default_factory=list)
    first_success: int | None = None
    is_attack: bool = False
    error: str | None = None
    full_trace: tuple[list[int], list[float]] | None = None
    target_evals: dict[float, float] = field(default_factory=dict)
    # every improvement, kept in memory (never stored unless full_trace) so that the
    # evaluations to a table's target, known only once all methods ran, are exact
    _improvements: tuple[list[int], list[float]] | None = field(
        default=None, repr=False, compare=False)

    # -- construction -----------------------------------------------------------------

    @classmethod
    def from_values(cls, values: np.ndarray, *, keep_trace: bool = False,
                    **info) -> RunRecord:
        """Summarise a run from its values, one per evaluation, in order.

        Parameters
        ----------
        values : array_like
            Every evaluated value (non-finite values never count as the best).
        keep_trace : bool, default False
            Also store every improvement (``full_trace``).
        **info
            The other fields (``method``, ``problem``, ..., ``nfev`` defaults to
            ``len(values)``).
        """
        vals = np.asarray(values, dtype=np.float64)
        best = np.minimum.accumulate(np.where(np.isfinite(vals), vals, np.inf))
        info.setdefault("nfev", int(vals.size))
        change = np.flatnonzero(np.diff(best, prepend=np.inf) < 0)
        trace = ([int(i) + 1 for i in change], [float(best[i]) for i in change])
        rec = cls._from_best(best, trace if keep_trace else None, **info)
        rec._improvements = trace
        return rec

    @classmethod
    def from_trace(cls, trace_nfev, trace_f, *, keep_trace: bool = True,
                   **info) -> RunRecord:
        """Summarise a run from its improvement trace (``trace_f[i]`` is the best
        value from evaluation ``trace_nfev[i]`` on); the form of older results."""
        n = int(info["nfev"])
        trace = (list(map(int, trace_nfev)), [float(f) for f in trace_f])
        steps = np.minimum.accumulate(np.asarray(trace[1] + [np.inf])[:-1]) if trace[1] \
            else np.zeros(0)
        idx = np.searchsorted(np.asarray(trace[0], dtype=np.int64), np.arange(1, n + 1),
                              side="right")
        best = np.where(idx > 0, np.append(steps, np.inf)[idx - 1], np.inf)
        rec = cls._from_best(best, trace if keep_trace else None, **info)
        rec._improvements = trace
        return rec

    @classmethod
    def _from_best(cls, best: np.ndarray, trace, **info) -> RunRecord:
        n = int(info["nfev"])
        best = best[:n]
        rec = cls(**info, full_trace=trace)
        f_ref = rec.f_ref
        grid = np.asarray(_grid_upto(checkpoint_grid(int(rec.budget)).tolist(), n),
                          dtype=np.int64)
        rec.checkpoints = [int(c) for c in grid]
        rec.gaps = _round(best[grid - 1] - f_ref) if n else []
        rec.final = float(best[-1]) if n else np.inf
        prec = best - f_ref
        # prec is non-increasing: the first index at or below each target
        idx = np.searchsorted(-prec, -ECDF_TARGETS, side="left")
        rec.hits = [int(i) + 1 if i < n else None for i in idx]
        return rec

    # -- derived values ---------------------------------------------------------------

    @property
    def f_ref(self) -> float:
        """The reference of precisions: ``f_opt`` where known, else ``f_lower``."""
        return float(self.f_lower if self.f_opt is None else self.f_opt)

    @property
    def fun(self) -> float:
        """Best value found (``inf`` when no finite value was seen)."""
        return float(self.final)

    @property
    def precision(self) -> float:
        """``fun - f_ref``: the final precision (``inf`` without a finite value)."""
        return self.fun - self.f_ref

    @property
    def compute_time(self) -> float:
        """The method's own time: wall time minus time inside the objective."""
        return max(self.wall_time - self.fun_time, 0.0)

    @property
    def best(self) -> list[float]:
        """The best value at each checkpoint (the last one, at ``nfev``, exact)."""
        f_ref, final = self.f_ref, self.fun
        out = [max(f_ref + g, final) for g in self.gaps]  # rounding never passes the final
        if out:
            out[-1] = final
        return out

    @property
    def trace_nfev(self) -> list[int]:
        """Evaluations at which the best value changed (at the checkpoints, unless the
        full trace was kept)."""
        return self._trace()[0]

    @property
    def trace_f(self) -> list[float]:
        """The best value from ``trace_nfev[i]`` on."""
        return self._trace()[1]

    def _trace(self) -> tuple[list[int], list[float]]:
        if self.full_trace is not None:
            return list(self.full_trace[0]), list(self.full_trace[1])
        nfev, f = [], []
        for c, b in zip(self.checkpoints, self.best):
            if not f or b < f[-1]:
                if np.isfinite(b):
                    nfev.append(int(c))
                    f.append(float(b))
        return nfev, f

    @property
    def has_checkpoints(self) -> bool:
        """Whether the best values before the end are known: ``False`` for a run
        stored without checkpoints (a compact result, or a hidden grid point of a
        slim one), which knows only its final value and its evaluations to the
        ECDF targets."""
        return self.full_trace is not None or bool(self.gaps) or self.nfev == 0

    def best_at(self, nfev: int | np.ndarray) -> float | np.ndarray:
        """Best value within the first ``nfev`` evaluations (``inf`` before the first
        finite one; a run that stopped early keeps its final best). Between
        checkpoints, the value at the last checkpoint before ``nfev``, unless the full
        trace was kept; ``nan`` before the end of a run stored without checkpoints
        (see :attr:`has_checkpoints`)."""
        trace_nfev, trace_f = self._trace()
        values = np.asarray(trace_f + [np.inf], dtype=np.float64)
        idx = np.searchsorted(np.asarray(trace_nfev, dtype=np.int64), nfev, side="right")
        out = np.where(idx > 0, values[idx - 1], np.inf)
        if not self.has_checkpoints:
            out = np.full(np.shape(out), np.nan)
        if self.full_trace is None:
            out = np.where(np.asarray(nfev) >= self.nfev, self.fun, out)
        return float(out) if np.ndim(out) == 0 else out

    def evals_to(self, target: float) -> float:
        """First evaluation with best-so-far ``<= target`` (``inf`` if never).

        Exact for a run made in this process, with a full trace, or for the target
        the stored result recorded (``target_evals``); otherwise to the checkpoints
        (an upper bound within one checkpoint step; the run's ``nfev`` for a run
        stored without checkpoints)."""
        target = float(target)
        if target in self.target_evals:
            return float(self.target_evals[target])
        trace = self.full_trace or self._improvements
        for n, f in zip(*(trace or self._trace())):
            if f <= target:
                return float(n)
        if self.fun <= target:
            return float(self.nfev)
        return np.inf

    # -- persistence ------------------------------------------------------------------

    def to_dict(self, *, keep_trace: bool = True, grid: list[int] | None = None,
                improvements: bool = False) -> dict:
        """A JSON-compatible dict.

        Parameters
        ----------
        keep_trace : bool, default True
            Include ``full_trace`` where present.
        grid : list of int, optional
            The result's common checkpoints: a record whose checkpoints are this grid
            up to its ``nfev`` stores no checkpoints of its own.
        improvements : bool, default False
            Include the in-memory improvement trace (for the journal of a running
            benchmark, which resumes with exact records).
        """
        d = {k: getattr(self, k) for k in self.__dataclass_fields__
             if k not in ("full_trace", "target_evals", "_improvements")}
        d["final"] = float(self.final)
        d["gaps"] = [float(v) for v in self.gaps]
        if grid is not None and self.checkpoints == _grid_upto(grid, self.nfev):
            del d["checkpoints"]
        if keep_trace and self.full_trace is not None:
            d["trace_nfev"] = list(self.full_trace[0])
            d["trace_f"] = [float(v) for v in self.full_trace[1]]
        if improvements and self._improvements is not None:
            d["improvements"] = [list(self._improvements[0]),
                                 [float(v) for v in self._improvements[1]]]
        return d

    @classmethod
    def from_dict(cls, d: dict, *, grid: list[int] | None = None) -> RunRecord:
        """Read :meth:`to_dict`'s output, or a run of the older full-trace format."""
        d = dict(d)
        if d.get("f_lower") is None:
            d["f_lower"] = 0.0
        trace = None
        if "trace_f" in d:
            trace = (list(map(int, d.pop("trace_nfev"))),
                     [np.inf if v is None else float(v) for v in d.pop("trace_f")])
        fields = {k: d[k] for k in cls.__dataclass_fields__
                  if k in d and k not in ("full_trace", "target_evals", "_improvements")}
        known = {float(t): (np.inf if n is None else float(n))
                 for t, n in d.get("target_evals", []) if t is not None}
        if "gaps" not in d:  # the older format: a trace and nothing else
            return cls.from_trace(*trace, **fields, target_evals=known)
        fields["final"] = np.inf if d.get("final") is None else float(d["final"])
        fields["gaps"] = [np.inf if v is None else float(v) for v in d["gaps"]]
        if "checkpoints" not in d:
            if grid is None:
                raise ValueError("a run without checkpoints needs the result's grid")
            fields["checkpoints"] = _grid_upto(grid, int(d["nfev"]))
        rec = cls(**fields, full_trace=trace, target_evals=known)
        if d.get("improvements") is not None:
            nfev, f = d["improvements"]
            rec._improvements = (list(map(int, nfev)),
                                 [np.inf if v is None else float(v) for v in f])
        return rec


def _grid_upto(grid: list[int], nfev: int) -> list[int]:
    out = [int(c) for c in grid if c <= nfev]
    if nfev and (not out or out[-1] != nfev):
        out.append(int(nfev))
    return out


_fields_init = RunRecord.__init__


def _init(self, *args, trace_nfev=None, trace_f=None, **kwargs) -> None:
    """The dataclass's ``__init__``, which also takes the older form: a full trace
    (``trace_nfev``, ``trace_f``) in place of the compact fields."""
    if trace_nfev is None and trace_f is None:
        _fields_init(self, *args, **kwargs)
        return
    names = [f for f in RunRecord.__dataclass_fields__ if not f.startswith("_")]
    kwargs.update(zip(names, args))
    rec = RunRecord.from_trace(trace_nfev or [], trace_f or [], **kwargs)
    self.__dict__.update(rec.__dict__)


_init.__doc__ = _fields_init.__doc__
RunRecord.__init__ = _init
