"""Zeroth-order gradient estimators, written once for every method.

All estimators work on a batch of query directions ``U`` (shape ``(q, n)``),
the function values at the queries and at the centre, and a smoothing radius
``mu``. Directions are drawn by the caller from the run's one ``Generator`` so
that results never depend on where the function values were computed.
"""

from __future__ import annotations

import numpy as np

__all__ = ["gaussian_directions", "forward_difference", "antithetic_difference",
           "forward_difference_from_points", "antithetic_difference_from_points"]


def gaussian_directions(
    rng: np.random.Generator, q: int, n: int, std: np.ndarray | None = None
) -> np.ndarray:
    """Draw ``q`` directions from ``N(0, diag(std**2))`` in ``R^n``.

    Parameters
    ----------
    rng : numpy.random.Generator
        The run's generator; the only source of randomness.
    q, n : int
        Number of directions and dimension.
    std : ndarray of shape (n,), optional
        Per-coordinate standard deviations (a diagonal covariance). ``None`` means
        the identity, as in the paper's baselines.

    Returns
    -------
    ndarray of shape (q, n)
    """
    U = rng.standard_normal((q, n))
    if std is not None:
        U *= std
    return U


def _finite_rows(values: np.ndarray) -> np.ndarray:
    return np.isfinite(values)


def forward_difference(
    U: np.ndarray, f_queries: np.ndarray, f_center: float, mu: float
) -> np.ndarray:
    r"""Forward-difference Gaussian-smoothing estimate of the gradient.

    .. math::

        \hat g = \frac{1}{q} \sum_{i=1}^{q} \frac{f(x + \mu u_i) - f(x)}{\mu} u_i

    This is the estimator of the paper's official code (no dimension factor, no
    covariance correction). Queries whose value is not finite are left out of
    the average, so one failed evaluation does not poison the estimate.

    Parameters
    ----------
    U : ndarray of shape (q, n)
        The directions actually used, i.e. ``(query - x) / mu`` (after any
        projection onto the bounds).
    f_queries : ndarray of shape (q,)
        Function values at ``x + mu * U``.
    f_center : float
        Function value at ``x`` (must be finite).
    mu : float
        Smoothing radius.

    Returns
    -------
    ndarray of shape (n,)
        The estimate; zeros when no query value is finite.
    """
    ok = _finite_rows(f_queries)
    k = int(ok.sum())
    if k == 0:
        return np.zeros(U.shape[1])
    # zero weights for the left-out rows: no copy of U
    coef = np.where(ok, f_queries - f_center, 0.0) / (mu * k)
    return coef @ U


def antithetic_difference(
    U: np.ndarray, f_plus: np.ndarray, f_minus: np.ndarray, mu: float
) -> np.ndarray:
    r"""Antithetic (central) Gaussian-smoothing estimate of the gradient.

    .. math::

        \hat g = \frac{1}{q} \sum_{i=1}^{q} \frac{f(x + \mu u_i) - f(x - \mu u_i)}{2\mu} u_i

    Pairs with a non-finite value on either side are left out.
    """
    ok = _finite_rows(f_plus) & _finite_rows(f_minus)
    k = int(ok.sum())
    if k == 0:
        return np.zeros(U.shape[1])
    coef = np.where(ok, f_plus - f_minus, 0.0) / (2.0 * mu * k)
    return coef @ U


def forward_difference_from_points(
    P: np.ndarray, f_queries: np.ndarray, x: np.ndarray, f_center: float, mu: float
) -> np.ndarray:
    r""":func:`forward_difference` from the query points ``P = x + mu U`` themselves.

    With the directions actually taken, ``U = (P - x) / mu``, the estimate is
    :math:`\frac{1}{\mu}\left(c^\top P - (\textstyle\sum_i c_i)\, x\right)`, one
    pass over ``P`` and no ``(q, n)`` array of directions. Non-finite values are left
    out as in :func:`forward_difference`.
    """
    ok = _finite_rows(f_queries)
    k = int(ok.sum())
    if k == 0:
        return np.zeros(P.shape[1])
    coef = np.where(ok, f_queries - f_center, 0.0) / (mu * k)
    return (coef @ P - coef.sum() * x) / mu


def antithetic_difference_from_points(
    P: np.ndarray, M: np.ndarray, f_plus: np.ndarray, f_minus: np.ndarray, mu: float
) -> np.ndarray:
    r""":func:`antithetic_difference` from the query points ``P = x + mu U`` and
    ``M = x - mu U`` (the directions actually taken are ``(P - M) / (2 mu)``)."""
    ok = _finite_rows(f_plus) & _finite_rows(f_minus)
    k = int(ok.sum())
    if k == 0:
        return np.zeros(P.shape[1])
    coef = np.where(ok, f_plus - f_minus, 0.0) / (2.0 * mu * k)
    return (coef @ P - coef @ M) / (2.0 * mu)
