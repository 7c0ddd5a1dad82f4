"""
A black-box attack on a digit
=============================

The paper's practical task: change a correctly classified 28×28 digit so that a
convolutional classifier misreads it, using only the classifier's outputs (no
gradients), while changing as few pixels as little as possible. The loss of the
perturbation δ (*d* = 784) is the untargeted Carlini–Wagner-style loss

.. math::

    f(\\delta) = \\max\\big(\\log p_y - \\max_{j \\ne y} \\log p_j,\\ 0\\big)
                 + 0.1\\, \\lVert x_{\\mathrm{adv}} - x \\rVert_1 .

The classifier and the digits ship with the package
(:class:`zominimize.problems.Attack`). The budget here is small, 1,050 evaluations
(50 iterations); ``zominimize demo`` runs the paper's 4,200.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from zominimize import minimize
from zominimize.plotting import History, plot_convergence
from zominimize.problems import attack_problem

problem = attack_problem(index=0, split="test")
print(problem.name, "dimension", problem.dim)

# %%
# ``problem.vectorized`` evaluates a whole batch of perturbations in one forward pass
# of the CNN, so ``vectorized=True`` makes an iteration one call. ``l2l-zo`` uses the
# weight set trained on attacks of other images (``weights="attack"``).
runs = {
    "l2l-zo (attack weights)": ("l2l-zo", {"weights": "attack"}),
    "ZO-Adam (paper's lr)": ("zo-adam", {}),
}
results, histories = {}, {}
for label, (method, opts) in runs.items():
    hist = History()
    res = minimize(problem.vectorized, problem.x0, method=method, rng=0, callback=hist,
                   options={"maxfev": 1050, "vectorized": True, **opts})
    results[label], histories[label] = res, hist
    print(f"{label:24s} loss {res.fun:.4f}  margin {problem.margin(res.x):+.3f}  "
          f"success {problem.success(res.x)}")

# %%
# A negative margin means the perturbed digit is misclassified: the attack
# succeeded.
best_label = min(results, key=lambda k: results[k].fun)
delta = results[best_label].x.reshape(28, 28)
adv = np.clip(problem.image + delta, 0.0, 1.0)

fig, axes = plt.subplots(1, 4, figsize=(12, 3.2), layout="constrained",
                         gridspec_kw={"width_ratios": [1, 1, 1, 1.7]})
axes[0].imshow(problem.image, cmap="gray", vmin=0, vmax=1)
axes[0].set_title(f"original (label {problem.label})")
axes[1].imshow(adv, cmap="gray", vmin=0, vmax=1)
axes[1].set_title("perturbed")
lim = max(1e-12, float(np.abs(adv - problem.image).max()))
axes[2].imshow(adv - problem.image, cmap="RdBu_r", vmin=-lim, vmax=lim)
axes[2].set_title(f"perturbation ({best_label.split()[0]})")
for ax in axes[:3]:
    ax.set_xticks([])
    ax.set_yticks([])
plot_convergence(histories, ax=axes[3])
axes[3].set_title("attack loss")
plt.show()
