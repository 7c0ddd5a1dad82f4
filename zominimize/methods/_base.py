"""The ask/tell contract every method implements, and the shared machinery of
Gaussian-query methods.

A method is a small object holding its hyper-parameters; everything that changes
during a run lives in a :class:`State`, so a run can be pickled mid-flight and
resumed to the identical trajectory. No method ever calls the objective: it
*asks* for points and is *told* their values.
"""

from __future__ import annotations

import abc
import copy
import inspect
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._options import Option, choice, min_int, positive, render, resolve, signature
from ..estimators import antithetic_difference_from_points, forward_difference_from_points

__all__ = ["State", "ZOMethod", "GaussianQueryMethod", "Q_OPTION", "MU_OPTION",
           "ESTIMATOR_OPTION"]


@dataclass
class State:
    """Everything a method needs between two iterations.

    Attributes
    ----------
    x : ndarray
        The current iterate.
    fx : float or None
        ``f(x)`` when known; ``None`` means the next :meth:`ZOMethod.ask`
        includes ``x`` itself.
    rng : numpy.random.Generator
        The run's only source of randomness.
    lb, ub : ndarray
        Bounds (``-inf``/``inf`` when absent).
    nit : int
        Completed iterations (``tell`` calls).
    x_prev, f_prev : ndarray or None, float or None
        The last iterate with a finite value, used to undo a step that lands on
        a non-finite value.
    backtrack : float
        Factor applied to all steps; halved each time a step is undone.
    pending : dict or None
        What the last ``ask`` asked for, until it is told.
    memory : dict
        Method-specific arrays (Adam moments, RNN hidden states, ...).
    budget : int or None
        The evaluations the caller means to spend on the run (``minimize``'s
        ``maxfev``), when it said; a method may adapt its rules to it.
    """

    x: np.ndarray
    fx: float | None
    rng: np.random.Generator
    lb: np.ndarray
    ub: np.ndarray
    nit: int = 0
    x_prev: np.ndarray | None = None
    f_prev: float | None = None
    backtrack: float = 1.0
    pending: dict | None = None
    memory: dict = field(default_factory=dict)
    budget: int | None = None


class ZOMethod(abc.ABC):
    """The ask/tell contract.

    ``init`` builds a :class:`State`, ``ask`` returns the ``(m, n)`` points to
    evaluate next, ``tell`` receives their values and advances the state. The
    driver (:func:`zominimize.minimize`) and the public
    :class:`zominimize.Optimizer` are the only callers.

    A subclass declares its options once, as ``OPTIONS`` (a tuple of
    :class:`zominimize._options.Option`): they give its keyword-only constructor
    (each given value is checked, the others take their default), its signature,
    and the ``Options`` section of its docstring, which
    :func:`zominimize.show_options` prints.
    """

    #: Registry name, e.g. ``"zo-adam"``.
    name: str = ""
    #: The options, in the order they are documented.
    OPTIONS: tuple[Option, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "OPTIONS" in cls.__dict__:
            # the Options section goes right after the description, before See Also,
            # Notes, References and Examples
            doc = inspect.cleandoc(cls.__doc__ or "")
            parts = re.split(r"^(?=\S[^\n]*\n-{3,}\n)", doc, maxsplit=1, flags=re.M)
            head, rest = parts[0].rstrip(), (parts[1] if len(parts) > 1 else "")
            rest = re.sub(r"^Options\n-+\n.*?(?=^\S[^\n]*\n-{3,}\n|\Z)", "", rest,
                          flags=re.M | re.S)
            cls.__doc__ = (f"{head}\n\nOptions\n-------\n{render(cls.OPTIONS)}"
                           + (f"\n{rest}" if rest else ""))
            cls.__signature__ = signature(cls.OPTIONS)

    def __init__(self, **options: Any) -> None:
        #: Every option's value: the given ones checked, the others at their default.
        self.options = resolve(self.OPTIONS, options,
                               f"method {self.name or type(self).__name__!r}")
        for key, value in self.options.items():
            setattr(self, key, value)

    @abc.abstractmethod
    def init(
        self,
        x0: np.ndarray,
        rng: np.random.Generator,
        bounds: tuple[np.ndarray, np.ndarray] | None = None,
        f0: float | None = None,
        budget: int | None = None,
    ) -> State:
        """Return the state at the start of a run from ``x0``; ``budget`` is the
        evaluations the caller means to spend, when known (a hint: the caller stops
        the run, not the method)."""

    @abc.abstractmethod
    def ask(self, state: State) -> np.ndarray:
        """Return the points, shape ``(m, n)``, whose values the method needs next."""

    @abc.abstractmethod
    def tell(self, state: State, X: np.ndarray, F: np.ndarray) -> State:
        """Advance ``state`` with the values ``F`` (shape ``(m,)``) at the asked ``X``."""

    def extras(self, state: State) -> dict[str, Any]:
        """Method-specific fields added to the :class:`~scipy.optimize.OptimizeResult`."""
        return {}

    def __repr__(self) -> str:
        opts = getattr(self, "options", None)
        if opts is None:
            opts = {k: v for k, v in vars(self).items() if not k.startswith("_")}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in opts.items())})"


#: Options shared by the Gaussian-query methods.
Q_OPTION = Option("q", 20, "int", "Number of Gaussian query directions per iteration.",
                  min_int(1, " (number of query directions)"))
