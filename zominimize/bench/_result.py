"""Benchmark results: summaries, the markdown table, JSON, merging and plots.

The JSON form (format version 2) stores each run compactly (see
:class:`~zominimize.bench.RunRecord`): the best value at the checkpoints, the final
value, the evaluations to COCO's 51 precision targets, ``nfev``, how it stopped and
its times; full traces only on request. Files of format version 1 (a full trace per
run) still load. A path ending in ``.gz`` is read and written gzip-compressed.
"""

from __future__ import annotations

import gzip
import json
import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ._figures import save_figure
from ._record import ECDF_TARGETS, RunRecord, checkpoint_grid
from ._spec import parse_spec

__all__ = ["BenchResult", "Summary", "merge_results"]

FORMAT = "zominimize-bench"
FORMAT_VERSION = 2
DAGGER = "†"

#: What a learning-rate tuning record minimizes over its grid, the median over seeds
#: of: ``"precision"`` (the final value minus ``f_opt``, minus ``f_lower`` where the
#: optimum is unknown) or, in records saved before it existed, ``"value"`` (the final
#: value). They differ where the seeds' optima differ, as on BBOB's instances, where
#: the median value follows the one instance whose ``f_opt`` is the median.
TUNING_CRITERION = "precision"
_CRITERION_TEXT = {"precision": "median final precision", "value": "median final value"}


@dataclass
class Summary:
    """Statistics of one (method, problem) pair over seeds.

    Attributes
    ----------
    method, problem : str
    n_runs : int
    best : dict
        ``{nfev: (median, q25, q75)}`` of the best-so-far value at each reported budget.
    evals_to_target : float
        Median evaluations to reach the target; runs that never reach it count as
        ``inf``, so it is ``inf`` when the median run does not reach it.
    target_hits : int
        Runs that reached the target.
    nfev : float
        Median evaluations made.
    compute_time : float
        Median seconds of the method's own computation per run (wall time minus
        time inside the objective).
    n_time_limited : int
        Runs stopped by the per-run time limit.
    n_errors : int
        Runs that raised.
    success_rate : float or None
        Attacks only: fraction of runs in which an evaluated point succeeded.
    evals_to_success : float or None
        Attacks only: median evaluations to the first success, over the successful
        runs (``inf`` when none succeeded).
    """

    method: str
    problem: str
    n_runs: int
    best: dict[int, tuple[float, float, float]]
    evals_to_target: float
    target_hits: int
    nfev: float
    compute_time: float
    n_time_limited: int
    n_errors: int
    success_rate: float | None = None
    evals_to_success: float | None = None


