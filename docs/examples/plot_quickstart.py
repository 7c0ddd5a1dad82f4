"""
Quickstart: the Rosenbrock function
===================================

Minimize the 10-dimensional Rosenbrock function with the learned optimizer
``l2l-zo`` and with the hand-designed ZO-Adam, at the same budget of function
evaluations, and plot both convergence curves.
"""

# %%
# The objective takes a 1-D array and returns a number; only its values are used.
import matplotlib.pyplot as plt
import numpy as np

from zominimize import minimize
from zominimize.plotting import History, plot_convergence


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


x0 = np.zeros(10)

# %%
# One call, SciPy's signature. ``maxfev`` counts every evaluation: with ``q = 20``
# query directions an iteration costs 21, so 2100 evaluations are 100 iterations.
# ``rng`` makes the run reproducible.
res = minimize(rosenbrock, x0, method="l2l-zo", options={"maxfev": 2100}, rng=0)
print(res)

# %%
# ``res.x`` is the best point evaluated, ``res.fun`` its value; ``status=1`` says that
# the run used its whole budget (SciPy's convention, not an error).
#
# To compare methods, record the best-so-far value after every iteration with the
# :class:`~zominimize.plotting.History` callback.
histories = {}
for method, options in [
    ("l2l-zo", {}),
    ("zo-adam", {}),  # the paper's learning rate, lr = 8 / d
    ("zo-adam", {"lr": 1.0}),  # a larger one
]:
    label = method + "".join(f" (lr={v})" for v in options.values())
    hist = History()
    minimize(rosenbrock, x0, method=method, options={"maxfev": 2100, **options},
             rng=0, callback=hist)
    histories[label] = hist
    print(f"{label:20s} best f = {hist.fun[-1]:.4g}")

# %%
# Best-so-far value against function evaluations. A hand-designed method depends on
# its learning rate: the paper's rate was tuned for its attack task, and on another
# problem its steps can be far too large or too small. ``l2l-zo`` takes its steps in
# units of a step size that it adapts during the run (see :doc:`/method`).
fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
plot_convergence(histories, ax=ax)
ax.set_title("Rosenbrock, d = 10")
plt.show()
