"""Binary classification losses on random data: the paper's synthetic task and logistic regression.

**Our reading of the paper's synthetic task.** Only the paper's abstract was
available (``reference/paper.md`` §4.1): a non-convex binary classification problem
on synthetic data, with ``d = 100`` (and larger). We use the sigmoid least-squares
loss

    f(x) = (1/n) sum_i (y_i - sigmoid(a_i^T x))^2,    a_i ~ N(0, I_d),

with labels from a planted ``x* ~ N(0, I_d)``: ``y_i = 1[a_i^T x* > 0]`` by default
(``labels="sign"``), or ``y_i ~ Bernoulli(sigmoid(a_i^T x*))`` (``labels="sigmoid"``).
``n = 2 d`` samples by default: more equations than unknowns, so the landscape is
shaped by the data rather than flat, at an evaluation cost of ``O(n d) = O(2 d^2)``.
The start is ``x0 = 0`` (where ``f = 0.25``) and ``f_lower = 0``. With sign labels the
infimum is 0, approached along ``t x*`` as ``t`` grows but not attained, so
``f_opt`` is ``None``.

Instances are defined by an integer seed and pickle as ``(dim, n_samples, seed)``:
the data are regenerated on unpickling instead of being copied to every worker.
"""

from __future__ import annotations

import numpy as np

from ._base import Family, Problem
from ._random import Range, instance_seed, log_uniform, log_uniform_int
from ._xp import logaddexp0, sigmoid

__all__ = [
    "BinaryClassification",
    "ClassificationFamily",
    "LogisticRegression",
    "LogisticRegressionFamily",
]


def _n_samples(n_samples: int | None, dim: int) -> int:
    n = 2 * dim if n_samples is None else int(n_samples)
    if n < 1:
        raise ValueError(f"n_samples must be positive, got {n_samples}")
    return n


class BinaryClassification(Problem):
    """The paper's non-convex binary classification loss (sigmoid least squares).

    Parameters
    ----------
    dim : int, default 100
        Number of weights ``d``.
    n_samples : int, optional
        Number of data points ``n`` (default ``2 * dim``).
    rng : seed or Generator, optional
        Defines the instance; an integer is used as the instance ``seed`` itself.
    labels : {"sign", "sigmoid"}, default "sign"
        Labels ``1[a^T x* > 0]``, or Bernoulli draws with probability ``sigmoid(a^T x*)``.

    Attributes
    ----------
    features : ndarray of shape (n_samples, dim)
    targets : ndarray of shape (n_samples,)
        0/1 labels.
    x_planted : ndarray of shape (dim,)
        The planted ``x*`` (a good direction, not a minimizer).
    seed : int
    """

    def __init__(
        self,
        dim: int = 100,
        n_samples: int | None = None,
        rng: object = None,
        labels: str = "sign",
    ) -> None:
        if labels not in ("sign", "sigmoid"):
            raise ValueError(f"labels must be 'sign' or 'sigmoid', got {labels!r}")
        self.dim = int(dim)
        if self.dim < 1:
            raise ValueError(f"dim must be positive, got {dim}")
        self.n_samples = _n_samples(n_samples, self.dim)
        self.labels = labels
        self.seed = instance_seed(rng)
        gen = np.random.default_rng(self.seed)
        self.features = gen.standard_normal((self.n_samples, self.dim))
        self.x_planted = gen.standard_normal(self.dim)
        logits = self.features @ self.x_planted
        if labels == "sign":
            self.targets = (logits > 0).astype(np.float64)
        else:
            self.targets = (gen.random(self.n_samples) < sigmoid(logits)).astype(np.float64)
        self.x0 = np.zeros(self.dim)
        self.f_lower = 0.0
        self.f_opt = None
        self.x_scale = 1.0  # the planted x* has unit scale per coordinate
        self.name = f"classification(d={self.dim},n={self.n_samples})"

    def __reduce__(self):
        return type(self), (self.dim, self.n_samples, self.seed, self.labels)

    def _value(self, X):
        residual = self._const("targets", X) - sigmoid(X @ self._const("features", X).T)
        return (residual * residual).mean(axis=-1)

    def _torch(self, X):
        return self._value(X)

    def _numpy(self, X):
        return self._value(X)


