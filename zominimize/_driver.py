"""The single ask -> evaluate -> tell loop behind every zeroth-order method.

Budgets, tolerances, callbacks, ``StopIteration``, progress, checkpoints and
best-so-far bookkeeping live here, once.
"""

from __future__ import annotations

import inspect
import sys
from collections import deque
from collections.abc import Callable

import numpy as np
from scipy.optimize import OptimizeResult

from . import _checkpoint
from ._evaluate import Evaluator
from ._optimizer import _FINAL_STATUSES, CHECKPOINT_KIND, Optimizer

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
    chosen by SciPy's rule (the parameter is named ``intermediate_result``).

    A callable that cannot take one argument is a ``TypeError`` now, before the
    first evaluation, rather than after the first batch.
    """
    if callback is None:
        return None
    if not callable(callback):
        raise TypeError(f"`callback` must be callable, got {type(callback).__name__}")
    try:
        sig = inspect.signature(callback)
    except (TypeError, ValueError):  # builtins without a signature: trust them
        return lambda res: callback(np.copy(res.x))
    if set(sig.parameters) == {"intermediate_result"}:
        return lambda res: callback(intermediate_result=res)
    try:
        sig.bind(None)
    except TypeError:
        raise TypeError(
            f"`callback` must accept one argument, callback(intermediate_result) (an "
            f"OptimizeResult) or callback(xk) (the best point); its signature is {sig}"
        ) from None
    return lambda res: callback(np.copy(res.x))


def save_checkpoint(opt: Optimizer, path) -> None:
    """Write ``opt`` to ``path`` as a checkpoint file, atomically (a crash never leaves
    half a file).

    The file is a safetensors file: the arrays of the state as tensors, everything
    else as JSON, with a SHA-256 over both. Loading it never runs code. The
    optimizer must have been created from a method name (``Optimizer("zo-adam",
    ...)``), which the file records with every option.

    Raises
    ------
    TypeError
        If the optimizer's method was passed as an instance, or its state holds an
        object a checkpoint cannot store (the message names where).
    OSError
        If the file cannot be written (a previous checkpoint at ``path`` is intact).
    """
    _checkpoint.write(path, CHECKPOINT_KIND, opt._checkpoint_parts())


def load_checkpoint(path) -> Optimizer:
    """Load an :class:`~zominimize.Optimizer` written by :func:`save_checkpoint`.

    Nothing in the file is executed: it is parsed as JSON and arrays, the method
    is rebuilt from its recorded name and options, and only classes registered
    for checkpoints are created.

    Raises
    ------
    zominimize.CheckpointError
        (a ``ValueError``) If the file is not a checkpoint, is corrupted (its
        SHA-256 does not match), has an unsupported format version, or holds a
        method that cannot be rebuilt here; the message starts with the path.
    OSError
        If the file cannot be read.
    """
    return Optimizer._from_checkpoint(path)


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
    the batch produced before the failure are counted in it). So does an error
    writing a checkpoint, the final one included.

    A checkpoint is written after every ``checkpoint_every``-th iteration (counted
    in iterations, from the start of the run) once its stopping rules have been
    checked, and at the end. It holds the ``ftol`` window and, for a run that
    ended on a convergence rule, the callback or with no finite value, that it
    ended: resuming it returns its result without evaluating anything. A run that
    ended on ``maxiter`` or ``maxfev`` continues if resumed with a larger budget.
    """
    cb = wrap_callback(callback)
    if maxiter is None and maxfev is None:
        maxiter = 1000
    if checkpoint is not None:  # an unsupported state fails now, not after an iteration
        _checkpoint.check(CHECKPOINT_KIND, opt._checkpoint_parts())
    progress = None
    if disp:
        progress = (
            _Progress(maxfev, "nfev") if maxfev is not None else _Progress(maxiter, "iter")
        )
    history: deque = deque(opt._driver["history"], maxlen=patience + 1)
    status = opt._driver["stopped"]
    X, evaluating, finished = None, False, False
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
                if status is None and checkpoint is not None and opt.nit % checkpoint_every == 0:
                    opt._driver["history"] = list(history)
                    save_checkpoint(opt, checkpoint)
        finished = True
        opt._driver["history"] = list(history)
        if status in _FINAL_STATUSES:
            opt._driver["stopped"] = status
        if checkpoint is not None:
            save_checkpoint(opt, checkpoint)
    except BaseException as exc:
        if not finished and evaluating and evaluator.partial:
            # keep what the interrupted batch produced
            opt.observe(X[: len(evaluator.partial)], evaluator.partial)
        _attach_best_result(exc, opt, status if finished else None)
        raise
    finally:
        if progress is not None:
            progress.close()
    res = _finish(opt, status, STATUS_MESSAGES[status])
    if disp:
        print(
            f"{res.message}\n         Current function value: {res.fun:.6g}\n"
            f"         Iterations: {res.nit}\n         Function evaluations: {res.nfev}"
        )
    return res


def _attach_best_result(exc: BaseException, opt: Optimizer, status: int | None) -> None:
    """Hand the best point over on ``exc``: the run's result if it had finished (the
    final checkpoint failed), else an interrupted result."""
    if status is None:
        res = _finish(opt, 3 if not np.isfinite(opt.f_best) else -1, "")
        res.message = f"Interrupted by {type(exc).__name__}: best point so far."
    else:
        res = _finish(opt, status, STATUS_MESSAGES[status])
        res.message += f" The final checkpoint could not be written ({type(exc).__name__})."
    try:
        exc.best_result = res
    except AttributeError:  # exceptions that refuse attributes (rare C types)
        pass


def _finish(opt: Optimizer, status: int, message: str) -> OptimizeResult:
    res = opt.result
    if opt.nfev_nonfinite and status != 3:
        message += (
            f" {opt.nfev_nonfinite} evaluations returned non-finite values and were ignored."
        )
    res.update(status=status, success=status == 0, message=message)
    return res
