"""Faults inside the objective: each has one documented behaviour, checked here exactly.

=================================  ===================================================
fault                              what the user gets
=================================  ===================================================
NaN / +inf / -inf on some points   the run completes; the value is ignored, counted
                                   in ``nfev_nonfinite`` and named in ``message``;
                                   ``res.fun`` is the best *finite* value and
                                   ``res.fun == fun(res.x)``
an exception at evaluation ``k``   it propagates unchanged; ``exc.best_result`` is the
                                   best of the evaluations that returned (loop: also
                                   those of the interrupted batch; workers, a map or
                                   ``vectorized``: the completed iterations)
a hang longer than ``timeout``     ``TimeoutError`` after ``timeout`` seconds (not after
(``workers=2``)                    the hang), with ``exc.best_result``
``KeyboardInterrupt`` inside fun   propagates (never swallowed), ``exc.best_result``
a crash with ``checkpoint``        ``resume=True`` reaches the identical final result
=================================  ===================================================

``docs/reliability.rst`` is the user-facing version of this table.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.optimize
from conftest import Quadratic

import zominimize
from zominimize._evaluate import Evaluator

D = 6
Q = 20  # zo-adam's default: the first iteration evaluates x0 and 20 queries (21 points)
MSG_INTERRUPTED = "Interrupted by {}: best point so far."


# -- objectives (module level: they pickle by reference into loky's worker processes) -------


def Quad(n=D, seed=3):
    """The shared test quadratic of ``conftest`` (picklable by reference)."""
    return Quadratic(n, seed)


class Holey:
    """``Quad``, but ``bad`` on a fine deterministic pattern (about a third of the
    points, not at ``x0 = 0``)."""

    def __init__(self, bad):
        self.bad, self.f = bad, Quad()

    def __call__(self, x):
        return self.bad if np.sin(3e6 * np.sum(x) - 1.0) > 0.5 else self.f(x)


class Vectorized:
    """``(n, S) -> (S,)`` version of a scalar objective."""

    def __init__(self, f):
        self.f = f

    def __call__(self, X):
        return np.array([self.f(X[:, j]) for j in range(X.shape[1])])


class Recorder:
    def __init__(self, f):
        self.f, self.X, self.F = f, [], []

    def __call__(self, x):
        v = self.f(x)
        self.X.append(np.array(x))
        self.F.append(float(v))
        return v


class RaiseAt:
    """``Quad`` until the ``k``-th call, which raises ``exc`` (loop route: one process)."""

    def __init__(self, k, exc=ArithmeticError, f=None):
        self.k, self.exc, self.f = k, exc, f or Quad()
        self.calls, self.X, self.F = 0, [], []

    def __call__(self, x):
        self.calls += 1
        if self.calls == self.k:
            raise self.exc(f"fault at evaluation {self.k}")
        v = self.f(x)
        self.X.append(np.array(x))
        self.F.append(v)
        return v


class RaiseWhenMoved:
    """``Quad`` at and around ``x0 = 0`` (the whole first iteration), ``exc`` after."""

    def __init__(self, exc=ArithmeticError):
        self.exc, self.f = exc, Quad()

    def __call__(self, x):
        if abs(x[0]) > 1e-3:
            raise self.exc("fault once x moved")
        return self.f(x)


class HangWhenMoved:
    """``Quad`` in the first iteration, then every call hangs for ``seconds``."""

    def __init__(self, seconds=2.0):
        self.seconds, self.f = seconds, Quad()

    def __call__(self, x):
        if abs(x[0]) > 1e-3:
            time.sleep(self.seconds)
        return self.f(x)


# -- helpers ---------------------------------------------------------------------------------


ROUTES = ["loop", "vectorized", "workers=2", "map"]


def run(route, fun, method="zo-adam", rng=0, **options):
    """``zominimize.minimize`` with ``fun`` evaluated by ``route``."""
    if route == "vectorized":
        return zominimize.minimize(Vectorized(fun), np.zeros(D), method=method, rng=rng,
                                   options={**options, "vectorized": True})
    if route == "workers=2":
        return zominimize.minimize(fun, np.zeros(D), method=method, rng=rng,
                                   options={**options, "workers": 2})
    if route == "map":
        with ThreadPoolExecutor(2) as ex:
            return zominimize.minimize(fun, np.zeros(D), method=method, rng=rng,
                                       options={**options, "workers": ex.map})
    return zominimize.minimize(fun, np.zeros(D), method=method, rng=rng, options=options)


def same(a, b):
    np.testing.assert_array_equal(a.x, b.x)
    assert a.fun == b.fun
    assert (a.nit, a.nfev, a.status, a.message) == (b.nit, b.nfev, b.status, b.message)


@pytest.fixture(scope="module")
def loky():
    """Start joblib's worker processes once (they are reused across runs)."""
    Evaluator(Quad(), workers=2)(np.zeros((4, D)))


