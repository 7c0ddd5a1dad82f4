"""The single ask -> evaluate -> tell loop behind every zeroth-order method.

Budgets, tolerances, callbacks, ``StopIteration``, progress, checkpoints and
best-so-far bookkeeping live here, once.
"""

from __future__ import annotations

import inspect
import os
import pickle
import sys
import tempfile
from collections import deque
from collections.abc import Callable

import numpy as np
from scipy.optimize import OptimizeResult

from ._evaluate import Evaluator
from ._optimizer import Optimizer

__all__ = ["run", "STATUS_MESSAGES", "save_checkpoint", "load_checkpoint"]

# SciPy's texts (scipy.optimize._optimize._status_message) and codes.
STATUS_MESSAGES = {
    0: "Optimization terminated successfully.",
    1: "Maximum number of function evaluations has been exceeded.",
    2: "Maximum number of iterations has been exceeded.",
    3: "NaN result encountered.",
    99: "`callback` raised `StopIteration`.",
}


def wrap_callback(callback: Callable | None) -> Callable | None:
    """Call new-style ``callback(intermediate_result)`` or old-style ``callback(xk)``,
    chosen by SciPy's rule (the parameter is named ``intermediate_result``)."""
    if callback is None:
        return None
    if not callable(callback):
        raise TypeError(f"`callback` must be callable, got {type(callback).__name__}")
    try:
        params = set(inspect.signature(callback).parameters)
    except (TypeError, ValueError):
        params = set()
    if params == {"intermediate_result"}:
        return lambda res: callback(intermediate_result=res)
    return lambda res: callback(np.copy(res.x))


def save_checkpoint(opt: Optimizer, path) -> None:
    """Pickle ``opt`` to ``path`` atomically (a crash never leaves half a file)."""
    path = os.fspath(path)
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".zominimize-ckpt-")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(opt, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_checkpoint(path) -> Optimizer:
    """Load an :class:`~zominimize.Optimizer` pickled by :func:`save_checkpoint`.

    This unpickles: load only files you wrote yourself.
    """
    with open(path, "rb") as fh:
        opt = pickle.load(fh)  # noqa: S301 - the user's own checkpoint, documented
    if not isinstance(opt, Optimizer):
        raise TypeError(f"{path!r} does not hold a zominimize Optimizer checkpoint")
    return opt


class _Progress:
    """tqdm bar when available, else a plain line every ~5 % of the budget."""

    def __init__(self, total: int, unit: str):
        self.bar = None
        self.total, self.unit, self.last = total, unit, 0
        try:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, unit=unit, file=sys.stderr)
        except ImportError:
            self.every = max(1, total // 20)

    def update(self, done: int, fun: float) -> None:
        if self.bar is not None:
            self.bar.update(done - self.last)
            self.bar.set_postfix(fun=f"{fun:.6g}", refresh=False)
        elif done // self.every > self.last // self.every or done >= self.total:
            print(f"{self.unit} {done}/{self.total}: best f = {fun:.6g}", flush=True)
        self.last = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run(
    opt: Optimizer,
    evaluator: Evaluator,
    *,
    maxiter: int | None = None,
    maxfev: int | None = None,
    ftol: float = 0.0,
    patience: int = 50,
    f_target: float | None = None,
    callback: Callable | None = None,
    disp: bool = False,
    checkpoint=None,
    checkpoint_every: int = 10,
) -> OptimizeResult:
    """Drive ``opt`` until a stopping rule fires; return the best point as a result.

    If ``fun`` raises (``KeyboardInterrupt`` included), the exception propagates
    with the best result so far attached as ``exc.best_result`` (and the values
    the batch produced before the failure are counted in it).
    """
    cb = wrap_callback(callback)
    if maxiter is None and maxfev is None:
        maxiter = 1000
    progress = None
    if disp:
        progress = (
            _Progress(maxfev, "nfev") if maxfev is not None else _Progress(maxiter, "iter")
        )
    history: deque = deque(maxlen=patience + 1)
    status = None
    X, evaluating = None, False
    try:
        with evaluator:
            while status is None:
                if maxiter is not None and opt.nit >= maxiter:
                    status = 2
                    if opt.nfev == 0 and (maxfev is None or maxfev > 0):
                        # maxiter=0: report f(x0), as SciPy's methods do
                        X = opt.x0[None, :]
                        evaluating = True
                        F = evaluator(X)
                        evaluating = False
                        opt.observe(X, F)
                    break
                if maxfev is not None and opt.nfev >= maxfev:
                    status = 1
                    break
                X = opt._ask()
                if maxfev is not None and opt.nfev + len(X) > maxfev:
                    # the budget is a hard cap: evaluate what it allows, keep the best
                    X = X[: maxfev - opt.nfev]
                    evaluating = True
                    F = evaluator(X)
                    evaluating = False
                    opt.observe(X, F)
                    status = 1
                    break
                evaluating = True
                F = evaluator(X)
                evaluating = False
                opt._tell_asked(X, F)
                if not np.isfinite(opt.f_best):
                    status = 3  # not even x0 gave a finite value: nothing to descend from
                    break
                if progress is not None:
                    progress.update(opt.nfev if maxfev is not None else opt.nit, opt.f_best)
                if checkpoint is not None and opt.nit % checkpoint_every == 0:
                    save_checkpoint(opt, checkpoint)
                if cb is not None:
                    try:
                        cb(opt._result(history=False))
                    except StopIteration:
                        status = 99
                        break
                if f_target is not None and opt.f_best <= f_target:
                    status = 0
                    break
                history.append(opt.f_best)
                if ftol > 0 and len(history) == history.maxlen:
                    if history[0] - history[-1] <= ftol * max(1.0, abs(history[-1])):
                        status = 0
    except BaseException as exc:
        # Keep what the interrupted batch produced, then hand the best point over.
        if evaluating and evaluator.partial:
            opt.observe(X[: len(evaluator.partial)], evaluator.partial)
        try:
            exc.best_result = _finish(opt, 3 if not np.isfinite(opt.f_best) else -1, "")
            exc.best_result.message = f"Interrupted by {type(exc).__name__}: best point so far."
        except AttributeError:  # exceptions that refuse attributes (rare C types)
            pass
        raise
    finally:
        if progress is not None:
            progress.close()
    if checkpoint is not None:
        save_checkpoint(opt, checkpoint)
    res = _finish(opt, status, STATUS_MESSAGES[status])
    if disp:
        print(
            f"{res.message}\n         Current function value: {res.fun:.6g}\n"
            f"         Iterations: {res.nit}\n         Function evaluations: {res.nfev}"
        )
    return res


def _finish(opt: Optimizer, status: int, message: str) -> OptimizeResult:
    res = opt.result
    if opt.nfev_nonfinite and status != 3:
        message += (
            f" {opt.nfev_nonfinite} evaluations returned non-finite values and were ignored."
        )
    res.update(status=status, success=status == 0, message=message)
    return res
