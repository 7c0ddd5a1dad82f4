"""Evaluate a batch of points: plain loop, one vectorized call, joblib or a map.

The evaluator knows nothing about methods: it receives an ``(m, n)`` array and
returns ``m`` float64 values (non-finite values pass through; the driver and the
methods decide what they mean). It counts every point it evaluates.
"""

from __future__ import annotations

import multiprocessing
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Objective", "Evaluator", "to_scalar", "to_values"]

_SCALAR_MSG = "The user-provided objective function must return a scalar value."


def to_scalar(value: Any) -> float:
    """Convert what the objective returned to a Python float.

    Accepts Python and NumPy scalars, size-1 arrays and 0-d or size-1 torch
    tensors (also ones that require grad); anything else is a ``ValueError``.
    """
    if isinstance(value, float):
        return value
    if hasattr(value, "detach") and hasattr(value, "numel"):  # a torch tensor
        if value.numel() != 1:
            raise ValueError(_SCALAR_MSG)
        return float(value.detach().reshape(()).item())
    if value is None or isinstance(value, (str, bytes)):
        raise ValueError(f"{_SCALAR_MSG} Got an object of type {type(value).__name__}.")
    try:
        if np.ma.is_masked(value):  # a missing value is not a value
            raise TypeError
        arr = np.asarray(value)
        if arr.dtype.kind not in "biufO":  # complex, datetime, timedelta, strings, ...
            raise TypeError
        arr = arr.astype(np.float64)  # object arrays: Decimal, Fraction, Python ints
    except (TypeError, ValueError, OverflowError):
        raise ValueError(
            f"{_SCALAR_MSG} Got an object of type {type(value).__name__}."
        ) from None
    if arr.size != 1:
        raise ValueError(f"{_SCALAR_MSG} Got an array of shape {arr.shape}.")
    return float(arr.reshape(()).item())


def _describe(value: Any) -> str:
    arr = value if isinstance(value, np.ndarray) else None
    if arr is not None:
        return f"an array of dtype {arr.dtype} and shape {arr.shape}"
    return f"an object of type {type(value).__name__}"


def to_values(values: Any, m: int | None, context: str) -> np.ndarray:
    """Convert what the objective (or a user of ``tell``) returned for a batch to
    ``m`` float64 values (any shape of size ``m``; ``m=None``: any size).

    The rules of :func:`to_scalar` apply to every value: real numbers, booleans,
    ``Decimal``/``Fraction`` objects and torch tensors are accepted; ``None``,
    strings, complex numbers, masked values and anything else are a ``ValueError``
    that starts with ``context``.
    """
    if type(values) is np.ndarray and values.dtype == np.float64:
        arr = values  # the common case, checked at the cost of one comparison
    else:
        if hasattr(values, "detach") and hasattr(values, "numel"):  # a torch tensor
            values = values.detach().cpu()
            if values.is_complex():
                raise ValueError(f"{context} Got a complex tensor.")
            values = values.double().numpy()
        if np.ma.isMaskedArray(values) and np.ma.is_masked(values):
            raise ValueError(f"{context} Got masked (missing) values.")
        if isinstance(values, (str, bytes, dict)) or values is None:
            raise ValueError(f"{context} Got {_describe(values)}.")
        try:
            arr = np.asarray(values)
        except (TypeError, ValueError):  # ragged nesting
            raise ValueError(f"{context} Got {_describe(values)} that is not an array of "
                             "numbers.") from None
        if arr.dtype.kind == "O":  # Decimal, Fraction, Python ints, ... or junk
            out = []
            for i, v in enumerate(arr.reshape(-1)):
                try:
                    out.append(to_scalar(v))
                except ValueError:
                    raise ValueError(f"{context} Got {_describe(v)} at position {i}.") from None
            arr = np.array(out, dtype=np.float64)
        elif arr.dtype.kind in "biuf":
            arr = arr.astype(np.float64)
        else:  # complex, strings, dates, structured
            raise ValueError(f"{context} Got {_describe(arr)}; values must be real numbers.")
    arr = arr.reshape(-1)
    if m is not None and arr.size != m:
        raise ValueError(f"{context} Expected {m} values, got {arr.size} "
                         f"(from {_describe(values)}).")
    return arr


