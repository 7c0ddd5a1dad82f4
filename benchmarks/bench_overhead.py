"""Optimizer overhead per iteration, with a trivially cheap objective.

``time_iteration`` is one ask -> tell step of the driver's path through
:class:`zominimize.Optimizer` with ``q = 20`` at d = 1e2, 1e4, 1e6; the objective
(one row of the asked points) costs next to nothing, so the time is the method's
own work: drawing directions, the estimate, the update (and the networks of
``l2l-zo``). ``peakmem_minimize`` is the peak memory of a short ``minimize`` run
with a vectorized objective (driver, evaluator and method together).
``track_ratio_*`` are the targets of the overhead work: ZO-Adam against the floor
of any Gaussian-query method (drawing the ``q·d`` numbers and forming the queries)
and ``l2l-zo`` against ZO-Adam, measured interleaved in one run
(:func:`zominimize.bench.measure_overhead`).
"""

from __future__ import annotations

import numpy as np

import zominimize

from . import METHODS, unavailable

Q = 20
DIMS = [100, 10_000, 1_000_000]


def cheap(X):
    """Vectorized objective, ``(n, S) -> (S,)``: as cheap as an objective can be."""
    return X[0]


class Overhead:
    params = [METHODS, DIMS]
    param_names = ["method", "d"]
    timeout = 300
    warmup_time = 0.0

    def setup(self, method, d):
        reason = unavailable(method)
        if reason:
            raise NotImplementedError(reason)
        from zominimize.bench._overhead import method_step

        self.step = method_step(method, d, Q)  # the driver's path, first iteration untimed

    def time_iteration(self, method, d):
        self.step()


class PeakMemory:
    params = [METHODS, DIMS]
    param_names = ["method", "d"]
    timeout = 300

    def setup(self, method, d):
        reason = unavailable(method)
        if reason:
            raise NotImplementedError(reason)
        self.x0 = np.zeros(d)

    def peakmem_minimize(self, method, d):
        zominimize.minimize(cheap, self.x0, method=method, rng=0,
                            options={"q": Q, "maxiter": 3, "vectorized": True})


class OverheadRatios:
    """Per-iteration cost ratios at d = 1e4 and 1e6, q = 20, cheap objective."""

    params = [[10_000, 1_000_000]]
    param_names = ["d"]
    timeout = 600
    number = 1
    repeat = 1

    def setup_cache(self):
        from zominimize.bench._overhead import measure_overhead

        return {d: measure_overhead(d, rounds=5, per_round=10 if d < 100_000 else 1)
                for d in (10_000, 1_000_000)}

    def track_ratio_zo_adam_to_floor(self, times, d):
        return times[d]["zo-adam"] / times[d]["floor"]

    def track_ratio_l2l_zo_to_zo_adam(self, times, d):
        return times[d]["l2l-zo"] / times[d]["zo-adam"]

    track_ratio_zo_adam_to_floor.unit = "ratio"
    track_ratio_l2l_zo_to_zo_adam.unit = "ratio"
