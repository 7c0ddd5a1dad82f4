"""Zeroth-order gradient estimators: bias, exactness, non-finite values."""

from __future__ import annotations

import numpy as np
import pytest

from zominimize.estimators import antithetic_difference, forward_difference, gaussian_directions

N_MC = 20_000  # Monte-Carlo directions for the unbiasedness checks


def _quadratic(n, seed=0):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((n, n))
    A = M @ M.T / n + np.eye(n)
    b = rng.standard_normal(n)

    def f(x):
        return 0.5 * x @ A @ x + b @ x

    def grad(x):
        return A @ x + b

    return f, grad


def _terms(U, fq, f0, mu):
    """The per-direction terms whose mean is the forward-difference estimate."""
    return ((fq - f0) / mu)[:, None] * U


def test_forward_difference_is_the_documented_formula():
    rng = np.random.default_rng(1)
    f, _ = _quadratic(6)
    x = rng.standard_normal(6)
    U = rng.standard_normal((7, 6))
    mu = 0.3
    fq = np.array([f(x + mu * u) for u in U])
    expected = sum((fq[i] - f(x)) / mu * U[i] for i in range(7)) / 7
    np.testing.assert_allclose(forward_difference(U, fq, f(x), mu), expected, rtol=1e-12)


@pytest.mark.parametrize("mu", [1e-3, 0.5, 2.0])
def test_forward_difference_is_unbiased_for_a_quadratic(mu):
    # For a quadratic the Gaussian-smoothed gradient equals the gradient, for any mu.
    n = 5
    f, grad = _quadratic(n, seed=2)
    rng = np.random.default_rng(3)
    x = rng.standard_normal(n)
    U = gaussian_directions(rng, N_MC, n)
    fq = np.array([f(x + mu * u) for u in U])
    ghat = forward_difference(U, fq, f(x), mu)
    t = _terms(U, fq, f(x), mu)
    se = t.std(axis=0, ddof=1) / np.sqrt(N_MC)
    np.testing.assert_allclose(ghat, t.mean(axis=0), rtol=1e-10, atol=1e-12)
    z = (ghat - grad(x)) / se
    assert np.all(np.abs(z) < 5), z
    # the test has power: an estimate off by a factor n (a dimension factor) would
    # be more than 10 standard errors away on some coordinate
    assert np.max(np.abs((n - 1) * grad(x)) / se) > 10


def test_forward_difference_matches_the_gradient_of_gaussian_smoothing():
    # f(x) = sum cos(x_i): f_mu(x) = sum cos(x_i) exp(-mu^2 / 2), so the smoothed
    # gradient is the true gradient shrunk by exp(-mu^2/2) (0.61 for mu = 1).
    mu, n = 1.0, 4
    x = np.array([1.2, -1.4, 2.0, -1.8])  # |sin x_i| > 0.9: a visible shrinkage

    def f(v):
        return float(np.sum(np.cos(v)))

    grad = -np.sin(x)
    grad_smooth = grad * np.exp(-(mu**2) / 2)
    rng = np.random.default_rng(4)
    U = gaussian_directions(rng, N_MC, n)
    fq = np.array([f(x + mu * u) for u in U])
    ghat = forward_difference(U, fq, f(x), mu)
    se = _terms(U, fq, f(x), mu).std(axis=0, ddof=1) / np.sqrt(N_MC)
    assert np.all(np.abs(ghat - grad_smooth) < 5 * se)
    assert np.all(np.abs(ghat - grad) > 5 * se)  # it is the smoothed gradient, not grad f


def test_diagonal_covariance_is_not_corrected():
    # documented: no covariance correction, so E[g_hat] = diag(std^2) grad for linear f
    n = 3
    a = np.array([1.0, -2.0, 0.5])
    std = np.array([0.5, 1.0, 2.0])
    rng = np.random.default_rng(5)
    U = gaussian_directions(rng, N_MC, n, std)
    x, mu = np.zeros(n), 0.1
    fq = (x + mu * U) @ a
    ghat = forward_difference(U, fq, x @ a, mu)
    se = _terms(U, fq, x @ a, mu).std(axis=0, ddof=1) / np.sqrt(N_MC)
    assert np.all(np.abs(ghat - std**2 * a) < 5 * se)


