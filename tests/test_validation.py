"""Bad input gets a clear ``ValueError``/``TypeError`` that names the argument."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
from conftest import Quadratic
from scipy.optimize import Bounds

import zominimize
from zominimize._validation import check_budget, check_x0, standardize_bounds

F3 = Quadratic(3)


def run(x0=None, method="zo-sgd", route="zominimize", fun=F3, **options):
    x0 = np.zeros(3) if x0 is None else x0
    options.setdefault("maxiter", 1)
    if route == "scipy":
        return scipy.optimize.minimize(fun, x0, method=getattr(zominimize, method.replace(
            "-", "_")), bounds=options.pop("bounds", None), options={**options, "rng": 0})
    return zominimize.minimize(fun, x0, method=method, bounds=options.pop("bounds", None),
                               options=options, rng=0)


ROUTES = ["zominimize", "scipy"]


# -- x0 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "x0, exc, match",
    [
        (np.zeros((2, 2)), ValueError, r"^'x0' must only have one dimension\.$"),
        (np.array([0.0, np.nan, 1.0]), ValueError, "'x0'.*finite"),
        (np.array([0.0, np.inf, 1.0]), ValueError, "'x0'.*finite"),
        ("abc", ValueError, "could not convert string to float"),
        (["a", "b", "c"], ValueError, "could not convert string to float"),
        ([], ValueError, "'x0'"),
        ({"a": 1}, TypeError, "x0"),
    ],
)
def test_bad_x0(route, x0, exc, match):
    with pytest.raises(exc, match=match):
        run(x0=x0, route=route)


def test_check_x0_returns_a_float_copy():
    a = np.arange(3)
    x = check_x0(a)
    assert x.dtype == np.float64 and x.shape == (3,)
    x[0] = 9
    assert a[0] == 0


# -- bounds --------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "bounds, match",
    [
        ([(0, 1), (0, 1)], r"The number of bounds is not compatible with the length of `x0`\."),
        (Bounds(np.zeros(4), np.ones(4)),
         r"The number of bounds is not compatible with the length of `x0`\."),
        ([(0, 1), (1, 0), (0, 1)],
         r"^An upper bound is less than the corresponding lower bound\.$"),
        (Bounds(np.ones(3), np.zeros(3)),
         r"^An upper bound is less than the corresponding lower bound\.$"),
        ([(1, 2)], "x0.*bounds"),
        (Bounds([-1, -1, 0.5], [1, 1, 1]), "x0.*bounds"),
        ([(0, np.nan)], "bounds"),
        ("abc", "bounds"),
    ],
)
def test_bad_bounds(route, bounds, match):
    with pytest.raises(ValueError, match=match):
        run(route=route, bounds=bounds)


def test_standardize_bounds():
    lb, ub = standardize_bounds([(0, 1)], 3)
    np.testing.assert_array_equal(lb, np.zeros(3))
    np.testing.assert_array_equal(ub, np.ones(3))
    lb, ub = standardize_bounds([(None, 1), (-2, None)], 2)
    np.testing.assert_array_equal(lb, [-np.inf, -2])
    np.testing.assert_array_equal(ub, [1, np.inf])
    lb, ub = standardize_bounds(Bounds(0, [1, 2, 3]), 3)
    np.testing.assert_array_equal(lb, np.zeros(3))
    np.testing.assert_array_equal(ub, [1, 2, 3])
    lb, ub = standardize_bounds((np.zeros(3), np.ones(3)), 3)
    np.testing.assert_array_equal(ub, np.ones(3))
    assert standardize_bounds(None, 3) is None
    assert standardize_bounds([(None, None)], 3) is None
    assert standardize_bounds(Bounds(), 3) is None


# -- budgets and driver options ------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("name", ["maxfev", "maxiter"])
@pytest.mark.parametrize(
    "value, exc",
    [(-1, ValueError), (2.5, ValueError), (True, TypeError), (False, TypeError),
     ("10", TypeError), (np.nan, ValueError)],
)
def test_bad_budget(route, name, value, exc):
    with pytest.raises(exc, match=name):
        run(route=route, **{name: value})


def test_zero_maxfev_is_an_error():
    with pytest.raises(ValueError, match="maxfev"):
        run(maxfev=0)


def test_check_budget():
    assert check_budget("maxiter", None) is None
    assert check_budget("maxiter", 5) == 5
    assert check_budget("maxiter", np.int64(5)) == 5
    assert check_budget("maxiter", 5.0) == 5
    assert check_budget("maxiter", np.inf) is None


@pytest.mark.parametrize(
    "options, exc, match",
    [
        ({"ftol": -1.0}, ValueError, "ftol"),
        ({"tol": "a"}, TypeError, "ftol|tol"),
        ({"patience": 0}, ValueError, "patience"),
        ({"checkpoint_every": 0}, ValueError, "checkpoint_every"),
        ({"timeout": 0, "workers": 2}, ValueError, "timeout"),
        ({"timeout": -1.0}, ValueError, "timeout"),
    ],
)
def test_bad_driver_options(options, exc, match):
    with pytest.raises(exc, match=match):
        run(**options)


# -- method, workers and method options ----------------------------------------------------


def test_unknown_method():
    with pytest.raises(ValueError, match=r"Unknown method 'nope'.*zo-adam"):
        zominimize.minimize(F3, np.zeros(3), method="nope")
    with pytest.raises(TypeError, match="method"):
        zominimize.minimize(F3, np.zeros(3), method=3)


def test_fun_not_callable():
    with pytest.raises(TypeError, match="fun"):
        zominimize.minimize("f", np.zeros(3), method="zo-sgd")


def test_callback_not_callable():
    with pytest.raises(TypeError, match="callback"):
        zominimize.minimize(F3, np.zeros(3), method="zo-sgd", callback=3)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("workers", [0, -2, "a", 2.0, True, None])
def test_bad_workers(route, workers):
    with pytest.raises((ValueError, TypeError), match="workers"):
        run(route=route, workers=workers)


@pytest.mark.parametrize("method", ["zo-sgd", "zo-signsgd", "zo-adam"])
@pytest.mark.parametrize(
    "name, value, exc",
    [
        ("q", 0, ValueError), ("q", -3, ValueError), ("q", 2.5, ValueError),
        ("q", True, ValueError), ("q", "20", ValueError),
        ("mu", 0, ValueError), ("mu", -1e-3, ValueError), ("mu", np.nan, ValueError),
        ("mu", np.inf, ValueError), ("mu", "a", TypeError), ("mu", None, TypeError),
        ("lr", 0, ValueError), ("lr", -1, ValueError), ("lr", np.nan, ValueError),
        ("lr", "fast", TypeError),
        ("estimator", "central", ValueError),
    ],
)
def test_bad_method_option(method, name, value, exc):
    with pytest.raises(exc, match=name):
        run(method=method, **{name: value})
    with pytest.raises(exc, match=name):
        zominimize.Optimizer(method, np.zeros(3), **{name: value})


@pytest.mark.parametrize(
    "name, value",
    [("beta1", 1.0), ("beta1", -0.1), ("beta2", 1.5), ("beta2", np.nan), ("eps", 0),
     ("beta1", "a"), ("beta2", None)],
)
def test_bad_adam_option(name, value):
    with pytest.raises((ValueError, TypeError), match=name):
        run(method="zo-adam", **{name: value})


def test_valid_edge_options_are_accepted():
    res = run(method="zo-adam", beta1=0.0, q=1, maxiter=2)
    assert res.nit == 2 and res.nfev == 4  # (centre + 1 query) per iteration
