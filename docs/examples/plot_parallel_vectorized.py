"""
Parallel and vectorized evaluation
==================================

Each iteration asks for a batch of ``q + 1`` points whose values are independent.
``zominimize`` can evaluate them in a loop, with joblib (``workers=int``), with any
map (``workers=pool.map``), or in one vectorized call (``vectorized=True``) -- and the
result is the same for the same ``rng`` whichever you pick.
"""

# %%
# A deliberately slow objective: each evaluation waits 2 ms, like a small simulation.
import time
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np

from zominimize import minimize


def slow_sphere(x):
    time.sleep(0.002)
    return float(np.sum((x - 0.5) ** 2))


x0 = np.zeros(8)
common = dict(method="zo-adam", rng=0)
options = {"maxfev": 420, "lr": 0.3, "scale_lr_by_dim": False}

t0 = time.perf_counter()
serial = minimize(slow_sphere, x0, options=options, **common)
t_serial = time.perf_counter() - t0
print(f"loop:              {t_serial:5.2f} s, f = {serial.fun:.6g}")

# %%
# ``workers=4`` uses :class:`joblib.Parallel`. ``zominimize`` never names a joblib
# backend, so :func:`joblib.parallel_config` decides where the work runs. The default
# (processes) pays a start-up cost that only slow objectives amortize; here we use
# threads, which suits functions that release the GIL (``time.sleep``, NumPy, I/O,
# external programs).
with joblib.parallel_config(backend="threading"):
    t0 = time.perf_counter()
    par = minimize(slow_sphere, x0, options={**options, "workers": 4}, **common)
    t_par = time.perf_counter() - t0
print(f"joblib, 4 threads: {t_par:5.2f} s, same x: {np.array_equal(par.x, serial.x)}")

# %%
# Any map-like callable works as ``workers``: here a thread pool's ``map`` (a
# :class:`concurrent.futures.ProcessPoolExecutor`, a :class:`multiprocessing.Pool` or an
# MPI pool work the same way). Your pool stays yours: ``zominimize`` does not close it.
with ThreadPoolExecutor(4) as pool:
    t0 = time.perf_counter()
    mapped = minimize(slow_sphere, x0, options={**options, "workers": pool.map}, **common)
    t_map = time.perf_counter() - t0
print(f"pool.map:          {t_map:5.2f} s, same x: {np.array_equal(mapped.x, serial.x)}")


# %%
# A vectorized objective evaluates a whole batch in one call. SciPy's convention:
# the points are the *columns* of ``X`` (shape ``(n, S)``), the result has shape ``(S,)``.
def sphere_columns(X):
    time.sleep(0.002)  # one call per batch now
    return np.array([np.sum((x - 0.5) ** 2) for x in X.T])


t0 = time.perf_counter()
vec = minimize(sphere_columns, x0, options={**options, "vectorized": True}, **common)
t_vec = time.perf_counter() - t0
print(f"vectorized:        {t_vec:5.2f} s, same x: {np.array_equal(vec.x, serial.x)}")

# %%
# All four runs drew the same directions from ``rng=0`` in the main process, so they
# followed the same trajectory. (A vectorized *formula* such as
# ``np.sum((X - 0.5)**2, axis=0)`` may round the last bits differently from the
# one-point formula, and then the iterates agree to rounding only.)
#
# For many machines, the same code runs on a dask cluster::
#
#     from dask.distributed import Client
#     client = Client("tcp://scheduler:8786")
#     with joblib.parallel_config(backend="dask"):
#         res = minimize(fun, x0, options={"workers": -1})
