"""A query covariance adapted from the iterate's moves: CMA-ES's rank-one update, held
to a bounded condition number.

The coordinate-wise networks cannot see a rotated valley (a bent cigar, a rotated
ellipsoid, Rosenbrock's): each reads one coordinate. With ``covariance=True``
``l2l-zo`` draws its query directions as ``A u`` with ``A Aᵀ = C``, so that the
forward-difference estimate follows ``C g`` rather than ``g``, a preconditioned
gradient. ``C`` learns as CMA-ES's rank-one update does (Hansen, "The CMA Evolution
Strategy: A Tutorial", 2016, eqs. 24 and 30): an evolution path accumulates the
iterate's moves in units of σ; moves that cancel (the zigzag across a valley) leave
it, moves that persist (along the valley) build it up, and ``C`` grows along it.

Unlike an evolution strategy's mean shifts, the networks' steps follow a running mean
of the estimates, so they persist by construction, and ``C`` would stretch along the
direction of travel without end (towards rank one, where a run stalls: research log,
explorations after the fiftieth round). So the ratio of ``C``'s largest to smallest
eigenvalue is held at most ``COND_MAX``, and the trace at ``d`` so that σ keeps its
meaning. A restart starts ``C`` afresh with the networks. The eigendecomposition
costs ``O(d³)`` per iteration, which is why the ``"auto"`` rule keeps it to small ``d``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch

from .._checkpoint import register_state_type

__all__ = ["CovarianceState", "COND_MAX", "init_covariance", "adapt", "learning_rates"]

#: Largest ratio of C's eigenvalues (the directions' lengths differ by at most its
#: square root): without a bound, and with 1e3 or 100, C cost the training families'
#: draws (mean +1.06, +1.04, +0.32 on general-wide); 10 did not and kept the gain on
#: BBOB (research log, explorations after the fiftieth round; fifty-first round).
COND_MAX = 10.0
# CMA-ES's mu_eff in its rank-one rate: a run of the networks moves one iterate.
_MU_EFF = 2.0


@register_state_type
@dataclass
class CovarianceState:
    """The adapted covariance of the query directions.

    Attributes
    ----------
    C : Tensor of shape (d, d)
        The covariance (float64, trace ``d``, condition number at most ``COND_MAX``).
    A : Tensor of shape (d, d)
        Its lower Cholesky factor (the directions are ``A u``).
    path : Tensor of shape (d,)
        The evolution path of the iterate's moves in units of σ.
    x : Tensor of shape (d,)
        The iterate when ``C`` last learned (its next move is measured from there).
    """

    C: torch.Tensor
    A: torch.Tensor
    path: torch.Tensor
    x: torch.Tensor


def learning_rates(d: int) -> tuple[float, float]:
    """``(c_c, c_1)``: the path's and the covariance's learning rates at dimension ``d``
    (CMA-ES's defaults, with ``mu_eff = 2``)."""
    return 4.0 / (d + 4.0), 2.0 / ((d + 1.3) ** 2 + _MU_EFF)


def init_covariance(x: torch.Tensor) -> CovarianceState:
    """The identity covariance, at the iterate ``x``."""
    d = x.numel()
    eye = torch.eye(d, dtype=torch.float64, device=x.device)
    return CovarianceState(C=eye, A=eye.clone(),
                           path=torch.zeros(d, dtype=torch.float64, device=x.device),
                           x=x.detach().to(torch.float64).clone())


def _bounded(C: torch.Tensor) -> torch.Tensor:
    """``C`` symmetrised, its eigenvalues raised to at least ``1/COND_MAX`` of the
    largest, and scaled to trace ``d``."""
    lam, V = torch.linalg.eigh(0.5 * (C + C.T))
    lam = lam.clamp_min(float(lam.max()) / COND_MAX)
    C = (V * lam) @ V.T
    return C * (C.shape[0] / torch.trace(C))


def adapt(cs: CovarianceState, x: torch.Tensor, sigma: float) -> CovarianceState:
    """``cs`` after the iterate moved from ``cs.x`` to ``x`` (step size ``sigma``); an
    iterate that did not move (an undone step) teaches nothing."""
    x = x.detach().to(torch.float64)
    y = (x - cs.x) / sigma
    if not bool(y.any()) or not bool(torch.isfinite(y).all()):
        return replace(cs, x=x.clone())
    d = x.numel()
    cc, c1 = learning_rates(d)
    path = (1 - cc) * cs.path + math.sqrt(cc * (2 - cc)) * y
    C = _bounded((1 - c1) * cs.C + c1 * torch.outer(path, path))
    # positive definite with condition number at most COND_MAX: the factor exists
    return CovarianceState(C=C, A=torch.linalg.cholesky(C), path=path, x=x.clone())
