"""
The ask/tell loop
=================

When ``minimize`` cannot call your objective -- the values come from a lab, a batch
queue or another program -- drive the optimizer yourself with
:class:`zominimize.Optimizer`: ``ask`` for points, evaluate them however you like,
``tell`` their values.
"""

# %%
import pickle

import matplotlib.pyplot as plt
import numpy as np

from zominimize import Optimizer

# %%
# Stand-in for an external measurement: noisy, and evaluated in batches "elsewhere".
lab_noise = np.random.default_rng(1)


def measure_batch(X):
    clean = np.sum((X - 0.3) ** 2, axis=1)
    return clean + 0.01 * lab_noise.standard_normal(len(X))


# %%
# Method options are keywords of the constructor; the loop and its budget are yours.
opt = Optimizer("zo-adam", x0=np.zeros(12), rng=0, q=8, lr=0.05, scale_lr_by_dim=False)
best = []
while opt.nfev < 900:
    X = opt.ask()  # shape (q + 1, n): the new iterate and its queries
    F = measure_batch(X)  # anywhere, any way
    opt.tell(X, F)  # the same points, in the same order
    best.append((opt.nfev, opt.fun))
print(opt)
print(opt.result.x.round(2))

# %%
# ``ask`` is idempotent until ``tell``: a crash between the two loses nothing. And
# the whole optimizer pickles -- method, state, random generator, pending points --
# so it can wait on disk for days between ``ask`` and ``tell``.
X = opt.ask()
saved = pickle.dumps(opt)  # or zominimize.save_checkpoint(opt, "state.ckpt")
later = pickle.loads(saved)
print("same pending points:", np.array_equal(later.ask(), X))
later.tell(X, measure_batch(X))
print(later.nit, later.nfev)

# %%
nfev, fun = np.array(best).T
fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
ax.step(nfev, fun, where="post")
ax.set_yscale("log")
ax.set_xlabel("function evaluations")
ax.set_ylabel("best measured value")
ax.set_title("ask/tell with noisy measurements")
plt.show()