class Objective:
    """``fun`` and ``args`` as one picklable callable (module-level class, no closure),
    so joblib, ``multiprocessing.Pool.map`` and dask can ship it to workers."""

    def __init__(self, fun: Callable, args: tuple = ()):
        self.fun = fun
        self.args = tuple(args)

    def __call__(self, x: np.ndarray) -> float:
        # A copy is sent to the user function (as SciPy does, gh13740).
        return to_scalar(self.fun(np.array(x, dtype=np.float64), *self.args))

    def rows(self, X: np.ndarray) -> list[float]:
        return [self(x) for x in X]


def _check_workers(workers: Any) -> int | Callable:
    if isinstance(workers, numbers.Integral) and not isinstance(workers, bool):
        if workers == -1 or workers >= 1:
            return int(workers)
    elif callable(workers):
        return workers
    elif hasattr(workers, "map") and callable(workers.map):
        return workers.map
    raise ValueError(
        "`workers` must be -1, an int >= 1, or a map-like callable such as "
        f"multiprocessing.Pool.map (got {workers!r})"
    )


def _check_eval_device(device: Any):
    if not isinstance(device, str) and type(device).__module__ != "torch":
        raise TypeError(f"`eval_device` must be a device name such as 'cpu' or 'cuda:0', or a "
                        f"torch.device, got {type(device).__name__}")
    from ._device import resolve_device

    try:
        return resolve_device(device)
    except ValueError as exc:
        raise ValueError(f"`eval_device`: {exc}") from None


