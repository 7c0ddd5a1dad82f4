"""The report of a benchmark over many problems (BBOB): median-precision tables,
median ranks, the fraction at or below tuned ZO-Adam, ECDF plots and the validation
score, one section per dimension group, all computed by :mod:`._analysis`."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from . import _analysis as an
from ._figures import save_figure
from ._record import ECDF_TARGETS
from ._result import criteria_text, ran_points
from ._spec import parse_spec

__all__ = ["bbob_report", "plot_ecdfs", "reference_solver", "score_table"]


def _groups(result) -> dict[int, list[str]]:
    """Problems by dimension; BBOB functions in COCO's order (merged results list
    them in the order their files were read), other problems after them as found."""
    out: dict[int, list[str]] = {}
    for p in result.problems:
        out.setdefault(an.problem_dim(result, p), []).append(p)

    def fid_order(problem: str) -> float:
        fid = an.bbob_fid(problem)
        return np.inf if fid is None else fid

    return {dim: sorted(ps, key=fid_order) for dim, ps in sorted(out.items())}


def _solvers(result) -> list[str]:
    """The solvers in the order first run, the tuned baselines last (a suite whose
    grids ran first lists them after the peers as well)."""
    seen: dict[str, None] = {}
    for p in result.problems:
        seen.update(dict.fromkeys(an.solver_runs(result, p)))
    return sorted(seen, key=lambda s: s.endswith("(tuned)"))


def reference_solver(solvers) -> str | None:
    """Tuned ZO-Adam where present, else ZO-Adam, else ``None``."""
    for name in ("zo-adam (tuned)", "zo-adam"):
        if name in solvers:
            return name
    return None


def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return "inf" if v > 0 else "-"
    if v == 0:
        return "0"
    text = f"{v:.2g}" if 1e-2 <= abs(v) < 1e3 else ""
    return text if text and "e" not in text else f"{v:.1e}"


def _label(problem: str) -> str:
    from ._bbob import BBOB_NAMES
    from ._bbob_noisy import BBOB_NOISY_NAMES

    spec = parse_spec(problem)
    names = {"bbob": BBOB_NAMES, "bbob-noisy": BBOB_NOISY_NAMES}.get(spec.name)
    if names is not None:
        fid = int(spec.options["fid"])
        return f"f{fid} {names[fid]}"
    return problem


def _md(rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * len(rows[0])]
    return out + ["| " + " | ".join(r) + " |" for r in rows[1:]]


def bbob_report(result) -> str:
    """The report as markdown.

    Per dimension: a table of the median final precision (function x solver, best
    per row in bold). Then per solver and dimension: the median rank over the
    functions, and the fraction of functions where its median precision is at or
    below tuned ZO-Adam's (precisions floored at 1e-8, COCO's final target).
    """
    groups = _groups(result)
    solvers = _solvers(result)
    ref = reference_solver(solvers)
    seeds = sorted({r.seed for r in result.runs})
    lines = [f"{len(result.problems)} problems, {len(solvers)} solvers, seeds "
             f"{', '.join(map(str, seeds))}, {result.budget} evaluations per run.", ""]
    rank_cols, frac_cols = {}, {}
    for dim, problems in groups.items():
        med = an.median_precisions(result, problems)
        rank_cols[dim] = an.median_ranks(an.ranks(med))
        if ref is not None:
            frac_cols[dim] = an.fraction_at_or_below(med, ref)
        rows = [["function", *solvers]]
        for p in problems:
            vals = med[p]
            best = min((max(v, an.FLOOR) for v in vals.values()), default=np.inf)
            cells = []
            for s in solvers:
                v = vals.get(s)
                text = "n/a" if v is None else _fmt(v)
                if v is not None and max(v, an.FLOOR) == best:
                    text = f"**{text}**"
                cells.append(text)
            rows.append([_label(p), *cells])
        lines += [f"### Median final precision, d = {dim}", "", *_md(rows), ""]
    dims = list(groups)
    rows = [["solver", *(f"d = {d}" for d in dims)]]
    for s in solvers:
        rows.append([s, *(f"{rank_cols[d][s]:g}" if s in rank_cols[d] else "n/a"
                          for d in dims)])
    lines += ["### Median rank", "", *_md(rows), ""]
    if ref is not None:
        rows = [["solver", *(f"d = {d}" for d in dims)]]
        for s in solvers:
            rows.append([s, *(f"{100 * frac_cols[d][s]:.0f}%" if s in frac_cols[d] else "n/a"
                              for d in dims)])
        lines += [f"### At or below {ref}", "", *_md(rows), ""]
    noisy = any(parse_spec(p).name == "bbob-noisy" for p in result.problems)
    lines += [
        "Precision: the best value found minus f_opt; median over seeds (instances). "
        + ("On the noisy functions (f101-f130) the solvers see noisy values and the "
           "precision is that of the best noise-free value among the points evaluated, "
           "as COCO records noisy runs. " if noisy else "")
        + "Best per row in bold (precisions below 1e-8, COCO's final target, count as "
        "equal). Median rank: each function ranks the solvers by median precision "
        "(ties share the average rank); the median over the functions of a dimension. "
        + (f"At or below {ref}: the fraction of functions where the solver's median "
           f"precision is at or below that of {ref} (whose own row is 100%). " if ref else "")
        + "ECDF plots: the fraction of (function, instance, target) triples reached "
        "against evaluations, 51 targets 10^-8..10^2 on the precision.",
    ]
    edges = _grid_edges(result)
    if edges:
        lines += ["", edges]
    notes = _notes(result)
    if notes:
        lines += ["", notes]
    return "\n".join(lines) + "\n"


def _grid_edges(result) -> str:
    """How often each tuned method's best learning rate lies at an end of its grid."""
    parts = []
    for base, info in (result.meta.get("tuning") or {}).items():
        lrs, best = info["lrs"], info["best"]
        if not best:
            continue
        medians = result._grid_medians(info)
        edge = sizes = 0
        counts = set()
        for problem, lr in best.items():
            ran = [lrs[i] for i in ran_points(medians.get(problem, ()))]
            counts.add(len(ran))
            edge += bool(ran) and lr in (ran[0], ran[-1])
            sizes += 1
        n = (f"{min(counts)}" if len(counts) <= 1 else f"{min(counts)} to {max(counts)}")
        parts.append(f"{base}: {n} values per problem, {lrs[0]:.3g}..{lrs[-1]:.3g} in all, "
                     f"best at an end on {edge} of {sizes} problems")
    if not parts:
        return ""
    criteria = criteria_text(result.meta["tuning"].values())
    return (f"Learning-rate grids (tuned per problem, lowest {criteria}): "
            + "; ".join(parts) + ".")


