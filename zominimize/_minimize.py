"""The front door: ``minimize`` and one SciPy custom-method callable per method."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import scipy.optimize
from scipy.optimize import OptimizeResult, OptimizeWarning

from . import _registry
from ._driver import load_checkpoint, run
from ._evaluate import Evaluator
from ._optimizer import Optimizer
from ._options import DRIVER_OPTIONS, defaults
from ._validation import check_budget, check_nonneg_float, check_real, check_x0

__all__ = ["minimize", "scipy_method"]

_DRIVER_DEFAULTS = defaults(DRIVER_OPTIONS)


def minimize(
    fun: Callable,
    x0,
    args: tuple = (),
    method: str | Callable = "l2l-zo",
    jac=None,
    hess=None,
    hessp=None,
    bounds=None,
    constraints=(),
    tol: float | None = None,
    callback: Callable | None = None,
    options: dict | None = None,
    *,
    rng=None,
) -> OptimizeResult:
    """Minimize a black-box scalar function with a zeroth-order method.

    A drop-in for :func:`scipy.optimize.minimize`: same arguments, same
    :class:`~scipy.optimize.OptimizeResult`. Names of SciPy's own methods
    (``"nelder-mead"``, ``"powell"``, ``"cobyla"``, ``"cobyqa"``, ...) and
    callables are passed straight to SciPy.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float``. Only values are used. ``NaN``/``inf`` values
        are tolerated and never reported as the optimum.
    x0 : array_like of shape (n,)
        Starting point (finite).
    args : tuple, optional
        Extra arguments of ``fun``.
    method : str or callable, default ``"l2l-zo"``
        A zominimize method (see :func:`show_options`), a SciPy method name, or
        a custom-method callable.
    jac, hess, hessp : optional
        Ignored by the zeroth-order methods (with a ``RuntimeWarning``).
    bounds : scipy.optimize.Bounds or sequence of (min, max), optional
        Box constraints; every query and iterate stays inside.
    constraints : optional
        Not supported by the zeroth-order methods (ignored with a warning, as
        SciPy does for methods without constraints).
    tol : float, optional
        Sets the ``ftol`` option.
    callback : callable, optional
        ``callback(intermediate_result)`` with an ``OptimizeResult`` holding the
        best point so far (``x``, ``fun``, ``nit``, ``nfev``), or old-style
        ``callback(xk)``. Raising ``StopIteration`` ends the run (status 99).
    options : dict, optional
        Method options and the common options listed by :func:`show_options`.
    rng : {None, int, numpy.random.Generator, numpy.random.SeedSequence}, optional
        Seed or generator of every random direction (SPEC 7). Also accepted as
        ``options["rng"]``.

    Returns
    -------
    res : scipy.optimize.OptimizeResult
        ``x`` and ``fun`` are the best point evaluated; ``nit``, ``nfev``,
        ``success``, ``status`` (0 success, 1 ``maxfev``, 2 ``maxiter``, 3 no
        finite value, 99 stopped by the callback), ``message``,
        ``nfev_nonfinite``, ``x_iterate`` (the last iterate), ``allvecs`` with
        ``return_all``, and method extras.

    Raises
    ------
    ValueError, TypeError
        For malformed input, naming the argument.
    Exception
        Whatever ``fun`` raises (``KeyboardInterrupt`` too) propagates, with the
        best result so far attached as ``exc.best_result``.

    See Also
    --------
    scipy.optimize.minimize : SciPy's interface, which this one mirrors.
    zominimize.l2l_zo : The same methods as SciPy custom-method callables.
    zominimize.Optimizer : Ask/tell, for objectives evaluated elsewhere.
    zominimize.show_options : Every option of every method.

    Notes
    -----
    Every zeroth-order method runs through one loop: the method asks for a batch
    of points (for the Gaussian-query methods, the new iterate and its ``q``
    queries: ``q + 1`` evaluations per iteration), the batch is evaluated (in a
    loop, by joblib or a map-like ``workers``, or in one ``vectorized`` call), and
    the values are told back. All random directions are drawn in this process from
    the one generator made from ``rng``, so the result does not depend on how the
    batch was evaluated.

    The result is the best point evaluated, never just the last iterate. Budgets
    count every evaluation; a non-finite value is never the optimum and is left
    out of the gradient estimate. Which method suits which problem is discussed in
    the documentation's guide *Which method, which weights*: on a small, smooth,
    cheap function SciPy's own methods (pass their names) are usually better.

    References
    ----------
    .. [1] Y. Ruan, Y. Xiong, S. Reddi, S. Kumar and C.-J. Hsieh, "Learning to
           Learn by Zeroth-Order Oracle", International Conference on Learning
           Representations (ICLR), 2020. https://arxiv.org/abs/1910.09464
    .. [2] Y. Nesterov and V. Spokoiny, "Random Gradient-Free Minimization of
           Convex Functions", Foundations of Computational Mathematics 17, 527-566,
           2017.

    Examples
    --------
    >>> import numpy as np
    >>> from zominimize import minimize
    >>> res = minimize(lambda x: np.sum((x - 1.0) ** 2), np.zeros(5), method="zo-adam",
    ...                options={"maxfev": 2100, "lr": 0.5, "scale_lr_by_dim": False}, rng=0)
    >>> bool(res.fun < 1e-2), res.nfev
    (True, 2100)
    """
    options = dict(options or {})
    if callable(method) or (isinstance(method, str) and method.lower() not in
                            _registry.list_methods()):
        if isinstance(method, str) and not _registry.is_scipy_method(method):
            _registry.get_method_class(method)  # raises the informative ValueError
        if rng is not None:
            if callable(method):  # a custom method: it receives rng like any option
                options.setdefault("rng", rng)
            else:
                warnings.warn(f"`rng` is ignored by SciPy's method {method!r}.", RuntimeWarning,
                              stacklevel=2)
        return scipy.optimize.minimize(
            fun, x0, args=args, method=method, jac=jac, hess=hess, hessp=hessp, bounds=bounds,
            constraints=constraints, tol=tol, callback=callback, options=options,
        )
    if not isinstance(method, str):
        raise TypeError(f"`method` must be a string or a callable, got {type(method).__name__}")
    if tol is not None:
        options.setdefault("tol", tol)
    if rng is not None:
        if "rng" in options and options["rng"] is not rng:
            raise TypeError("`rng` was given both as an argument and in `options`.")
        options["rng"] = rng
    if not isinstance(args, tuple):
        args = (args,)
    return _minimize_zo(method.lower(), fun, x0, args=args, jac=jac, hess=hess, hessp=hessp,
                        bounds=bounds, constraints=constraints, callback=callback, **options)


def _minimize_zo(method_name, fun, x0, args=(), jac=None, hess=None, hessp=None, bounds=None,
                 constraints=(), callback=None, **options) -> OptimizeResult:
    if not callable(fun):
        raise TypeError(f"`fun` must be callable, got {type(fun).__name__}")
    for what, val in (("jac", jac), ("hess", hess), ("hessp", hessp)):
        if val is not None and val is not False:
            warnings.warn(f"Method {method_name} does not use gradient information ({what}).",
                          RuntimeWarning, stacklevel=3)
    no_constraints = constraints is None or (
        isinstance(constraints, (list, tuple)) and len(constraints) == 0)
    if not no_constraints:
        warnings.warn(f"Method {method_name} cannot handle constraints.", RuntimeWarning,
                      stacklevel=3)
    drv = {k: options.pop(k, v) for k, v in _DRIVER_DEFAULTS.items()}
    method, unknown = _registry.build_method(method_name, options)
    if unknown:
        warnings.warn(f"Unknown solver options: {', '.join(sorted(unknown))}", OptimizeWarning,
                      stacklevel=3)
    x0 = check_x0(x0)
    maxiter = check_budget("maxiter", drv["maxiter"])
    maxfev = check_budget("maxfev", drv["maxfev"], minimum=1)
    ftol = drv["ftol"] if drv["ftol"] is not None else drv["tol"]
    ftol = 0.0 if ftol is None else check_nonneg_float("ftol", ftol)
    patience = check_budget("patience", drv["patience"], minimum=1)
    checkpoint_every = check_budget("checkpoint_every", drv["checkpoint_every"], minimum=1)
    for name, value in (("patience", patience), ("checkpoint_every", checkpoint_every)):
        if value is None:
            raise TypeError(f"`{name}` must be a finite integer >= 1, got {drv[name]!r}")
    f_target = drv["f_target"]
    if f_target is not None:
        f_target = check_real("f_target", f_target)
    drv["checkpoint"] = _check_checkpoint(drv["checkpoint"])
    evaluator = Evaluator(fun, args, workers=drv["workers"], vectorized=drv["vectorized"],
                          eval_device=drv["eval_device"],
                          timeout=drv["timeout"])
    opt = None
    if drv["resume"]:
        if drv["checkpoint"] is None:
            raise ValueError("`resume=True` needs the `checkpoint` option (a file path).")
        import os

        if os.path.exists(drv["checkpoint"]):
            opt = load_checkpoint(drv["checkpoint"])
            # the same problem, or an error naming the file and what differs
            opt._check_same_problem(drv["checkpoint"], method, x0, bounds, drv["rng"])
    if opt is None:
        opt = Optimizer(method, x0, bounds=bounds, rng=drv["rng"], return_all=drv["return_all"],
                        budget=maxfev)
    return run(opt, evaluator, maxiter=maxiter, maxfev=maxfev, ftol=ftol, patience=patience,
               f_target=f_target, callback=callback, disp=bool(drv["disp"]),
               checkpoint=drv["checkpoint"], checkpoint_every=checkpoint_every)


def _check_checkpoint(path):
    """``None`` or a writable file path in an existing directory, checked before any work."""
    if path is None:
        return None
    import os

    try:
        path = os.fsdecode(os.fspath(path))
    except TypeError:
        raise TypeError(f"`checkpoint` must be a file path, got {type(path).__name__}") from None
    if not path or os.path.isdir(path) or not os.path.isdir(os.path.dirname(
            os.path.abspath(path))):
        raise ValueError(f"`checkpoint` must be a file path in an existing directory, got {path!r}")
    return path


def _references(name: str) -> str:
    """The ``References`` section of the method class's docstring, if it has one."""
    import inspect
    import re

    doc = inspect.getdoc(_registry.get_method_class(name)) or ""
    m = re.search(r"^References\n-+\n.*?(?=^\S[^\n]*\n-+\n|\Z)", doc, flags=re.M | re.S)
    return "\n" + m.group(0).rstrip() + "\n" if m else ""


