"""One registry: method name -> class, its options and its documentation.

Built-in methods are imported lazily (``l2l-zo`` pulls in torch), so importing
:mod:`zominimize` stays cheap.
"""

from __future__ import annotations

import importlib
import inspect
import re
import textwrap
from dataclasses import dataclass

__all__ = ["register", "get_method_class", "list_methods", "build_method", "show_options",
           "DRIVER_OPTIONS_DOC", "SCIPY_METHODS", "is_scipy_method"]

_BUILTIN = {
    "l2l-zo": "zominimize.methods.l2l_zo:L2LZO",
    "zo-sgd": "zominimize.methods.zo_sgd:ZOSGD",
    "zo-signsgd": "zominimize.methods.zo_signsgd:ZOSignSGD",
    "zo-adam": "zominimize.methods.zo_adam:ZOAdam",
}
_USER: dict[str, type] = {}

#: SciPy's own method names: ``minimize`` passes them through to SciPy.
SCIPY_METHODS = (
    "nelder-mead", "powell", "cg", "bfgs", "newton-cg", "l-bfgs-b", "tnc", "cobyla",
    "cobyqa", "slsqp", "trust-constr", "dogleg", "trust-ncg", "trust-exact", "trust-krylov",
)


def is_scipy_method(name: str) -> bool:
    """Whether ``name`` is one of SciPy's own methods (and not a registered one)."""
    key = name.lower()
    return key in SCIPY_METHODS and key not in _BUILTIN and key not in _USER


@dataclass(frozen=True)
class _Entry:
    name: str
    cls: type


def register(cls: type, name: str | None = None) -> type:
    """Register a :class:`~zominimize.methods.ZOMethod` subclass under ``name``
    (default ``cls.name``); names are unique. Usable as a class decorator."""
    name = (name or getattr(cls, "name", "")).lower()
    if not name:
        raise ValueError("a registered method needs a name")
    if name in _BUILTIN or name in _USER:
        raise ValueError(f"a method named {name!r} is already registered")
    _USER[name] = cls
    return cls


def list_methods() -> list[str]:
    """Names of the registered zeroth-order methods."""
    return sorted(set(_BUILTIN) | set(_USER))


def get_method_class(name: str) -> type:
    key = name.lower()
    if key in _USER:
        return _USER[key]
    if key not in _BUILTIN:
        raise ValueError(
            f"Unknown method {name!r}. zominimize methods: {', '.join(list_methods())}; "
            "SciPy's methods (e.g. 'nelder-mead', 'powell', 'cobyla', 'cobyqa') are passed "
            "through to scipy.optimize.minimize."
        )
    module, attr = _BUILTIN[key].split(":")
    return getattr(importlib.import_module(module), attr)


def option_names(cls: type) -> list[str]:
    params = inspect.signature(cls.__init__).parameters
    var_kw = inspect.Parameter.VAR_KEYWORD
    return [p for p in params if p != "self" and params[p].kind is not var_kw]


def build_method(name_or_cls, options: dict, *, strict: bool = False):
    """Instantiate a method from ``options``; return ``(method, unknown_options)``.

    With ``strict=True`` unknown options raise ``TypeError``. A method built from a
    registered name records that name and every option value, defaults included,
    as ``method._zo_spec = (name, options)``: what a checkpoint needs to rebuild it.
    """
    cls = get_method_class(name_or_cls) if isinstance(name_or_cls, str) else name_or_cls
    names = option_names(cls)
    kwargs = {k: v for k, v in options.items() if k in names}
    unknown = {k: v for k, v in options.items() if k not in names}
    if strict and unknown:
        raise TypeError(
            f"Unknown options for method {getattr(cls, 'name', cls.__name__)!r}: "
            f"{', '.join(sorted(unknown))}. Valid: {', '.join(names)}"
        )
    method = cls(**kwargs)
    if isinstance(name_or_cls, str):
        params = inspect.signature(cls.__init__).parameters
        full = {n: kwargs[n] if n in kwargs else params[n].default for n in names
                if n in kwargs or params[n].default is not inspect.Parameter.empty}
        try:
            method._zo_spec = (name_or_cls.lower(), full)
        except AttributeError:  # a class with __slots__: it cannot be checkpointed
            pass
    return method, unknown


