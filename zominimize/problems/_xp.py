"""Write a formula once for numpy arrays and torch tensors.

The problem formulas use only operations that numpy and torch spell alike
(arithmetic, ``@``, ``sum(axis=...)``, ``reshape``, ``einsum``); the few that differ
are here. ``xp(X)`` returns the module to call for ``X``.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import scipy.special
import torch

__all__ = ["logaddexp0", "max_last", "safe_sqrt", "sigmoid", "xp"]


def xp(X: object) -> ModuleType:
    """The array module of ``X``: :mod:`torch` for tensors, :mod:`numpy` otherwise."""
    return torch if isinstance(X, torch.Tensor) else np


def sigmoid(Z):
    """Logistic sigmoid, without overflow warnings."""
    return torch.sigmoid(Z) if isinstance(Z, torch.Tensor) else scipy.special.expit(Z)


def logaddexp0(Z):
    """``log(1 + exp(Z))`` computed stably (exact for large ``Z``, unlike torch's softplus)."""
    if isinstance(Z, torch.Tensor):
        return torch.logaddexp(torch.zeros_like(Z), Z)
    return np.logaddexp(0.0, Z)


def safe_sqrt(Z):
    """Square root of ``Z >= 0`` whose torch gradient at 0 is 0 instead of NaN."""
    m = xp(Z)
    positive = Z > 0
    return m.where(positive, m.sqrt(m.where(positive, Z, 1.0)), 0.0)


def max_last(Z):
    """The maximum over the last axis (numpy's ``axis`` and torch's ``dim`` differ)."""
    if isinstance(Z, torch.Tensor):
        return Z.amax(dim=-1)
    return Z.max(axis=-1)