@dataclass
class BenchResult:
    """The runs of a benchmark and how to report them.

    Attributes
    ----------
    runs : list of RunRecord
    budget : int
        The evaluation budget of every run.
    time_limit : float or None
        The per-run time limit in seconds.
    fractions : tuple of float
        Budget fractions at which the table reports the best value.
    targets : dict
        Explicit targets ``{problem: value}``; other problems get the default
        target of :meth:`target`.
    target_method : str
        The reference method of the default targets.
    meta : dict
        Free-form information (versions, command, suite, wall time, tuning).
    """

    runs: list[RunRecord]
    budget: int
    time_limit: float | None = None
    fractions: tuple[float, ...] = (0.25, 0.5, 1.0)
    targets: dict[str, float] = field(default_factory=dict)
    target_method: str = "zo-adam"
    meta: dict[str, Any] = field(default_factory=dict)

    # -- selection ------------------------------------------------------------------

    @property
    def problems(self) -> list[str]:
        """Problem specs, in the order first run."""
        return list(dict.fromkeys(r.problem for r in self.runs))

    def methods(self, problem: str | None = None) -> list[str]:
        """Method specs (on ``problem``, if given), in the order first run."""
        return list(dict.fromkeys(
            r.method for r in self.runs if problem is None or r.problem == problem
        ))

    def select(self, method: str | None = None, problem: str | None = None) -> list[RunRecord]:
        """The runs of ``method`` on ``problem`` (``None``: any), sorted by seed."""
        out = [r for r in self.runs if (method is None or r.method == method)
               and (problem is None or r.problem == problem)]
        return sorted(out, key=lambda r: r.seed)

    @property
    def budgets(self) -> list[int]:
        """The reported budgets: ``fractions`` of ``budget``, in evaluations."""
        return [max(1, int(round(f * self.budget))) for f in self.fractions]

    # -- statistics -----------------------------------------------------------------

    def target(self, problem: str) -> tuple[float, str]:
        """The target value of ``problem`` and where it comes from.

        An explicit ``targets[problem]`` wins. Otherwise the target is the median,
        over seeds, of the final best value of ``target_method`` (``"zo-adam"``:
        ZO-Adam at the paper's learning rate) on that problem; when that method did
        not run on it, of the first method listed.

        Returns
        -------
        value : float
        source : str
        """
        if problem in self.targets:
            return float(self.targets[problem]), "given"
        methods = self.methods(problem)
        ref = self.target_method if self.target_method in methods else methods[0]
        finals = [r.fun for r in self.select(ref, problem) if r.stop != "error"]
        value = float(np.median(finals)) if finals else np.inf
        return value, f"median final value of {ref}"

    def summary(self, method: str, problem: str) -> Summary:
        """Statistics of ``method`` on ``problem`` over its seeds."""
        runs = self.select(method, problem)
        if not runs:
            raise ValueError(f"no runs of {method!r} on {problem!r}")
        best = {}
        for b in self.budgets:
            vals = np.array([r.best_at(b) for r in runs])
            best[b] = _quartiles(vals)
        target, _ = self.target(problem)
        hits = np.array([r.evals_to(target) for r in runs])
        s = Summary(
            method=method, problem=problem, n_runs=len(runs), best=best,
            evals_to_target=float(np.median(hits)),
            target_hits=int(np.isfinite(hits).sum()),
            nfev=float(np.median([r.nfev for r in runs])),
            compute_time=float(np.median([r.compute_time for r in runs])),
            n_time_limited=sum(r.stop == "time" for r in runs),
            n_errors=sum(r.stop == "error" for r in runs),
        )
        if any(r.is_attack for r in runs):
            firsts = [r.first_success for r in runs if r.first_success is not None]
            s.success_rate = len(firsts) / len(runs)
            s.evals_to_success = float(np.median(firsts)) if firsts else np.inf
        return s

    # -- reporting ------------------------------------------------------------------

    def table(self) -> str:
        """The results as markdown: one table per problem.

        Columns: the median best-so-far value ``[interquartile range]`` over seeds
        at each reported budget, the median evaluations to the target (and how many
        runs reached it), the median evaluations made, the median compute time of
        the method itself, and for attacks the success rate and the median
        evaluations to the first success. Rows of methods stopped by the per-run
        time limit are marked ``†``.
        """
        out = []
        notes_time = False
        for problem in self.problems:
            runs = self.select(problem=problem)
            seeds = sorted({r.seed for r in runs})
            target, source = self.target(problem)
            dims = sorted({r.dim for r in runs})
            head = [f"### {problem}", "",
                    f"d = {', '.join(map(str, dims))}; {len(seeds)} seeds; budget "
                    f"{self.budget} evaluations; target {_fmt(target)} ({source}).", ""]
            cols = ["method"] + [f"f @ {b} ({int(round(100 * b / self.budget))}%)"
                                 for b in self.budgets]
            cols += ["evals to target", "evals", "compute s"]
            attack = any(r.is_attack for r in runs)
            if attack:
                cols += ["success", "evals to success"]
            rows = [cols, ["---"] * len(cols)]
            hidden, tuned = self._tuning_rows(problem)
            for method in self.methods(problem):
                if method in hidden:
                    continue
                s = self.summary(method, problem)
                label = method + (" (tuned)" if method in tuned else "")
                if s.n_time_limited:
                    label += f" {DAGGER}"
                    notes_time = True
                if s.n_errors:
                    label += f" (errors: {s.n_errors}/{s.n_runs})"
                row = [label]
                row += [f"{_fmt(m)} [{_fmt(lo)}, {_fmt(hi)}]" for m, lo, hi in s.best.values()]
                row.append(f"{_fmt_evals(s.evals_to_target)} ({s.target_hits}/{s.n_runs})")
                row.append(_fmt_evals(s.nfev))
                row.append(f"{s.compute_time:.2f}")
                if attack:
                    row.append(f"{100 * s.success_rate:.0f}%")
                    row.append(_fmt_evals(s.evals_to_success))
                rows.append(row)
            out += head + ["| " + " | ".join(r) + " |" for r in rows] + [""]
        notes = [
            "Values: median [25th, 75th percentile] over seeds of the best value found "
            "within the first N evaluations. Evals to target: median over seeds "
            "(runs that never reach it count as infinite), with the number of runs "
            "that reached it. Compute s: median seconds per run spent in the method "
            "itself (wall time minus time in the objective).",
        ]
        if self.meta.get("tuning"):
            notes.append(
                "(tuned): the learning rate with the lowest "
                + criteria_text(self.meta["tuning"].values())
                + " on the grid of that problem (see the tuning table); the other grid "
                "points are not shown."
            )
        if self.meta.get("skipped"):
            notes.append("Not run here: " + "; ".join(
                f"{m} ({why})" for m, why in self.meta["skipped"].items()) + ".")
        if notes_time:
            limit = "" if self.time_limit is None else f" ({self.time_limit:g} s)"
            notes.append(
                f"{DAGGER} Stopped by the per-run time limit{limit} in some runs: the "
                "values are the best found when stopped (at the evaluations in the "
                "'evals' column), carried forward to the later budgets."
            )
        if any(r.is_attack for r in self.runs):
            notes.append(
                "Attack success: an evaluated point is misclassified (margin <= -kappa); "
                "success is the fraction of runs with one, evals to success the median "
                "evaluation of the first one over the successful runs."
            )
        return "\n".join(out + notes) + "\n"

    def _tuning_rows(self, problem: str) -> tuple[set[str], set[str]]:
        """Grid specs hidden from the table on ``problem``, and the best ones shown."""
        hidden, best = set(), set()
        for info in (self.meta.get("tuning") or {}).values():
            lr = info["best"].get(problem)
            for spec, grid_lr in zip(info["specs"], info["lrs"]):
                (best if grid_lr == lr else hidden).add(spec)
        return hidden - best, best

    def tuning_table(self) -> str:
        """Markdown table of learning-rate tuning (see :func:`~zominimize.bench.tune_lr`):
        the median final precision (:data:`~zominimize.bench.TUNING_CRITERION`) per
        learning rate and problem, the best in bold."""
        tuning = self.meta.get("tuning")
        if not tuning:
            return ""
        lines = []
        for base, info in tuning.items():
            lrs = info["lrs"]
            lines += [f"### lr grid of {base}", "",
                      "| problem | " + " | ".join(f"lr={_fmt(lr)}" for lr in lrs)
                      + " | best lr |",
                      "| --- " * (len(lrs) + 2) + "|"]
            medians = self._grid_medians(info)
            for problem in self.problems:
                meds = medians[problem]
                best = info["best"].get(problem)
                cells = [(f"**{_fmt(m)}**" if lr == best else _fmt(m)) for m, lr in zip(meds, lrs)]
                edge = " (grid edge)" if best in (lrs[0], lrs[-1]) else ""
                lines.append(f"| {problem} | " + " | ".join(cells)
                             + f" | {_fmt(best) if best is not None else '-'}{edge} |")
            lines.append("")
        what = criteria_text(tuning.values())
        lines.append(f"{what[0].upper()}{what[1:]} over seeds per learning rate; best in "
                     "bold. A best value at the grid edge suggests extending the grid.")
        return "\n".join(lines) + "\n"

    def _grid_medians(self, info: dict) -> dict[str, list[float]]:
        """``{problem: median per grid point}`` of a tuning record on its criterion
        (:func:`~zominimize.bench.tuning_criterion`), from the runs, or from the
        record where a compact result left the runs out."""
        stored = info.get("medians") or {}
        criterion = tuning_criterion(info)
        specs = set(info["specs"])
        by_cell: dict[tuple[str, str], list[RunRecord]] = {}
        for r in self.runs:  # one pass: select() per cell would be quadratic in the runs
            if r.method in specs:
                by_cell.setdefault((r.method, r.problem), []).append(r)
        out = {}
        for problem in self.problems:
            kept = stored.get(problem) or [None] * len(info["specs"])
            meds = []
            for spec, old in zip(info["specs"], kept):
                runs = by_cell.get((spec, problem))
                if runs:
                    meds.append(float(np.median([_score(r, criterion) for r in runs])))
                else:
                    meds.append(np.nan if old is None else float(old))
            out[problem] = meds
        return out

    # -- persistence ----------------------------------------------------------------

    def to_dict(self, *, keep_traces: bool = False, slim: bool = False,
                compact: bool = False) -> dict:
        """A JSON-compatible dict (non-finite numbers become ``null``).

        Parameters
        ----------
        keep_traces : bool, default False
            Also store the full traces of the runs that have one (large; for
            debugging, never for committed results).
        slim : bool, default False
            Store only the final value, evaluations, stop and times of the runs of
            learning-rate grid points that were not the best on their problem (the
            tuning table needs no more; tables, plots and ECDFs never show them).
        compact : bool, default False
            Stores no checkpoints at all: every run keeps its final value, its
            evaluations to the ECDF targets, its evaluations and how it stopped,
            and its times to three significant digits; the runs of learning-rate
            grid points that were not the best on their problem are left out, the
            tuning record keeping their medians
            (:func:`~zominimize.bench.tuning_criterion`). That is all a BBOB report
            (:func:`~zominimize.bench.bbob_report`, the ECDF plots, the score) and the
            tuning table read, in about a fifth of the space; the table's earlier
            budgets read ``-`` and no convergence plot can be drawn from it.
        """
        slim = slim or compact
        grid = checkpoint_grid(self.budget).tolist()
        resolved = {p: self.target(p)[0] for p in self.problems}
        hidden = {p: self._tuning_rows(p)[0] for p in self.problems} if slim else {}
        meta = self.meta
        if compact and meta.get("tuning"):
            meta = {**meta, "tuning": {
                base: {**info, "medians": self._grid_medians(info)}
                for base, info in meta["tuning"].items()}}
        runs = []
        for r in self.runs:
            if compact and r.method in hidden.get(r.problem, ()):
                continue  # the tuning record keeps its median
            d = r.to_dict(keep_trace=keep_traces and not compact, grid=grid)
            if compact:
                d.update(checkpoints=[], gaps=[], wall_time=_sig3(r.wall_time),
                         fun_time=_sig3(r.fun_time))
            elif r.method in hidden.get(r.problem, ()):
                d.update(checkpoints=[], gaps=[], hits=[])
                d.pop("trace_nfev", None)
                d.pop("trace_f", None)
                runs.append(d)
                continue
            target = resolved[r.problem]
            if np.isfinite(target):  # read back, the table's evaluations stay exact
                d["target_evals"] = [[target, r.evals_to(target)]]
            runs.append(d)
        return _jsonable({
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "budget": self.budget,
            "time_limit": self.time_limit,
            "fractions": list(self.fractions),
            "targets": dict(self.targets),
            "target_method": self.target_method,
            "resolved_targets": resolved,
            "meta": meta,
            "checkpoints": grid,
            "ecdf_targets": [float(t) for t in ECDF_TARGETS],
            "runs": runs,
        })

    def to_json(self, path: str | os.PathLike, *, keep_traces: bool = False,
                slim: bool = False, compact: bool = False) -> None:
        """Write the results to ``path`` (gzip-compressed if it ends in ``.gz``), one
        run per line.

        Parameters
        ----------
        path : str or path-like
        keep_traces, slim, compact : bool, default False
            See :meth:`to_dict`.
        """
        data = self.to_dict(keep_traces=keep_traces, slim=slim, compact=compact)
        runs = data.pop("runs")
        head = json.dumps(data, indent=1, allow_nan=False)
        lines = [json.dumps(r, allow_nan=False, separators=(",", ":")) for r in runs]
        text = head[:-2] + ',\n "runs": [\n' + ",\n".join(lines) + "\n ]\n}\n"
        path = Path(path)
        if path.suffix == ".gz":
            with gzip.open(path, "wt", encoding="utf-8") as fh:
                fh.write(text)
        else:
            path.write_text(text, encoding="utf-8")

    @classmethod
    def from_dict(cls, data: dict) -> BenchResult:
        """Read :meth:`to_dict`'s output (format version 1 or 2)."""
        if data.get("format") != FORMAT:
            raise ValueError("not a zominimize benchmark result (missing 'format' tag)")
        if data.get("version", 0) > FORMAT_VERSION:
            raise ValueError(f"benchmark result format {data['version']} is newer than "
                             f"this zominimize ({FORMAT_VERSION})")
        grid = data.get("checkpoints")
        targets = data.get("ecdf_targets")
        if targets is not None and not np.allclose(targets, ECDF_TARGETS):
            raise ValueError("the result's ECDF targets differ from this zominimize's")
        runs = [RunRecord.from_dict(d, grid=grid) for d in data["runs"]]
        return cls(runs=runs, budget=int(data["budget"]), time_limit=data.get("time_limit"),
                   fractions=tuple(data.get("fractions", (0.25, 0.5, 1.0))),
                   targets={k: float(v) for k, v in data.get("targets", {}).items()},
                   target_method=data.get("target_method", "zo-adam"),
                   meta=data.get("meta", {}))

    @classmethod
    def from_json(cls, path: str | os.PathLike) -> BenchResult:
        """Read results written by :meth:`to_json` (also gzip-compressed, ``.gz``)."""
        path = Path(path)
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                return cls.from_dict(json.load(fh))
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

    # -- merging --------------------------------------------------------------------

    def without(self, methods: Iterable[str]) -> BenchResult:
        """This result without the runs of ``methods`` (a row a stored report should no
        longer show, e.g. one whose spec now runs differently).

        Raises
        ------
        ValueError
            For a method with no runs here, or one whose runs are a tuned method's grid
            points (the tuning record reads them).
        """
        drop = {str(parse_spec(m)) for m in methods}
        missing = sorted(drop - set(self.methods()))
        if missing:
            raise ValueError(f"no runs of {', '.join(missing)} to drop; the methods here "
                             f"are {', '.join(self.methods())}")
        for base, info in (self.meta.get("tuning") or {}).items():
            tuned = drop & set(info["specs"])
            if tuned:
                raise ValueError(f"{', '.join(sorted(tuned))}: grid runs of the tuned "
                                 f"{base}, which its tuning record reads; not dropped")
        kept = [r for r in self.runs if r.method not in drop]
        return replace(self, runs=kept, meta=dict(self.meta))

    def merge(self, *others: BenchResult) -> BenchResult:
        """This result with the runs of ``others`` added (see
        :func:`~zominimize.bench.merge_results`)."""
        return merge_results([self, *others])

    # -- plots ----------------------------------------------------------------------

    def plot(self, directory: str | os.PathLike, *, fmt: str = "png",
             problems: Sequence[str] | None = None, dpi: int = 120) -> list[Path]:
        """Write one convergence plot per problem to ``directory``.

        Each plot shows, per method, the median over seeds of the best-so-far gap
        ``f - f_lower`` against evaluations, with the interquartile range as a band
        (log scale when every gap is positive), like the paper's figures. Needs
        matplotlib; uses no pyplot state, so it is safe with any backend.

        Returns
        -------
        list of pathlib.Path
            The files written.
        """
        from matplotlib.figure import Figure

        from ..plotting import Trace, plot_convergence

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        hidden_on = {p: self._tuning_rows(p)[0] for p in self.problems}
        bare = sorted({r.method for r in self.runs
                       if not r.has_checkpoints and r.method not in hidden_on[r.problem]})
        if bare:
            warnings.warn("no convergence curves for runs stored without checkpoints "
                          f"(a compact result): {', '.join(bare)}", UserWarning, stacklevel=2)
        for problem in problems or self.problems:
            curves = {}
            hidden, tuned = self._tuning_rows(problem)
            for method in self.methods(problem):
                runs = self.select(method, problem)
                if method in hidden or not all(r.has_checkpoints for r in runs):
                    continue
                curves[method + (" (tuned)" if method in tuned else "")] = [
                    Trace(np.asarray(r.trace_nfev), np.asarray(r.trace_f) - r.f_lower,
                          nfev_end=r.nfev)
                    for r in runs
                ]
            fig = Figure(figsize=(7, 4.5), layout="constrained")
            ax = fig.add_subplot()
            plot_convergence(curves, ax=ax, max_nfev=self.budget)
            n_seeds = len({r.seed for r in self.select(problem=problem)})
            ax.set_title(f"{problem}: median and IQR over {n_seeds} seeds")
            ax.set_ylabel("best f − f_lower")
            path = directory / f"{_slug(problem)}.{fmt}"
            save_figure(fig, path, dpi)
            paths.append(path)
        return paths


