"""Long runs keep memory flat: RSS over 100,000 iterations at d = 1,000.

Runs ``zo-adam`` (q = 20, forward differences: 21 points per iteration) on a cheap
vectorized objective, without ``return_all``, and samples the resident set size (RSS)
every ``--every`` iterations. Growth is measured from the end of a warm-up (lazy
imports, allocator pools and NumPy's caches settle in the first iterations) to the
end of the run.

Two routes:

``minimize`` (default)
    ``zominimize.minimize(fun, x0, method="zo-adam", options={"vectorized": True,
    "maxiter": N})``: driver, evaluator and method together; RSS is read in the callback.
``asktell``
    The ask/tell :class:`zominimize.Optimizer` alone.

Usage::

    python -m research.memory_flat                       # 100,000 iterations, minimize
    python -m research.memory_flat --iters 10000 --route asktell
    python -m research.memory_flat --tracemalloc         # also Python-heap growth (slower)

Prints a table of samples and one JSON line; exits with status 1 when the growth
exceeds ``--max-growth-mb`` (default 5 MiB).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tracemalloc

import numpy as np

import zominimize

MiB = 1024.0 * 1024.0


def rss_bytes() -> int:
    """Current resident set size of this process."""
    try:
        import psutil

        return psutil.Process().memory_info().rss
    except ImportError:  # Linux without psutil
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes() -> int:
    import resource

    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb * (1 if sys.platform == "darwin" else 1024)


class Cheap:
    """``(n, S) -> (S,)``: a sum of squares per column, as cheap as a real objective gets."""

    def __call__(self, X):
        return np.einsum("ij,ij->j", X, X)


class Sampler:
    def __init__(self, every: int, warmup: int, use_tracemalloc: bool):
        self.every, self.warmup = every, warmup
        self.tracemalloc = use_tracemalloc
        self.samples: list[tuple[int, float, float, float | None]] = []
        self.t0 = time.perf_counter()
        self.it = 0

    def take(self, it: int) -> None:
        heap = tracemalloc.get_traced_memory()[0] / MiB if self.tracemalloc else None
        self.samples.append((it, time.perf_counter() - self.t0, rss_bytes() / MiB, heap))

    def __call__(self, intermediate_result=None) -> None:  # minimize's callback
        self.it += 1
        if self.it == self.warmup or self.it % self.every == 0:
            self.take(self.it)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--iters", type=int, default=100_000)
    p.add_argument("--dim", type=int, default=1_000)
    p.add_argument("--q", type=int, default=20)
    p.add_argument("--method", default="zo-adam")
    p.add_argument("--route", choices=["minimize", "asktell"], default="minimize")
    p.add_argument("--every", type=int, default=None, help="sample period (iterations)")
    p.add_argument("--warmup", type=int, default=None, help="iterations before the baseline")
    p.add_argument("--tracemalloc", action="store_true", help="also trace the Python heap")
    p.add_argument("--max-growth-mb", type=float, default=5.0)
    args = p.parse_args(argv)
    every = args.every or max(1, args.iters // 20)
    warmup = args.warmup or min(1_000, max(1, args.iters // 10))

    if args.tracemalloc:
        tracemalloc.start()
    fun = Cheap()
    x0 = np.full(args.dim, 0.5)
    sampler = Sampler(every, warmup, args.tracemalloc)
    rss_start = rss_bytes() / MiB
    if args.route == "minimize":
        res = zominimize.minimize(
            fun, x0, method=args.method, callback=sampler, rng=0,
            options={"q": args.q, "maxiter": args.iters, "vectorized": True},
        )
        nit, nfev, fbest = res.nit, res.nfev, res.fun
    else:
        opt = zominimize.Optimizer(args.method, x0, rng=0, q=args.q)
        for _ in range(args.iters):
            X = opt.ask()
            opt.tell(X, fun(X.T))
            sampler(None)
        nit, nfev, fbest = opt.nit, opt.nfev, opt.fun
    wall = time.perf_counter() - sampler.t0

    base = next(s for s in sampler.samples if s[0] >= warmup)
    last = sampler.samples[-1]
    growth = last[2] - base[2]
    print(f"{args.method}, d={args.dim}, q={args.q}, route={args.route}: {nit} iterations, "
          f"{nfev} evaluations, best f = {fbest:.6g}, {wall:.1f} s "
          f"({1e6 * wall / max(nit, 1):.0f} us/iteration)")
    print(f"{'iteration':>10} {'seconds':>9} {'RSS MiB':>9}" +
          (f" {'heap MiB':>9}" if args.tracemalloc else ""))
    for it, t, rss, heap in sampler.samples:
        print(f"{it:>10} {t:>9.1f} {rss:>9.2f}" + (f" {heap:>9.3f}" if heap is not None else ""))
    summary = {
        "method": args.method, "dim": args.dim, "q": args.q, "route": args.route,
        "iterations": nit, "nfev": nfev, "seconds": round(wall, 1),
        "rss_start_mib": round(rss_start, 2), "rss_after_warmup_mib": round(base[2], 2),
        "rss_end_mib": round(last[2], 2), "rss_growth_mib": round(growth, 3),
        "peak_rss_mib": round(peak_rss_bytes() / MiB, 2), "warmup_iterations": base[0],
    }
    if args.tracemalloc:
        summary["heap_growth_mib"] = round(last[3] - base[3], 4)
        summary["heap_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / MiB, 3)
    print(json.dumps(summary))
    ok = growth <= args.max_growth_mb
    print(f"RSS growth after warm-up: {growth:+.2f} MiB over {last[0] - base[0]} iterations "
          f"-> {'flat' if ok else 'GROWING'} (limit {args.max_growth_mb} MiB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
