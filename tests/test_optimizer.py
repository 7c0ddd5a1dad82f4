"""The ask/tell ``Optimizer``: same trajectory as ``minimize``, pickles mid-run."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from conftest import Quadratic, method_options

import zominimize
from zominimize import Optimizer


def _tell_all(opt, f, k):
    for _ in range(k):
        X = opt.ask()
        opt.tell(X, np.array([f(x) for x in X]))


def test_ask_tell_follows_minimize(method):
    f = Quadratic(7)
    x0 = np.full(7, 0.2)
    opt = Optimizer(method, x0, rng=11, **method_options(method))
    _tell_all(opt, f, 4)
    res = zominimize.minimize(f, x0, method=method, options=method_options(method, maxiter=4),
                              rng=11)
    r = opt.result
    np.testing.assert_array_equal(r.x, res.x)
    assert (r.fun, r.nfev, r.nit) == (res.fun, res.nfev, res.nit)
    assert opt.fun == r.fun and np.array_equal(opt.x, r.x) and opt.nit == 4


def test_ask_shape_and_repeat(method):
    opt = Optimizer(method, np.zeros(5), rng=0, **method_options(method))
    X = opt.ask()
    assert X.ndim == 2 and X.shape[1] == 5 and X.dtype == np.float64
    X[:] = 123.0  # the caller's copy
    np.testing.assert_array_equal(opt.ask(), opt.ask())
    assert not np.any(opt.ask() == 123.0)


def test_tell_checks_its_input(method):
    f = Quadratic(5)
    opt = Optimizer(method, np.zeros(5), rng=0, **method_options(method))
    with pytest.raises(RuntimeError, match="ask"):
        opt.tell(np.zeros((3, 5)), np.zeros(3))
    X = opt.ask()
    with pytest.raises(ValueError, match="ask"):
        opt.tell(X + 1.0, np.zeros(len(X)))
    assert opt.nfev == 0
    opt.tell(X, [f(x) for x in X])
    assert opt.nfev == len(X) and opt.nit == 1


def test_failed_tell_with_too_few_values_changes_nothing(method):
    f = Quadratic(5)
    opt = Optimizer(method, np.zeros(5), rng=0, **method_options(method))
    X = opt.ask()
    F = np.array([f(x) for x in X])
    with pytest.raises(ValueError):
        opt.tell(X, F[:-1])
    assert opt.nfev == 0 and opt.nit == 0  # nothing was counted
    opt.tell(X, F)
    assert opt.nfev == len(X)


@pytest.mark.parametrize("where", ["after-tell", "after-ask"])
def test_pickle_mid_run_resumes_the_same_trajectory(method, where):
    f = Quadratic(6, seed=8)
    x0 = np.zeros(6)
    ref = Optimizer(method, x0, rng=4, **method_options(method))
    trail_ref = []
    for _ in range(6):
        X = ref.ask()
        trail_ref.append(X)
        ref.tell(X, [f(x) for x in X])

    opt = Optimizer(method, x0, rng=4, **method_options(method))
    trail = []
    for _ in range(3):
        X = opt.ask()
        trail.append(X)
        opt.tell(X, [f(x) for x in X])
    if where == "after-ask":
        opt.ask()
    blob = pickle.dumps(opt)
    del opt
    opt = pickle.loads(blob)
    for _ in range(3):
        X = opt.ask()
        trail.append(X)
        opt.tell(X, [f(x) for x in X])
    for a, b in zip(trail_ref, trail):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(opt.result.x, ref.result.x)
    assert (opt.result.fun, opt.nfev, opt.nit) == (ref.result.fun, ref.nfev, ref.nit)


def test_save_and_load_checkpoint(tmp_path):
    f = Quadratic(4)
    opt = Optimizer("zo-adam", np.zeros(4), rng=0)
    _tell_all(opt, f, 2)
    path = tmp_path / "opt.pkl"
    zominimize.save_checkpoint(opt, path)
    back = zominimize.load_checkpoint(path)
    _tell_all(opt, f, 2)
    _tell_all(back, f, 2)
    np.testing.assert_array_equal(opt.result.x, back.result.x)
    (tmp_path / "other.pkl").write_bytes(pickle.dumps({"not": "an optimizer"}))
    with pytest.raises(TypeError, match="checkpoint"):
        zominimize.load_checkpoint(tmp_path / "other.pkl")


def test_unknown_option_is_a_typeerror():
    with pytest.raises(TypeError, match="foo"):
        Optimizer("zo-sgd", np.zeros(3), foo=1)


def test_unknown_method():
    with pytest.raises(ValueError, match="Unknown method 'nope'"):
        Optimizer("nope", np.zeros(3))


def test_bounds_apply_to_asked_points(method):
    opt = Optimizer(method, np.zeros(4), bounds=[(0.0, 0.1)], rng=0, **method_options(method))
    f = Quadratic(4, shift=-3.0)  # minimum far below the box
    for _ in range(4):
        X = opt.ask()
        assert np.all(X >= 0.0) and np.all(X <= 0.1)
        opt.tell(X, [f(x) for x in X])
    with pytest.raises(ValueError, match="bounds"):
        Optimizer(method, np.ones(4), bounds=[(0.0, 0.1)], **method_options(method))


def test_result_before_any_value():
    opt = Optimizer("zo-sgd", np.ones(3), rng=0)
    r = opt.result
    np.testing.assert_array_equal(r.x, np.ones(3))
    assert np.isnan(r.fun) and r.nfev == 0 and r.nit == 0
    assert "Optimizer(" in repr(opt)


def test_nonfinite_values_are_not_the_best():
    opt = Optimizer("zo-sgd", np.zeros(3), rng=0)
    X = opt.ask()
    F = np.full(len(X), np.nan)
    F[2] = 5.0
    F[3] = -np.inf
    opt.tell(X, F)
    assert opt.fun == 5.0
    np.testing.assert_array_equal(opt.x, X[2])
    assert opt.result.nfev_nonfinite == len(X) - 1


def test_return_all():
    opt = Optimizer("zo-sgd", np.zeros(3), rng=0, return_all=True)
    _tell_all(opt, Quadratic(3), 3)
    assert len(opt.result.allvecs) == 4
