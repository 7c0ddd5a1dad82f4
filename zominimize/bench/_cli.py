"""``zominimize bench``: run a benchmark suite, print the table, save JSON and plots."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

__all__ = ["add_parser", "run"]

_EPILOG = """\
methods: zominimize methods (zo-sgd, zo-signsgd, zo-adam, l2l-zo), SciPy's nelder-mead,
powell, cobyla, cobyqa, and cma (pycma); variants by option: 'zo-adam[lr=2,q=10]',
'l2l-zo[weights=attack]', 'l2l-zo[sampler=gaussian]', 'cobyla[rhobeg=x_scale]'.
problems: named problems (classification-100, attack, rosenbrock-10, ...) or families
with options ('rastrigin[dim=100]'); seed s selects instance s where the problem is a
family member (attack image s, classification instance s) and the method's rng.
default target per problem: the median final value of zo-adam (the paper's lr) over
the seeds, or of the first method when zo-adam did not run; --target overrides it.

examples:
  zominimize bench --suite paper --seeds 5 --workers 2 --out paper.json
  zominimize bench --problems sphere-10,rosenbrock-10 --methods zo-adam,nelder-mead \\
      --budget 2000 --seeds 5
  zominimize bench --tune-lr zo-adam,zo-sgd --methods l2l-zo --problems classification-100
  zominimize bench --replot paper.json --plots plots/
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
    what.add_argument("--suite", choices=["paper", "heldout"],
                      help="a named suite (its problems, methods, budget and time limit)")
    what.add_argument("--problems", help="comma-separated problem specs")
    what.add_argument("--methods", help="comma-separated method specs")
    what.add_argument("--budget", type=int, help="function evaluations per run "
                      "(default: the suite's, else 4200)")
    what.add_argument("--seeds", type=int, help="number of seeds, 0..N-1 (default: 5)")
    what.add_argument("--tune-lr", metavar="METHODS",
                      help="tune the lr of these methods on a grid lr0 * 2^k, k = -3..3, "
                      "per problem of --problems or --suite (runs --methods alongside, "
                      "untuned)")
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
    how.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    out = p.add_argument_group("output")
    out.add_argument("--out", metavar="JSON", help="save the results as JSON")
    out.add_argument("--plots", metavar="DIR", help="directory of the PNG convergence plots "
                     "(default: next to --out, as <out>_plots; else ./bench_plots)")
    out.add_argument("--no-plots", action="store_true", help="write no plots")
    out.add_argument("--replot", metavar="JSON",
                     help="read saved results: print the table and write the plots")
    return p


def _fail(msg: str) -> int:
    print(f"zominimize bench: error: {msg}", file=sys.stderr)
    return 2


def _plots_dir(args) -> Path | None:
    if args.no_plots:
        return None
    if args.plots:
        return Path(args.plots)
    src = args.out or args.replot
    if src:
        base = Path(src)
        return base.with_name(base.stem + "_plots")
    return Path("bench_plots")


def _write_plots(result, directory: Path | None) -> None:
    if directory is None:
        return
    try:
        import matplotlib

        if "matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND"):
            matplotlib.use("Agg")
    except ImportError:
        print("note: matplotlib is not installed, no plots written "
              "(pip install zominimize[plot])", file=sys.stderr)
        return
    paths = result.plot(directory)
    print(f"plots: {', '.join(str(p) for p in paths)}")


def run(args: argparse.Namespace) -> int:
    """Execute ``zominimize bench`` with parsed ``args``; return the exit code."""
    from ._bench import get_suite, run_benchmark, run_suite, tune_lr
    from ._result import BenchResult
    from ._spec import split_specs

    if args.replot:
        if args.suite or args.problems or args.methods or args.tune_lr:
            return _fail("--replot reads saved results; it takes no suite, problems or methods")
        result = BenchResult.from_json(args.replot)
        print(result.table())
        if result.meta.get("tuning"):
            print(result.tuning_table())
        _write_plots(result, _plots_dir(args))
        return 0
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
    time_limit = None if args.no_time_limit else args.time_limit
    common = dict(workers=args.workers, vectorized=not args.no_vectorized,
                  fractions=fractions, targets=targets, target_method=args.target_method,
                  progress=not args.quiet,
                  meta={"command": "zominimize bench " + " ".join(sys.argv[2:])
                        if sys.argv[1:2] == ["bench"] else "zominimize bench"})
    t0 = time.perf_counter()
    try:
        if args.suite and args.tune_lr:
            if args.problems:
                return _fail("--suite sets the problems; use either --suite or --problems")
            suite = get_suite(args.suite)
            tl = suite.time_limit if time_limit is None and not args.no_time_limit \
                else time_limit
            common.pop("target_method")
            result = tune_lr(split_specs(args.tune_lr), suite.problems,
                             budget=args.budget or suite.budget,
                             seeds=suite.seeds if args.seeds is None else args.seeds,
                             compare=split_specs(args.methods) if args.methods else (),
                             time_limit=tl, skip_unavailable=True, **common)
        elif args.suite:
            if args.problems or args.methods:
                return _fail("--suite sets the problems and methods; use either --suite or "
                             "--problems/--methods")
            suite = get_suite(args.suite)
            tl = "suite" if time_limit is None and not args.no_time_limit else time_limit
            print(f"suite {suite.name}: {suite.description}", file=sys.stderr)
            result = run_suite(suite, seeds=args.seeds, budget=args.budget, time_limit=tl,
                               **common)
        else:
            if not args.problems:
                return _fail("give --suite, or --problems with --methods and/or --tune-lr")
            if not (args.methods or args.tune_lr):
                return _fail("give --methods and/or --tune-lr")
            problems = split_specs(args.problems)
            methods = split_specs(args.methods) if args.methods else []
            kw = dict(common, budget=args.budget or 4200,
                      seeds=5 if args.seeds is None else args.seeds,
                      time_limit=60.0 if time_limit is None and not args.no_time_limit
                      else time_limit)
            if args.tune_lr:
                if args.target_method == "zo-adam" and "zo-adam" not in methods:
                    kw.pop("target_method")
                result = tune_lr(split_specs(args.tune_lr), problems, compare=methods, **kw)
            else:
                result = run_benchmark(problems, methods, **kw)
    except (ValueError, TypeError, ImportError) as exc:
        return _fail(str(exc))
    wall = time.perf_counter() - t0
    print()
    print(result.table())
    if result.meta.get("tuning"):
        print(result.tuning_table())
    print(f"wall time: {wall:.1f} s ({len(result.runs)} runs)")
    if args.out:
        result.to_json(args.out)
        print(f"results: {args.out}")
    _write_plots(result, _plots_dir(args))
    return 0
