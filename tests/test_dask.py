"""Queries on a real ``dask.distributed`` cluster through joblib, with no change to the call.

One ``LocalCluster`` (two worker *processes*, one thread each, loopback only) serves the
whole module. ``zominimize.minimize(..., options={"workers": 2})`` inside
``joblib.parallel_config(backend="dask")`` must

* give the bit-identical result of ``workers=1`` for the same ``rng`` (all directions are
  drawn in the client), with every evaluation done on a worker process;
* survive a worker process that dies mid-run: dask reschedules the lost task and the run
  completes with the same result; when the scheduler gives up on the task instead
  (``allowed-failures`` exhausted, ``KilledWorker``), the run stops with a
  ``TimeoutError`` after the per-batch ``timeout`` and hands back the best point so far.
  (Without ``timeout`` joblib's dask backend waits forever on a task the scheduler
  has marked as failed: see ``docs/reliability.rst``.)

Every test first waits for both workers, because joblib runs a batch in the client
process, not on the cluster, while the cluster has a single worker thread.
"""

from __future__ import annotations

import logging
import os
import time

import joblib
import numpy as np
import pytest
from conftest import Quadratic

import zominimize

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.dask

D = 5
MAIN_PID = os.getpid()  # in a worker process, importing this module sets its own pid


# -- objectives: module-level classes, so the worker processes unpickle them by reference ---


def Quad(n=D, seed=0):
    """The shared test quadratic of ``conftest`` (picklable by reference)."""
    return Quadratic(n, seed)


def _on_a_worker_process(client_pid: int) -> bool:
    try:
        distributed.get_worker()
    except ValueError:
        return False
    return os.getpid() != client_pid


class OnClusterOnly:
    """``f(x)`` on a dask worker process, NaN anywhere else. The objective is copied to
    the workers, so the evidence of where it ran has to travel in the values:
    ``res.nfev_nonfinite == 0`` proves that every evaluation ran on the cluster."""

    def __init__(self, f):
        self.f, self.client_pid = f, os.getpid()

    def __call__(self, x):
        return self.f(x) if _on_a_worker_process(self.client_pid) else np.nan


class FailsWhenMoved:
    """Raises ``ArithmeticError`` on the workers once ``x`` leaves ``x0 = 0``
    (the second iteration)."""

    def __init__(self, f):
        self.f = f

    def __call__(self, x):
        if abs(x[0]) > 1e-3:
            raise ArithmeticError(f"bad point on pid {os.getpid()}")
        return self.f(x)


class DiesOnce:
    """``f(x)``, except that the first evaluation on a worker process after ``x`` left
    ``x0 = 0`` kills that worker (``os._exit(1)``). A file created with ``O_EXCL`` makes
    that exactly one death, whichever worker gets there first; in the client process
    (joblib's fallback while a worker restarts) it never dies."""

    def __init__(self, f, flag):
        self.f, self.flag, self.client_pid = f, str(flag), os.getpid()

    def __call__(self, x):
        if abs(x[0]) > 1e-3 and _on_a_worker_process(self.client_pid):
            try:
                fd = os.open(self.flag, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                pass
            else:
                os.write(fd, str(os.getpid()).encode())
                os.close(fd)
                os._exit(1)
        return self.f(x)


def _set_allowed_failures(dask_scheduler, n):
    old = dask_scheduler.allowed_failures
    dask_scheduler.allowed_failures = n
    return old


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
        host="127.0.0.1", silence_logs=logging.CRITICAL,
    ) as cluster, distributed.Client(cluster) as c:
        yield c


@pytest.fixture(autouse=True)
def _two_workers(client):
    # a worker killed by the previous test is restarted by its nanny
    client.wait_for_workers(2, timeout=60)
    assert sum(client.ncores().values()) == 2


def _opts(method, random_weights_path=None, **kw):
    if method == "l2l-zo":
        kw["weights"] = random_weights_path
    return kw


def same(a, b):
    np.testing.assert_array_equal(a.x, b.x)
    assert a.fun == b.fun
    assert (a.nit, a.nfev, a.status, a.message) == (b.nit, b.nfev, b.status, b.message)


