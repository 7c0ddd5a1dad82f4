"""One benchmark run: a method on a problem instance for one seed, held to a budget.

Every method sees the objective through :class:`_Counted`, which counts every
evaluation, records every value, and stops the run exactly at the budget (or at the
time limit) by raising a private exception that the runner catches. The best-so-far
trace therefore comes from the evaluations themselves, whatever the method reports.
"""

from __future__ import annotations

import inspect
import time
import warnings

import numpy as np

from ._peers import (
    PEERS,
    SCIPY_METHODS,
    check_peer,
    cma_seed,
    run_peer,
    substitute,
    warm_les,
)
from ._record import RunRecord
from ._spec import Spec, parse_spec

__all__ = [
    "RunRecord",
    "SCIPY_METHODS",
    "check_method",
    "check_problem",
    "cma_seed",
    "method_kind",
    "make_problem",
    "run_one",
]


class _Stop(Exception):
    """Base of the runner's private control-flow exceptions."""


class _BudgetExhausted(_Stop):
    """Raised by the counting wrapper on the first evaluation beyond the budget."""


class _TimeLimitReached(_Stop):
    """Raised by the counting wrapper on the first evaluation after the time limit."""


# -- methods and problems -----------------------------------------------------------


def method_kind(name: str) -> str:
    """``"zo"`` (a registered zominimize method), ``"scipy"``, ``"cma"``, ``"ngopt"``
    (nevergrad) or ``"les"`` (evosax).

    Raises
    ------
    ValueError
        For an unknown method name.
    """
    from .. import list_methods

    name = name.lower()
    if name in list_methods():
        return "zo"
    if name in SCIPY_METHODS:
        return "scipy"
    if name in PEERS:
        return PEERS[name][0]
    raise ValueError(
        f"unknown method {name!r}; known: {', '.join(list_methods())}, "
        f"{', '.join(SCIPY_METHODS)}, cma, ngopt (nevergrad), les (evosax)"
    )


def check_method(spec: str | Spec) -> Spec:
    """Parse a method spec and check that it can run here.

    Builds zominimize methods once (loading ``l2l-zo`` weights), rejects unknown
    options of zominimize methods, SciPy's methods, NGOpt and LES, and checks that
    the peers' packages (pycma, nevergrad, evosax) are importable.

    Raises
    ------
    ValueError, TypeError
        For an unknown method, an unknown or invalid option, or missing weights.
    ImportError
        For a peer whose package is not installed.
    """
    spec = parse_spec(spec)
    kind = method_kind(spec.name)
    if kind == "zo":
        from .._registry import build_method

        build_method(spec.name, substitute(spec.options, None), strict=True)
    else:
        check_peer(kind, spec)
    return spec


def check_problem(spec: str | Spec) -> Spec:
    """Parse a problem spec: a name of :func:`zominimize.problems.list_problems` or
    of :func:`~zominimize.problems.list_families`, or ``bbob[fid=F,dim=D,...]``
    (COCO's BBOB through ``ioh``), with options.

    Raises
    ------
    ValueError
        For an unknown name or invalid BBOB options.
    ImportError
        For a BBOB problem when ``ioh`` is not installed.
    """
    from ..problems import list_families, list_problems

    spec = parse_spec(spec)
    if spec.name == "bbob":
        from ._bbob import check_bbob

        return check_bbob(spec)
    if spec.name == "bbob-noisy":
        from ._bbob_noisy import check_bbob_noisy

        return check_bbob_noisy(spec)
    if spec.name not in list_problems() and spec.name not in list_families():
        raise ValueError(
            f"unknown problem {spec.name!r}; named problems: {', '.join(list_problems())}; "
            f"families: {', '.join(list_families())}; and bbob[fid=F,dim=D], "
            "bbob-noisy[fid=F,dim=D]"
        )
    return spec


