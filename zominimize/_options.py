"""Options, defined once: name, default, type, text and check of every option.

A method declares its options as a tuple of :class:`Option`; from it come the
method's constructor signature, the validation of what a user passes, the
``Options`` section of its docstring (what :func:`zominimize.show_options` prints and
the documentation renders) and the option values a checkpoint records. The driver's
options (``maxiter``, ``workers``, ...) are declared the same way in
:data:`DRIVER_OPTIONS`.
"""

from __future__ import annotations

import inspect
import numbers
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "Option",
    "DRIVER_OPTIONS",
    "defaults",
    "render",
    "resolve",
    "signature",
    "positive",
    "positive_int",
    "fraction",
    "unit_interval",
    "boolean",
    "choice",
    "optional",
    "min_int",
]


@dataclass(frozen=True)
class Option:
    """One option.

    Attributes
    ----------
    name : str
    default : object
        Used when the option is not given (``None`` may mean "chosen from the
        problem"; ``default_text`` then says how).
    kind : str
        The numpydoc type text, e.g. ``"int"`` or ``"{'forward', 'antithetic'}"``.
    doc : str
        The description (numpydoc markup).
    check : callable, optional
        ``check(name, value) -> value``: the value to use, or a ``ValueError`` /
        ``TypeError`` naming the option. Not called on the default.
    default_text : str, optional
        Replaces ``default <value>`` in the rendered header (e.g. ``"optional"``).
    """

    name: str
    default: Any
    kind: str
    doc: str
    check: Callable[[str, Any], Any] | None = None
    default_text: str | None = None

    def header(self) -> str:
        if self.default_text is not None:
            return f"{self.name} : {self.kind}, {self.default_text}"
        return f"{self.name} : {self.kind}, default {self.default!r}"


def render(options: Sequence[Option]) -> str:
    """The numpydoc parameter list of ``options`` (the body of an ``Options`` section)."""
    out = []
    for opt in options:
        out.append(opt.header())
        out.append(textwrap.indent(textwrap.dedent(opt.doc).strip(), "    "))
    return "\n".join(out) + "\n"


def defaults(options: Sequence[Option]) -> dict[str, Any]:
    return {o.name: o.default for o in options}


def resolve(options: Sequence[Option], given: dict[str, Any], owner: str) -> dict[str, Any]:
    """Every option's value: the given ones checked, the others at their default.

    Unknown names are a ``TypeError`` that lists the valid ones.
    """
    names = {o.name for o in options}
    unknown = sorted(set(given) - names)
    if unknown:
        raise TypeError(f"Unknown options for {owner}: {', '.join(unknown)}. "
                        f"Valid: {', '.join(o.name for o in options)}")
    out = {}
    for o in options:
        if o.name in given:
            value = given[o.name]
            out[o.name] = o.check(o.name, value) if o.check is not None else value
        else:
            out[o.name] = o.default
    return out


def signature(options: Sequence[Option]) -> inspect.Signature:
    """A keyword-only signature with the options' defaults (for ``help`` and IDEs)."""
    return inspect.Signature([
        inspect.Parameter(o.name, inspect.Parameter.KEYWORD_ONLY, default=o.default)
        for o in options
    ])


# -- checks: each returns the value to use or raises naming the option ---------------

def _is_real(v: Any) -> bool:
    # numbers.Real admits Python and NumPy scalars but no arrays, whatever NumPy's
    # rules for float(array) are
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def positive(name: str, v: Any) -> float:
    if not _is_real(v):
        raise TypeError(f"`{name}` must be a positive number, got {v!r}")
    v = float(v)
    if not (np.isfinite(v) and v > 0):
        raise ValueError(f"`{name}` must be a positive finite number, got {v!r}")
    return v


def min_int(minimum: int, what: str = "") -> Callable[[str, Any], int]:
    def check(name: str, v: Any) -> int:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < minimum:
            raise ValueError(f"`{name}` must be an integer >= {minimum}{what}, got {v!r}")
        return int(v)

    return check


positive_int = min_int(1)


def fraction(name: str, v: Any) -> float:
    """A number in ``[0, 1)`` (a decay rate)."""
    if not _is_real(v):
        raise TypeError(f"`{name}` must be a number in [0, 1), got {v!r}")
    if not 0.0 <= float(v) < 1.0:
        raise ValueError(f"`{name}` must lie in [0, 1), got {v!r}")
    return float(v)