DRIVER_OPTIONS_DOC = """\
maxiter : int, optional
    Maximum number of iterations. Default 1000 when neither ``maxiter`` nor
    ``maxfev`` is given.
maxfev : int, optional
    Maximum number of function evaluations, a hard cap (every point counts).
    The last batch is cut short if needed; its values still count for the result.
ftol : float, default 0
    Stop with success when the best value improved by less than
    ``ftol * max(1, |fun|)`` over the last ``patience`` iterations. ``0`` disables
    it. SciPy's generic ``tol`` sets ``ftol``.
patience : int, default 50
    Window (iterations) of the ``ftol`` rule.
f_target : float, optional
    Stop with success once a value ``<= f_target`` is found.
disp : bool, default False
    Show progress (a tqdm bar when tqdm is installed, plain lines otherwise)
    and a final summary.
return_all : bool, default False
    Return every iterate in ``allvecs``.
rng : {None, int, numpy.random.Generator, numpy.random.SeedSequence}, optional
    Source of every random direction (SPEC 7). Results are identical for every
    ``workers``/``vectorized`` setting and joblib backend.
workers : int or map-like callable, default 1
    ``1`` evaluates in a loop; an ``int > 1`` (``-1``: all cores) uses joblib with
    no backend named, so ``joblib.parallel_config(backend=...)`` applies (dask,
    ray, threading); a map-like callable (``Pool.map``) is called as
    ``workers(func, points)``. ``fun`` must be picklable for processes.
vectorized : bool or "torch", default False
    ``fun`` takes ``x`` of shape ``(n, S)`` and returns shape ``(S,)``: one call
    per iteration. ``"torch"`` passes a float64 torch tensor on ``eval_device``
    (e.g. a GPU objective; only the ``S`` values return to the host). Ignored
    (with a warning) when ``workers != 1``.
eval_device : str or torch.device, default "cpu"
    Device of the batch with ``vectorized="torch"``.
timeout : float, optional
    With ``workers`` an int, the time limit in seconds for one batch of
    evaluations; exceeding it raises ``TimeoutError`` carrying the best point.
checkpoint : str or path, optional
    Write the optimizer state to this file after every ``checkpoint_every``
    iterations and at the end (atomically). The file is a safetensors file
    (arrays, plus JSON with a SHA-256): loading it never runs code.
checkpoint_every : int, default 10
    Iterations between checkpoints.
resume : bool, default False
    Continue from the ``checkpoint`` file if it exists (the trajectory is the
    one the interrupted run would have followed; a run that had ended on
    ``ftol``, ``f_target`` or the callback returns its result). The file must
    hold the same problem: the same method and options, ``x0``, bounds and
    ``rng`` (``None`` accepts the file's), else ``zominimize.CheckpointError``
    names what differs.
"""


def _options_section(cls: type) -> str:
    doc = inspect.getdoc(cls) or ""
    m = re.search(r"^Options\n-+\n(.*?)(?=^\S[^\n]*\n-+\n|\Z)", doc, flags=re.M | re.S)
    return textwrap.dedent(m.group(1)).strip() + "\n" if m else ""


def method_doc(name: str) -> str:
    """The full documentation of a method: its description and every option."""
    cls = get_method_class(name)
    doc = inspect.getdoc(cls) or ""
    head = re.split(r"^Options\n-+\n", doc, flags=re.M)[0].rstrip()
    return (
        f"{head}\n\nOptions\n-------\n{_options_section(cls)}"
        f"\nCommon options (every zeroth-order method)\n"
        f"------------------------------------------\n{DRIVER_OPTIONS_DOC}"
    )


def show_options(method: str | None = None, disp: bool = True) -> str | None:
    """Show the options of a method, like :func:`scipy.optimize.show_options`.

    The text is plain (no reST markup), for a terminal. For one of SciPy's own
    methods (``"nelder-mead"``, ...), which :func:`zominimize.minimize` passes
    through to SciPy, it is SciPy's documentation of that method.

    Parameters
    ----------
    method : str, optional
        A registered method name or a SciPy method name; ``None`` shows every
        registered method.
    disp : bool, default True
        Print the text; with ``False`` return it instead.

    Raises
    ------
    ValueError
        For an unknown method name (the message lists the known ones).
    """
    from ._text import plain

    if method is not None and is_scipy_method(method):
        import scipy.optimize

        text = (
            textwrap.fill(f"{method!r} is one of SciPy's methods: zominimize.minimize passes "
                          "it through to scipy.optimize.minimize. SciPy's documentation of "
                          "its options follows.", width=79)
            + "\n\n" + scipy.optimize.show_options("minimize", method.lower(), disp=False)
        )
    else:
        names = [method] if method is not None else list_methods()
        text = "\n\n".join(
            (f"{n}\n{'=' * len(n)}\n\n" if method is None else "") + method_doc(n)
            for n in names
        )
    text = plain(text)
    if disp:
        print(text)
        return None
    return text
