"""The ask/tell object: a method, its state, and the best point evaluated.

:func:`zominimize.minimize` drives exactly this object, so the ask/tell route
and the ``minimize`` route share one code path. It pickles, and
:func:`zominimize.save_checkpoint` writes it as a checkpoint file that never runs
code when it is loaded (:mod:`zominimize._checkpoint`).
"""

from __future__ import annotations

import hashlib
import inspect
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.optimize import OptimizeResult

from . import _checkpoint
from ._checkpoint import CheckpointError
from ._evaluate import to_values
from ._registry import build_method, list_methods
from ._trace import TraceRecorder
from ._validation import check_budget, check_x0, standardize_bounds
from .methods._base import State

__all__ = ["Optimizer", "CHECKPOINT_KIND"]

_checkpoint.register_state_type(State)

CHECKPOINT_KIND = "zominimize.Optimizer"
# Statuses after which a run is over for good (resuming returns its result); a run
# that ended on a budget (1, 2) continues when resumed with a larger one.
_FINAL_STATUSES = (0, 3, 99)


def _generator(rng: Any) -> np.random.Generator:
    try:
        return np.random.default_rng(rng)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"`rng` must be None, an int >= 0, a SeedSequence or a Generator "
                        f"({exc})") from None


def _merge_options(options: Any, kwargs: dict) -> dict:
    if options is None:
        return dict(kwargs)
    if not isinstance(options, Mapping):
        raise TypeError(f"`options` must be a dict of method options, got "
                        f"{type(options).__name__}")
    both = sorted(set(options) & set(kwargs))
    if both:
        raise TypeError(f"option(s) {', '.join(both)} given both in `options` and as keywords")
    return {**options, **kwargs}


def _build(method: Any, options: dict):
    if isinstance(method, str):
        return build_method(method, options, strict=True)[0]
    if isinstance(method, type) or not all(
        callable(getattr(method, a, None)) for a in ("init", "ask", "tell")
    ):
        raise TypeError(
            f"`method` must be the name of a registered method ({', '.join(list_methods())}) "
            f"or a ZOMethod instance, got {type(method).__name__}"
        )
    if options:
        raise TypeError("method options apply to a method given by name; a method instance "
                        "is configured by its constructor")
    return method


