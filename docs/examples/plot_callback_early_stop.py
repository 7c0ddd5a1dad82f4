"""
Callbacks, early stopping and progress
======================================

A callback sees the best point so far after every iteration; raising
:class:`StopIteration` in it ends the run with ``status=99``. ``f_target`` does the
same for a fixed target, and ``disp=True`` shows progress.
"""

# %%
import numpy as np

from zominimize import minimize


def fun(x):
    return np.sum(np.abs(x - 1.0) ** 1.5)


x0 = np.zeros(10)


# %%
# A new-style callback (its parameter is named ``intermediate_result``, SciPy's rule)
# receives an :class:`~scipy.optimize.OptimizeResult` with the best point so far.
# Here it prints every 10th iteration and stops once the value is below 0.5.
def monitor(intermediate_result):
    r = intermediate_result
    if r.nit % 10 == 0:
        print(f"iteration {r.nit:3d}  nfev {r.nfev:5d}  best f {r.fun:.4g}")
    if r.fun < 0.5:
        raise StopIteration


res = minimize(fun, x0, method="zo-adam", callback=monitor,
               options={"maxfev": 4200, "lr": 0.2, "scale_lr_by_dim": False}, rng=0)
print(res.status, res.success, res.message)
print(f"stopped after {res.nfev} of 4200 evaluations with f = {res.fun:.4g}")

# %%
# ``success`` is ``False`` after a callback stop, as in SciPy. For a fixed target
# value, the option ``f_target`` stops with ``status=0`` and counts as a success:
res = minimize(fun, x0, method="zo-adam", rng=0,
               options={"maxfev": 4200, "lr": 0.2, "scale_lr_by_dim": False,
                        "f_target": 0.5})
print(res.status, res.success, res.nfev)

# %%
# An old-style callback, ``callback(xk)``, receives a copy of the best point so far.
points = []
minimize(fun, x0, method="zo-sgd", callback=points.append,
         options={"maxiter": 5, "lr": 0.05, "scale_lr_by_dim": False}, rng=0)
print(len(points), points[-1][:3])

# %%
# ``disp=True`` shows a progress bar over the budget (tqdm, from the ``progress``
# extra, on stderr; plain lines without it) and SciPy's summary at the end:
res = minimize(fun, x0, method="l2l-zo", options={"maxfev": 1050, "disp": True}, rng=0)