class LogisticRegression(Problem):
    """l2-regularized logistic regression on random data (convex, smooth).

    ``f(w) = (1/n) sum_i log(1 + exp(-s_i a_i^T w)) + (reg/2) ||w||^2`` with labels
    ``s_i = +-1``, ``P(s_i = 1) = sigmoid(a_i^T w*)`` from a planted ``w*`` with
    ``||w*|| = 2``, and features ``a_ij ~ N(0, c_j^2)`` whose column scales ``c_j`` are
    spread log-uniformly over ``[cond^-1/2, cond^1/2]`` (``cond = 1``: isotropic).
    ``x0 = 0`` (``f = log 2``), ``f_lower = 0``.

    Parameters
    ----------
    dim : int, default 100
    n_samples : int, optional
        Default ``2 * dim``.
    reg : float, default 1e-3
        Ridge coefficient (> 0 keeps the minimizer finite on separable data).
    cond : float, default 1.0
        Spread of the feature scales (about the condition number of the data covariance).
    rng : seed or Generator, optional
        Defines the instance; an integer is used as the instance ``seed`` itself.
    """

    def __init__(
        self,
        dim: int = 100,
        n_samples: int | None = None,
        reg: float = 1e-3,
        cond: float = 1.0,
        rng: object = None,
    ) -> None:
        self.dim = int(dim)
        if self.dim < 1:
            raise ValueError(f"dim must be positive, got {dim}")
        if not reg >= 0:
            raise ValueError(f"reg must be non-negative, got {reg}")
        if not cond >= 1:
            raise ValueError(f"cond must be >= 1, got {cond}")
        self.n_samples = _n_samples(n_samples, self.dim)
        self.reg, self.cond = float(reg), float(cond)
        self.seed = instance_seed(rng)
        gen = np.random.default_rng(self.seed)
        scales = self.cond ** gen.uniform(-0.5, 0.5, self.dim)
        self.features = gen.standard_normal((self.n_samples, self.dim)) * scales
        w = gen.standard_normal(self.dim)
        self.x_planted = 2.0 * w / np.linalg.norm(w)
        p = sigmoid(self.features @ self.x_planted)
        self.signs = np.where(gen.random(self.n_samples) < p, 1.0, -1.0)
        self.x0 = np.zeros(self.dim)
        self.f_lower = 0.0
        self.f_opt = None
        self.x_scale = 2.0 / np.sqrt(self.dim)  # per-coordinate scale of the planted w*
        self.name = f"logistic(d={self.dim},n={self.n_samples},reg={self.reg:.3g})"

    def __reduce__(self):
        return type(self), (self.dim, self.n_samples, self.reg, self.cond, self.seed)

    def _value(self, X):
        margins = self._const("signs", X) * (X @ self._const("features", X).T)
        return logaddexp0(-margins).mean(axis=-1) + 0.5 * self.reg * (X * X).sum(axis=-1)

    def _torch(self, X):
        return self._value(X)

    def _numpy(self, X):
        return self._value(X)


class ClassificationFamily(Family):
    """Random :class:`BinaryClassification` instances (the paper's synthetic task).

    Parameters
    ----------
    dim : int or (int, int), default 100
        Dimension, or a range sampled log-uniformly.
    samples_per_dim : float, default 2.0
        ``n_samples = round(samples_per_dim * dim)``.
    labels : {"sign", "sigmoid"}, default "sign"
    """

    name = "classification"

    def __init__(
        self, dim: Range = 100, samples_per_dim: float = 2.0, labels: str = "sign"
    ) -> None:
        self.dim, self.samples_per_dim, self.labels = dim, float(samples_per_dim), labels

    def sample(self, rng: object = None) -> BinaryClassification:
        rng = np.random.default_rng(rng)
        dim = log_uniform_int(rng, self.dim, "dim")
        n = max(1, round(self.samples_per_dim * dim))
        return BinaryClassification(dim, n, rng=instance_seed(rng), labels=self.labels)


class LogisticRegressionFamily(Family):
    """Random :class:`LogisticRegression` instances.

    Parameters
    ----------
    dim : int or (int, int), default (10, 200)
        Dimension, or a range sampled log-uniformly.
    reg : float or (float, float), default (1e-4, 1e-1)
        Ridge coefficient, or a range sampled log-uniformly.
    cond : float or (float, float), default (1, 100)
        Feature-scale spread, or a range sampled log-uniformly.
    samples_per_dim : float, default 2.0
    """

    name = "logistic"

    def __init__(
        self,
        dim: Range = (10, 200),
        reg: Range = (1e-4, 1e-1),
        cond: Range = (1.0, 100.0),
        samples_per_dim: float = 2.0,
    ) -> None:
        self.dim, self.reg, self.cond = dim, reg, cond
        self.samples_per_dim = float(samples_per_dim)

    def sample(self, rng: object = None) -> LogisticRegression:
        rng = np.random.default_rng(rng)
        dim = log_uniform_int(rng, self.dim, "dim")
        reg = log_uniform(rng, self.reg, "reg")
        cond = log_uniform(rng, self.cond, "cond")
        n = max(1, round(self.samples_per_dim * dim))
        return LogisticRegression(dim, n, reg=reg, cond=cond, rng=instance_seed(rng))
