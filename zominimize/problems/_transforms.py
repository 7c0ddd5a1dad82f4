"""Problems and families built from others: rescaling, noise, mixtures."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ._base import Family, Problem
from ._random import Range, instance_seed, log_uniform, uniform

__all__ = ["MixtureFamily", "Noisy", "NoisyFamily", "RandomScaleFamily", "Scaled", "Warped",
           "WarpFamily", "noise_free"]


class Scaled(Problem):
    """Rescale a problem in ``f`` and in ``x``: ``g(z) = a f(z / s) + b``.

    Parameters
    ----------
    problem : Problem
        The problem ``f``.
    f_scale : float, default 1.0
        ``a > 0``.
    f_shift : float, default 0.0
        ``b``.
    x_scale : float, default 1.0
        ``s > 0``. Points of ``g`` are ``s`` times points of ``f``.

    Notes
    -----
    Every attribute follows from the definition: ``x0_g = s x0``, ``bounds_g = s bounds``,
    ``x_opt_g = s x_opt``, ``f_lower_g = a f_lower + b``, ``f_opt_g = a f_opt + b`` and
    ``x_scale_g = s x_scale``. The factors are stored as ``f_scale``, ``f_shift`` and
    ``x_factor`` (``x_scale`` is the step-size hint of every problem).
    """

    def __init__(
        self,
        problem: Problem,
        f_scale: float = 1.0,
        f_shift: float = 0.0,
        x_scale: float = 1.0,
    ) -> None:
        a, b, s = float(f_scale), float(f_shift), float(x_scale)
        if not (np.isfinite(a) and a > 0):
            raise ValueError(f"f_scale must be positive and finite, got {f_scale}")
        if not np.isfinite(b):
            raise ValueError(f"f_shift must be finite, got {f_shift}")
        if not (np.isfinite(s) and s > 0):
            raise ValueError(f"x_scale must be positive and finite, got {x_scale}")
        self.inner = problem
        self.f_scale, self.f_shift, self.x_factor = a, b, s
        self.dim = problem.dim
        self.x0 = s * np.asarray(problem.x0, dtype=np.float64)
        self.bounds = (
            None if problem.bounds is None else (s * problem.bounds[0], s * problem.bounds[1])
        )
        self.x_opt = None if problem.x_opt is None else s * problem.x_opt
        self.f_lower = a * problem.f_lower + b
        self.f_opt = None if problem.f_opt is None else a * problem.f_opt + b
        self.x_scale = s * problem.x_scale
        self.noisy = problem.noisy
        self.name = f"scaled({problem.name},a={a:.3g},b={b:.3g},s={s:.3g})"

    def _numpy(self, X):
        return self.f_scale * self.inner.batch(X / self.x_factor) + self.f_shift

    def _torch(self, X):
        return self.f_scale * self.inner.torch(X / self.x_factor) + self.f_shift


class Warped(Problem):
    """A monotone transformation of a problem's values: ``g(x) = f_lower + (f(x) -
    f_lower)^p``.

    The minimizers and the order of any two points are those of ``f``; only the shape
    of the landscape changes (``p < 1`` sharpens the bottom of a valley, ``p > 1``
    flattens it). A rank-based method would not see the difference; a method that
    reads differences of values does.

    Parameters
    ----------
    problem : Problem
        Needs a finite ``f_lower``.
    power : float
        ``p > 0``.
    """

    def __init__(self, problem: Problem, power: float) -> None:
        p = float(power)
        if not (np.isfinite(p) and p > 0):
            raise ValueError(f"power must be positive and finite, got {power}")
        if not np.isfinite(problem.f_lower):
            raise ValueError("Warped needs a problem with a finite f_lower")
        self.inner, self.power = problem, p
        self.dim, self.x0, self.bounds = problem.dim, problem.x0, problem.bounds
        self.x_opt, self.f_lower, self.f_opt = problem.x_opt, problem.f_lower, problem.f_opt
        self.x_scale, self.noisy = problem.x_scale, problem.noisy
        self.name = f"warped({problem.name},p={p:.3g})"

    def _numpy(self, X):
        gap = np.maximum(self.inner.batch(X) - self.f_lower, 0.0)
        return self.f_lower + gap**self.power

    def _torch(self, X):
        gap = (self.inner.torch(X) - self.f_lower).clamp_min(0.0)
        return self.f_lower + gap**self.power


class WarpFamily(Family):
    """Wrap a family's problems in :class:`Warped` with a random power.

    Parameters
    ----------
    family : Family
    power : float or (float, float), default (0.5, 2.0)
        ``p``, or a range sampled log-uniformly.
    """

    def __init__(self, family: Family, power: Range = (0.5, 2.0)) -> None:
        self.family, self.power = family, power
        self.name = f"warped({family.name})"

    def sample(self, rng: object = None) -> Warped:
        rng = np.random.default_rng(rng)
        problem = self.family.sample(rng)
        return Warped(problem, log_uniform(rng, self.power, "power"))


class Noisy(Problem):
    """Add Gaussian noise to a problem's values.

    ``g(x) = f(x) + sigma |f(x0) - f_lower| eps``, ``eps ~ N(0, 1)`` drawn afresh at every
    evaluation, so the noise level is relative to the initial gap.

    Parameters
    ----------
    problem : Problem
    sigma : float
        Relative noise level (``>= 0``).
    rng : seed or Generator, optional
        Seeds the numpy forms' own :class:`numpy.random.Generator`, stored in the
        object (it pickles with its state). The torch form draws with
        :func:`torch.randn` (training-time noise, governed by torch's global seed).

    Notes
    -----
    ``f_lower`` and ``f_opt`` are those of the noise-free problem; observed values can
    fall below them. The noise depends on the order of evaluations: a copy of the
    problem in another process continues the same stream, so parallel evaluation does
    not reproduce serial noise. The noise-free problem is ``inner``.
    """

    noisy = True

    def __init__(self, problem: Problem, sigma: float, rng: object = None) -> None:
        sigma = float(sigma)
        if not (np.isfinite(sigma) and sigma >= 0):
            raise ValueError(f"sigma must be non-negative and finite, got {sigma}")
        self.inner = problem
        self.sigma = sigma
        gap = abs(problem(problem.x0) - problem.f_lower)
        self.noise_std = sigma * (gap if np.isfinite(gap) and gap > 0 else 1.0)
        self.rng = np.random.default_rng(rng)
        self.dim, self.x0, self.bounds = problem.dim, problem.x0, problem.bounds
        self.x_opt, self.f_lower, self.f_opt = problem.x_opt, problem.f_lower, problem.f_opt
        self.x_scale = problem.x_scale
        self.name = f"noisy({problem.name},sigma={sigma:.3g})"

    def _numpy(self, X):
        noise = self.rng.standard_normal(X.shape[0])
        return self.inner.batch(X) + self.noise_std * noise

    def _torch(self, X):
        noise = torch.randn(X.shape[:-1], dtype=X.dtype, device=X.device)
        return self.inner.torch(X) + self.noise_std * noise


def noise_free(problem: Problem) -> Problem:
    """The problem without its :class:`Noisy` layers (the noise-free scorer of a noisy
    oracle); problems without noise are returned as they are."""
    if isinstance(problem, Noisy):
        return noise_free(problem.inner)
    if isinstance(problem, Warped):
        inner = noise_free(problem.inner)
        return problem if inner is problem.inner else Warped(inner, problem.power)
    if isinstance(problem, Scaled):
        inner = noise_free(problem.inner)
        if inner is problem.inner:
            return problem
        return Scaled(inner, problem.f_scale, problem.f_shift, problem.x_factor)
    return problem


class RandomScaleFamily(Family):
    """Wrap a family's problems in :class:`Scaled` with random factors.

    The inner problem is drawn first from the same generator, so
    ``RandomScaleFamily(F).sample(seed).inner`` equals ``F.sample(seed)``.

    Parameters
    ----------
    family : Family
    f_scale : float or (float, float), default (1e-3, 1e3)
        ``a``, or a range sampled log-uniformly.
    x_scale : float or (float, float), default (1e-2, 1e2)
        ``s``, or a range sampled log-uniformly.
    f_shift : float or (float, float), default 0.0
        ``b``, or a range sampled uniformly.
    """

    def __init__(
        self,
        family: Family,
        f_scale: Range = (1e-3, 1e3),
        x_scale: Range = (1e-2, 1e2),
        f_shift: Range = 0.0,
    ) -> None:
        self.family = family
        self.f_scale, self.x_scale, self.f_shift = f_scale, x_scale, f_shift
        self.name = f"random-scale({family.name})"

    def sample(self, rng: object = None) -> Scaled:
        rng = np.random.default_rng(rng)
        problem = self.family.sample(rng)
        a = log_uniform(rng, self.f_scale, "f_scale")
        s = log_uniform(rng, self.x_scale, "x_scale")
        b = uniform(rng, self.f_shift, "f_shift")
        return Scaled(problem, f_scale=a, f_shift=b, x_scale=s)


class NoisyFamily(Family):
    """Wrap a family's problems in :class:`Noisy` with a random relative noise level.

    Parameters
    ----------
    family : Family
    sigma : float or (float, float), default (1e-3, 1e-1)
        Relative noise level, or a range sampled log-uniformly.
    """

    def __init__(self, family: Family, sigma: Range = (1e-3, 1e-1)) -> None:
        self.family, self.sigma = family, sigma
        self.name = f"noisy({family.name})"

    def sample(self, rng: object = None) -> Noisy:
        rng = np.random.default_rng(rng)
        problem = self.family.sample(rng)
        sigma = log_uniform(rng, self.sigma, "sigma")
        return Noisy(problem, sigma, rng=instance_seed(rng))


class MixtureFamily(Family):
    """Draw from one of several families, chosen at random with given weights.

    Parameters
    ----------
    components : sequence of Family or (Family, weight)
        A bare family has weight 1.
    name : str, default "mixture"
    """

    def __init__(
        self, components: Sequence[Family | tuple[Family, float]], name: str = "mixture"
    ) -> None:
        families, weights = [], []
        for item in components:
            family, weight = item if isinstance(item, tuple) else (item, 1.0)
            if not isinstance(family, Family):
                raise TypeError(f"components must be families, got {family!r}")
            if not (np.isfinite(weight) and weight >= 0):
                raise ValueError(f"weights must be non-negative, got {weight}")
            families.append(family)
            weights.append(float(weight))
        total = sum(weights)
        if not families or total <= 0:
            raise ValueError("components must hold at least one family of positive weight")
        self.families = tuple(families)
        self.weights = np.asarray(weights) / total
        self.name = name

    def sample(self, rng: object = None) -> Problem:
        rng = np.random.default_rng(rng)
        index = int(rng.choice(len(self.families), p=self.weights))
        return self.families[index].sample(rng)
