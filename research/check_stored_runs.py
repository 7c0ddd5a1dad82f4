"""Whether the stored ``l2l-zo`` rows of the committed results still come out of their
specs: runs of each row made again (the same problem, seed and budget) and compared
with the stored final values.

A stored row goes stale when a later default rule reaches its spec (as the paper's rules'
spec did, until it became ``rules=paper``). Each row is checked once per dimension (its
first problem and seed there, since a rule may act in a range of d only); a run its
spec no longer reproduces is printed with both values, and the exit status is 1::

    python -m research.check_stored_runs                      # every committed result
    python -m research.check_stored_runs docs/_generated/bbob_large.json.gz --jobs 2

Runs stopped by the per-run time limit are skipped (their end depends on the machine).
A run stored on another CPU can differ without any change of its spec: the kernels
chosen for a CPU's instruction set round differently, and a long run amplifies that,
most at large d and on ill-conditioned functions (on 2026-12-05 an AVX-512 machine made
26 of 74 runs again differently: 19 at d >= 784 and 7 on the separable ellipsoid f2;
docs/faq.rst). Where a stale run's file was stored on another CPU, or does not say on
which, the check says so; ``python tests/reference_runs.py --check`` and a rerun of the
row on the machine that stored it tell a changed spec apart.
"""

from __future__ import annotations

import argparse
import glob
import math
import sys

from joblib import Parallel, delayed

from zominimize.bench import BenchResult, environment, run_one

#: relative difference of final values above which a row is stale (a changed rule moves
#: a run far more; on another CPU long runs at large d can too, see above) ...
RTOL = 1e-6
#: ... and the absolute one: COCO's final target on the precision, below which runs
#: that converge to a floor (the classification task's 1e-10) differ by rounding alone
ATOL = 1e-8


def _per_dim(result: BenchResult, method: str) -> list:
    """One stored run of ``method`` per dimension (a rule may act in a range of d only):
    the first, by seed, that did not end at the floor of its precision, where a changed
    rule could not show (the sphere of a BBOB suite); else the first."""
    runs = [r for r in result.select(method) if r.stop not in ("time", "error")]
    first = {}
    for r in sorted(runs, key=lambda r: (_at_floor(r), r.seed)):
        first.setdefault(r.dim, r)
    return [first[d] for d in sorted(first)]


def _at_floor(run) -> bool:
    try:
        return bool(run.precision <= ATOL)
    except (TypeError, ValueError):  # no reference value to measure a precision from
        return False


def _again(run, budget: int) -> float:
    return run_one(run.method, run.problem, run.seed, budget, time_limit=None).final


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", help="stored results (default: docs/_generated/*.json.gz)")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv)
    files = args.files or sorted(glob.glob("docs/_generated/*.json.gz"))
    todo = []
    for path in files:
        result = BenchResult.from_json(path)
        for method in result.methods():
            if method.startswith("l2l-zo"):
                todo += [(path, run, result.budget) for run in _per_dim(result, method)]
    finals = Parallel(n_jobs=args.jobs)(delayed(_again)(run, budget)
                                        for _, run, budget in todo)
    stale = []
    for (path, run, _), final in zip(todo, finals):
        same = math.isclose(final, run.final, rel_tol=RTOL, abs_tol=ATOL)
        stale += [] if same else [path]
        print(f"{'ok   ' if same else 'STALE'} {path}: {run.method} on {run.problem} "
              f"seed {run.seed}: stored {run.final:.10g}, now {final:.10g}", flush=True)
    print(f"{len(todo) - len(stale)} of {len(todo)} runs reproduce")
    here = _cpu(environment())
    for path in sorted(set(stale)):
        there = _cpu(BenchResult.from_json(path).meta.get("environment", {}))
        if there != here:
            print(f"note: {path} was stored on {there or 'a CPU it does not record'}, "
                  f"this is {here}: its runs may differ by rounding alone (most at large "
                  "d and on ill-conditioned functions)")
    return int(bool(stale))


def _cpu(env: dict) -> str | None:
    """The CPU of a result's environment and the kernels torch chose for it."""
    if "cpu" not in env:
        return None
    return f"{env['cpu']} ({env.get('torch_cpu', '?')})"


if __name__ == "__main__":
    sys.exit(main())