def make_problem(spec: str | Spec, seed: int):
    """Build the problem instance that ``seed`` selects.

    A family name samples instance ``seed`` of the family. A named problem whose
    class is indexed (the attack: ``index``) or randomly generated (``rng``) is
    rebuilt with ``index=seed`` or ``rng=seed``, unless the spec pins that option;
    other named problems are the same for every seed. ``bbob[...]`` is BBOB instance
    ``seed + iid_offset`` (see :mod:`zominimize.bench._bbob`).

    Returns
    -------
    problem : zominimize.problems.Problem
    """
    from ..problems import get_family, get_problem, list_problems

    spec = check_problem(spec)
    if spec.name == "bbob":
        from ._bbob import make_bbob

        return make_bbob(spec, seed)
    if spec.name == "bbob-noisy":
        from ._bbob_noisy import make_bbob_noisy

        return make_bbob_noisy(spec, seed)
    if spec.name not in list_problems():
        return get_family(spec.name, **spec.options).sample(seed)
    problem = get_problem(spec.name, **spec.options)
    params = inspect.signature(type(problem).__init__).parameters
    for key in ("index", "rng"):
        if key in params and key not in spec.options:
            return get_problem(spec.name, **{**spec.options, key: int(seed)})
    return problem


# -- the counting wrapper -----------------------------------------------------------


class _Counted:
    """Count, record and cap every evaluation of ``problem``.

    ``__call__`` takes one point; ``vectorized`` takes SciPy's ``(n, S)`` columns
    (only the columns the budget allows are evaluated; then the budget exception).
    A problem with ``evaluate_full`` (noisy BBOB) gives the solver its noisy values
    and has its noise-free values recorded, as COCO records noisy runs.
    """

    def __init__(self, problem, budget: int, time_limit: float | None, storage=None):
        self.problem = problem
        self.budget = int(budget)
        self.time_limit = time_limit
        # values[:budget] are the evaluations; values[budget:] hold n, the time in the
        # objective and the first success (-1: none), so that a process that shares
        # ``storage`` (a buffer of budget + 3 doubles) can read the run after a kill.
        if storage is None:
            self._buf = np.full(self.budget + 3, np.nan)
        else:
            self._buf = np.frombuffer(storage, dtype=np.float64)
            self._buf[:] = np.nan
        self._buf[self.budget:] = (0.0, 0.0, -1.0)
        self.values = self._buf[: self.budget]
        self.t0 = time.perf_counter()
        self.is_attack = hasattr(problem, "margin") and hasattr(problem, "kappa")
        self._full = getattr(problem, "evaluate_full", None)
        self.inside = False  # evaluating: a time-limit alarm waits until the value is kept
        self.alarmed = False

    @property
    def n(self) -> int:
        return int(self._buf[self.budget])

    @property
    def fun_time(self) -> float:
        return float(self._buf[self.budget + 1])

    def _add_time(self, seconds: float) -> None:
        self._buf[self.budget + 1] += seconds

    @property
    def first_success(self) -> int | None:
        v = int(self._buf[self.budget + 2])
        return None if v < 0 else v

    def on_alarm(self, signum, frame) -> None:
        """SIGALRM handler: stop the run now, or right after the current evaluation."""
        if self.inside:
            self.alarmed = True
        else:
            raise _TimeLimitReached

    def _room(self) -> int:
        if self.n >= self.budget:
            raise _BudgetExhausted
        if self.time_limit is not None and time.perf_counter() - self.t0 > self.time_limit:
            raise _TimeLimitReached
        return self.budget - self.n

    def _record(self, X: np.ndarray, F: np.ndarray) -> None:
        m, n = len(F), self.n
        self.values[n:n + m] = F
        if self.is_attack and self.first_success is None:
            rows = _attack_candidates(self.problem, X, F)
            if rows.size:
                margins = np.atleast_1d(self.problem.margin(X[rows]))
                ok = rows[margins <= -self.problem.kappa]
                if ok.size:
                    self._buf[self.budget + 2] = n + int(ok[0]) + 1
        self._buf[self.budget] = n + m  # last: a kill never counts unrecorded values

    def __call__(self, x: np.ndarray) -> float:
        self._room()
        t = time.perf_counter()
        self.inside = True
        try:
            x = np.asarray(x, dtype=np.float64)
            if self._full is None:
                f = float(self.problem(x))
                self._record(x[None, :], np.array([f]))
            else:
                noisy, true = self._full(x[None, :])
                f = float(noisy[0])
                self._record(x[None, :], true)
        finally:
            self.inside = False
            self._add_time(time.perf_counter() - t)
        if self.alarmed:
            raise _TimeLimitReached
        return f

    def vectorized(self, X: np.ndarray) -> np.ndarray:
        room = self._room()
        t = time.perf_counter()
        self.inside = True
        try:
            X = np.asarray(X, dtype=np.float64)
            m = min(room, X.shape[1])
            if self._full is None:
                F = np.asarray(self.problem.vectorized(X[:, :m]), dtype=np.float64)
                self._record(X[:, :m].T, F)
            else:
                F, true = self._full(X[:, :m].T)
                self._record(X[:, :m].T, true)
        finally:
            self.inside = False
            self._add_time(time.perf_counter() - t)
        if self.alarmed:
            raise _TimeLimitReached
        if m < X.shape[1]:
            raise _BudgetExhausted
        return F

    def trace(self) -> tuple[list[int], list[float]]:
        vals = self.values[: self.n]
        best = np.minimum.accumulate(np.where(np.isfinite(vals), vals, np.inf))
        change = np.flatnonzero(np.diff(best, prepend=np.inf) < 0)
        return [int(i) + 1 for i in change], [float(best[i]) for i in change]