def _route_fixtures(request, route):
    if route == "workers=2":
        request.getfixturevalue("loky")


# -- NaN and ±inf -----------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "+inf", "-inf"])
def test_nonfinite_values_are_ignored_and_never_reported(bad):
    fun = Recorder(Holey(bad))
    res = run("loop", fun, maxfev=200)
    F = np.array(fun.F)
    n_bad = int(np.sum(~np.isfinite(F)))
    assert 30 < n_bad < 170
    assert (res.status, res.nfev, res.nfev_nonfinite) == (1, 200, n_bad)
    assert np.isfinite(res.fun)
    assert res.fun == F[np.isfinite(F)].min() == Holey(bad)(res.x)
    assert res.message == (
        "Maximum number of function evaluations has been exceeded. "
        f"{n_bad} evaluations returned non-finite values and were ignored."
    )
    # -inf is the smallest float, but it is never "the optimum"
    assert res.fun > -np.inf and res.success is False


@pytest.mark.parametrize("route", ROUTES[1:])
@pytest.mark.parametrize("bad", [np.nan, -np.inf], ids=["nan", "-inf"])
def test_nonfinite_values_same_result_on_every_route(route, bad, request):
    _route_fixtures(request, route)
    ref = run("loop", Holey(bad), maxfev=200)
    res = run(route, Holey(bad), maxfev=200)
    same(res, ref)
    assert res.nfev_nonfinite == ref.nfev_nonfinite > 0


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nonfinite_values_with_l2l_zo(random_weights, bad):
    fun = Recorder(Holey(bad))
    res = run("loop", fun, method="l2l-zo", maxfev=200, weights=random_weights)
    F = np.array(fun.F)
    assert res.nfev_nonfinite == int(np.sum(~np.isfinite(F))) > 0
    assert res.fun == F[np.isfinite(F)].min() == Holey(bad)(res.x)


class NanAtX0:
    def __call__(self, x):
        return np.nan if not np.any(x) else float(np.sum((x - 1.0) ** 2))


def test_nonfinite_x0_is_never_reported():
    fun = Recorder(NanAtX0())
    res = run("loop", fun, maxfev=210, lr=0.5, scale_lr_by_dim=False)
    F = np.array(fun.F)
    assert res.fun == F[np.isfinite(F)].min() == NanAtX0()(res.x)
    assert res.nfev_nonfinite == int(np.sum(np.isnan(F))) >= 1


@pytest.mark.parametrize("method, options", [
    ("zo-adam", {"lr": 0.5, "scale_lr_by_dim": False}), ("l2l-zo", {})])
def test_nonfinite_x0_does_not_stall_the_run(method, options):
    res = run("loop", NanAtX0(), method=method, maxfev=420, **options)
    # x0 is evaluated once (twice with l2l-zo's noise check), not once per iteration
    assert res.nfev_nonfinite <= (2 if method == "l2l-zo" else 1)
    assert res.fun < 0.1  # f(x0 + tiny) ~ 6: the run goes on from a finite query


def test_all_nonfinite_is_status_3_with_x0():
    res = run("loop", lambda x: np.nan, maxfev=50)
    assert (res.status, res.success, res.nfev, res.nfev_nonfinite) == (3, False, 21, 21)
    assert np.isnan(res.fun)
    np.testing.assert_array_equal(res.x, np.zeros(D))
    assert res.message == "NaN result encountered."


# -- exceptions in fun ------------------------------------------------------------------------


@pytest.mark.parametrize("k", [2, 21, 22, 50])
def test_exception_at_evaluation_k_gives_the_best_of_the_first_k_minus_1(k):
    fun = RaiseAt(k)
    with pytest.raises(ArithmeticError, match=f"fault at evaluation {k}$") as info:
        run("loop", fun, maxiter=10)
    best = info.value.best_result
    F = np.array(fun.F)
    i = int(np.argmin(F))
    assert best.nfev == k - 1 == len(F)  # the interrupted batch counts too
    assert best.nit == (k - 1) // (Q + 1)
    assert best.fun == F[i]
    np.testing.assert_array_equal(best.x, fun.X[i])
    assert (best.status, best.success) == (-1, False)
    assert best.message == MSG_INTERRUPTED.format("ArithmeticError")


