"""Random orthogonal transforms that stay cheap in high dimension.

Up to ``dense_max`` dimensions the rotation is a dense Haar-random orthogonal
matrix (QR of a Gaussian matrix). Above, a dense ``d x d`` matrix would cost
``O(d^2)`` memory and time per point, so the rotation is a composition that still
couples every coordinate with many others, in ``O(d * block)``:
a random permutation, then independent Haar rotations of consecutive blocks of
``block`` coordinates, then ``n_reflections`` random Householder reflections
``I - 2 v v^T`` (which couple all blocks through low-rank terms).
"""

from __future__ import annotations

import numpy as np

from ._base import TorchConstants
from ._xp import xp

__all__ = ["Rotation", "haar_orthogonal"]


def haar_orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    """A Haar-distributed random ``n x n`` orthogonal matrix."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))  # the sign fix makes the distribution exactly Haar


class Rotation(TorchConstants):
    """A random orthogonal map ``z = R x`` applied to the last axis of a batch.

    Parameters
    ----------
    dim : int
        Dimension.
    rng : numpy.random.Generator
        Source of randomness.
    dense_max : int, default 500
        Largest dimension that gets a dense Haar rotation.
    block : int, default 64
        Block size of the structured rotation used above ``dense_max``.
    n_reflections : int, default 4
        Householder reflections of the structured rotation.
    """

    def __init__(
        self,
        dim: int,
        rng: np.random.Generator,
        dense_max: int = 500,
        block: int = 64,
        n_reflections: int = 4,
    ) -> None:
        self.dim = int(dim)
        self.dense = self.dim <= dense_max
        if self.dense:
            self.matrix = haar_orthogonal(self.dim, rng)
            return
        n_blocks, rest = divmod(self.dim, block)
        self.perm = rng.permutation(self.dim)
        self.blocks = np.stack([haar_orthogonal(block, rng) for _ in range(n_blocks)])
        self.rest = haar_orthogonal(rest, rng) if rest else np.ones((0, 0))
        v = rng.standard_normal((n_reflections, self.dim))
        self.reflections = v / np.linalg.norm(v, axis=1, keepdims=True)

    def __call__(self, X):
        """Rotate the last axis of ``X`` (ndarray or Tensor of shape (..., dim))."""
        if self.dense:
            return X @ self._const("matrix", X).T
        m = xp(X)
        blocks = self._const("blocks", X)
        n_blocks, block = blocks.shape[0], blocks.shape[1]
        Z = X[..., self._const("perm", X)]
        head = Z[..., : n_blocks * block].reshape(*Z.shape[:-1], n_blocks, block)
        head = m.einsum("nij,...nj->...ni", blocks, head)
        head = head.reshape(*Z.shape[:-1], n_blocks * block)
        parts = [head]
        if self.rest.size:
            parts.append(Z[..., n_blocks * block :] @ self._const("rest", X).T)
        Z = m.concatenate(parts, axis=-1)
        V = self._const("reflections", X)
        for i in range(V.shape[0]):
            v = V[i]
            Z = Z - 2.0 * (Z @ v)[..., None] * v
        return Z