MU_OPTION = Option("mu", 1e-6, "float",
                   "Smoothing radius of the finite differences (in the units of ``x``).",
                   positive)
ESTIMATOR_OPTION = Option("estimator", "forward", "{'forward', 'antithetic'}", """
    ``'antithetic'`` uses ``f(x + mu u) - f(x - mu u)`` (``2q`` evaluations per
    iteration; ``x0`` itself is evaluated once, in the first iteration).""",
                          choice("forward", "antithetic"))


class GaussianQueryMethod(ZOMethod):
    """Shared machinery of the hand-designed methods: Gaussian queries, one estimator,
    a pluggable update.

    Each iteration asks for ``x`` (when ``f(x)`` is unknown) and ``q`` points
    ``x + mu * u_i`` (or ``2q`` points ``x ± mu * u_i`` with the antithetic
    estimator), projected onto the bounds; the estimator uses the directions
    actually taken after projection. A step that lands on a non-finite value is
    undone and later steps are halved. Directions are drawn from the run's NumPy
    generator.

    Subclasses implement :meth:`_step` (``ĝ`` to ``Δx``) and may override
    :meth:`_setup`.
    """

    OPTIONS = (Q_OPTION, MU_OPTION, ESTIMATOR_OPTION)

    # -- hooks -----------------------------------------------------------------
    def _setup(self, state: State) -> None:
        """Initialise ``state.memory``."""

    @abc.abstractmethod
    def _step(self, state: State, ghat: np.ndarray) -> np.ndarray:
        """Return the update ``Δx`` from the estimate ``ghat``; may update ``state.memory``."""

    # -- contract --------------------------------------------------------------
    def init(self, x0, rng, bounds=None, f0=None, budget=None):
        x0 = np.array(x0, dtype=np.float64)
        n = x0.size
        if bounds is None:
            lb, ub = np.full(n, -np.inf), np.full(n, np.inf)
        else:
            lb, ub = (np.broadcast_to(np.asarray(b, dtype=np.float64), (n,)).copy() for b in bounds)
        state = State(x=x0, fx=None if f0 is None else float(f0), rng=rng, lb=lb, ub=ub,
                      budget=budget)
        state.memory["bounded"] = bool(np.isfinite(lb).any() or np.isfinite(ub).any())
        self._setup(state)
        return state

    def ask(self, state):
        if state.pending is not None:  # asked again before tell: the same points
            return state.pending["X"]
        x, mu, q, n = state.x, self.mu, self.q, state.x.size
        if self.estimator == "forward":
            center = state.fx is None or not np.isfinite(state.fx)
        else:  # the centre is not needed by the estimate: evaluate x0 once (best-so-far)
            center = state.nit == 0
        c = int(center)
        sides = 1 if self.estimator == "forward" else 2
        # The batch is allocated once and the queries are formed in place: the
        # estimate is computed from the points themselves (no array of directions).
        X = np.empty((c + sides * q, n))
        if center:
            X[0] = x
        P = X[c : c + q]
        state.rng.standard_normal(out=P)
        P *= mu
        if sides == 2:
            M = X[c + q :]
            np.subtract(x, P, out=M)
        P += x
        if state.memory.get("bounded", True):
            np.clip(P, state.lb, state.ub, out=P)
            if sides == 2:
                np.clip(M, state.lb, state.ub, out=M)
        X.flags.writeable = False  # the asked points: told back unchanged
        state.pending = {"X": X, "mu": mu, "center": center}
        return X

    def tell(self, state, X, F):
        p = state.pending
        if p is None:
            raise RuntimeError("tell() called without a pending ask()")
        F = np.asarray(F, dtype=np.float64).reshape(-1)
        if F.shape[0] != p["X"].shape[0]:
            raise ValueError(
                f"tell() expected {p['X'].shape[0]} values for the asked points, got {F.shape[0]}"
            )
        state.pending = None
        state.nit += 1
        i = 0
        if p["center"]:
            state.fx = float(F[0])
            i = 1
        if state.fx is not None and not np.isfinite(state.fx):
            if state.x_prev is not None:  # undo the step that led here
                state.x, state.fx = state.x_prev.copy(), state.f_prev
                state.backtrack *= 0.5
            else:  # no finite iterate yet (f(x0) is not finite): go to the best finite query
                Fq = F[i:]
                ok = np.isfinite(Fq)
                if ok.any():
                    j = int(np.argmin(np.where(ok, Fq, np.inf)))
                    state.x, state.fx = np.array(X[i + j], dtype=np.float64), float(Fq[j])
            return state
        q, Xq = self.q, p["X"][i:]
        if self.estimator == "forward":
            ghat = forward_difference_from_points(Xq, F[i:], state.x, state.fx, p["mu"])
        else:
            ghat = antithetic_difference_from_points(Xq[:q], Xq[q:], F[i : i + q],
                                                     F[i + q : i + 2 * q], p["mu"])
        dx = self._step(state, ghat) * state.backtrack
        x_new = state.x + dx
        if state.memory.get("bounded", True):
            np.clip(x_new, state.lb, state.ub, out=x_new)
        state.x_prev, state.f_prev = state.x, state.fx
        if not np.array_equal(x_new, state.x):
            state.x, state.fx = x_new, None
        return state

    def copy_state(self, state: State) -> State:
        """A deep copy of ``state`` (for checkpoints taken while a run goes on)."""
        return copy.deepcopy(state)
