"""The ruggedness probe of ``l2l-zo``'s ``walk`` rule (torch-free).

Before its run, ``l2l-zo`` may compare the landscape's curvature at two scales along a
few random lines through ``x0``: second differences ``f(x0 + h u) − 2 f(x0) + f(x0 − h u)``
divided by ``h²``, at ``h = sigma0`` and at ``h = sigma0 / 40``. On a smooth function
(a quadratic exactly, a valley or an ill-conditioned ellipsoid nearly) the two agree;
on a rugged one (Rastrigin's cosines, many local minima) the small scale sees
curvature that the large one averages away, by tens to hundreds of times. Where the
ratio of their medians exceeds ``RUGGED_RATIO`` the run walks: its step size is held
at least ``sigma0 (1 − t / (WALK_BUDGET_FRAC · budget))`` after ``t`` evaluations, so
that, as tuned ZO-Adam's large rates do, the first part of the budget crosses many basins
towards the landscape's global trend before the run settles (research log, fifty-third
round).
"""

from __future__ import annotations

import numpy as np

__all__ = ["NOISY_MU", "PROBE_LINES", "PROBE_SMALL", "RUGGED_RATIO", "WALK_BUDGET_FRAC",
           "probe_points", "ruggedness"]

#: Random lines through ``x0`` (4 evaluations each, and ``x0`` itself when its value is
#: unknown): 33 evaluations in all (34 with ``l2l-zo``'s noise check), under 1 % of a
#: budget of 4,200.
PROBE_LINES = 8
#: The small scale of the probe, as a fraction of the large one (``sigma0``).
PROBE_SMALL = 1 / 40
#: The ratio above which a landscape is rugged. On BBOB f1--f14 at d = 5 to 40 (instances
#: 201--206), the smooth functions' ratios lay below 9 and the Rastrigin functions' mostly
#: above 10 (research log, fifty-third round).
RUGGED_RATIO = 10.0
#: The share of the budget over which a walk's floor on σ falls from ``sigma0`` to zero.
WALK_BUDGET_FRAC = 0.5
#: The factor on the smoothing radius of a noisy run (``l2l-zo``'s option ``noisy``):
#: on COCO's noisy functions f101--f121 (instances 201--203) 3 gained at d = 5 to 40
#: and 10 lost at d = 20 (research log, explorations before the fifty-fifth round).
NOISY_MU = 3.0


def probe_points(x0: np.ndarray, sigma0: float, rng: np.random.Generator,
                 lb: np.ndarray, ub: np.ndarray, with_center: bool
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The probe's points and each line's large scale.

    Returns ``(X, h)``: ``X`` holds ``x0`` first when ``with_center``, then for each
    scale (large, then small) the points ``x0 + h_i u_i`` of every line ``i``, then the
    points ``x0 − h_i u_i``. ``h_i`` is ``sigma0``, shortened where the line would leave
    the bounds so that both points of every scale lie inside them.
    """
    n = x0.size
    U = rng.standard_normal((PROBE_LINES, n))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    # the longest t with x0 ± t u inside [lb, ub] on every coordinate
    room = np.minimum(ub - x0, x0 - lb)  # inf where unbounded
    with np.errstate(divide="ignore"):
        reach = np.where(U != 0, room / np.abs(U), np.inf).min(axis=1)
    h = np.minimum(sigma0, reach)
    rows = [x0[None, :]] if with_center else []
    for scale in (1.0, PROBE_SMALL):
        step = (scale * h)[:, None] * U
        rows += [x0 + step, x0 - step]
    return np.clip(np.concatenate(rows), lb, ub), h


def ruggedness(f0: float, F: np.ndarray, h: np.ndarray) -> float:
    """The ratio of the median curvature at the small scale to that at the large one,
    from the probe's values ``F`` (without ``x0``'s, in :func:`probe_points`'s order).

    ``0.0`` (smooth, no walk) where a value is not finite, a line has no room inside the
    bounds, or the large scale sees no curvature (a linear or flat function, where the
    ratio would compare rounding errors).
    """
    F = np.asarray(F, dtype=np.float64)
    lines = h.size
    if not (np.isfinite(f0) and np.isfinite(F).all() and (h > 0).all()):
        return 0.0
    curvature = []
    for k, scale in enumerate((1.0, PROBE_SMALL)):
        plus = F[2 * k * lines:(2 * k + 1) * lines]
        minus = F[(2 * k + 1) * lines:(2 * k + 2) * lines]
        curvature.append(np.median(np.abs(plus - 2 * f0 + minus) / (scale * h) ** 2))
    large, small = curvature
    # the large scale's second differences against the values' own rounding
    if large * np.median(h) ** 2 <= 1e-9 * max(abs(f0), np.abs(F).max(), 1e-300):
        return 0.0
    return float(small / large)