@pytest.mark.parametrize("kind", ["linear", "quadratic"])
@pytest.mark.parametrize("mu", [1e-4, 0.7, 3.0])
def test_antithetic_difference_is_exact(kind, mu):
    # central differences are exact directional derivatives for linear and quadratic f
    n, q = 6, 9
    rng = np.random.default_rng(6)
    if kind == "linear":
        a = rng.standard_normal(n)

        def f(v):
            return v @ a + 3.0

        def grad(v):
            return a
    else:
        f, grad = _quadratic(n, seed=7)
    x = rng.standard_normal(n)
    U = gaussian_directions(rng, q, n)
    fp = np.array([f(x + mu * u) for u in U])
    fm = np.array([f(x - mu * u) for u in U])
    exact = (U @ grad(x)) @ U / q
    np.testing.assert_allclose(antithetic_difference(U, fp, fm, mu), exact, rtol=1e-8,
                               atol=1e-10)


def test_forward_difference_is_exact_for_linear_functions():
    n, q, mu = 5, 4, 2.5
    rng = np.random.default_rng(8)
    a = rng.standard_normal(n)
    x = rng.standard_normal(n)
    U = rng.standard_normal((q, n))
    fq = (x + mu * U) @ a
    np.testing.assert_allclose(forward_difference(U, fq, x @ a, mu), (U @ a) @ U / q,
                               rtol=1e-10)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_forward_difference_drops_nonfinite_queries(bad):
    rng = np.random.default_rng(9)
    U = rng.standard_normal((6, 4))
    fq = rng.standard_normal(6)
    fq[[1, 4]] = bad
    ok = np.isfinite(fq)
    g = forward_difference(U, fq, 0.3, 0.1)
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g, forward_difference(U[ok], fq[ok], 0.3, 0.1), rtol=1e-14)
    np.testing.assert_allclose(g, ((fq[ok] - 0.3) / 0.1) @ U[ok] / 4, rtol=1e-14)


def test_forward_difference_all_nonfinite_gives_zeros():
    U = np.ones((3, 4))
    g = forward_difference(U, np.array([np.nan, np.inf, -np.inf]), 1.0, 0.1)
    np.testing.assert_array_equal(g, np.zeros(4))


def test_antithetic_difference_drops_nonfinite_pairs():
    rng = np.random.default_rng(10)
    U = rng.standard_normal((5, 3))
    fp, fm = rng.standard_normal(5), rng.standard_normal(5)
    fp[0] = np.nan
    fm[3] = np.inf
    ok = np.array([False, True, True, False, True])
    g = antithetic_difference(U, fp, fm, 0.2)
    np.testing.assert_allclose(g, antithetic_difference(U[ok], fp[ok], fm[ok], 0.2), rtol=1e-14)
    np.testing.assert_array_equal(
        antithetic_difference(U, np.full(5, np.nan), fm, 0.2), np.zeros(3)
    )


def test_gaussian_directions():
    a = gaussian_directions(np.random.default_rng(0), 4, 3)
    b = gaussian_directions(np.random.default_rng(0), 4, 3)
    assert a.shape == (4, 3)
    np.testing.assert_array_equal(a, b)
    std = np.array([0.1, 1.0, 10.0])
    np.testing.assert_allclose(gaussian_directions(np.random.default_rng(0), 4, 3, std),
                               a * std, rtol=1e-15)
    state = np.random.get_state()  # noqa: NPY002 - the legacy global state
    gaussian_directions(np.random.default_rng(1), 4, 3)
    assert np.array_equal(np.random.get_state()[1], state[1])  # noqa: NPY002
    big = gaussian_directions(np.random.default_rng(2), 50_000, 3, std)
    np.testing.assert_allclose(big.std(axis=0), std, rtol=0.02)
    np.testing.assert_allclose(big.mean(axis=0), 0.0, atol=0.1)


@pytest.mark.parametrize("bad_row", [None, 2])
def test_estimates_from_points_equal_the_estimates_from_directions(bad_row):
    """The method's one-pass form (from the query points) is the same estimate as the
    textbook form (from the directions actually taken), non-finite values included."""
    from zominimize.estimators import (
        antithetic_difference,
        antithetic_difference_from_points,
        forward_difference,
        forward_difference_from_points,
    )

    rng = np.random.default_rng(4)
    q, n, mu = 6, 9, 1e-3
    x, U = rng.normal(size=n), rng.normal(size=(q, n))
    P, M = x + mu * U, x - mu * U
    fp, fm = rng.normal(size=q), rng.normal(size=q)
    if bad_row is not None:
        fp[bad_row] = np.nan
    np.testing.assert_allclose(forward_difference_from_points(P, fp, x, 0.3, mu),
                               forward_difference((P - x) / mu, fp, 0.3, mu), rtol=1e-9)
    np.testing.assert_allclose(antithetic_difference_from_points(P, M, fp, fm, mu),
                               antithetic_difference((P - M) / (2 * mu), fp, fm, mu),
                               rtol=1e-9)
