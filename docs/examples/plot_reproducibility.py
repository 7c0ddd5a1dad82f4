"""
Reproducibility with ``rng``
============================

Every random direction comes from one :class:`numpy.random.Generator` made from
``rng`` (SPEC 7). The same seed gives the same result; independent runs come from
independent seeds; the global random state is never touched.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from zominimize import minimize
from zominimize.plotting import History, plot_convergence
from zominimize.problems import get_problem

problem = get_problem("rastrigin-10")
options = {"maxfev": 1050, "vectorized": True}

# %%
# Same seed, same run: ``rng`` may be an int, a ``SeedSequence`` or a ``Generator``.
a = minimize(problem.vectorized, problem.x0, options=options, rng=7)
b = minimize(problem.vectorized, problem.x0, options=options, rng=7)
c = minimize(problem.vectorized, problem.x0, options=options,
             rng=np.random.default_rng(7))
print(np.array_equal(a.x, b.x), np.array_equal(a.x, c.x), a.fun)

# %%
# The global random state plays no part: reseeding or drawing from NumPy's legacy
# global generator between runs changes nothing.
np.random.seed(123)  # noqa: NPY002 (the legacy global state, on purpose)
np.random.standard_normal(1000)  # noqa: NPY002
d = minimize(problem.vectorized, problem.x0, options=options, rng=7)
print(np.array_equal(a.x, d.x))

# %%
# For a study over several independent runs, spawn child seeds from one
# :class:`numpy.random.SeedSequence`: the whole study is reproducible from one number,
# and the runs do not share random streams.
children = np.random.SeedSequence(2020).spawn(8)
runs = []
for seed in children:
    hist = History()
    minimize(problem.vectorized, problem.x0, options=options, rng=seed, callback=hist)
    runs.append(hist)
finals = [h.fun[-1] for h in runs]
print(f"median best f over 8 runs: {np.median(finals):.4g} "
      f"(min {min(finals):.4g}, max {max(finals):.4g})")

# %%
# The median and interquartile range over the runs, as the benchmarks report them:
fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
plot_convergence({"l2l-zo, 8 seeds": runs}, ax=ax)
ax.set_title(problem.name)
plt.show()
