"""The initial step size σ₀ of the learned optimizer, when the user gives none.

σ₀ is a fraction of the problem's scale, shrunk like ``1/d`` above a reference
dimension. Inference and meta-training use the same rule with their own constants,
defined here once (how each was chosen is in the research log of the docs).
"""

from __future__ import annotations

import numpy as np

__all__ = ["SIGMA0_DIM_REF", "SIGMA0_REL", "SIGMA0_REL_TRAIN", "BOX_SCALE_CAP",
           "default_sigma0"]

#: Above this dimension σ₀ shrinks like ``1/d``: the networks' steps are about σ per
#: coordinate, so a fixed σ₀ would make the first steps grow like ``sqrt(d)``.
SIGMA0_DIM_REF = 200
#: σ₀ as a fraction of the problem's scale, at inference.
SIGMA0_REL = 0.03
#: The same constant during meta-training (every bundled weight set was trained with it).
SIGMA0_REL_TRAIN = 0.1
#: A finite box sets the scale only up to this multiple of the scale of ``x0``: loose
#: bounds (``±1e6`` around a problem of size 1) must not make the first steps huge.
BOX_SCALE_CAP = 10.0


def default_sigma0(
    x0: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    dim_ref: float = SIGMA0_DIM_REF,
    rel: float = SIGMA0_REL,
) -> float:
    """Initial step size from the problem: ``rel * scale * min(1, dim_ref / d)``.

    ``scale`` is ``max(1, rms(x0))``, or the mean width of a finite box when it is
    smaller than ``BOX_SCALE_CAP`` times that (a box much wider than ``x0``'s scale says
    little about where the minimum is). ``dim_ref=inf`` is the rule without the
    dimension factor.

    Parameters
    ----------
    x0 : ndarray of shape (d,)
    lb, ub : ndarray of shape (d,)
        Bounds, ``-inf``/``inf`` where absent.
    dim_ref, rel : float

    Returns
    -------
    float
    """
    x0 = np.asarray(x0, dtype=np.float64)
    d = max(1, x0.size)
    shrink = min(1.0, dim_ref / d)
    scale = max(1.0, float(np.sqrt(np.mean(x0**2)))) if x0.size else 1.0
    width = np.asarray(ub, dtype=np.float64) - np.asarray(lb, dtype=np.float64)
    if width.size and np.all(np.isfinite(width)) and np.all(width > 0):
        scale = min(float(np.mean(width)), BOX_SCALE_CAP * scale)
    return float(rel * scale * shrink)
