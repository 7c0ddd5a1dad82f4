"""The ask/tell ``Optimizer``: same trajectory as ``minimize``, pickles and checkpoints
mid-run."""

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


def _saved_and_loaded(opt, how, tmp_path):
    if how == "pickle":
        return pickle.loads(pickle.dumps(opt))
    zominimize.save_checkpoint(opt, tmp_path / "c.ckpt")
    return zominimize.load_checkpoint(tmp_path / "c.ckpt")


@pytest.mark.parametrize("how", ["pickle", "checkpoint"])
@pytest.mark.parametrize("where", ["after-tell", "after-ask"])
def test_saved_mid_run_resumes_the_same_trajectory(method, where, how, tmp_path):
    f = Quadratic(6, seed=8)
    x0 = np.zeros(6)
    ref = Optimizer(method, x0, rng=4, return_all=True, options=method_options(method))
    trail_ref = []
    for _ in range(6):
        X = ref.ask()
        trail_ref.append(X)
        ref.tell(X, [f(x) for x in X])

    opt = Optimizer(method, x0, rng=4, return_all=True, options=method_options(method))
    trail = []
    for _ in range(3):
        X = opt.ask()
        trail.append(X)
        opt.tell(X, [f(x) for x in X])
    if where == "after-ask":
        opt.ask()
    opt = _saved_and_loaded(opt, how, tmp_path)
    for _ in range(3):
        X = opt.ask()
        trail.append(X)
        opt.tell(X, [f(x) for x in X])
    for a, b in zip(trail_ref, trail):
        np.testing.assert_array_equal(a, b)
    r, s = opt.result, ref.result
    np.testing.assert_array_equal(r.x, s.x)
    np.testing.assert_array_equal(r.x_iterate, s.x_iterate)
    assert (r.fun, r.nfev, r.nit) == (s.fun, s.nfev, s.nit)
    np.testing.assert_array_equal(np.array(r.allvecs), np.array(s.allvecs))
    np.testing.assert_array_equal(r.trace.nfev, s.trace.nfev)


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
    with pytest.raises(zominimize.CheckpointError, match="not a zominimize checkpoint"):
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


# -- checkpoint files (issue 15: no code on load) ------------------------------------------


def test_checkpoint_of_a_method_instance_is_a_clear_error(tmp_path):
    from zominimize.methods.zo_sgd import ZOSGD

    opt = Optimizer(ZOSGD(q=3), np.zeros(3), rng=0)
    with pytest.raises(TypeError, match="registered name"):
        zominimize.save_checkpoint(opt, tmp_path / "c.ckpt")
    assert not list(tmp_path.iterdir())


def test_flipped_bit_in_a_checkpoint_is_an_error_naming_it(tmp_path):
    opt = Optimizer("zo-adam", np.zeros(4), rng=0)
    _tell_all(opt, Quadratic(4), 2)
    path = tmp_path / "c.ckpt"
    zominimize.save_checkpoint(opt, path)
    raw = bytearray(path.read_bytes())
    raw[-3] ^= 0x01  # one bit of the last array's data
    path.write_bytes(bytes(raw))
    with pytest.raises(zominimize.CheckpointError, match="SHA-256") as info:
        zominimize.load_checkpoint(path)
    assert str(info.value).startswith(str(path))


@pytest.mark.parametrize("content", [b"", b"\x80\x04", pickle.dumps(Optimizer)])
def test_garbage_checkpoint_is_an_error_naming_it(content, tmp_path):
    path = tmp_path / "c.ckpt"
    path.write_bytes(content)
    with pytest.raises(zominimize.CheckpointError) as info:
        zominimize.load_checkpoint(path)
    assert str(info.value).startswith(str(path))


# -- construction ---------------------------------------------------------------------------


def test_options_dict_and_keywords_are_the_same(method):
    opts = method_options(method, q=4)
    a = Optimizer(method, np.zeros(3), rng=1, options=opts)
    b = Optimizer(method, np.zeros(3), rng=1, **opts)
    np.testing.assert_array_equal(a.ask(), b.ask())
    with pytest.raises(TypeError, match="both"):
        Optimizer(method, np.zeros(3), options={"q": 4}, q=4)
    with pytest.raises(TypeError, match="`options` must be a dict"):
        Optimizer(method, np.zeros(3), options=[("q", 4)])
    with pytest.raises(TypeError, match="maxfev"):  # the driver's options are not the method's
        Optimizer(method, np.zeros(3), options={"maxfev": 10})