def test_exception_at_the_first_evaluation():
    with pytest.raises(ArithmeticError) as info:
        run("loop", RaiseAt(1), maxiter=10)
    best = info.value.best_result
    assert (best.nfev, best.nit, best.status) == (0, 0, 3)
    assert np.isnan(best.fun)
    np.testing.assert_array_equal(best.x, np.zeros(D))


@pytest.mark.parametrize("route", ROUTES[1:])
def test_exception_with_workers_vectorized_or_map(route, request):
    # The failing batch gives nothing back on these routes: the best point is the
    # first iteration's, bit for bit.
    _route_fixtures(request, route)
    ref1 = run("loop", Quad(), maxiter=1)
    with pytest.raises(ArithmeticError, match="fault once x moved") as info:
        run(route, RaiseWhenMoved(), maxiter=10)
    best = info.value.best_result
    np.testing.assert_array_equal(best.x, ref1.x)
    assert (best.fun, best.nit, best.nfev, best.status) == (ref1.fun, 1, Q + 1, -1)
    assert best.message == MSG_INTERRUPTED.format("ArithmeticError")


def test_exception_through_scipy_optimize_minimize():
    fun = RaiseAt(30)
    with pytest.raises(ArithmeticError) as info:
        scipy.optimize.minimize(fun, np.zeros(D), method=zominimize.zo_adam,
                                options={"maxiter": 10, "rng": 0})
    assert info.value.best_result.fun == min(fun.F)
    assert info.value.best_result.nfev == 29


# -- hang beyond `timeout` ----------------------------------------------------------------------


def test_hang_beyond_timeout_raises_timeouterror_with_the_best_result():
    ref1 = run("loop", Quad(), maxiter=1)
    # An exception in a worker (tests above) makes joblib kill and restart its workers:
    # wait for them here, or their start-up would count against the timeout.
    Evaluator(Quad(), workers=2)(np.zeros((4, D)))
    t0 = time.perf_counter()
    # a timeout that a busy machine's first batch still meets, far below the hang
    with pytest.raises(TimeoutError, match="timeout") as info:
        run("workers=2", HangWhenMoved(8.0), maxiter=10, timeout=3.0)
    elapsed = time.perf_counter() - t0
    # 21 hanging calls on 2 workers would take ~80 s: the run did not wait for them
    assert elapsed < 20
    best = info.value.best_result
    np.testing.assert_array_equal(best.x, ref1.x)
    assert (best.fun, best.nit, best.nfev, best.status) == (ref1.fun, 1, Q + 1, -1)
    assert best.message == MSG_INTERRUPTED.format("TimeoutError")


# -- KeyboardInterrupt --------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 40])
def test_keyboardinterrupt_inside_fun_propagates_with_the_best_result(k):
    fun = RaiseAt(k, exc=KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt) as info:
        run("loop", fun, maxiter=10)
    best = info.value.best_result
    assert best.nfev == k - 1
    if k == 1:
        assert np.isnan(best.fun) and best.status == 3
    else:
        assert best.fun == min(fun.F) and best.status == -1
        assert best.message == MSG_INTERRUPTED.format("KeyboardInterrupt")


@pytest.mark.parametrize(
    "route", ["vectorized", "map", pytest.param("workers=2", marks=pytest.mark.slow)])
def test_keyboardinterrupt_with_vectorized_map_or_workers(route, request):
    _route_fixtures(request, route)
    ref1 = run("loop", Quad(), maxiter=1)
    if route == "workers=2":  # joblib restarted its workers after the timeout above
        Evaluator(Quad(), workers=2)(np.zeros((4, D)))
    with pytest.raises(KeyboardInterrupt) as info:
        run(route, RaiseWhenMoved(KeyboardInterrupt), maxiter=10)
    best = info.value.best_result
    np.testing.assert_array_equal(best.x, ref1.x)
    assert (best.fun, best.nit, best.nfev) == (ref1.fun, 1, Q + 1)


# -- checkpoint, crash, resume ------------------------------------------------------------------

N_IT = 14  # 14 iterations of 21 evaluations; checkpoints after iterations 5 and 10


