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

from ._options import DRIVER_OPTIONS, render

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


def _declares_options(cls: type) -> bool:
    """Whether the options of ``cls`` are its ``OPTIONS`` (declared by the nearest class
    of its MRO that declares either) rather than the parameters of its ``__init__``."""
    for klass in cls.__mro__:
        if "OPTIONS" in vars(klass):
            return bool(klass.OPTIONS)
        if "__init__" in vars(klass):
            return False
    return False


def option_names(cls: type) -> list[str]:
    """The option names of a method class: its ``OPTIONS``, or (for a class that writes
    its own constructor instead) the parameters of that constructor."""
    if _declares_options(cls):
        return [o.name for o in cls.OPTIONS]
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
        full = getattr(method, "options", None)
        if not isinstance(full, dict) or not _declares_options(cls):
            params = inspect.signature(cls.__init__).parameters
            full = {n: kwargs[n] if n in kwargs else params[n].default for n in names
                    if n in kwargs or params[n].default is not inspect.Parameter.empty}
        try:
            method._zo_spec = (name_or_cls.lower(), full)
        except AttributeError:  # a class with __slots__: it cannot be checkpointed
            pass
    return method, unknown


#: The driver's options as a numpydoc parameter list (from ``_options.DRIVER_OPTIONS``).
DRIVER_OPTIONS_DOC = render(DRIVER_OPTIONS)


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
    from ._text import plain, reflow

    if method is not None and is_scipy_method(method):
        import scipy.optimize

        text = plain(
            textwrap.fill(f"{method!r} is one of SciPy's methods: zominimize.minimize passes "
                          "it through to scipy.optimize.minimize. SciPy's documentation of "
                          "its options follows.", width=79)
            + "\n\n" + scipy.optimize.show_options("minimize", method.lower(), disp=False)
        )
    else:
        names = [method] if method is not None else list_methods()
        # our docstrings are wrapped in the source, before plain() shortens them
        text = reflow(plain("\n\n".join(
            (f"{n}\n{'=' * len(n)}\n\n" if method is None else "") + method_doc(n)
            for n in names
        )))
    if disp:
        print(text)
        return None
    return text
