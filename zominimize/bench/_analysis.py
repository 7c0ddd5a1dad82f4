"""Aggregates over many problems, computed from stored results: final precisions,
ranks, the fraction of problems at or below a reference, COCO-style ECDFs and the
validation score of the fifth-round protocol.

A *solver* is a method as the reports show it: a method whose learning rate was
tuned per problem (:func:`~zominimize.bench.tune_lr`) counts once, as
``"<method> (tuned)"``, with its best grid point on each problem. Precisions are
``f - f_opt`` (``f - f_lower`` where the optimum is unknown).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._record import ECDF_TARGETS, RunRecord
from ._spec import parse_spec

__all__ = [
    "FLOOR",
    "bbob_fid",
    "ecdf",
    "fraction_at_or_below",
    "median_precisions",
    "median_ranks",
    "paired_score",
    "problem_dim",
    "ranks",
    "solver_runs",
    "validation_score",
]

#: Precisions below COCO's final target count as equal (both solvers solved it).
FLOOR = 1e-8


def solver_runs(result, problem: str) -> dict[str, list[RunRecord]]:
    """``{solver: runs}`` on ``problem``: each method's runs, a tuned method's grid
    reduced to its best learning rate there and labelled ``"<method> (tuned)"``, in the
    order the methods first ran (a tuned method where any of its grid points first
    did, so that a grid carried further later keeps its place)."""
    tuning = result.meta.get("tuning") or {}
    grid = {}
    for base, info in tuning.items():
        for spec, lr in zip(info["specs"], info["lrs"]):
            grid[spec] = (base, lr)
    order = {m: i for i, m in enumerate(result.methods())}
    first: dict[str, int] = {}
    for spec, (base, _) in grid.items():
        if spec in order:
            first[base] = min(first.get(base, order[spec]), order[spec])
    entries = []
    for method in result.methods(problem):
        if method in grid:
            base, lr = grid[method]
            if tuning[base]["best"].get(problem) != lr:
                continue
            entries.append((first[base], f"{base} (tuned)", method))
        else:
            entries.append((order[method], method, method))
    entries.sort(key=lambda e: e[0])  # stable: ties keep the order of the runs
    return {label: result.select(method, problem) for _, label, method in entries}


def problem_dim(result, problem: str) -> int:
    """The dimension of ``problem`` (from its runs)."""
    return int(result.select(problem=problem)[0].dim)


def _finals(runs: Sequence[RunRecord]) -> np.ndarray:
    return np.array([r.precision for r in runs], dtype=np.float64)


def median_precisions(result, problems: Sequence[str] | None = None
                      ) -> dict[str, dict[str, float]]:
    """``{problem: {solver: median final precision over seeds}}``."""
    problems = result.problems if problems is None else list(problems)
    return {p: {s: float(np.median(_finals(runs))) for s, runs in solver_runs(result, p).items()}
            for p in problems}


def ranks(medians: dict[str, dict[str, float]], floor: float = FLOOR
          ) -> dict[str, dict[str, float]]:
    """Rank the solvers on each problem by median precision (1 = best; ties, such as
    two precisions at or below ``floor``, share the average rank)."""
    from scipy.stats import rankdata

    out = {}
    for problem, by_solver in medians.items():
        solvers = list(by_solver)
        values = np.maximum([by_solver[s] for s in solvers], floor)
        values = np.where(np.isnan(values), np.inf, values)
        out[problem] = dict(zip(solvers, rankdata(values).tolist()))
    return out


def median_ranks(rank_table: dict[str, dict[str, float]]) -> dict[str, float]:
    """``{solver: median of its ranks over the problems}``."""
    per: dict[str, list[float]] = {}
    for by_solver in rank_table.values():
        for s, r in by_solver.items():
            per.setdefault(s, []).append(r)
    return {s: float(np.median(v)) for s, v in per.items()}


def fraction_at_or_below(medians: dict[str, dict[str, float]], reference: str,
                         floor: float = FLOOR) -> dict[str, float]:
    """``{solver: fraction of problems where its median precision is at or below the
    reference's}`` (precisions floored at ``floor``), over the problems where both
    ran."""
    counts: dict[str, list[bool]] = {}
    for by_solver in medians.values():
        if reference not in by_solver:
            continue
        ref = max(by_solver[reference], floor)
        for s, v in by_solver.items():
            counts.setdefault(s, []).append(bool(max(v, floor) <= ref))
    return {s: float(np.mean(v)) for s, v in counts.items()}


def ecdf(result, problems: Sequence[str], budgets: Sequence[float] | np.ndarray
         ) -> dict[str, np.ndarray]:
    """COCO's runtime ECDF: per solver, the fraction of (problem, seed, target)
    triples whose target (:data:`~zominimize.bench.ECDF_TARGETS`) the run had reached
    within each budget.

    Returns
    -------
    dict
        ``{solver: array of len(budgets)}``, over the problems the solver ran.
    """
    budgets = np.asarray(budgets, dtype=np.float64)
    hits: dict[str, list[np.ndarray]] = {}
    for p in problems:
        for s, runs in solver_runs(result, p).items():
            for r in runs:
                h = np.array([np.inf if v is None else v for v in r.hits], dtype=np.float64)
                if h.size != ECDF_TARGETS.size:
                    raise ValueError(f"run {r.method} on {r.problem} has no ECDF hits")
                hits.setdefault(s, []).append(h)
    out = {}
    for s, rows in hits.items():
        h = np.sort(np.concatenate(rows))
        out[s] = np.searchsorted(h, budgets, side="right") / h.size
    return out


def bbob_fid(problem: str) -> int | None:
    """The BBOB function id of a problem spec (noisy BBOB: 101..130), or ``None`` for
    another problem."""
    from ._bbob import BBOB_TESTBEDS

    spec = parse_spec(problem)
    return int(spec.options["fid"]) if spec.name in BBOB_TESTBEDS else None


def validation_score(result, problems: Sequence[str] | None = None, floor: float = FLOOR
                     ) -> dict[str, dict[str, float]]:
    """The fifth-round protocol's score of each solver (lower is better).

    Per problem, the mean over seeds (instances) of ``log10`` of the final precision
    floored at ``floor``; the score is the mean over problems (functions and
    dimensions). Also per dimension (``"d=5"``, ...) and per BBOB function group.

    Returns
    -------
    dict
        ``{solver: {"score": ..., "d=5": ..., "separable": ..., ..., "problems": n,
        "runs": m}}`` over the problems the solver ran.
    """
    from ._bbob import BBOB_GROUPS

    problems = result.problems if problems is None else list(problems)
    group_of = {f: g for g, fids in BBOB_GROUPS.items() for f in fids}
    per: dict[str, dict[str, list[float]]] = {}
    for p in problems:
        dim, fid = problem_dim(result, p), bbob_fid(p)
        for s, runs in solver_runs(result, p).items():
            value = float(np.mean(np.log10(np.maximum(_finals(runs), floor))))
            keys = ["score", f"d={dim}"] + ([group_of[fid]] if fid in group_of else [])
            for k in keys:
                per.setdefault(s, {}).setdefault(k, []).append(value)
            per[s].setdefault("_runs", []).append(len(runs))
    out = {}
    for s, parts in per.items():
        n_runs = parts.pop("_runs")
        out[s] = {k: float(np.mean(v)) for k, v in parts.items()}
        out[s]["problems"] = len(parts["score"])
        out[s]["runs"] = int(np.sum(n_runs))
    return out


def paired_score(result, solver: str, reference: str, problems: Sequence[str] | None = None,
                 floor: float = FLOOR, n_boot: int = 2000
                 ) -> dict[str, tuple[float, float, float, int]]:
    """How far ``solver``'s validation score is from ``reference``'s, run by run.

    Both ran the same instance for a seed, so each (problem, seed) gives one paired
    difference of ``log10`` final precisions (floored at ``floor``). Per dimension and
    overall: the mean difference (negative: ``solver`` is better; equal to the
    difference of their :func:`validation_score` when every problem has the same
    seeds) and a 95 % bootstrap interval that resamples the instances of each problem
    (what another draw of instances of the same functions would move; a fixed seed,
    so the interval is reproducible).

    Returns
    -------
    dict
        ``{"score" | "d=5" | ...: (mean, low, high, pairs)}``.

    Raises
    ------
    ValueError
        When the two solvers share no run.
    """
    problems = result.problems if problems is None else list(problems)
    diffs: dict[int, list[np.ndarray]] = {}
    for p in problems:
        runs = solver_runs(result, p)
        if solver not in runs or reference not in runs:
            continue
        a = {r.seed: r for r in runs[solver]}
        b = {r.seed: r for r in runs[reference]}
        seeds = sorted(a.keys() & b.keys())
        if not seeds:
            continue
        d = np.log10(np.maximum([a[k].precision for k in seeds], floor)) - \
            np.log10(np.maximum([b[k].precision for k in seeds], floor))
        diffs.setdefault(problem_dim(result, p), []).append(d)
    if not diffs:
        raise ValueError(f"{solver!r} and {reference!r} share no run")
    rng = np.random.default_rng(0)
    out, means, total = {}, [], 0.0
    for dim in sorted(diffs):
        # the score is a mean of per-problem means: resample seeds within each problem
        per = diffs[dim]
        draws = np.mean([v[rng.integers(0, v.size, size=(n_boot, v.size))].mean(axis=1)
                         for v in per], axis=0)
        out[f"d={dim}"] = _interval([v.mean() for v in per], draws, per)
        means += [v.mean() for v in per]
        total = total + len(per) * draws
    every = [v for per in diffs.values() for v in per]
    return {"score": _interval(means, total / len(means), every), **out}


def _interval(means, draws, diffs) -> tuple[float, float, float, int]:
    """(mean of ``means``, 95 % interval of the bootstrap ``draws``, paired runs)."""
    lo, hi = np.percentile(draws, [2.5, 97.5])
    return float(np.mean(means)), float(lo), float(hi), int(sum(v.size for v in diffs))