def _attack_candidates(problem, X: np.ndarray, F: np.ndarray) -> np.ndarray:
    """Rows of ``X`` that may be successful attacks, found without the CNN.

    The attack loss is ``max(margin, -kappa) + c * distortion``, so a point whose
    value exceeds ``-kappa + c * distortion`` (computed here in numpy) has
    ``margin > -kappa``; only the other rows need :meth:`Attack.margin`. Without
    the attributes this needs, every row is a candidate.
    """
    try:
        image = np.asarray(problem.image, dtype=np.float64).reshape(-1)
        c, kappa, kind = float(problem.c), float(problem.kappa), problem.distortion
    except (AttributeError, TypeError, ValueError):
        return np.arange(len(F))
    if image.size != X.shape[1] or kind not in ("l1", "l2"):
        return np.arange(len(F))
    change = np.clip(image + X, 0.0, 1.0) - image
    dist = np.abs(change).sum(axis=1) if kind == "l1" else (change * change).sum(axis=1)
    attack_term = F - c * dist  # max(margin, -kappa), up to rounding
    tol = 1e-9 * (1.0 + np.abs(F) + c * dist)
    return np.flatnonzero(np.isfinite(F) & (attack_term <= -kappa + tol))


# -- method drivers -----------------------------------------------------------------


def _run_zo(spec: Spec, problem, counted: _Counted, seed: int, vectorized: bool) -> None:
    from .. import minimize

    options = substitute(spec.options, problem)
    vec = bool(vectorized and hasattr(problem, "vectorized"))
    options.update(maxfev=counted.budget, vectorized=vec)
    fun = counted.vectorized if vec else counted
    bounds = None
    if problem.bounds is not None:
        from scipy.optimize import Bounds

        bounds = Bounds(*problem.bounds)
    minimize(fun, problem.x0, method=spec.name, bounds=bounds, options=options, rng=seed)


