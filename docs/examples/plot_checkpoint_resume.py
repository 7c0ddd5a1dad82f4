"""
Checkpoint and resume
=====================

A long run that crashes -- a killed job, a failing simulation, Ctrl-C -- loses
nothing: the exception carries the best point so far, and with the ``checkpoint``
option the same call continues from where it stopped, on the very trajectory the
uninterrupted run would have followed.
"""

# %%
import os
import tempfile

import numpy as np

from zominimize import load_checkpoint, minimize


def fun(x):
    return np.sum((x - 1.0) ** 2) + 0.1 * np.sum(np.abs(x))


x0 = np.zeros(30)
options = {"maxfev": 2100, "lr": 0.3, "scale_lr_by_dim": False}

# %%
# The reference: one run without interruption.
reference = minimize(fun, x0, method="zo-adam", options=options, rng=0)
print(f"uninterrupted: f = {reference.fun:.6g} after {reference.nfev} evaluations")


# %%
# Now a simulation that crashes at its 1000th evaluation.
class SimulationCrashed(RuntimeError):
    pass


calls = 0


def flaky(x):
    global calls
    calls += 1
    if calls == 1000:
        raise SimulationCrashed("the cluster node went away")
    return fun(x)


workdir = tempfile.mkdtemp()
ckpt = os.path.join(workdir, "run.ckpt")
run_options = {**options, "checkpoint": ckpt, "checkpoint_every": 5, "resume": True}

try:
    minimize(flaky, x0, method="zo-adam", options=run_options, rng=0)
except SimulationCrashed as exc:
    best = exc.best_result
    print(f"crashed: {best.message}")
    print(f"best so far: f = {best.fun:.6g} after {best.nfev} evaluations")

# %%
# The checkpoint file holds the optimizer as of its last checkpoint (every 5
# iterations here); it can be inspected from anywhere.
print(load_checkpoint(ckpt))

# %%
# Run *the same call* again: with ``resume=True`` it continues from the checkpoint
# (and starts afresh when there is none, so one script serves both cases). The budget
# counts every evaluation since the very start.
resumed = minimize(flaky, x0, method="zo-adam", options=run_options, rng=0)
print(f"resumed:       f = {resumed.fun:.6g} after {resumed.nfev} evaluations")
print("identical to the uninterrupted run:", np.array_equal(resumed.x, reference.x))

# %%
# To extend a finished run, resume with a larger budget.
longer = minimize(fun, x0, method="zo-adam", options={**run_options, "maxfev": 4200})
print(f"extended:      f = {longer.fun:.6g} after {longer.nfev} evaluations")

# %%
# (Clean up the example's temporary directory.)
import shutil

shutil.rmtree(workdir)