class Evaluator:
    """Evaluate batches of points with one of four strategies.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float``; with ``vectorized=True``,
        ``fun(X, *args)`` with ``X`` of shape ``(n, S)`` returns shape ``(S,)``.
    args : tuple
        Extra arguments of ``fun``.
    workers : int or map-like callable, default 1
        ``1``: a plain loop in this process. ``int > 1`` or ``-1``: joblib's
        :class:`~joblib.Parallel` with that many jobs, opened once per run with
        no backend named, so ``joblib.parallel_config(backend=...)`` (loky,
        threading, dask, ray) decides where the work runs. A map-like callable
        (``Pool.map``, ``Executor.map``) is called as ``workers(func, rows)``.
    vectorized : bool or "torch", default False
        One call per batch. ``"torch"``: ``fun`` receives a float64
        :class:`torch.Tensor` of shape ``(n, S)`` on ``eval_device`` and may
        return a tensor of shape ``(S,)`` there (only those ``S`` values come
        back to the host). Ignored (with a warning, as SciPy does) when
        ``workers != 1``.
    eval_device : str or torch.device, default "cpu"
        Where ``vectorized="torch"`` puts the batch.
    timeout : float, optional
        Per-batch time limit in seconds for ``workers=int`` (joblib's
        ``timeout``); exceeding it raises :class:`TimeoutError`.

    Attributes
    ----------
    nfev : int
        Points evaluated so far (every point, also in vectorized mode).
    partial : list of float
        Values of the current batch obtained so far (loop mode), so that the
        driver can keep them if ``fun`` raises mid-batch.
    """

    def __init__(
        self,
        fun: Callable,
        args: tuple = (),
        *,
        workers: int | Callable = 1,
        vectorized: bool | str = False,
        timeout: float | None = None,
        eval_device="cpu",
    ):
        if not callable(fun):
            raise TypeError(f"`fun` must be callable, got {type(fun).__name__}")
        self.objective = Objective(fun, args)
        self.workers = _check_workers(workers)
        if isinstance(vectorized, str) and vectorized != "torch":
            raise ValueError(f"`vectorized` must be True, False or 'torch', got {vectorized!r}")
        self.as_torch = vectorized == "torch"
        self.eval_device = None
        if self.as_torch or not (isinstance(eval_device, str) and eval_device == "cpu"):
            self.eval_device = _check_eval_device(eval_device)
            if not self.as_torch:
                import warnings

                warnings.warn("`eval_device` has no effect without vectorized='torch'.",
                              UserWarning, stacklevel=3)
        self.vectorized = bool(vectorized)
        if self.vectorized and self.workers != 1:
            import warnings

            warnings.warn(
                "The 'workers' option has overridden the 'vectorized' option.",
                UserWarning,
                stacklevel=3,
            )
            self.vectorized = False
        if timeout is not None:
            try:
                timeout = float(timeout)
            except (TypeError, ValueError):
                raise TypeError(
                    f"`timeout` must be a positive number of seconds, got {timeout!r}"
                ) from None
            if not timeout > 0:
                raise ValueError(f"`timeout` must be a positive number of seconds, got {timeout}")
        self.timeout = timeout
        self.nfev = 0
        self.partial: list[float] = []
        self._parallel = None

    # joblib's Parallel is opened once per run and its workers are reused.
    def __enter__(self) -> Evaluator:
        if isinstance(self.workers, int) and self.workers != 1:
            from joblib import Parallel

            self._parallel = Parallel(n_jobs=self.workers, timeout=self.timeout)
            self._parallel.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._parallel is not None:
            par, self._parallel = self._parallel, None
            par.__exit__(*exc)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """Return the values at the rows of ``X`` (shape ``(m, n)``) as float64."""
        X = np.asarray(X, dtype=np.float64)
        m = X.shape[0]
        self.partial = []
        if m == 0:
            return np.empty(0)
        if self.vectorized:
            F = self._vectorized(X)
        elif self.workers == 1:
            for x in X:
                self.partial.append(self.objective(x))
                self.nfev += 1
            return np.array(self.partial, dtype=np.float64)
        elif callable(self.workers):
            F = to_values(list(self.workers(self.objective, list(X))), m,
                          f"{_SCALAR_MSG} The map-like `workers` must return one value per "
                          "point.")
        else:
            F = to_values(self._joblib(X), m, f"{_SCALAR_MSG} Values from the workers:")
        self.nfev += m
        return F

    def _vectorized(self, X: np.ndarray) -> np.ndarray:
        # The objective gets its own copy (as in the loop): editing it in place must
        # not change the points the optimizer keeps.
        if self.as_torch:
            import torch

            if self.eval_device.type == "cpu":
                batch = torch.from_numpy(X.T.copy())
            else:  # a copy on the device (torch.tensor: the asked array is read-only)
                batch = torch.tensor(X.T, dtype=torch.float64, device=self.eval_device)
        else:
            batch = X.T.copy()
        out = self.objective.fun(batch, *self.objective.args)
        return to_values(
            out, X.shape[0],
            "With `vectorized=True` the objective must return an array of S real numbers for "
            f"an input of shape (n, S) = {X.T.shape}.",
        )

    def _joblib(self, X: np.ndarray) -> np.ndarray:
        from joblib import Parallel, delayed

        par = self._parallel
        if par is None:  # called outside a `with` block: open a one-off pool
            par = Parallel(n_jobs=self.workers, timeout=self.timeout)
        # One task per worker and batch: per-task overhead is paid n_jobs times per
        # iteration instead of q times (the backend decides what n_jobs means: cores,
        # or a dask cluster's threads).
        try:
            n_jobs = par._effective_n_jobs()
        except Exception:  # a backend without the private helper: one point per task
            n_jobs = len(X)
        chunks = np.array_split(X, max(1, min(len(X), int(n_jobs))))
        try:
            out = par(delayed(self.objective.rows)(chunk) for chunk in chunks)
        except multiprocessing.TimeoutError as exc:  # not a subclass of TimeoutError
            raise TimeoutError(
                f"Evaluations of a batch of {len(X)} points took longer than "
                f"`timeout`={self.timeout} s."
            ) from exc
        return np.asarray([v for part in out for v in part], dtype=np.float64)