def run_one(
    method: str | Spec,
    problem: str | Spec,
    seed: int,
    budget: int,
    *,
    time_limit: float | None = 60.0,
    vectorized: bool = True,
    threads: int | None = 1,
    keep_trace: bool = False,
) -> RunRecord:
    """Run ``method`` on instance ``seed`` of ``problem``, held to ``budget`` evaluations.

    Parameters
    ----------
    method, problem : str or Spec
        Specs (``"zo-adam[lr=2]"``, ``"classification-100"``, ``"rastrigin[dim=50]"``).
    seed : int
        Selects the problem instance (see :func:`make_problem`) and seeds the method
        (``rng=seed`` for zominimize methods; JAX key ``seed`` for LES; a derived
        seed for CMA-ES and NGOpt).
    budget : int
        Evaluations; the run is cut exactly there.
    time_limit : float or None, default 60
        Seconds; the run stops at the first evaluation after it (``stop="time"``).
    vectorized : bool, default True
        Evaluate the batches of zominimize methods and CMA-ES with one call of
        ``problem.vectorized`` (identical results, faster).
    threads : int or None, default 1
        Cap torch's and the BLAS's threads during the run (``None``: leave them).
    keep_trace : bool, default False
        Keep every improvement of the best value (``record.full_trace``) beside the
        compact summary; for debugging.

    Returns
    -------
    RunRecord
        The compact summary of the run (see :class:`RunRecord`).
    """
    method, problem_spec = parse_spec(method), check_problem(problem)
    kind = method_kind(method.name)
    with _thread_limit(threads):
        _preload(kind, method)  # imports are not the method's time
        prob = make_problem(problem_spec, seed)
        if kind == "les":
            warm_les(method, prob)  # JAX compiles once per process: not the method's time
        args = (kind, method, prob, seed, budget, time_limit, vectorized)
        if time_limit is not None and kind == "scipy" and _can_fork() and not _jax_loaded():
            counted, stop, error, wall = _run_forked(*args)
        else:
            counted, stop, error, wall = _run_here(*args)
    if stop != "error" and counted.n >= counted.budget:
        stop = "budget"
    f_lower = float(getattr(prob, "f_lower", 0.0))
    f_opt = getattr(prob, "f_opt", None)
    if f_opt is not None and not np.isfinite(f_opt):
        f_opt = None
    return RunRecord.from_values(
        counted.values[: counted.n], keep_trace=keep_trace,
        method=str(method), problem=str(problem_spec), seed=int(seed), instance=prob.name,
        dim=int(prob.dim), budget=int(budget), stop=stop,
        wall_time=wall, fun_time=counted.fun_time,
        f_lower=f_lower if np.isfinite(f_lower) else 0.0,
        f_opt=None if f_opt is None else float(f_opt),
        first_success=counted.first_success, is_attack=counted.is_attack, error=error,
    )


def _run_here(kind, method, prob, seed, budget, time_limit, vectorized, storage=None):
    """Run in this process; return ``(counted, stop, error, wall_time)``."""
    counted = _Counted(prob, budget, time_limit, storage)
    stop, error = "converged", None
    alarm = _Alarm(time_limit, counted.on_alarm)
    try:
        try:
            if kind == "zo":
                _run_zo(method, prob, counted, seed, vectorized)
            else:
                run_peer(kind, method, prob, counted, seed, vectorized)
        finally:
            alarm.cancel()  # an alarm due now raises here, inside the outer try
    except _BudgetExhausted:
        pass
    except _TimeLimitReached:
        stop = "time"
    except Exception as exc:  # noqa: BLE001 - a failing method is a result, not a crash
        if isinstance(exc.__context__, _Stop):  # the method re-raised our stop
            stop = "time" if isinstance(exc.__context__, _TimeLimitReached) else stop
        else:
            stop, error = "error", f"{type(exc).__name__}: {exc}"
    finally:
        alarm.cancel()
    return counted, stop, error, time.perf_counter() - counted.t0


def _jax_loaded() -> bool:
    """Whether JAX runs in this process (LES): its threads make a fork unsafe, so SciPy's
    runs then stay in the process, stopped by the alarm alone."""
    import sys

    if "jax" not in sys.modules:
        return False
    try:  # importing JAX starts nothing; its first computation starts the backend
        from jax._src import xla_bridge

        return bool(xla_bridge.backends_are_initialized())
    except (ImportError, AttributeError):
        return True


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


#: Seconds a forked run may overrun its time limit before it is killed.
_KILL_GRACE = 1.0


