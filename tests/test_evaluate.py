"""The evaluator: scalar checks, counting, loop / vectorized / joblib / map-like."""

from __future__ import annotations

import pickle
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.pool import ThreadPool

import joblib
import numpy as np
import pytest
from conftest import Quadratic, Recorder, hang_if_moved, sphere

import zominimize
from zominimize._evaluate import Evaluator, Objective, to_scalar

torch = pytest.importorskip("torch")


# -- to_scalar -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        1.5,
        np.float64(1.5),
        np.float32(1.5),
        np.array(1.5),
        np.array([1.5]),
        np.array([[1.5]]),
        [1.5],
        torch.tensor(1.5),
        torch.tensor(1.5, dtype=torch.float64, requires_grad=True),
        torch.tensor(1.5, requires_grad=True) * 2 / 2,  # a non-leaf tensor with a graph
        torch.tensor([1.5]),
    ],
    ids=lambda v: type(v).__name__,
)
def test_to_scalar_accepts(value):
    out = to_scalar(value)
    assert isinstance(out, float) and out == 1.5


@pytest.mark.parametrize("value", [3, np.int64(3), np.uint8(3), torch.tensor(3)])
def test_to_scalar_accepts_integers(value):
    out = to_scalar(value)
    assert isinstance(out, float) and out == 3.0


@pytest.mark.parametrize("value", [float("nan"), float("inf"), np.float64(-np.inf)])
def test_to_scalar_passes_nonfinite_values_through(value):
    out = to_scalar(value)
    assert isinstance(out, float) and (np.isnan(out) or out == value)


@pytest.mark.parametrize(
    "value",
    [
        np.array([1.0, 2.0]),
        [1.0, 2.0],
        np.zeros((2, 2)),
        np.array([]),
        torch.tensor([1.0, 2.0]),
        torch.zeros(0),
        pytest.param(object(), id="object"),
        1 + 2j,
        "abc",
        "1.5",
        None,
    ],
    ids=lambda v: f"{type(v).__name__}-{v!r}"[:30],
)
def test_to_scalar_rejects(value):
    with pytest.raises(ValueError, match="must return a scalar value"):
        to_scalar(value)


def test_objective_returning_none_is_a_clear_error():
    # a forgotten `return` must not pass as NaN ("NaN result encountered" after a whole run)
    with pytest.raises(ValueError, match="must return a scalar value"):
        zominimize.minimize(lambda x: None, np.zeros(3), method="zo-sgd",
                            options={"maxiter": 2}, rng=0)


# -- the plain loop ------------------------------------------------------------------------


def test_loop_counts_and_copies():
    seen = []

    def fun(x, a):
        seen.append(x)
        x[:] = 99.0  # must not touch the caller's array
        return float(np.sum(x)) + a

    ev = Evaluator(fun, (1.0,))
    X = np.arange(6.0).reshape(3, 2)
    keep = X.copy()
    F = ev(X)
    assert F.dtype == np.float64 and F.shape == (3,)
    np.testing.assert_array_equal(F, [199.0, 199.0, 199.0])
    np.testing.assert_array_equal(X, keep)
    assert ev.nfev == 3 and len(seen) == 3
    ev(X[:2])
    assert ev.nfev == 5
    assert ev(np.empty((0, 2))).shape == (0,) and ev.nfev == 5


def test_loop_keeps_the_partial_batch_on_error():
    calls = [0]

    def fun(x):
        calls[0] += 1
        if calls[0] == 3:
            raise RuntimeError("boom")
        return float(calls[0])

    ev = Evaluator(fun)
    with pytest.raises(RuntimeError):
        ev(np.zeros((5, 2)))
    assert ev.partial == [1.0, 2.0]
    assert ev.nfev == 2


def test_objective_pickles():
    obj = Objective(sphere, (1,))
    back = pickle.loads(pickle.dumps(obj))
    assert back.fun is sphere and back.args == (1,)


def test_fun_must_be_callable():
    with pytest.raises(TypeError, match="fun"):
        Evaluator(3)


# -- vectorized ----------------------------------------------------------------------------


def test_vectorized_counts_points_not_calls():
    shapes = []
    f = Quadratic(4)

    def vfun(X, scale):
        shapes.append(X.shape)
        return scale * f.vectorized(X)

    ev = Evaluator(vfun, (2.0,), vectorized=True)
    X = np.random.default_rng(0).standard_normal((7, 4))
    F = ev(X)
    assert shapes == [(4, 7)]
    assert ev.nfev == 7
    np.testing.assert_allclose(F, [2.0 * f(x) for x in X])


def test_vectorized_through_minimize_counts_points(baseline):
    f = Quadratic(5)
    calls = [0]

    def vfun(X):
        calls[0] += 1
        return f.vectorized(X)

    res = zominimize.minimize(vfun, np.zeros(5), method=baseline,
                              options={"maxfev": 100, "vectorized": True}, rng=0)
    assert res.nfev == 100
    assert calls[0] < 100  # one call per batch