def unit_interval(name: str, v: Any) -> float:
    if not _is_real(v):
        raise TypeError(f"`{name}` must be a number in [0, 1], got {v!r}")
    if not 0.0 <= float(v) <= 1.0:
        raise ValueError(f"`{name}` must lie in [0, 1], got {v!r}")
    return float(v)


def boolean(name: str, v: Any) -> bool:
    if not isinstance(v, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be True or False, got {v!r}")
    return bool(v)


def choice(*values: str) -> Callable[[str, Any], str]:
    def check(name: str, v: Any) -> str:
        if not isinstance(v, str) or v not in values:
            raise ValueError(f"`{name}` must be one of {', '.join(map(repr, values))}, "
                             f"got {v!r}")
        return v

    return check


def optional(check: Callable[[str, Any], Any]) -> Callable[[str, Any], Any]:
    """``None`` or what ``check`` accepts."""
    def checked(name: str, v: Any) -> Any:
        return None if v is None else check(name, v)

    return checked


# -- the driver's options ---------------------------------------------------------------

DRIVER_OPTIONS: tuple[Option, ...] = (
    Option("maxiter", None, "int", """
        Maximum number of iterations. Default 1000 when neither ``maxiter`` nor
        ``maxfev`` is given.""", default_text="optional"),
    Option("maxfev", None, "int", """
        Maximum number of function evaluations, a hard cap (every point counts).
        The last batch is cut short if needed; its values still count for the result.""",
           default_text="optional"),
    Option("ftol", None, "float", """
        Stop with success when the best value improved by less than
        ``ftol * max(1, |fun|)`` over the last ``patience`` iterations. ``0`` (the
        default) disables it. SciPy's generic ``tol`` sets ``ftol``.""",
           default_text="default 0"),
    Option("tol", None, "float", "The same as ``ftol`` (SciPy's generic name).",
           default_text="optional"),
    Option("patience", 50, "int", "Window (iterations) of the ``ftol`` rule."),
    Option("f_target", None, "float", "Stop with success once a value ``<= f_target`` is found.",
           default_text="optional"),
    Option("disp", False, "bool", """
        Show progress (a tqdm bar when tqdm is installed, plain lines otherwise)
        and a final summary."""),
    Option("return_all", False, "bool", "Return every iterate in ``allvecs``."),
    Option("rng", None, "{None, int, numpy.random.Generator, numpy.random.SeedSequence}", """
        Source of every random direction (SPEC 7). Results are identical for every
        ``workers``/``vectorized`` setting and joblib backend.""", default_text="optional"),
    Option("workers", 1, "int or map-like callable", """
        ``1`` evaluates in a loop; an ``int > 1`` (``-1``: all cores) uses joblib with
        no backend named, so ``joblib.parallel_config(backend=...)`` applies (dask,
        ray, threading); a map-like callable (``Pool.map``) is called as
        ``workers(func, points)``. ``fun`` must be picklable for processes."""),
    Option("vectorized", False, "bool or \"torch\"", """
        ``fun`` takes ``x`` of shape ``(n, S)`` and returns shape ``(S,)``: one call
        per iteration. ``"torch"`` passes a float64 torch tensor on ``eval_device``
        (e.g. a GPU objective; only the ``S`` values return to the host). Ignored
        (with a warning) when ``workers != 1``."""),
    Option("eval_device", "cpu", "str or torch.device",
           "Device of the batch with ``vectorized=\"torch\"``."),
    Option("timeout", None, "float", """
        With ``workers`` an int, the time limit in seconds for one batch of
        evaluations; exceeding it raises ``TimeoutError`` carrying the best point.""",
           default_text="optional"),
    Option("checkpoint", None, "str or path", """
        Write the optimizer state to this file after every ``checkpoint_every``
        iterations and at the end (atomically). The file is a safetensors file
        (arrays, plus JSON with a SHA-256): loading it never runs code.""",
           default_text="optional"),
    Option("checkpoint_every", 10, "int", "Iterations between checkpoints."),
    Option("resume", False, "bool", """
        Continue from the ``checkpoint`` file if it exists (the trajectory is the
        one the interrupted run would have followed; a run that had ended on
        ``ftol``, ``f_target`` or the callback returns its result). The file must
        hold the same problem: the same method and options, ``x0``, bounds and
        ``rng`` (``None`` accepts the file's), else ``zominimize.CheckpointError``
        names what differs."""),
)