def _sig3(v: float) -> float:
    return float(f"{v:.3g}")


def _quartiles(vals: np.ndarray) -> tuple[float, float, float]:
    q25, med, q75 = np.percentile(vals, [25, 50, 75])
    return float(med), float(q25), float(q75)


def _fmt(v: float | None) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "-"
    if not np.isfinite(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "0"
    a = abs(v)
    return f"{v:.3g}" if 1e-3 <= a < 1e4 else f"{v:.2e}"


def _fmt_evals(v: float | None) -> str:
    if v is None:
        return "-"
    return "-" if not np.isfinite(v) else f"{v:.0f}"


def _slug(text: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_." else "_" for c in text)
    return keep.strip("_") or "problem"


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def merge_results(results: Iterable[BenchResult]) -> BenchResult:
    """Combine benchmark results, e.g. one new method with stored peers.

    Runs are keyed by (method, problem, seed): a run of a later result replaces the
    same run of an earlier one (re-running a method after a change updates it, and
    the peers need not run again). Learning-rate tuning records are combined per
    tuned method over the union of their grid points, and each problem's best
    learning rate is chosen again from the combined medians (so a grid extended by a
    later run, :func:`~zominimize.bench.extend_lr_grid`, counts its new points). A
    record that chose on another criterion
    (:func:`~zominimize.bench.tuning_criterion`: a result saved before the tuning
    chose on the median precision) cannot be combined: the later record replaces
    the earlier one, whose grid runs are dropped, with a ``RuntimeWarning``. Targets
    are combined; the first result's fractions, target method and meta data are
    kept, with a ``"merged"`` list that records each source's command, date and
    time limit.

    Raises
    ------
    ValueError
        For no results, results of different budgets, or tuning records that give one
        learning rate different specs.
    """
    results = list(results)
    if not results:
        raise ValueError("no results to merge")
    budgets = {r.budget for r in results}
    if len(budgets) > 1:
        raise ValueError(f"cannot merge results of different budgets: {sorted(budgets)}")
    runs: dict[tuple[str, str, int], RunRecord] = {}
    targets: dict[str, float] = {}
    tuning: dict[str, dict] = {}
    skipped: dict[str, str] = {}
    sources = []
    limits = {r.time_limit for r in results}
    for res in results:
        for base, info in (res.meta.get("tuning") or {}).items():
            old = tuning.get(base)
            if old is not None and tuning_criterion(old) != tuning_criterion(info):
                before, after = (_CRITERION_TEXT[tuning_criterion(i)] for i in (old, info))
                warnings.warn(
                    f"the tuning of {base} chose on the {before} in one result and on the "
                    f"{after} in a later one: the later record replaces the earlier one and "
                    "its grid runs", RuntimeWarning, stacklevel=2)
                dropped = set(old["specs"])
                runs = {k: run for k, run in runs.items() if run.method not in dropped}
                old = None
            # copies: the best rates are chosen again below, the inputs stay as they were
            tuning[base] = dict(info) if old is None else _union_tuning(base, old, info)
        for run in res.runs:
            runs[(run.method, run.problem, run.seed)] = run
        targets.update(res.targets)
        skipped.update(res.meta.get("skipped") or {})
        sources += res.meta.get("merged") or [
            {k: res.meta.get(k) for k in ("command", "date", "suite") if res.meta.get(k)}
            | {"time_limit": res.time_limit}]
    first = results[0]
    meta = {k: v for k, v in first.meta.items() if k not in ("tuning", "skipped", "merged")}
    if tuning:
        meta["tuning"] = tuning
    present = {run.method for run in runs.values()}
    skipped = {m: why for m, why in skipped.items() if m not in present}
    if skipped:
        meta["skipped"] = skipped
    meta["merged"] = sources
    if len(limits) > 1:
        warnings.warn("merging results of different per-run time limits "
                      f"({', '.join(str(t) for t in limits)}); the first one is reported",
                      RuntimeWarning, stacklevel=2)
    out = BenchResult(runs=list(runs.values()), budget=first.budget,
                      time_limit=first.time_limit, fractions=first.fractions,
                      targets=targets, target_method=first.target_method, meta=meta)
    for info in tuning.values():
        info["best"] = best_lrs(out, info)
    return out


def _union_tuning(base: str, old: dict, new: dict) -> dict:
    """Two tuning records of ``base`` over the union of their grid points (sorted by
    learning rate), their stored medians mapped onto it (later wins), and ``best``
    left for :func:`merge_results` to choose again."""
    specs = dict(zip(old["lrs"], old["specs"]))
    for lr, spec in zip(new["lrs"], new["specs"]):
        if specs.setdefault(lr, spec) != spec:
            raise ValueError(f"cannot merge the tuning of {base}: lr={lr:g} is "
                             f"{specs[lr]!r} in one result and {spec!r} in another")
    lrs = sorted(specs)
    medians: dict[str, list] = {}
    for rec in (old, new):
        for problem, meds in (rec.get("medians") or {}).items():
            row = medians.setdefault(problem, [None] * len(lrs))
            for lr, m in zip(rec["lrs"], meds):
                if m is not None:
                    row[lrs.index(lr)] = m
    merged = {k: v for k, v in old.items() if k not in ("lrs", "specs", "best", "medians")}
    merged.update(lrs=lrs, specs=[specs[lr] for lr in lrs],
                  best={**old["best"], **new["best"]})
    if medians:  # a compact result's grid runs, kept as medians
        merged["medians"] = medians
    return merged


def tuning_criterion(info: dict) -> str:
    """What a tuning record minimizes, the median over seeds of ``"precision"`` (the
    final value minus ``f_opt``, or minus ``f_lower`` where the optimum is unknown:
    :data:`~zominimize.bench.TUNING_CRITERION`) or ``"value"`` (records saved before
    it existed)."""
    return info.get("criterion", "value")


def criteria_text(records: Iterable[dict]) -> str:
    """What tuning records chose on, in words ("median final precision", or both
    criteria joined by "or" where records of each are present)."""
    return " or ".join(sorted({_CRITERION_TEXT[tuning_criterion(i)] for i in records}))


def _score(run: RunRecord, criterion: str) -> float:
    """A run's final value on a tuning criterion (the value where no reference is
    known)."""
    if (criterion == "value" or (run.f_opt is None and run.f_lower is None)
            or not np.isfinite(run.f_ref)):
        return run.fun
    return run.precision


def best_lrs(result: BenchResult, info: dict) -> dict[str, float]:
    """``{problem: lr}``: the grid point of a tuning record with the lowest median on
    its criterion (:func:`~zominimize.bench.tuning_criterion`) on each problem (ties: the smaller
    ``lr``), among the points that ran there (a grid extended on some problems only
    leaves the others' new points out)."""
    best = {}
    medians = result._grid_medians(info)
    for problem in result.problems:
        meds = np.asarray(medians[problem], dtype=np.float64)
        ran = ran_points(meds)
        if ran.size:
            best[problem] = info["lrs"][int(ran[np.argmin(meds[ran])])]
        elif problem in info["best"]:
            best[problem] = info["best"][problem]
    return best


def ran_points(medians) -> np.ndarray:
    """Indices of the grid points that ran on a problem: those with a median (a grid
    carried past an end on some problems only leaves NaN at the others)."""
    return np.flatnonzero(~np.isnan(np.asarray(medians, dtype=np.float64)))