@pytest.mark.parametrize("method", ["zo-adam", "l2l-zo"])
@pytest.mark.parametrize(
    "k, exc",
    [(50, ArithmeticError),  # before the first checkpoint: resume starts afresh
     (106, ArithmeticError),  # first evaluation after the checkpoint of iteration 5
     (137, KeyboardInterrupt),
     (210, ArithmeticError)],  # last evaluation before the checkpoint of iteration 10
)
def test_crash_then_resume_reaches_the_uninterrupted_result(method, k, exc, tmp_path, request):
    extra = {"weights": request.getfixturevalue("random_weights")} if method == "l2l-zo" else {}
    opts = {"maxiter": N_IT, **extra}
    ref = run("loop", Quad(), method=method, rng=5, **opts)
    path = tmp_path / "run.ckpt"
    ck = {**opts, "checkpoint": str(path), "checkpoint_every": 5}
    with pytest.raises(exc):
        run("loop", RaiseAt(k, exc), method=method, rng=5, **ck)
    it_done = (k - 1) // (Q + 1)
    if it_done < 5:
        assert not path.exists()
    else:
        assert zominimize.load_checkpoint(path).nit == it_done // 5 * 5
    res = run("loop", Quad(), method=method, rng=5, **ck, resume=True)
    same(res, ref)
    np.testing.assert_array_equal(res.x_iterate, ref.x_iterate)
    assert zominimize.load_checkpoint(path).nit == N_IT  # the final state is saved too


def test_two_crashes_then_resume(tmp_path):
    ref = run("loop", Quad(), rng=6, maxiter=N_IT)
    ck = {"maxiter": N_IT, "checkpoint": str(tmp_path / "c"), "checkpoint_every": 5}
    with pytest.raises(ArithmeticError):
        run("loop", RaiseAt(120), rng=6, **ck)
    with pytest.raises(ArithmeticError):  # the resumed run crashes too (after 110 more)
        run("loop", RaiseAt(110), rng=6, **ck, resume=True)
    assert zominimize.load_checkpoint(tmp_path / "c").nit == 10
    same(run("loop", Quad(), rng=6, **ck, resume=True), ref)


# -- long runs ----------------------------------------------------------------------------------


def test_callback_with_return_all_does_not_copy_the_history():
    seen = []
    res = zominimize.minimize(Quad(), np.zeros(D), method="zo-adam", rng=0,
                              callback=lambda intermediate_result: seen.append(
                                  len(intermediate_result.get("allvecs", ()))),
                              options={"maxiter": 5, "return_all": True})
    assert len(res.allvecs) == 6
    assert seen == [0] * 5


# -- checkpoints: the final write, the driver's state, the cadence (issues 15 and 16) --------


class RemoveDirAt:
    """``Quad``, removing directory ``d`` at its ``k``-th call (the checkpoint's home)."""

    def __init__(self, k, d):
        self.k, self.d, self.calls, self.f = k, d, 0, Quad()

    def __call__(self, x):
        import shutil

        self.calls += 1
        if self.calls == self.k:
            shutil.rmtree(self.d)
        return self.f(x)


def test_failed_final_checkpoint_keeps_the_whole_result(tmp_path):
    """The directory of the checkpoint disappears during the run: the final write fails,
    and the error carries the complete result of the run."""
    ref = run("loop", Quad(), maxiter=N_IT)
    d = tmp_path / "gone"
    d.mkdir()
    fun = RemoveDirAt(N_IT * (Q + 1) - 3, d)
    with pytest.raises(FileNotFoundError) as info:
        run("loop", fun, maxiter=N_IT, checkpoint=str(d / "c.ckpt"), checkpoint_every=100)
    best = info.value.best_result
    np.testing.assert_array_equal(best.x, ref.x)
    assert (best.fun, best.nit, best.nfev, best.status) == (ref.fun, ref.nit, ref.nfev, 2)
    assert best.message.startswith(ref.message)
    assert "final checkpoint could not be written" in best.message


def test_full_disk_on_the_final_checkpoint_keeps_the_whole_result(tmp_path, monkeypatch):
    import errno

    from zominimize import _safetensors

    ref = run("loop", Quad(), maxiter=N_IT)
    real = _safetensors.save_file
    calls = []

    def full_disk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:  # iterations 5 and 10 are saved; the final write fails
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(_safetensors, "save_file", full_disk)
    monkeypatch.setattr("zominimize._checkpoint.save_file", full_disk)
    path = tmp_path / "c.ckpt"
    with pytest.raises(OSError, match="No space") as info:
        run("loop", Quad(), maxiter=N_IT, checkpoint=str(path), checkpoint_every=5)
    best = info.value.best_result
    np.testing.assert_array_equal(best.x, ref.x)
    assert (best.fun, best.nit, best.nfev, best.status) == (ref.fun, ref.nit, ref.nfev, 2)
    assert zominimize.load_checkpoint(path).nit == 10  # the previous checkpoint is intact
    assert [p.name for p in tmp_path.iterdir()] == ["c.ckpt"]  # no temp file left


