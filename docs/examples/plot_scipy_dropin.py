"""
A drop-in for SciPy
===================

``zominimize`` exports every method as a SciPy *custom method*, so code that calls
:func:`scipy.optimize.minimize` switches to the learned optimizer by changing one
argument -- and :func:`zominimize.minimize` passes SciPy's own methods through, so one
loop compares everything.
"""

# %%
import numpy as np
import scipy.optimize

import zominimize


def fun(x):
    """A smooth, slightly ill-conditioned function of 20 variables."""
    scales = np.logspace(0, 2, x.size)
    return np.sum(scales * (x - 1.0) ** 2) + 0.5 * np.sum(x**2) ** 0.5


x0 = np.zeros(20)

# %%
# SciPy's ``minimize`` with ``method=zominimize.l2l_zo``. The seed goes in
# ``options`` because SciPy's ``minimize`` has no ``rng`` argument for custom methods;
# so do all the options of :func:`zominimize.show_options`.
res = scipy.optimize.minimize(fun, x0, method=zominimize.l2l_zo,
                              options={"maxfev": 2100, "rng": 0})
print(type(res).__name__, res.fun, res.nfev, res.message)

# %%
# Bounds and callbacks work as with SciPy's own methods.
seen = []
res = scipy.optimize.minimize(
    fun, x0, method=zominimize.zo_adam, bounds=[(0.0, 0.8)] * 20,
    callback=lambda intermediate_result: seen.append(intermediate_result.fun),
    options={"maxfev": 2100, "lr": 0.05, "scale_lr_by_dim": False, "rng": 0},
)
print(f"max(x) = {res.x.max():.3f} (bound 0.8), {len(seen)} callbacks, f = {res.fun:.4g}")

# %%
# The other way round: :func:`zominimize.minimize` hands SciPy's method names to SciPy.
for method in ["l2l-zo", "zo-adam", "nelder-mead", "powell", "cobyqa"]:
    r = zominimize.minimize(fun, x0, method=method, options={"maxfev": 2100})
    print(f"{method:12s} f = {r.fun:10.4g}   nfev = {r.nfev}")

# %%
# Inside :func:`scipy.optimize.basinhopping`, a custom method is a local minimizer like
# any other: each hop is a full ``zominimize`` run with its own budget. One detail
# matters: basinhopping only records local runs that report ``success=True``, and a
# run that exhausts ``maxfev`` does not (SciPy's convention). So give the local runs a
# convergence rule -- here ``ftol`` with a short ``patience`` -- that ends them with
# success before the budget runs out.
def rastrigin(x):
    return 10 * x.size + np.sum(x**2 - 10 * np.cos(2 * np.pi * x))


x_start = np.full(5, 2.0)
local = {"method": zominimize.zo_adam,
         "options": {"maxfev": 440, "ftol": 1e-4, "patience": 5, "q": 10, "lr": 0.05,
                     "scale_lr_by_dim": False, "rng": 0}}

res = scipy.optimize.minimize(rastrigin, x_start, **local)
print(f"one local run:  f = {res.fun:.4g} ({res.message})")

res = scipy.optimize.basinhopping(rastrigin, x_start, niter=20, stepsize=1.0,
                                  minimizer_kwargs=local, rng=0)
print(f"basinhopping:   f = {res.fun:.4g} after {res.nfev} evaluations, x = {res.x.round(2)}")
