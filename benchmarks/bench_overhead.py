"""Optimizer overhead per iteration, with a trivially cheap objective.

``time_iteration`` is one ask -> tell step of the ask/tell :class:`zominimize.Optimizer`
with ``q = 20`` at d = 1e2, 1e4, 1e6; the objective (one row of the asked points) costs
next to nothing, so the time is the method's own work: drawing directions, the
estimate, the update (and the networks of ``l2l-zo``). ``peakmem_minimize`` is the
peak memory of a short ``minimize`` run with a vectorized objective (driver,
evaluator and method together).
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
        self.opt = zominimize.Optimizer(method, np.zeros(d), rng=0, q=Q)
        self.step()  # the first iteration (centre evaluation, lazy imports) is not timed

    def step(self):
        X = self.opt.ask()
        self.opt.tell(X, X[:, 0].copy())

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
