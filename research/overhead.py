"""Measure zominimize's own cost: optimizer overhead, thread policy, parallel speed-up.

Prints three markdown tables:

(a) per-iteration optimizer overhead on the driver's path (ask, then tell; the
    objective is not timed), per method and for the *floor* of every Gaussian-query
    method (drawing the q·d numbers and forming the queries), at d = 1e2, 1e4, 1e6,
    with q = 20, measured interleaved round after round
    (:func:`zominimize.bench.measure_overhead`), and the ratios ZO-Adam / floor and
    l2l-zo / ZO-Adam;
(b) the thread policy on a busy machine: the ``zominimize demo`` workload (l2l-zo on
    the d = 784 attack, 2,100 evaluations) with torch's default threads against the
    same run in a process started with ``OMP_NUM_THREADS=1``, while as many
    busy-looping processes as there are CPUs run beside it (median of 3 runs each);
(c) the parallel speed-up of ``workers=2`` over ``workers=1`` for an objective that
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
import zominimize.bench
from zominimize.learned import bundled_weights

from ._common import Q, fmt_time

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


_DEMO_RUN = """
import time, numpy as np, zominimize
from zominimize.problems import attack_problem
p = attack_problem(0)
t = time.perf_counter()
zominimize.minimize(p.vectorized, p.x0, method="l2l-zo", rng=0,
                    options={"maxfev": 2100, "vectorized": True, "weights": "attack"})
print(time.perf_counter() - t)
"""


def _busy() -> None:
    x = np.random.default_rng(0).normal(size=(300, 300))
    while True:
        x = np.tanh(x @ x.T / 300)


def busy_machine_runs(runs: int) -> tuple[float, float]:
    """Median seconds of the demo workload with torch's default threads and with
    ``OMP_NUM_THREADS=1``, each in a fresh process, beside one busy process per CPU."""
    import multiprocessing
    import statistics
    import subprocess
    import sys

    env1 = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    env0 = {k: v for k, v in os.environ.items()
            if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    ctx = multiprocessing.get_context("spawn")
    busy = [ctx.Process(target=_busy, daemon=True) for _ in range(os.cpu_count() or 1)]
    for b in busy:
        b.start()
    try:
        times: dict[str, list[float]] = {"default": [], "one": []}
        for _ in range(runs):
            for key, env in (("default", env0), ("one", env1)):
                out = subprocess.run([sys.executable, "-c", _DEMO_RUN], env=env, check=True,
                                     capture_output=True, text=True).stdout
                times[key].append(float(out.strip().splitlines()[-1]))
    finally:
        for b in busy:
            b.terminate()
    return statistics.median(times["default"]), statistics.median(times["one"])


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
    print("\n### Optimizer overhead per iteration (driver's path, objective excluded, "
          "q = 20)\n")
    print("| d | floor | " + " | ".join(methods) + " | zo-adam / floor | l2l-zo / zo-adam |")
    print("| ---: |" + " ---: |" * (len(methods) + 3))
    for d in args.dims:
        big = d >= 1_000_000
        t = zominimize.bench.measure_overhead(
            d, methods, q=Q, rounds=3 if args.quick else 5,
            per_round=1 if big else (3 if args.quick else 10))
        ratios = [f"{t[a] / t[b]:.2f}" if a in t and b in t else "–"
                  for a, b in (("zo-adam", "floor"), ("l2l-zo", "zo-adam"))]
        print(f"| {d:.0e} | {fmt_time(t['floor'])} | ".replace("e+0", "e")
              + " | ".join(fmt_time(t[m]) for m in methods) + " | " + " | ".join(ratios)
              + " |", flush=True)

    # (b) threads on a busy machine
    runs = 1 if args.quick else 3
    default, single = busy_machine_runs(runs)
    print(f"\n### Thread policy on a busy machine: the demo workload, {os.cpu_count()} "
          f"busy processes beside it (median of {runs})\n")
    print("| torch threads | run time |")
    print("| --- | ---: |")
    print(f"| default (policy) | {default:.2f} s |")
    print(f"| OMP_NUM_THREADS=1 | {single:.2f} s |")
    print(f"\nratio default / one thread: {default / single:.2f}")

    # (c) parallel speed-up
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