class FtolQuad:
    """A quadratic on which ``zo-adam`` with ``ftol=1e-3, patience=5`` stops early."""

    def __call__(self, x):
        return float(np.sum((np.asarray(x) - 0.3) ** 2)) + 2.0


FTOL = {"ftol": 1e-3, "patience": 5, "maxiter": 400, "lr": 0.5, "scale_lr_by_dim": False}


def test_resume_reproduces_a_run_that_stops_on_ftol(tmp_path):
    ref = run("loop", FtolQuad(), **FTOL)
    assert ref.status == 0 and 15 < ref.nit < 100  # it stops on ftol, well after 5
    path = tmp_path / "c.ckpt"
    ck = {**FTOL, "checkpoint": str(path), "checkpoint_every": 3}
    k = (ref.nit - 2) * (Q + 1)  # crash in the last iterations, after a checkpoint
    with pytest.raises(ArithmeticError):
        run("loop", RaiseAt(k, f=FtolQuad()), **ck)
    assert zominimize.load_checkpoint(path).nit >= ref.nit - 5  # within the ftol window
    res = run("loop", FtolQuad(), **ck, resume=True)
    same(res, ref)


@pytest.mark.parametrize("stop", ["ftol", "f_target", "callback"])
def test_resuming_a_finished_run_evaluates_nothing(stop, tmp_path):
    opts = dict(FTOL) if stop == "ftol" else {"maxiter": 400}
    if stop == "f_target":
        opts["f_target"] = 5.0
    cb = None
    if stop == "callback":
        def cb(intermediate_result):
            if intermediate_result.nit == 7:
                raise StopIteration
    path = tmp_path / "c.ckpt"
    ck = {**opts, "checkpoint": str(path), "checkpoint_every": 4}
    ref = zominimize.minimize(FtolQuad(), np.zeros(D), method="zo-adam", rng=0, callback=cb,
                              options=ck)
    assert ref.status in (0, 99) and ref.nit < 400
    fun = RaiseAt(1, f=FtolQuad())  # any evaluation is an error
    res = zominimize.minimize(fun, np.zeros(D), method="zo-adam", rng=0, callback=cb,
                              options={**ck, "resume": True})
    same(res, ref)
    assert fun.calls == 0


def test_a_run_ended_by_its_budget_continues_with_a_larger_one(tmp_path):
    path = tmp_path / "c.ckpt"
    ck = {"checkpoint": str(path), "checkpoint_every": 4}
    ref = run("loop", Quad(), maxiter=12)
    run("loop", Quad(), maxiter=6, **ck)
    fun = RaiseAt(10**9)
    again = run("loop", fun, maxiter=6, **ck, resume=True)  # the same budget: nothing to do
    assert fun.calls == 0 and again.nit == 6 and again.status == 2
    same(run("loop", Quad(), maxiter=12, **ck, resume=True), ref)


@pytest.mark.parametrize("every", [3, 7])  # both share a factor with q + 1 = 21
def test_checkpoint_cadence_counts_iterations_not_evaluations(every, tmp_path, monkeypatch):
    from zominimize import _driver

    saved = []
    real = _driver.save_checkpoint

    def spy(opt, path):
        saved.append((opt.nit, opt.nfev))
        real(opt, path)

    monkeypatch.setattr(_driver, "save_checkpoint", spy)
    run("loop", Quad(), maxiter=16, checkpoint=str(tmp_path / "c"), checkpoint_every=every)
    assert all(nfev % (Q + 1) == 0 for _, nfev in saved)  # every iteration asks q + 1 points
    assert [nit for nit, _ in saved] == [*range(every, 16, every), 16]  # 16: the final write


def test_ftol_rule_has_a_floor_of_one_for_small_values():
    """With |f| < 1 the rule compares the improvement over `patience` iterations with
    ftol * max(1, |f|) = ftol: this run improves by ~1e-4 per window, far below ftol = 1e-2
    (it stops as soon as the window is full) yet far above ftol * |f| ~ 1e-5."""
    small = lambda x: 1e-3 * float(np.sum((np.asarray(x) - 0.5) ** 2))  # noqa: E731
    res = zominimize.minimize(small, np.zeros(D), method="zo-adam", rng=0,
                              options={"ftol": 1e-2, "patience": 5, "maxiter": 200, "lr": 0.05,
                                       "scale_lr_by_dim": False})
    assert res.status == 0 and res.nit == 6  # the first full window: patience + 1 values
    f0 = small(np.zeros(D))
    assert 1e-5 < f0 - res.fun < 1e-2 and res.fun < 1.0