@pytest.mark.parametrize("requires_grad", [False, True])
def test_vectorized_torch_output(requires_grad):
    def vfun(X):
        t = torch.as_tensor(X).requires_grad_(requires_grad)
        return (t**2).sum(dim=0)

    ev = Evaluator(vfun, vectorized=True)
    X = np.arange(6.0).reshape(3, 2)
    np.testing.assert_allclose(ev(X), (X**2).sum(axis=1))


@pytest.mark.parametrize("out", [lambda X: X, lambda X: np.zeros(X.shape[1] + 1), lambda X: 1.0])
def test_vectorized_wrong_shape(out):
    ev = Evaluator(out, vectorized=True)
    with pytest.raises(ValueError, match=r"vectorized|scalar"):
        ev(np.zeros((3, 2)))


def test_vectorized_is_overridden_by_workers():
    with pytest.warns(UserWarning, match="'workers' option has overridden the 'vectorized'"):
        ev = Evaluator(sphere, workers=ThreadPool(1).map, vectorized=True)
    assert ev.vectorized is False


# -- joblib --------------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [2, -1])
def test_joblib_workers_give_the_loop_values(workers):
    X = np.random.default_rng(1).standard_normal((9, 3))
    with Evaluator(sphere, workers=workers) as ev:
        F = ev(X)
        F2 = ev(X[:4])
    np.testing.assert_array_equal(F, [sphere(x) for x in X])
    np.testing.assert_array_equal(F2, F[:4])
    assert ev.nfev == 13
    # also outside a `with` block (a one-off pool)
    np.testing.assert_array_equal(Evaluator(sphere, workers=workers)(X), F)


def test_joblib_accepts_a_lambda():
    res = zominimize.minimize(lambda x: float(np.sum(x**2)), np.ones(3), method="zo-sgd",
                              options={"maxiter": 2, "workers": 2}, rng=0)
    ref = zominimize.minimize(lambda x: float(np.sum(x**2)), np.ones(3), method="zo-sgd",
                              options={"maxiter": 2}, rng=0)
    np.testing.assert_array_equal(res.x, ref.x)


def test_parallel_config_backend_is_honoured():
    rec = Recorder(Quadratic(4))
    ref = zominimize.minimize(Quadratic(4), np.zeros(4), method="zo-adam",
                              options={"maxfev": 63}, rng=0)
    with joblib.parallel_config(backend="threading"):
        res = zominimize.minimize(rec, np.zeros(4), method="zo-adam",
                                  options={"maxfev": 63, "workers": 2}, rng=0)
    # the threading backend ran `fun` here (a process backend would leave `rec` empty)
    assert len(rec.F) == 63
    assert all(name != threading.main_thread().name for name in rec.threads)
    np.testing.assert_array_equal(res.x, ref.x)
    assert res.fun == ref.fun


def test_timeout_raises_timeouterror_with_the_best_result():
    Evaluator(sphere, workers=2)(np.zeros((2, 3)))  # start loky's workers (reused below)
    t0 = time.perf_counter()
    with pytest.raises(TimeoutError) as info:
        zominimize.minimize(hang_if_moved, np.zeros(3), method="zo-sgd", rng=0,
                            options={"maxiter": 5, "workers": 2, "timeout": 1.0})
    assert time.perf_counter() - t0 < 20
    best = info.value.best_result
    assert best.nfev >= 21 and best.fun == hang_if_moved(best.x)


# -- map-like ------------------------------------------------------------------------------


def test_map_like_is_called_as_workers_func_iterable():
    calls = []

    def mymap(func, iterable, *rest, **kw):
        calls.append((func, rest, kw))
        pickle.dumps(func)  # what is handed to the map must pickle (processes, dask)
        return map(func, iterable)

    ev = Evaluator(sphere, workers=mymap)
    X = np.random.default_rng(2).standard_normal((5, 3))
    F = ev(X)
    assert len(calls) == 1 and calls[0][1:] == ((), {})
    np.testing.assert_array_equal(F, [sphere(x) for x in X])
    assert ev.nfev == 5


@pytest.mark.parametrize("kind", ["ThreadPool", "ThreadPool.map", "Executor.map"])
def test_map_like_objects(kind):
    X = np.random.default_rng(3).standard_normal((6, 2))
    if kind == "Executor.map":
        with ThreadPoolExecutor(2) as ex:
            F = Evaluator(sphere, workers=ex.map)(X)
    else:
        pool = ThreadPool(2)
        try:
            F = Evaluator(sphere, workers=pool if kind == "ThreadPool" else pool.map)(X)
        finally:
            pool.close()
            pool.join()
    np.testing.assert_array_equal(F, [sphere(x) for x in X])


def test_map_like_returning_too_few_values():
    ev = Evaluator(sphere, workers=lambda f, it: [f(x) for x in list(it)[:-1]])
    with pytest.raises(ValueError, match="Expected 3 values"):
        ev(np.zeros((3, 2)))


