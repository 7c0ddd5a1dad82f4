"""``zominimize bench``: run a benchmark suite, print the table, save JSON and plots."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

__all__ = ["add_parser", "run"]

_EPILOG = """\
methods: zominimize methods (zo-sgd, zo-signsgd, zo-adam, l2l-zo), SciPy's nelder-mead,
powell, cobyla, cobyqa, cma (pycma), ngopt (nevergrad) and les (evosax); variants by
option: 'zo-adam[lr=2,q=10]', 'l2l-zo[weights=attack]', 'cobyla[rhobeg=x_scale]';
'step=2' is the initial step of SciPy's methods (rhobeg, initial_tr_radius, a simplex
of edge 2, directions 2 e_i), 'sigma0=2' that of cma, ngopt, les and l2l-zo.
problems: named problems (classification-100, attack, rosenbrock-10, ...), families
with options ('rastrigin[dim=100]'), COCO's BBOB through ioh ('bbob[fid=3,dim=10]',
'bbob[fid=3,dim=10,iid_offset=100]'), its noisy functions f101-f130 through pycma
('bbob-noisy[fid=101,dim=10]', scored on noise-free values); seed s selects instance s
where the problem is a family member (attack image s, BBOB instance s + iid_offset) and
the method's rng.
lists: '...' between two specs that differ in one integer option stands for those
between ('bbob[fid=1,dim=10],...,bbob[fid=24,dim=10]'; a step from the two before it:
'bbob[fid=1,dim=9],bbob[fid=4,dim=9],...,bbob[fid=22,dim=9]').
default target per problem: the median final value of zo-adam (the paper's lr) over
the seeds, or of the first method when zo-adam did not run; --target overrides it.
results: --out writes compact JSON (.gz: compressed); --keep-traces adds full traces.
A run with --out keeps a journal (<out>.journal) of finished runs: the same command
resumes after an interruption. --merge and --replot combine results: runs of later
files replace the same (method, problem, seed) runs of earlier ones; --drop leaves a
method's saved runs out (a row whose spec now runs differently).

examples:
  zominimize bench --suite paper --seeds 5 --workers 2 --out paper.json
  zominimize bench --problems sphere-10,rosenbrock-10 --methods zo-adam,nelder-mead \\
      --budget 2000 --seeds 5
  zominimize bench --tune-lr zo-adam,zo-sgd --methods l2l-zo --problems classification-100
  zominimize bench --replot paper.json --plots plots/
  zominimize bench --replot bbob.json.gz --extend-grid 4 --out bbob.json.gz --compact
  zominimize bench --suite bbob-val --exclude 'l2l-zo[sigma0=2]' --out peers.json.gz
  zominimize bench --suite bbob-val --methods 'l2l-zo[sigma0=2]' --merge peers.json.gz \\
      --out val.json.gz --score
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``bench`` subcommand to an ``argparse`` subparsers object."""
    p = subparsers.add_parser(
        "bench",
        help="benchmark methods on the paper's tasks and other problems",
        description="Run methods on problems for several seeds, each held to the same "
        "budget of function evaluations; print the median (IQR) best value at fixed "
        "budgets, evaluations to a target and compute time; write JSON and convergence "
        "plots (PNG).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = p.add_argument_group("what to run")
    what.add_argument("--suite", choices=_suite_names(),
                      help="a named suite (its problems, methods, budget, seeds, time limit "
                      "and lr tuning); with --methods, those methods on its problems")
    what.add_argument("--problems", help="comma-separated problem specs (with --suite: "
                      "some of the suite's problems, run as the suite runs them)")
    what.add_argument("--methods", help="comma-separated method specs")
    what.add_argument("--exclude", metavar="METHODS",
                      help="with --suite: method specs of the suite not to run")
    what.add_argument("--budget", type=int, help="function evaluations per run "
                      "(default: the suite's, else 4200)")
    what.add_argument("--seeds", type=_seeds_arg, metavar="N|A-B|A,B,...",
                      help="seeds: a count N (0..N-1; with a suite, N seeds from its first), "
                      "a range A-B or a list (default: the suite's, else 5)")
    what.add_argument("--tune-lr", metavar="METHODS",
                      help="tune the lr of these methods on a grid lr0 * 2^k, k = -3..3, "
                      "per problem of --problems or --suite (runs --methods alongside, "
                      "untuned)")
    what.add_argument("--extend-grid", type=int, metavar="N",
                      help="carry a tuned lr grid up to N points past an end where a "
                      "problem's best lr lies there (default: the suite's, 4; without a "
                      "suite 0); with --replot, run only those points for the saved "
                      "results and merge them")
    what.add_argument("--target", action="append", default=[], metavar="PROBLEM=VALUE",
                      help="target value of a problem (repeatable)")
    what.add_argument("--target-method", default="zo-adam",
                      help="reference method of the default targets (default: zo-adam)")
    what.add_argument("--fractions", default="0.25,0.5,1",
                      help="budget fractions reported in the table (default: 0.25,0.5,1)")
    how = p.add_argument_group("how to run")
    how.add_argument("--workers", type=int, default=-1,
                     help="runs in parallel, joblib processes (default: -1, all cores)")
    limit = how.add_mutually_exclusive_group()
    limit.add_argument("--time-limit", type=float, metavar="SECONDS",
                       help="per-run time limit (default: the suite's 15 s, else 60 s)")
    limit.add_argument("--no-time-limit", action="store_true",
                       help="run every method to the full budget")
    how.add_argument("--no-vectorized", action="store_true",
                     help="evaluate points one by one (default: one vectorized call per batch)")
    how.add_argument("--no-journal", action="store_true",
                     help="keep no journal of finished runs next to --out (and do not resume)")
    how.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    out = p.add_argument_group("output")
    out.add_argument("--out", metavar="JSON", help="save the results as JSON (.json.gz: "
                     "compressed)")
    out.add_argument("--keep-traces", action="store_true",
                     help="also save every run's full trace (large; for debugging only)")
    out.add_argument("--slim", action="store_true",
                     help="save only the final values of lr-grid points that were not the "
                     "best on their problem (for committed results)")
    out.add_argument("--compact", action="store_true",
                     help="--slim, and save no checkpoints: only what a BBOB report reads "
                     "(final values, evaluations to the ECDF targets); about a fifth "
                     "of the size, no convergence plots")
    out.add_argument("--merge", action="append", default=[], metavar="JSON",
                     help="add the runs of saved results (repeatable); runs made now "
                     "replace the same runs there")
    out.add_argument("--drop", metavar="METHODS",
                     help="with --replot or --merge: method specs whose saved runs are "
                     "left out (a row whose spec now runs differently, to be run again)")
    out.add_argument("--plots", metavar="DIR", help="directory of the PNG plots "
                     "(default: next to --out, as <out>_plots; else ./bench_plots)")
    out.add_argument("--no-plots", action="store_true", help="write no plots")
    out.add_argument("--report", metavar="MD",
                     help="write the printed report (markdown) to this file; for BBOB "
                     "results the ECDF plots go beside it, as <MD stem>_ecdf_d<D>.png")
    out.add_argument("--score", nargs="?", const="", metavar="SOLVERS",
                     help="print the fifth-round validation score (mean log10 precision, "
                     "per dimension and function group) of these solvers (default: all); "
                     "a tuned method is '<method> (tuned)'; with two or more, each is "
                     "also paired with the first, run by run, with a 95%% interval")
    out.add_argument("--replot", nargs="+", metavar="JSON",
                     help="read saved results (several: merged, later files win): print "
                     "the report and write the plots")
    return p


def _suite_names() -> list[str]:
    from ._bench import SUITES

    return list(SUITES)


def _seeds_arg(text: str) -> int | list[int]:
    """``N``, ``A-B`` or ``A,B,...``."""
    text = text.strip()
    try:
        if "," in text:
            return [int(t) for t in text.split(",")]
        if "-" in text.lstrip("-"):
            a, b = text.split("-", 1)
            lo, hi = int(a), int(b)
            if hi < lo:
                raise ValueError
            return list(range(lo, hi + 1))
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a count N, a range A-B or a list A,B,..., got {text!r}") from None


def _fail(msg: str) -> int:
    print(f"zominimize bench: error: {msg}", file=sys.stderr)
    return 2


def _plots_dir(args) -> Path | None:
    if args.no_plots:
        return None
    if args.plots:
        return Path(args.plots)
    src = args.out or (args.replot[-1] if args.replot else None)
    if src:
        base = Path(src)
        stem = base.name.split(".")[0]
        return base.with_name(stem + "_plots")
    return Path("bench_plots")


def _matplotlib() -> bool:
    try:
        import matplotlib

        if "matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND"):
            matplotlib.use("Agg")
    except ImportError:
        print("note: matplotlib is not installed, no plots written "
              "(pip install zominimize[plot])", file=sys.stderr)
        return False
    return True


def _is_bbob(result) -> bool:
    from ._analysis import bbob_fid

    return any(bbob_fid(p) is not None for p in result.problems)


def _report(result, args) -> int:
    """Print the report (and the score), write the report file and the plots."""
    from ._report import bbob_report, plot_ecdfs, score_table

    bbob = _is_bbob(result)
    text = bbob_report(result) if bbob else result.table()
    if result.meta.get("tuning") and not bbob:  # BBOB reports summarise the grids
        text += "\n" + result.tuning_table()
    if args.score is not None:
        solvers = [s.strip() for s in _split(args.score)] if args.score else None
        try:
            text += "\n### Validation score\n\n" + score_table(result, solvers)
        except ValueError as exc:
            return _fail(str(exc))
    print(text)
    paths = []
    if args.report:
        report = Path(args.report)
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(text, encoding="utf-8")
        print(f"report: {report}")
        if bbob and not args.no_plots and not args.plots and _matplotlib():
            stem = report.name.split(".")[0]
            paths += plot_ecdfs(result, report.parent, prefix=f"{stem}_ecdf")
    directory = _plots_dir(args)
    if directory is not None and (args.plots or not (bbob and args.report)) and _matplotlib():
        paths += plot_ecdfs(result, directory) if bbob else result.plot(directory)
    if paths:
        print(f"plots: {', '.join(str(p) for p in paths)}")
    return 0


def _split(text: str) -> list[str]:
    from ._spec import split_specs

    return split_specs(text)


def _load(paths) -> object:
    from ._result import BenchResult, merge_results

    return merge_results([BenchResult.from_json(p) for p in paths])


def run(args: argparse.Namespace) -> int:
    """Execute ``zominimize bench`` with parsed ``args``; return the exit code."""
    from ._bench import extend_lr_grid, get_suite, run_benchmark, run_suite, tune_lr
    from ._result import merge_results
    from ._spec import parse_spec

    if args.extend_grid is not None and args.extend_grid < 0:
        return _fail(f"--extend-grid must be 0 or more, got {args.extend_grid}")
    if args.replot:
        if args.suite or args.problems or args.methods or args.tune_lr:
            return _fail("--replot reads saved results; it takes no suite, problems or methods")
        journal = None if not args.out or args.no_journal else args.out + ".journal"
        try:
            result = _load(args.replot + args.merge)
            if args.drop:
                result = result.without(_split(args.drop))
            if args.extend_grid:
                kw = {} if args.time_limit is None and not args.no_time_limit else {
                    "time_limit": None if args.no_time_limit else args.time_limit}
                result = extend_lr_grid(result, args.extend_grid, workers=args.workers,
                                        vectorized=not args.no_vectorized,
                                        progress=not args.quiet, journal=journal, **kw)
        except (OSError, ValueError) as exc:
            return _fail(str(exc))
        if args.out:
            result.to_json(args.out, keep_traces=args.keep_traces, slim=args.slim,
                           compact=args.compact)
            print(f"results: {args.out}")
            if args.extend_grid and journal is not None and os.path.exists(journal):
                os.remove(journal)  # the results file now holds every run
        return _report(result, args)
    try:
        fractions = [float(f) for f in args.fractions.split(",")]
        targets = {}
        for item in args.target:
            name, eq, value = item.rpartition("=")
            if not eq or not name:
                return _fail(f"--target expects PROBLEM=VALUE, got {item!r}")
            targets[name] = float(value)
    except ValueError as exc:
        return _fail(str(exc))
    if args.exclude and not args.suite:
        return _fail("--exclude takes methods out of a --suite")
    if args.drop and not args.merge:
        return _fail("--drop leaves runs out of saved results: give --replot or --merge")
    time_limit = None if args.no_time_limit else args.time_limit
    journal = None
    if args.out and not args.no_journal:
        journal = args.out + ".journal"
    common = dict(workers=args.workers, vectorized=not args.no_vectorized,
                  fractions=fractions, targets=targets, target_method=args.target_method,
                  progress=not args.quiet, journal=journal, keep_traces=args.keep_traces,
                  meta={"command": "zominimize bench " + " ".join(sys.argv[2:])
                        if sys.argv[1:2] == ["bench"] else "zominimize bench"})
    t0 = time.perf_counter()
    try:
        stored = [_load([p]) for p in args.merge]
        budget = args.budget or (get_suite(args.suite).budget if args.suite else 4200)
        for path, res in zip(args.merge, stored):
            if res.budget != budget:  # fail before running, not after
                return _fail(f"--merge {path} has budget {res.budget}, this run {budget}")
        if args.drop:
            stored = [merge_results(stored).without(_split(args.drop))]
        if args.suite:
            suite = get_suite(args.suite)
            if args.problems:  # a subset of the suite: its methods, grids and settings
                chosen = {str(parse_spec(p)) for p in _split(args.problems)}
                known = {str(parse_spec(p)): p for p in suite.problems}
                if not chosen <= known.keys():
                    return _fail(f"--problems {', '.join(sorted(chosen - known.keys()))}: "
                                 f"not in suite {suite.name}; with --suite, --problems "
                                 "selects some of its problems")
                suite = dataclasses.replace(suite, problems=tuple(
                    p for key, p in known.items() if key in chosen))
            if args.extend_grid is not None:
                suite = dataclasses.replace(suite, tune_extend=args.extend_grid)
            tl = "suite" if time_limit is None and not args.no_time_limit else time_limit
            print(f"suite {suite.name}: {suite.description}", file=sys.stderr)
            methods = _split(args.methods) if args.methods else None
            tune = _split(args.tune_lr) if args.tune_lr else (() if methods else None)
            exclude = _split(args.exclude) if args.exclude else ()
            if args.tune_lr or methods:
                common.pop("target_method")
            result = run_suite(suite, seeds=args.seeds, budget=args.budget, time_limit=tl,
                               methods=methods or (() if args.tune_lr else None),
                               tune=tune, exclude=exclude, **common)
        else:
            if not args.problems:
                return _fail("give --suite, or --problems with --methods and/or --tune-lr")
            if not (args.methods or args.tune_lr):
                return _fail("give --methods and/or --tune-lr")
            problems = _split(args.problems)
            methods = _split(args.methods) if args.methods else []
            kw = dict(common, budget=args.budget or 4200,
                      seeds=5 if args.seeds is None else args.seeds,
                      time_limit=60.0 if time_limit is None and not args.no_time_limit
                      else time_limit)
            if args.tune_lr:
                if args.target_method == "zo-adam" and "zo-adam" not in methods:
                    kw.pop("target_method")
                result = tune_lr(_split(args.tune_lr), problems, compare=methods,
                                 extend=args.extend_grid or 0, **kw)
            else:
                result = run_benchmark(problems, methods, **kw)
        if stored:
            result = merge_results([*stored, result])
    except (ValueError, TypeError, ImportError, OSError) as exc:
        return _fail(str(exc))
    wall = time.perf_counter() - t0
    print()
    print(f"wall time: {wall:.1f} s ({len(result.runs)} runs)")
    if args.out:
        result.to_json(args.out, keep_traces=args.keep_traces, slim=args.slim,
                       compact=args.compact)
        print(f"results: {args.out}")
        if journal is not None and os.path.exists(journal):
            os.remove(journal)  # the results file now holds every run
    return _report(result, args)