def scipy_method(name: str) -> Callable:
    """Return ``name`` as a SciPy custom-method callable,
    for ``scipy.optimize.minimize(fun, x0, method=...)``."""
    _registry.get_method_class(name)

    def method(fun, x0, args=(), jac=None, hess=None, hessp=None, bounds=None, constraints=(),
               callback=None, **options):
        return _minimize_zo(name, fun, x0, args=args, jac=jac, hess=hess, hessp=hessp,
                            bounds=bounds, constraints=constraints, callback=callback, **options)

    method.__name__ = method.__qualname__ = name.replace("-", "_")
    method.__module__ = "zominimize"
    method.__doc__ = (
        f"SciPy custom method {name!r}: ``scipy.optimize.minimize(fun, x0, "
        f"method=zominimize.{method.__name__}, options={{...}})``.\n\n"
        + _registry.method_doc(name)
        + "\nSee Also\n--------\n"
        "zominimize.minimize : The same method by name, with ``rng`` as an argument.\n"
        "zominimize.show_options : This text, for any method.\n"
        "\nNotes\n-----\n"
        "SciPy passes ``bounds``, ``callback`` and every entry of ``options`` to this\n"
        "callable unchanged; the seed goes in ``options[\"rng\"]`` (SciPy's ``minimize``\n"
        "has no ``rng`` for custom methods). The callable itself calls both callback\n"
        "styles, ends the run with status 99 on ``StopIteration`` and returns a\n"
        "real ``OptimizeResult``, as SciPy's own methods do.\n"
        + _references(name)
    )
    return method