def test_map_like_nonscalar_return():
    with ThreadPoolExecutor(1) as ex, pytest.raises(ValueError, match="scalar value"):
        Evaluator(lambda x: x, workers=ex.map)(np.zeros((3, 2)))


# -- dask.distributed ----------------------------------------------------------------------


class _OnlyOnDaskWorkers:
    """``f``, but NaN when not called on a dask worker (dask copies the object, so
    the evidence must travel in the returned values)."""

    def __init__(self, f):
        self.f = f

    def __call__(self, x):
        from distributed import get_worker

        try:
            get_worker()
        except ValueError:
            return np.nan
        return self.f(x)


@pytest.mark.dask
def test_dask_localcluster_backend_gives_the_same_result():
    distributed = pytest.importorskip("distributed")
    f = Quadratic(5)
    ref = zominimize.minimize(f, np.zeros(5), method="zo-adam", options={"maxfev": 63}, rng=0)
    fun = _OnlyOnDaskWorkers(f)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address="127.0.0.1:0") as cluster, \
            distributed.Client(cluster):
        with joblib.parallel_config(backend="dask"):
            res = zominimize.minimize(fun, np.zeros(5), method="zo-adam",
                                      options={"maxfev": 63, "workers": 2}, rng=0)
    assert res.nfev_nonfinite == 0  # every evaluation ran on the cluster
    np.testing.assert_array_equal(res.x, ref.x)
    assert (res.fun, res.nfev) == (ref.fun, ref.nfev)
    # and the same objective off the cluster is all NaN: the check has teeth
    assert zominimize.minimize(fun, np.zeros(5), method="zo-adam", options={"maxiter": 1},
                               rng=0).status == 3


# -- what the objective gets and returns on every route (issue 15, defects 3, 5, 9) ----------


class _EditsItsInput:
    """A vectorized objective that scribbles over its input after computing the values
    (numpy or torch, as it receives them)."""

    def __init__(self, f):
        self.f = f

    def __call__(self, X):
        values = self.f.vectorized(X.cpu().numpy().copy() if hasattr(X, "cpu") else X.copy())
        X[...] = 1e6  # in place
        return values


_CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.mark.parametrize("vectorized, device", [
    (True, "cpu"), ("torch", "cpu"), pytest.param("torch", "cuda", marks=_CUDA)])
def test_an_objective_that_edits_its_input_cannot_corrupt_the_result(vectorized, device):
    f = Quadratic(5)
    opts = {"maxiter": 5, "vectorized": vectorized}
    if device != "cpu":
        opts["eval_device"] = device
    ref = zominimize.minimize(f.vectorized, np.zeros(5), method="zo-adam", rng=0,
                              options={"maxiter": 5, "vectorized": True})
    res = zominimize.minimize(_EditsItsInput(f), np.zeros(5), method="zo-adam", rng=0,
                              options=opts)
    np.testing.assert_array_equal(res.x, ref.x)
    assert res.fun == ref.fun == f(res.x)


@pytest.mark.parametrize("out, what", [
    (lambda X: [None] * X.shape[1], "NoneType"),
    (lambda X: ["1.5"] * X.shape[1], "dtype <U3"),
    (lambda X: np.ones(X.shape[1]) * (1 + 2j), "complex"),
    (lambda X: torch.ones(X.shape[1], dtype=torch.complex64), "complex"),
    (lambda X: {"a": 1}, "dict"),
    (lambda X: np.ma.masked_all(X.shape[1]), "masked"),
    (lambda X: [1.0, None, 2.0][: X.shape[1]], "NoneType at position 1"),
])
def test_vectorized_route_has_the_scalar_checks_of_the_loop(out, what):
    with pytest.raises(ValueError, match=what) as info:
        Evaluator(out, vectorized=True)(np.zeros((3, 2)))
    assert "vectorized" in str(info.value)


@pytest.mark.parametrize("value", [None, "1.5", 1 + 2j, {"a": 1}])
def test_map_route_has_the_scalar_checks_of_the_loop(value):
    def junk_map(func, points):
        return [value for _ in points]

    with pytest.raises(ValueError, match="must return a scalar value"):
        Evaluator(sphere, workers=junk_map)(np.zeros((3, 2)))


@pytest.mark.parametrize("device, exc", [("nonsense", ValueError), ("cuda:99", ValueError),
                                         (3, TypeError), (["cpu"], TypeError)])
def test_bad_eval_device_is_an_error_on_every_route(device, exc):
    for vectorized in (False, True, "torch"):
        with pytest.raises(exc, match="eval_device"):
            Evaluator(sphere, vectorized=vectorized, eval_device=device)


def test_eval_device_without_torch_batches_warns():
    with pytest.warns(UserWarning, match="`eval_device` has no effect"):
        Evaluator(sphere, vectorized=True, eval_device=torch.device("cpu"))