def _run_forked(kind, method, prob, seed, budget, time_limit, vectorized):
    """Run in a forked child and kill it if it overruns the time limit.

    SciPy's COBYQA spends tens of seconds inside single LAPACK calls at d ~ 1000,
    where no signal can stop it. The child records every evaluation in shared
    memory, so a killed run still has its trace. (Only SciPy's methods run this
    way: they use no torch device that a fork could break.)
    """
    import multiprocessing
    import os

    ctx = multiprocessing.get_context("fork")
    storage = ctx.RawArray("d", int(budget) + 3)
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        try:
            _, stop, error, wall = _run_here(kind, method, prob, seed, budget, time_limit,
                                             vectorized, storage)
            send.send((stop, error, wall))
        finally:
            os._exit(0)

    t0 = time.perf_counter()
    proc = ctx.Process(target=child, daemon=True)
    with warnings.catch_warnings():
        # Python >= 3.12 warns on fork in a threaded process (a joblib worker); the
        # child only computes, evaluates and writes to shared memory.
        warnings.filterwarnings("ignore", "This process .* is multi-threaded",
                                DeprecationWarning)
        proc.start()
    send.close()
    try:
        if receive.poll(time_limit + _KILL_GRACE + 0.05 * time_limit):
            stop, error, wall = receive.recv()
        else:
            stop, error, wall = "time", None, None
    except EOFError:  # the child died without a word
        stop, error, wall = "error", None, None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        receive.close()
    if stop == "error" and error is None:
        error = f"the run's process died (exit code {proc.exitcode})"
    counted = _Counted.__new__(_Counted)  # a view of the child's records
    counted.problem, counted.budget = prob, int(budget)
    counted._buf = np.frombuffer(storage, dtype=np.float64)
    counted.values = counted._buf[: counted.budget]
    counted.is_attack = hasattr(prob, "margin") and hasattr(prob, "kappa")
    return counted, stop, error, (time.perf_counter() - t0) if wall is None else wall


def _preload(kind: str, method: Spec) -> None:
    """Import what the method needs before the clock starts (pycma takes seconds to
    import in a fresh worker)."""
    if kind in ("cma", "ngopt", "les"):
        __import__({"cma": "cma", "ngopt": "nevergrad", "les": "evosax.algorithms"}[kind])
    elif kind == "scipy":
        import scipy.optimize  # noqa: F401
    else:
        from .. import _registry

        _registry.get_method_class(method.name)


class _Alarm:
    """Enforce the time limit also while a method computes between evaluations
    (COBYQA's model building at d ~ 1000 takes tens of seconds): a SIGALRM timer
    whose handler raises in the method's code. Only where signals work (the main
    thread on POSIX); elsewhere the counting wrapper's check at each evaluation
    is the limit."""

    def __init__(self, seconds: float | None, handler):
        import signal
        import threading

        self.active = (
            seconds is not None and hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
        )
        if self.active:
            self.saved = signal.signal(signal.SIGALRM, handler)
            signal.setitimer(signal.ITIMER_REAL, float(seconds))

    def cancel(self) -> None:
        if self.active:
            import signal

            signal.setitimer(signal.ITIMER_REAL, 0.0)
            signal.signal(signal.SIGALRM, self.saved)
            self.active = False


class _thread_limit:
    """Cap torch and BLAS threads (the benchmark runs one evaluation stream per core)."""

    def __init__(self, threads: int | None):
        self.threads = threads
        self.saved_torch = None
        self.ctl = None

    def __enter__(self):
        import threading

        if self.threads is None or threading.current_thread() is not threading.main_thread():
            return self  # the limits are per process: leave them to the main thread
        import torch

        self.saved_torch = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            from threadpoolctl import threadpool_limits

            self.ctl = threadpool_limits(self.threads)
        except ImportError:
            pass
        return self

    def __exit__(self, *exc):
        if self.saved_torch is not None:
            import torch

            torch.set_num_threads(self.saved_torch)
        if self.ctl is not None:
            self.ctl.restore_original_limits()