def _sha256(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
    return h.hexdigest()


def _norm(v: Any) -> Any:
    """An option value in comparable form (``torch.device("cpu")`` equals ``"cpu"``)."""
    name = type(v).__module__ + "." + type(v).__qualname__
    if name in ("torch.device", "torch.dtype"):
        return str(v).removeprefix("torch.")
    if hasattr(v, "__fspath__"):
        return str(v)
    if isinstance(v, np.generic):
        return v.item()
    return v


def _same(a: Any, b: Any) -> bool:
    a, b = _norm(a), _norm(b)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        try:
            return bool(np.array_equal(a, b, equal_nan=True))
        except TypeError:
            return bool(np.array_equal(a, b))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return set(a) == set(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - values that cannot be compared are different
        return False


class Optimizer:
    """Ask/tell interface to any registered zeroth-order method.

    Use it when the objective is evaluated somewhere ``minimize`` cannot call
    (a lab, a batch queue, another program). The object pickles, and
    :func:`~zominimize.save_checkpoint` writes it to a file that never runs code
    when loaded; a run resumed from either follows the identical trajectory.

    Parameters
    ----------
    method : str
        A registered method name, e.g. ``"l2l-zo"`` or ``"zo-adam"``
        (see :func:`zominimize.show_options`).
    x0 : array_like of shape (n,)
        Starting point.
    bounds : scipy.optimize.Bounds or sequence of (min, max), optional
        Queries and iterates stay inside.
    rng : {None, int, numpy.random.Generator, ...}, optional
        Seed or generator (SPEC 7, passed to :func:`numpy.random.default_rng`).
    return_all : bool, default False
        Keep every iterate in ``result.allvecs``.
    budget : int, optional
        The evaluations you mean to spend on the run, if you know: a hint that
        methods may adapt their rules to (``l2l-zo`` with ``q_budget=True`` draws
        more queries per step for a large budget). It stops nothing: the loop is
        yours. :func:`~zominimize.minimize` passes its ``maxfev``.
    options : dict, optional
        Method options (``q``, ``lr``, ...), as in ``minimize(..., options=...)``.
        Unknown names raise ``TypeError`` here (``minimize`` warns instead, as
        SciPy does), and so do the common options of ``minimize`` (``maxfev``,
        ``workers``, ...): the loop, and its stopping rules, are yours.
    **kwargs
        Method options may also be given as keywords.

    See Also
    --------
    zominimize.minimize : The loop around this object, with budgets and stopping rules.
    zominimize.save_checkpoint, zominimize.load_checkpoint : Save and resume a run.

    Notes
    -----
    ``ask()`` returns one iteration's batch (for the Gaussian-query methods the new
    iterate and its ``q`` queries); asking again before ``tell`` returns the same
    points. ``tell`` takes exactly those points and one value per point (``NaN``
    and ``inf`` allowed). The object has no budget: the stopping rules are the
    caller's. :func:`zominimize.minimize` drives this very object, so the two
    routes follow the same trajectory for the same ``rng``.

    Examples
    --------
    >>> import numpy as np
    >>> from zominimize import Optimizer
    >>> opt = Optimizer("zo-adam", np.ones(3), rng=0,
    ...                 options={"lr": 0.5, "scale_lr_by_dim": False})
    >>> for _ in range(50):
    ...     X = opt.ask()
    ...     opt.tell(X, np.sum(X**2, axis=1))
    >>> bool(opt.result.fun < 3.0)
    True
    """

    def __init__(self, method, x0, *, bounds=None, rng=None, return_all=False, budget=None,
                 options=None, **kwargs):
        opts = _merge_options(options, kwargs)
        x0 = check_x0(x0)
        budget = check_budget("budget", budget, minimum=1)
        self.bounds = standardize_bounds(bounds, x0.size)
        if self.bounds is not None and np.any((x0 < self.bounds[0]) | (x0 > self.bounds[1])):
            raise ValueError("`x0` lies outside the specified `bounds`.")
        self.method = _build(method, opts)
        self.x0 = x0
        gen = _generator(rng)
        self._rng_initial = gen.bit_generator.state
        if budget is None or "budget" not in inspect.signature(self.method.init).parameters:
            self.state = self.method.init(x0, gen, self.bounds)  # also methods written before
        else:                                                     # the budget hint existed
            self.state = self.method.init(x0, gen, self.bounds, budget=budget)
        self.nfev = 0
        self.nfev_nonfinite = 0
        self.x_best = x0.copy()
        self.f_best = np.nan
        self.allvecs = [x0.copy()] if return_all else None
        self._trace = TraceRecorder()
        # The driver's own state (its ftol window and whether the run ended), kept
        # here so that a checkpoint of the optimizer holds it too.
        self._driver = {"history": [], "stopped": None}

    # -- the contract ------------------------------------------------------------
    def ask(self) -> np.ndarray:
        """Points to evaluate next, shape ``(m, n)`` (the caller's copy). Asking again
        before ``tell`` returns the same points."""
        return self.method.ask(self.state).copy()

    def _ask(self) -> np.ndarray:
        # The driver's path: the method's own read-only array, no copy of (m, n) values.
        return self.method.ask(self.state)

    def tell(self, X, F) -> None:
        """Report the values ``F`` (shape ``(m,)``) at the points ``X`` returned by ``ask``.

        Each value must be a real number (``NaN`` and ``inf`` are allowed and never
        become the best point); ``None``, strings and complex numbers are a
        ``ValueError``.
        """
        pending = self.state.pending
        if pending is None:
            raise RuntimeError("tell() called without a pending ask()")
        X = np.asarray(X, dtype=np.float64)
        if X.shape != pending["X"].shape or not np.array_equal(X, pending["X"], equal_nan=True):
            raise ValueError("tell() must receive exactly the points returned by the last ask()")
        self._tell_asked(X, to_values(F, X.shape[0], "tell() expects one real number per "
                                                      "asked point."))

    def _tell_asked(self, X, F) -> None:
        # The driver's path: X is the array ask() returned, untouched, and F comes
        # checked from the evaluator, so the element-wise checks of tell() (~0.5 s
        # per iteration at d = 1e6) are skipped.
        F = np.asarray(F, dtype=np.float64).reshape(-1)
        if F.shape != (X.shape[0],):
            raise ValueError(f"tell() expected {X.shape[0]} values for the asked points, "
                             f"got {F.size}")
        self.observe(X, F)
        self.method.tell(self.state, X, F)
        if self.allvecs is not None:
            self.allvecs.append(self.state.x.copy())

    def observe(self, X, F) -> None:
        """Count evaluations and update the best point without advancing the method
        (used for a batch cut short by the budget or by an exception)."""
        X = np.asarray(X, dtype=np.float64).reshape(-1, self.x0.size)
        F = to_values(F, None, "observe() expects real numbers.")[: X.shape[0]]
        finite = np.isfinite(F)
        if finite.any():
            i = int(np.argmin(np.where(finite, F, np.inf)))
            if not F[i] >= self.f_best:  # also true while f_best is NaN
                self.f_best = float(F[i])
                self.x_best = X[i].copy()
                self._trace.record(self.nfev + i + 1, self.f_best)
        self.nfev += F.size
        self.nfev_nonfinite += int(F.size - finite.sum())

    # -- read-outs -----------------------------------------------------------------
    @property
    def nit(self) -> int:
        """Completed iterations."""
        return self.state.nit

    @property
    def x(self) -> np.ndarray:
        """Best point evaluated so far (``x0`` before any finite value)."""
        return self.x_best.copy()

    @property
    def fun(self) -> float:
        """Best finite value so far (``nan`` before any)."""
        return self.f_best

    @property
    def result(self) -> OptimizeResult:
        """Best point so far as an :class:`~scipy.optimize.OptimizeResult`
        (``x``, ``fun``, ``nit``, ``nfev``, ``nfev_nonfinite``, ``trace``, and
        method extras)."""
        return self._result(history=True)

    def _result(self, history: bool = True) -> OptimizeResult:
        res = OptimizeResult(
            x=self.x,
            fun=self.f_best,
            nit=self.nit,
            nfev=self.nfev,
            nfev_nonfinite=self.nfev_nonfinite,
            x_iterate=self.state.x.copy(),
        )
        res.update(self.method.extras(self.state))
        if history:
            res.trace = self._trace.trace(self.nfev)
            if self.allvecs is not None:
                res.allvecs = [v.copy() for v in self.allvecs]
        return res

    def __repr__(self) -> str:
        return (
            f"Optimizer({self.method!r}, n={self.x0.size}, nit={self.nit}, "
            f"nfev={self.nfev}, fun={self.f_best:.6g})"
        )

    def __setstate__(self, state: dict) -> None:
        # pickles of an earlier version lack the trace and the driver's state
        self.__dict__.update(state)
        self.__dict__.setdefault("_trace", TraceRecorder())
        self.__dict__.setdefault("_driver", {"history": [], "stopped": None})
        self.__dict__.setdefault("_rng_initial", None)

    # -- checkpoints -----------------------------------------------------------------
    def _signature(self) -> dict:
        """What defines the problem a checkpoint belongs to (checked by ``resume``)."""
        spec = getattr(self.method, "_zo_spec", None)
        if spec is None:
            raise TypeError(
                f"this Optimizer's method {self.method!r} was passed as an instance, so a "
                "checkpoint could not rebuild it: create the Optimizer from the method's "
                "registered name and options, e.g. Optimizer('zo-adam', x0, options={...})"
            )
        name, options = spec
        return {
            "method": name,
            "options": dict(options),
            "n": int(self.x0.size),
            "x0_sha256": _sha256(self.x0),
            "bounds_sha256": None if self.bounds is None else _sha256(*self.bounds),
            "rng": self._rng_initial,
        }

    def _checkpoint_parts(self) -> dict:
        return {
            "signature": self._signature(),
            "optimizer": {
                "x0": self.x0,
                "bounds": None if self.bounds is None else tuple(self.bounds),
                "state": self.state,
                "nfev": int(self.nfev),
                "nfev_nonfinite": int(self.nfev_nonfinite),
                "x_best": self.x_best,
                "f_best": float(self.f_best),
                "allvecs": None if self.allvecs is None else np.array(self.allvecs),
                "trace": {"per_decade": self._trace.per_decade,
                          "nfev": np.array(self._trace.nfev, dtype=np.int64),
                          "fun": np.array(self._trace.fun, dtype=np.float64)},
                "driver": {"history": np.array(self._driver["history"], dtype=np.float64),
                           "stopped": self._driver["stopped"]},
            },
        }

    @classmethod
    def _from_checkpoint(cls, path) -> Optimizer:
        ck = _checkpoint.read(path, CHECKPOINT_KIND)
        sig = ck.part("signature")
        try:
            name, options = sig["method"], sig["options"]
            method = build_method(name, options, strict=True)[0]
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"{path}: cannot rebuild the recorded method "
                                  f"({type(exc).__name__}: {exc})") from None
        part = ck.part("optimizer")  # after the method: its module registered its types
        opt = cls.__new__(cls)
        try:
            opt.method = method
            opt.x0 = part["x0"]
            n = sig["n"]
            if not (isinstance(opt.x0, np.ndarray) and opt.x0.shape == (n,)
                    and opt.x0.dtype == np.float64 and _sha256(opt.x0) == sig["x0_sha256"]):
                raise ValueError("x0 does not match the signature")
            bounds = part["bounds"]
            opt.bounds = None if bounds is None else (bounds[0], bounds[1])
            if (opt.bounds is None) != (sig["bounds_sha256"] is None) or (
                    opt.bounds is not None and _sha256(*opt.bounds) != sig["bounds_sha256"]):
                raise ValueError("bounds do not match the signature")
            opt.state = part["state"]
            if not isinstance(opt.state, State):
                raise ValueError("the method state is not a State")
            opt.nfev, opt.nfev_nonfinite = int(part["nfev"]), int(part["nfev_nonfinite"])
            opt.x_best, opt.f_best = part["x_best"], float(part["f_best"])
            if not (isinstance(opt.x_best, np.ndarray) and opt.x_best.shape == (n,)):
                raise ValueError("x_best has the wrong shape")
            allvecs = part["allvecs"]
            opt.allvecs = None if allvecs is None else list(allvecs)
            trace = part["trace"]
            opt._trace = TraceRecorder(trace["per_decade"])
            opt._trace.nfev = [int(v) for v in trace["nfev"]]
            opt._trace.fun = [float(v) for v in trace["fun"]]
            stopped = part["driver"]["stopped"]
            if stopped is not None and stopped not in _FINAL_STATUSES:
                raise ValueError(f"unknown final status {stopped!r}")
            opt._driver = {"history": [float(v) for v in part["driver"]["history"]],
                           "stopped": stopped}
            opt._rng_initial = sig["rng"]
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise CheckpointError(f"{path}: malformed optimizer state ({exc})") from None
        return opt

    def _check_same_problem(self, path, method, x0, bounds, rng) -> None:
        """Refuse to resume this checkpoint for a call that poses another problem.

        ``rng=None`` in the call accepts the checkpoint's random state; any other
        ``rng`` must give the state the checkpointed run started from.
        """
        sig = self._signature()
        x0 = check_x0(x0)
        if x0.size != sig["n"]:
            raise CheckpointError(
                f"{path}: the checkpoint was written for an `x0` of dimension {sig['n']}; "
                f"this call's `x0` has dimension {x0.size}"
            )
        diffs = []
        name, options = getattr(method, "_zo_spec", (None, {}))
        if name != sig["method"]:
            diffs.append(f"method {sig['method']!r} in the checkpoint, {name!r} in this call")
        else:
            for k in sorted(set(options) | set(sig["options"])):
                a, b = sig["options"].get(k, "<unset>"), options.get(k, "<unset>")
                if not _same(a, b):
                    diffs.append(f"option {k!r} is {a!r} in the checkpoint, {b!r} in this call")
        if not np.array_equal(x0, self.x0):
            diffs.append(f"`x0` differs (by up to {np.max(np.abs(x0 - self.x0)):.3g})")
        b = standardize_bounds(bounds, x0.size)
        if (b is None) != (self.bounds is None) or (
                b is not None and not (np.array_equal(b[0], self.bounds[0])
                                       and np.array_equal(b[1], self.bounds[1]))):
            diffs.append("`bounds` differ")
        if rng is not None and not _same(_generator(rng).bit_generator.state,
                                         self._rng_initial):
            diffs.append("`rng` differs (the checkpointed run started from another random "
                         "state; pass the same seed, or rng=None to accept the checkpoint's)")
        if diffs:
            raise CheckpointError(
                f"{path} holds a run of another problem, so resume=True refuses it: "
                + "; ".join(diffs) + ". Delete the file, or give another `checkpoint` path, "
                "to start a new run."
            )
