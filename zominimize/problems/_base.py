"""The two types of the problem library: :class:`Problem` and :class:`Family`.

A problem has one formula and several calling conventions: the numpy forms that
users and optimizers call (one point, a batch of rows, SciPy's ``vectorized``
columns) and a differentiable, batched torch form for meta-training. Subclasses
implement ``_torch`` and, where a faster numpy form exists, ``_numpy``; the public
methods here check shapes and dtypes once for all of them.
"""

from __future__ import annotations

import abc

import numpy as np
import torch
from torch import Tensor

from .._threads import limited_threads

__all__ = ["Family", "Problem", "TorchConstants", "rms_distance"]


def rms_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Root-mean-square per-coordinate distance between ``a`` and ``b``."""
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


class TorchConstants:
    """Mixin: numpy attributes served as cached tensors of a batch's dtype and device."""

    def _const(self, name: str, like: np.ndarray | Tensor) -> np.ndarray | Tensor:
        """Attribute ``name`` as an array matching ``like``.

        For a numpy ``like``, the stored array itself. For a tensor, a copy on its
        device (with its dtype, for floating point attributes), cached so that repeated
        torch calls do not convert again.
        """
        value = getattr(self, name)
        if not isinstance(like, torch.Tensor):
            return value
        cache = self.__dict__.setdefault("_tensor_cache", {})
        key = (name, like.dtype, like.device)
        tensor = cache.get(key)
        if tensor is None:
            value = np.asarray(value)
            dtype = like.dtype if np.issubdtype(value.dtype, np.floating) else None
            tensor = torch.as_tensor(value, dtype=dtype, device=like.device)
            cache[key] = tensor
        return tensor

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_tensor_cache", None)  # tensors are rebuilt on demand after unpickling
        return state


class Problem(TorchConstants, abc.ABC):
    """A black-box minimization problem with a numpy and a torch form.

    Attributes
    ----------
    name : str
        A short identifier, e.g. ``"rosenbrock(d=10)"``.
    dim : int
        Number of variables.
    x0 : ndarray of shape (dim,)
        The starting point (float64).
    bounds : tuple of two ndarrays or None
        ``(lb, ub)`` box bounds, or ``None`` when unbounded.
    f_lower : float
        A known lower bound of ``f`` (of its noise-free value for noisy problems),
        e.g. ``0.0`` for non-negative losses. Meta-losses use ``log(f - f_lower)``.
    f_opt : float or None
        The optimal value when it is known.
    x_opt : ndarray or None
        A minimizer when it is known (an extra, not needed by the optimizer).
    x_scale : float
        Typical per-coordinate distance from ``x0`` to good points, in the sense of
        pycma's ``sigma0``: a hint for the initial step size.
    noisy : bool
        Whether evaluations carry random noise (repeated calls at one point differ).
    """

    name: str = "problem"
    dim: int
    x0: np.ndarray
    bounds: tuple[np.ndarray, np.ndarray] | None = None
    f_lower: float = 0.0
    f_opt: float | None = None
    x_opt: np.ndarray | None = None
    x_scale: float = 1.0
    noisy: bool = False

    # -- public calling conventions -------------------------------------------------

    def __call__(self, x: np.ndarray) -> float:
        """Evaluate one point.

        Parameters
        ----------
        x : array_like of shape (dim,)

        Returns
        -------
        float
        """
        x = np.asarray(x, dtype=np.float64)
        if x.shape != (self.dim,):
            raise ValueError(f"x must have shape ({self.dim},), got {x.shape}")
        return float(self._numpy(x.reshape(1, self.dim))[0])

    def batch(self, X: np.ndarray) -> np.ndarray:
        """Evaluate the rows of ``X``.

        Parameters
        ----------
        X : array_like of shape (m, dim)

        Returns
        -------
        ndarray of shape (m,)
            float64 values.
        """
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.dim:
            raise ValueError(f"X must have shape (m, {self.dim}), got {X.shape}")
        return np.asarray(self._numpy(X), dtype=np.float64).reshape(X.shape[0])

    def vectorized(self, X: np.ndarray) -> np.ndarray:
        """Evaluate the columns of ``X`` (SciPy's ``vectorized=True`` convention).

        Parameters
        ----------
        X : array_like of shape (dim, S)

        Returns
        -------
        ndarray of shape (S,)
        """
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] != self.dim:
            raise ValueError(f"X must have shape ({self.dim}, S), got {X.shape}")
        return self.batch(X.T)

    def torch(self, X: Tensor) -> Tensor:
        """Differentiable batched form.

        Parameters
        ----------
        X : Tensor of shape (..., dim)
            Floating point; any leading batch dimensions, any device.

        Returns
        -------
        Tensor of shape (...)
            Same dtype and device as ``X``.
        """
        if not isinstance(X, torch.Tensor) or not X.is_floating_point():
            raise TypeError("X must be a floating point torch.Tensor")
        if X.ndim == 0 or X.shape[-1] != self.dim:
            raise ValueError(f"X must have shape (..., {self.dim}), got {tuple(X.shape)}")
        return self._torch(X)

    # -- hooks for subclasses -------------------------------------------------------

    @abc.abstractmethod
    def _torch(self, X: Tensor) -> Tensor:
        """Value of the (already validated) batch ``X`` of shape (..., dim)."""

    def _numpy(self, X: np.ndarray) -> np.ndarray:
        """Value of the float64 batch ``X`` of shape (m, dim); by default via torch."""
        X = np.require(X, dtype=np.float64, requirements=("C", "W"))
        # one evaluation is small work: one thread, not a fight with other processes
        with torch.no_grad(), limited_threads(1):
            return self._torch(torch.from_numpy(X)).numpy()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} dim={self.dim}>"


class Family(abc.ABC):
    """A distribution over problems, sampled reproducibly.

    Attributes
    ----------
    name : str
    """

    name: str = "family"

    @abc.abstractmethod
    def sample(self, rng: object = None) -> Problem:
        """Draw one problem.

        Parameters
        ----------
        rng : {None, int, numpy.random.Generator, numpy.random.SeedSequence}
            Anything :func:`numpy.random.default_rng` accepts. The same seed gives an
            identical problem.

        Returns
        -------
        Problem
        """

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
