"""Measure zominimize's own cost: optimizer overhead and parallel speed-up.

Prints two markdown tables:

(a) per-iteration optimizer overhead, the median over iterations of the time spent in
    ``Optimizer.ask`` + ``Optimizer.tell`` (the objective is evaluated in between and
    not timed), per method, at d = 1e2, 1e4, 1e6, with q = 20;
(b) the parallel speed-up of ``workers=2`` over ``workers=1`` for an objective that
    sleeps 20 ms, q = 20, 10 iterations (210 evaluations), joblib's default backend
    with a warm pool (the first parallel call of a process also starts the workers and
    imports zominimize in them; that one-off cost is reported separately).

Run from the repository root::

    python -m research.overhead            # everything (about a minute or two)
    python -m research.overhead --quick    # fewer iterations
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

import zominimize
from zominimize.learned import bundled_weights

from ._common import Q, fmt_time, iteration_overhead

DELAY = 0.02


def unavailable(method: str) -> str | None:
    """Why ``method`` cannot run in this checkout, else ``None``."""
    if method == "l2l-zo" and "default" not in bundled_weights():
        return "no bundled 'default' weights"
    return None


def slow_objective(x):
    time.sleep(DELAY)
    return float(np.dot(x, x))


def parallel_run(method: str, workers: int, iterations: int) -> tuple[float, int]:
    t0 = time.perf_counter()
    res = zominimize.minimize(slow_objective, np.full(10, 0.5), method=method, rng=0,
                              options={"q": Q, "maxiter": iterations, "workers": workers})
    return time.perf_counter() - t0, res.nfev


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer iterations")
    ap.add_argument("--methods", nargs="*", default=None, help="default: every registered one")
    ap.add_argument("--dims", nargs="*", type=int, default=[100, 10_000, 1_000_000])
    ap.add_argument("--iterations", type=int, default=10, help="iterations of the parallel run")
    args = ap.parse_args(argv)

    methods = args.methods or zominimize.list_methods()
    skipped = {m: r for m in methods if (r := unavailable(m))}
    methods = [m for m in methods if m not in skipped]
    import joblib

    print(f"zominimize {zominimize.__version__}, numpy {np.__version__}, joblib "
          f"{joblib.__version__}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs ({platform.machine()})")
    for m, r in skipped.items():
        print(f"skipped {m}: {r}")

    # (a) overhead per iteration
    print("\n### Optimizer overhead per iteration (ask + tell, objective excluded, q = 20)\n")
    print("| method | " + " | ".join(f"d = {d:.0e}".replace("e+0", "e") for d in args.dims) + " |")
    print("| --- |" + " ---: |" * len(args.dims))
    for m in methods:
        cells = []
        for d in args.dims:
            its = (3 if args.quick else 7) if d >= 1_000_000 else (10 if args.quick else 50)
            cells.append(fmt_time(iteration_overhead(m, d, its)))
        print(f"| {m} | " + " | ".join(cells) + " |", flush=True)

    # (b) parallel speed-up
    its = 3 if args.quick else args.iterations
    print(f"\n### Parallel speed-up: {DELAY * 1e3:.0f} ms objective, q = 20, {its} iterations, "
          "joblib default backend (warm pool)\n")
    print("| method | evaluations | workers=1 | workers=2 | speed-up |")
    print("| --- | ---: | ---: | ---: | ---: |")
    t0 = time.perf_counter()
    zominimize.minimize(slow_objective, np.zeros(3), method="zo-sgd", rng=0,
                        options={"q": 1, "maxiter": 1, "workers": 2})
    cold = time.perf_counter() - t0
    for m in methods:
        t1, n1 = parallel_run(m, 1, its)
        t2, n2 = parallel_run(m, 2, its)
        assert n1 == n2
        print(f"| {m} | {n1} | {t1:.2f} s | {t2:.2f} s | {t1 / t2:.2f}x |", flush=True)
    print(f"\n(one-off start of the worker pool, imports included: {cold:.2f} s; "
          f"serial objective time alone: {DELAY:.2f} s x evaluations)")


if __name__ == "__main__":
    main()