@pytest.mark.parametrize("bad", [123, None, 1.5, ["zo-sgd"], Optimizer])
def test_method_that_is_not_a_name_or_a_method_is_a_typeerror(bad):
    with pytest.raises(TypeError, match="`method` must be the name of a registered method"):
        Optimizer(bad, np.zeros(3))


@pytest.mark.parametrize("values, what", [
    ([None] * 4, "NoneType"), (["1.5"] * 4, "dtype <U3"), ([1 + 2j] * 4, "complex"),
    ({"a": 1}, "dict"), ([1.0, "x", 2.0, 3.0], "dtype <U"), (np.ma.masked_all(4), "masked"),
])
def test_tell_rejects_values_that_are_not_real_numbers(values, what):
    opt = Optimizer("zo-sgd", np.zeros(2), rng=0, options={"q": 3})
    X = opt.ask()
    assert len(X) == 4
    with pytest.raises(ValueError, match=what):
        opt.tell(X, values)
    assert opt.nfev == 0 and opt.nit == 0
    opt.tell(X, [1.0, 2.0, 3.0, 4.0])  # still pending: a correct tell goes through
    assert opt.nit == 1


def test_tell_accepts_what_the_loop_accepts():
    from decimal import Decimal
    from fractions import Fraction

    import torch

    opt = Optimizer("zo-sgd", np.zeros(2), rng=0, options={"q": 3})
    X = opt.ask()
    opt.tell(X, [Decimal("1.5"), Fraction(1, 2), torch.tensor(2.0), True])
    assert opt.nfev == 4 and opt.fun == 0.5


# -- the convergence trace -------------------------------------------------------------------


def test_result_carries_a_trace_of_improvements():
    f = Quadratic(5)
    opt = Optimizer("zo-adam", np.zeros(5), rng=0)
    seen = []
    for _ in range(30):
        X = opt.ask()
        F = [f(x) for x in X]
        seen.extend(F)
        opt.tell(X, F)
    tr = opt.result.trace
    best = np.minimum.accumulate(seen)
    assert tr.nfev_end == opt.nfev == len(seen)
    assert np.all(np.diff(tr.nfev) > 0) and np.all(np.diff(tr.fun) < 0)
    # each point: the best value of the first nfev evaluations (never shown too early)
    np.testing.assert_array_equal(tr.fun, best[tr.nfev - 1])
    assert tr.fun[-1] == opt.fun
    assert "Trace(" in repr(tr) and "points" in repr(tr)


def test_trace_stays_small_over_a_long_run():
    from zominimize._trace import TraceRecorder

    rec = TraceRecorder()
    for n in range(1, 2_000_001):  # an improvement at every evaluation
        rec.record(n, -float(n))
    assert len(rec.nfev) <= 50 * 7 + 25
    assert rec.nfev[-1] == 2_000_000 and rec.fun[-1] == -2_000_000.0
    # a log-spaced grid: at most 50 points per factor of ten
    assert np.sum(np.array(rec.nfev) > 200_000) <= 51


@pytest.mark.skipif("not __import__('torch').cuda.is_available()", reason="needs a CUDA GPU")
def test_checkpoint_of_l2l_zo_on_a_gpu_resumes_on_the_gpu(tmp_path):
    f = Quadratic(6, seed=8)
    ref = Optimizer("l2l-zo", np.zeros(6), rng=4, options={"device": "cuda"})
    opt = Optimizer("l2l-zo", np.zeros(6), rng=4, options={"device": "cuda"})
    _tell_all(ref, f, 6)
    _tell_all(opt, f, 3)
    zominimize.save_checkpoint(opt, tmp_path / "c.ckpt")
    opt = zominimize.load_checkpoint(tmp_path / "c.ckpt")
    assert opt.state.memory["net"]["hu"].device.type == "cuda"
    _tell_all(opt, f, 3)
    np.testing.assert_array_equal(opt.result.x, ref.result.x)


def test_a_pickle_of_an_earlier_version_still_loads():
    opt = Optimizer("zo-sgd", np.zeros(3), rng=0)
    _tell_all(opt, Quadratic(3), 2)
    state = dict(opt.__dict__)
    for key in ("_trace", "_driver", "_rng_initial"):  # what earlier versions lacked
        del state[key]
    old = Optimizer.__new__(Optimizer)
    old.__setstate__(state)
    _tell_all(old, Quadratic(3), 2)
    assert old.nit == 4 and old.result.nfev == old.nfev