def _notes(result) -> str:
    out = []
    limited = {}
    for r in result.runs:
        if r.stop == "time":
            limited.setdefault(r.method, []).append(r)
    if limited:
        parts = [f"{m} ({len(v)} runs)" for m, v in limited.items()]
        limit = f" ({result.time_limit:g} s)" if result.time_limit else ""
        out.append(f"Stopped by the per-run time limit{limit}, with their best value when "
                   f"stopped: {', '.join(parts)}.")
    errors = [r for r in result.runs if r.stop == "error"]
    if errors:
        out.append(f"Runs that raised: {len(errors)} (e.g. {errors[0].method} on "
                   f"{errors[0].problem}: {errors[0].error}).")
    if result.meta.get("skipped"):
        out.append("Not run here: " + "; ".join(
            f"{m} ({why})" for m, why in result.meta["skipped"].items()) + ".")
    return " ".join(out)


def plot_ecdfs(result, directory: str | os.PathLike, *, prefix: str = "ecdf",
               fmt: str = "png", dpi: int = 110) -> list[Path]:
    """Write one ECDF plot per dimension: ``<directory>/<prefix>_d<D>.<fmt>``.

    Returns
    -------
    list of pathlib.Path
    """
    from matplotlib.figure import Figure

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    budgets = np.unique(np.round(np.logspace(0, np.log10(result.budget), 200)))
    styles = ["-", "--", ":", "-."]
    paths = []
    for dim, problems in _groups(result).items():
        curves = an.ecdf(result, problems, budgets)
        fig = Figure(figsize=(7.5, 4.8), layout="constrained")
        ax = fig.add_subplot()
        order = sorted(curves, key=lambda s: -curves[s][-1])
        for i, s in enumerate(order):
            ax.step(budgets, curves[s], where="post", label=f"{s} ({curves[s][-1]:.2f})",
                    linestyle=styles[(i // 10) % len(styles)])
        ax.set_xscale("log")
        ax.set_ylim(0, 1)
        ax.set_xlim(1, result.budget)
        ax.set_xlabel("function evaluations")
        ax.set_ylabel("fraction of (function, target) pairs")
        seeds = len({r.seed for r in result.select(problem=problems[0])})
        ax.set_title(f"d = {dim}: {len(problems)} functions x {seeds} instances x "
                     f"{ECDF_TARGETS.size} targets")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="x-small", loc="upper left")
        path = directory / f"{prefix}_d{dim}.{fmt}"
        save_figure(fig, path, dpi)
        paths.append(path)
    return paths


def score_table(result, solvers=None) -> str:
    """The fifth-round validation score (see :func:`~zominimize.bench.validation_score`) as
    markdown: one row per solver, best first, with the per-dimension and per-group
    means and the fraction of problems at or below tuned ZO-Adam."""
    scores = an.validation_score(result)
    if solvers:
        missing = [s for s in solvers if s not in scores]
        if missing:
            raise ValueError(f"no runs of {', '.join(missing)}; solvers here: "
                             f"{', '.join(scores)}")
        scores = {s: scores[s] for s in solvers}
    keys = []
    for parts in scores.values():
        keys += [k for k in parts if k not in ("score", "problems", "runs") and k not in keys]
    dims = sorted((k for k in keys if k.startswith("d=")), key=lambda k: int(k[2:]))
    groups = [k for k in keys if not k.startswith("d=")]
    med = an.median_precisions(result)
    ref = reference_solver(_solvers(result))
    frac = an.fraction_at_or_below(med, ref) if ref else {}
    rows = [["solver", "score", *dims, *groups, "problems", "runs",
             *([f"at or below {ref}"] if ref else [])]]
    for s, parts in sorted(scores.items(), key=lambda t: t[1]["score"]):
        row = [s, f"{parts['score']:.3f}", *(f"{parts[k]:.3f}" if k in parts else "n/a"
                                              for k in dims + groups),
               str(parts["problems"]), str(parts["runs"])]
        if ref:
            row.append(f"{100 * frac.get(s, np.nan):.0f}%")
        rows.append(row)
    note = ("Score: mean over problems (function, dimension) of the mean over instances "
            "of log10(final precision), floored at 1e-8; lower is better.")
    text = "\n".join(_md(rows)) + "\n\n" + note + "\n"
    if solvers and len(solvers) > 1:  # the others paired with the first, run by run
        first = solvers[0]
        head = ["solver", "score", *dims]
        paired = [head]
        for s in solvers[1:]:
            diff = an.paired_score(result, s, first)
            paired.append([s, *(_interval(diff[k]) if k in diff else "n/a"
                                 for k in ["score", *dims])])
        text += ("\n" + "\n".join(_md(paired)) + "\n\nPaired with "
                 f"{first}: mean difference of log10 precision over the same instances "
                 "(negative: better), with a 95 % bootstrap interval over instances.\n")
    return text


def _interval(part: tuple[float, float, float, int]) -> str:
    mean, lo, hi, _ = part
    return f"{mean:+.3f} [{lo:+.3f}, {hi:+.3f}]"
