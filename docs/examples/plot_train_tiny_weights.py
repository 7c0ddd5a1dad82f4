"""
Training your own weights
=========================

Meta-train a (tiny) learned optimizer on a family of problems, save it as a weights
file with its manifest, and use it with ``l2l-zo``. The settings below take a few
seconds and only demonstrate the mechanics; real training uses the defaults of
:class:`~zominimize.meta.TrainConfig` (or ``zominimize train`` on the command line)
and takes minutes to hours.
"""

# %%
import os
import tempfile

from zominimize import minimize
from zominimize.learned import load_weights
from zominimize.meta import TrainConfig, train
from zominimize.problems import get_family

# %%
# The configuration: train on the ``quadratic`` family; stage 1 (UpdateRNN) for 3
# meta-iterations and stage 2 (QueryRNN) for 2, unrolls of 20 iterations truncated
# every 10, 4 query directions, and 2 validation problems for selecting the weights.
cfg = TrainConfig(family="quadratic", update_iters=3, query_iters=2, horizon=20,
                  horizon_start=20, truncation=10, q=4, val_size=2, val_steps=20)

workdir = tempfile.mkdtemp()
out = os.path.join(workdir, "tiny.safetensors")
net, manifest = train(cfg, out)

# %%
# Each validation line reads: stage, meta-iteration, the mean final log-gap on the
# validation problems (lower is better; ``*`` marks the selected weights). The file
# carries its manifest: what it was trained on, with which options, the checksum.
print(net)
for key in ("family", "options", "validation_score", "sha256", "wall_time_s"):
    print(f"{key:17s} {manifest[key]}")

# %%
# Loading checks the format, the SHA-256 and the tensor shapes; nothing is
# unpickled.
net2, manifest2 = load_weights(out)
print(manifest2["arch"], manifest2["sha256"] == manifest["sha256"])

# %%
# Use the weights like a bundled set, by path, on a fresh problem of the family:
problem = get_family("quadratic", dim=50).sample(12345)
for label, weights in [("tiny weights", out), ("bundled default", "default")]:
    res = minimize(problem.vectorized, problem.x0, method="l2l-zo", rng=0,
                   options={"weights": weights, "maxfev": 1050, "vectorized": True})
    print(f"{label:16s} f = {res.fun:.4g}  (f(x0) = {problem(problem.x0):.4g})")

# %%
# (Clean up the example's temporary directory.)
import shutil

shutil.rmtree(workdir)
