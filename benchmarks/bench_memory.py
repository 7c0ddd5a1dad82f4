"""Memory stays flat over long runs (design §7): the asv version of
``python -m research.memory_flat``, with fewer iterations.

``peakmem_run`` is the peak RSS of a ``zo-adam`` run (d = 1,000, q = 20, vectorized
cheap objective, no ``return_all``) of 100 and of 10,000 iterations: flat memory means
the two peaks are the same up to noise, whatever the length. ``track_rss_growth``
reports the RSS growth (MiB) from iteration 500 to iteration 10,000 of one run, read in
the callback; it should stay near 0. ``peakmem_return_all`` is the contrast: with
``return_all`` the history grows by design (d floats per iteration).
"""

from __future__ import annotations

import os

import numpy as np

import zominimize

D = 1_000
Q = 20
MiB = 1024.0 * 1024.0


def _rss() -> float:
    try:
        import psutil

        return psutil.Process().memory_info().rss / MiB
    except ImportError:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MiB


def cheap(X):
    """``(n, S) -> (S,)``: a sum of squares per column."""
    return np.einsum("ij,ij->j", X, X)


def _run(iters, **options):
    return zominimize.minimize(cheap, np.full(D, 0.5), method="zo-adam", rng=0,
                               options={"q": Q, "maxiter": iters, "vectorized": True,
                                        **options})


class LongRun:
    params = [[100, 10_000]]
    param_names = ["iterations"]
    timeout = 600

    def setup(self, iterations):
        _run(2)  # lazy imports are not part of the run

    def peakmem_run(self, iterations):
        _run(iterations)


class ReturnAll:
    params = [[100, 2_000]]
    param_names = ["iterations"]
    timeout = 300

    def setup(self, iterations):
        _run(2)

    def peakmem_return_all(self, iterations):
        _run(iterations, return_all=True)


class Growth:
    timeout = 600
    unit = "MiB"

    def setup(self):
        _run(2)

    def track_rss_growth(self):
        marks = {}

        def callback(intermediate_result):
            nit = intermediate_result.nit
            if nit in (500, 10_000):
                marks[nit] = _rss()

        zominimize.minimize(cheap, np.full(D, 0.5), method="zo-adam", rng=0, callback=callback,
                            options={"q": Q, "maxiter": 10_000, "vectorized": True})
        return marks[10_000] - marks[500]
