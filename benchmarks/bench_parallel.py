"""Parallel speed-up: a deliberately slow objective (20 ms per call), q = 20.

``time_run`` is one ``minimize`` run of 3 iterations (63 evaluations, about 1.3 s of
objective time serially) with ``workers`` = 1 (a loop) or 2 (joblib, default
backend). The pool is started in ``setup`` (the first parallel call also imports
zominimize and SciPy in every worker, about a second), so a run measures the warm
pool that ``minimize`` reuses across its iterations.
"""

from __future__ import annotations

import sys
import time

import cloudpickle  # what joblib's loky backend pickles with
import numpy as np

import zominimize

from . import METHODS, unavailable

DELAY = 0.02
Q = 20
ITERATIONS = 3


def slow_objective(x):
    """Module-level (picklable for loky workers): sleeps ``DELAY`` seconds."""
    time.sleep(DELAY)
    return float(np.dot(x, x))


# asv imports this file from a copy of the benchmark folder that joblib's worker
# processes cannot import: ship the objective by value instead of by reference.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


class ParallelSpeedup:
    params = [METHODS, [1, 2]]
    param_names = ["method", "workers"]
    number = 1
    repeat = 3
    warmup_time = 0.0
    timeout = 120

    def setup(self, method, workers):
        reason = unavailable(method)
        if reason:
            raise NotImplementedError(reason)
        self.x0 = np.full(10, 0.5)
        if workers != 1:
            # start the reusable worker pool, and import zominimize (and SciPy) in its
            # workers, outside the timing: that first call costs about a second
            zominimize.minimize(slow_objective, self.x0, method="zo-sgd", rng=0,
                                options={"q": 3, "maxiter": 1, "workers": workers})

    def time_run(self, method, workers):
        zominimize.minimize(slow_objective, self.x0, method=method, rng=0,
                            options={"q": Q, "maxiter": ITERATIONS, "workers": workers})