# -- tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["zo-adam", "zo-sgd", "l2l-zo"])
def test_cluster_gives_the_workers_1_result_bit_for_bit(client, method, request):
    w = request.getfixturevalue("random_weights") if method == "l2l-zo" else None
    f = Quad()
    opts = _opts(method, w, maxfev=84, q=6)
    ref = zominimize.minimize(f, np.zeros(D), method=method, options=opts, rng=7)
    with joblib.parallel_config(backend="dask"):
        res = zominimize.minimize(OnClusterOnly(f), np.zeros(D), method=method, rng=7,
                                  options={**opts, "workers": 2})
    assert res.nfev_nonfinite == 0  # every one of the 84 evaluations ran on a worker process
    same(res, ref)
    np.testing.assert_array_equal(res.x_iterate, ref.x_iterate)
    # the marker has teeth: off the cluster, every value is NaN
    assert zominimize.minimize(OnClusterOnly(f), np.zeros(D), method=method, rng=7,
                               options=_opts(method, w, maxiter=1, q=6)).status == 3


def test_exception_on_a_worker_propagates_with_the_best_result(client):
    f = Quad()
    ref1 = zominimize.minimize(f, np.zeros(D), method="zo-adam", options={"maxiter": 1}, rng=0)
    with joblib.parallel_config(backend="dask"), \
            pytest.raises(ArithmeticError, match="bad point on pid") as info:
        zominimize.minimize(FailsWhenMoved(f), np.zeros(D), method="zo-adam", rng=0,
                            options={"maxiter": 10, "workers": 2})
    assert "bad point on pid " + str(MAIN_PID) not in str(info.value)  # raised on a worker
    best = info.value.best_result
    # the failing second batch contributes nothing: the best point is the first iteration's
    np.testing.assert_array_equal(best.x, ref1.x)
    assert (best.fun, best.nit, best.nfev, best.status) == (ref1.fun, 1, 21, -1)
    assert best.message == "Interrupted by ArithmeticError: best point so far."


def test_worker_killed_mid_run_is_rescheduled_and_the_run_completes(client, tmp_path):
    f = Quad()
    opts = {"maxiter": 6, "q": 10}
    ref = zominimize.minimize(f, np.zeros(D), method="zo-adam", options=opts, rng=1)
    flag = tmp_path / "died"
    pids = set(client.run(os.getpid).values())
    with joblib.parallel_config(backend="dask"):
        res = zominimize.minimize(DiesOnce(f, flag), np.zeros(D), method="zo-adam", rng=1,
                                  options={**opts, "workers": 2})
    assert flag.exists()  # a worker process did die, in the second iteration
    assert int(flag.read_text()) in pids
    same(res, ref)  # nothing lost, nothing counted twice, nothing different
    assert res.nfev_nonfinite == 0
    client.wait_for_workers(2, timeout=60)
    assert int(flag.read_text()) not in set(client.run(os.getpid).values())  # restarted


def test_task_given_up_by_the_scheduler_ends_in_timeout_with_the_best_result(client, tmp_path):
    # With allowed-failures = 0 the scheduler marks the lost task as failed (KilledWorker)
    # instead of rescheduling it; joblib's dask backend never reports that failure, so only
    # the `timeout` option ends the batch.
    f = Quad()
    ref1 = zominimize.minimize(f, np.zeros(D), method="zo-adam", options={"maxiter": 1}, rng=2)
    flag = tmp_path / "died"
    with joblib.parallel_config(backend="dask"):  # warm workers: the first batch is quick
        zominimize.minimize(f, np.zeros(D), method="zo-adam", rng=2,
                            options={"maxiter": 1, "workers": 2})
    old = client.run_on_scheduler(_set_allowed_failures, n=0)
    try:
        t0 = time.perf_counter()
        with joblib.parallel_config(backend="dask"), pytest.raises(TimeoutError) as info:
            zominimize.minimize(DiesOnce(f, flag), np.zeros(D), method="zo-adam", rng=2,
                                options={"maxiter": 6, "workers": 2, "timeout": 6.0})
        elapsed = time.perf_counter() - t0
    finally:
        client.run_on_scheduler(_set_allowed_failures, n=old)
    assert flag.exists()
    assert 6.0 <= elapsed < 60
    assert "timeout" in str(info.value)
    best = info.value.best_result
    np.testing.assert_array_equal(best.x, ref1.x)
    assert (best.fun, best.nit, best.nfev, best.status) == (ref1.fun, 1, 21, -1)
    assert best.message == "Interrupted by TimeoutError: best point so far."
