"""The ask/tell object: a method, its state, and the best point evaluated.

:func:`zominimize.minimize` drives exactly this object, so the ask/tell route
and the ``minimize`` route share one code path, and pickling the object is a
checkpoint.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import OptimizeResult

from ._registry import build_method
from ._validation import check_x0, standardize_bounds

__all__ = ["Optimizer"]


class Optimizer:
    """Ask/tell interface to any registered zeroth-order method.

    Use it when the objective is evaluated somewhere ``minimize`` cannot call
    (a lab, a batch queue, another program). The object pickles; a run resumed
    from a pickle follows the identical trajectory.

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
    **options
        Method options (``q``, ``lr``, ...); unknown names raise ``TypeError``
        here (``minimize`` warns instead, as SciPy does).

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
    >>> opt = Optimizer("zo-adam", np.ones(3), rng=0, lr=0.5, scale_lr_by_dim=False)
    >>> for _ in range(50):
    ...     X = opt.ask()
    ...     opt.tell(X, np.sum(X**2, axis=1))
    >>> bool(opt.result.fun < 3.0)
    True
    """

    def __init__(self, method, x0, *, bounds=None, rng=None, return_all=False, **options):
        x0 = check_x0(x0)
        self.bounds = standardize_bounds(bounds, x0.size)
        if self.bounds is not None and np.any((x0 < self.bounds[0]) | (x0 > self.bounds[1])):
            raise ValueError("`x0` lies outside the specified `bounds`.")
        self.method = build_method(method, options, strict=True)[0] if isinstance(
            method, str
        ) else method
        self.x0 = x0
        try:
            gen = np.random.default_rng(rng)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"`rng` must be None, an int >= 0, a SeedSequence or a Generator "
                            f"({exc})") from None
        self.state = self.method.init(x0, gen, self.bounds)
        self.nfev = 0
        self.nfev_nonfinite = 0
        self.x_best = x0.copy()
        self.f_best = np.nan
        self.allvecs = [x0.copy()] if return_all else None

    # -- the contract ------------------------------------------------------------
    def ask(self) -> np.ndarray:
        """Points to evaluate next, shape ``(m, n)``. Asking again before ``tell``
        returns the same points."""
        return self.method.ask(self.state)

    def tell(self, X, F) -> None:
        """Report the values ``F`` (shape ``(m,)``) at the points ``X`` returned by ``ask``."""
        pending = self.state.pending
        if pending is None:
            raise RuntimeError("tell() called without a pending ask()")
        X = np.asarray(X, dtype=np.float64)
        if X.shape != pending["X"].shape or not np.array_equal(X, pending["X"], equal_nan=True):
            raise ValueError("tell() must receive exactly the points returned by the last ask()")
        self._tell_asked(X, F)

    def _tell_asked(self, X, F) -> None:
        # The driver's path: X is the array ask() returned, untouched, so the
        # element-wise check of tell() (~0.5 s per iteration at d = 1e6) is skipped.
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
        F = np.asarray(F, dtype=np.float64).reshape(-1)[: X.shape[0]]
        self.nfev += F.size
        finite = np.isfinite(F)
        self.nfev_nonfinite += int(F.size - finite.sum())
        if finite.any():
            i = int(np.argmin(np.where(finite, F, np.inf)))
            if not F[i] >= self.f_best:  # also true while f_best is NaN
                self.f_best = float(F[i])
                self.x_best = X[i].copy()

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
        (``x``, ``fun``, ``nit``, ``nfev``, ``nfev_nonfinite`` and method extras)."""
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
        if history and self.allvecs is not None:
            res.allvecs = [v.copy() for v in self.allvecs]
        return res

    def __repr__(self) -> str:
        return (
            f"Optimizer({self.method!r}, n={self.x0.size}, nit={self.nit}, "
            f"nfev={self.nfev}, fun={self.f_best:.6g})"
        )
