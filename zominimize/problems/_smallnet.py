"""Training loss of a tiny neural network, with its parameters flattened into ``x``.

A one-hidden-layer tanh network ``u -> w2^T tanh(W1 u + b1) + b2`` regresses targets
produced by a random "teacher" network of the same shape plus Gaussian noise, on
``n`` random inputs ``u ~ N(0, I_p)``. The loss is ``0.5 * mean((net(u) - t)^2)``,
non-convex with saddles and symmetric minima, like real network training.
``x = [W1.ravel(), b1, w2, b2]``, so ``dim = hidden * (in_dim + 2) + 1``.
"""

from __future__ import annotations

import numpy as np

from ._base import Family, Problem
from ._random import Range, instance_seed, log_uniform_int
from ._xp import xp

__all__ = ["SmallNet", "SmallNetFamily"]


class SmallNet(Problem):
    """Mean squared error of a 1-hidden-layer tanh network on random regression data.

    Parameters
    ----------
    in_dim : int, default 4
        Input dimension ``p``.
    hidden : int, default 16
        Hidden units ``H``.
    n_samples : int, optional
        Number of data points (default ``2 * dim``).
    noise : float, default 0.1
        Standard deviation of the target noise (targets have unit variance before it),
        so good fits reach about ``0.5 * noise^2``.
    rng : seed or Generator, optional
        Defines the instance; an integer is used as the instance ``seed`` itself.

    Notes
    -----
    ``x0`` is a standard initialization: ``W1 ~ N(0, 1/p)``, ``w2 ~ N(0, 1/H)``, zero
    biases. ``f_lower = 0``; ``f_opt`` is unknown.
    """

    def __init__(
        self,
        in_dim: int = 4,
        hidden: int = 16,
        n_samples: int | None = None,
        noise: float = 0.1,
        rng: object = None,
    ) -> None:
        self.in_dim, self.hidden = int(in_dim), int(hidden)
        if self.in_dim < 1 or self.hidden < 1:
            raise ValueError("in_dim and hidden must be positive")
        if not noise >= 0:
            raise ValueError(f"noise must be non-negative, got {noise}")
        self.dim = self.hidden * (self.in_dim + 2) + 1
        self.n_samples = 2 * self.dim if n_samples is None else int(n_samples)
        if self.n_samples < 1:
            raise ValueError(f"n_samples must be positive, got {n_samples}")
        self.noise = float(noise)
        self.seed = instance_seed(rng)
        gen = np.random.default_rng(self.seed)
        p, h = self.in_dim, self.hidden
        self.inputs = gen.standard_normal((self.n_samples, p))
        teacher = np.concatenate(
            [
                gen.normal(0.0, 2.0 / np.sqrt(p), h * p),
                gen.normal(0.0, 0.5, h),
                gen.normal(0.0, 1.0 / np.sqrt(h), h),
                [0.0],
            ]
        )
        clean = self._forward(teacher[None, :], self.inputs)[0]
        clean = (clean - clean.mean()) / (clean.std() or 1.0)
        self.targets = clean + self.noise * gen.standard_normal(self.n_samples)
        self.x0 = np.concatenate(
            [
                gen.normal(0.0, 1.0 / np.sqrt(p), h * p),
                np.zeros(h),
                gen.normal(0.0, 1.0 / np.sqrt(h), h),
                [0.0],
            ]
        )
        self.f_lower = 0.0
        self.f_opt = None
        self.x_scale = 1.0 / np.sqrt(p)  # the scale of the first-layer weights
        self.name = f"smallnet(p={p},h={h},d={self.dim})"

    def __reduce__(self):
        args = (self.in_dim, self.hidden, self.n_samples, self.noise, self.seed)
        return type(self), args

    def _forward(self, X, U):
        """Network outputs, shape (..., n), for parameter batch X (..., dim) and inputs U."""
        p, h = self.in_dim, self.hidden
        W1 = X[..., : h * p].reshape(*X.shape[:-1], h, p)
        b1 = X[..., h * p : h * (p + 1)]
        w2 = X[..., h * (p + 1) : h * (p + 2)]
        b2 = X[..., -1:]
        hidden = xp(X).tanh(U @ W1.swapaxes(-1, -2) + b1[..., None, :])  # (..., n, h)
        return (hidden @ w2[..., None])[..., 0] + b2

    def _value(self, X):
        residual = self._forward(X, self._const("inputs", X)) - self._const("targets", X)
        return 0.5 * (residual * residual).mean(axis=-1)

    def _torch(self, X):
        return self._value(X)

    def _numpy(self, X):
        return self._value(X)


class SmallNetFamily(Family):
    """Random :class:`SmallNet` instances, ``dim = hidden * (in_dim + 2) + 1``.

    Parameters
    ----------
    in_dim : int or (int, int), default (3, 8)
        Input dimension, or a range sampled log-uniformly.
    hidden : int or (int, int), default (8, 30)
        Hidden units, or a range sampled log-uniformly. The defaults give
        ``dim`` between 41 and 301.
    noise : float, default 0.1
    """

    name = "smallnet"

    def __init__(self, in_dim: Range = (3, 8), hidden: Range = (8, 30), noise: float = 0.1) -> None:
        self.in_dim, self.hidden, self.noise = in_dim, hidden, float(noise)

    def sample(self, rng: object = None) -> SmallNet:
        rng = np.random.default_rng(rng)
        in_dim = log_uniform_int(rng, self.in_dim, "in_dim")
        hidden = log_uniform_int(rng, self.hidden, "hidden")
        return SmallNet(in_dim, hidden, noise=self.noise, rng=instance_seed(rng))
