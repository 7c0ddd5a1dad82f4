"""The ``name[key=value,...]`` spec syntax of methods and problems.

A spec is a name with optional options in square brackets::

    zo-adam                      # the method with its defaults
    zo-adam[lr=2,q=10]           # options, passed to the method
    l2l-zo[weights=attack]       # strings need no quotes
    rastrigin[dim=100]           # a problem family with options
    cobyla[rhobeg=x_scale]       # "x_scale" is replaced by the problem's x_scale

Values are read as ``int``, then ``float`` (``1e-3``, ``inf``), then the words
``true``/``false``/``none`` (any case), then quoted or bare strings. Commas inside a
value need quotes (``[weights='a,b.safetensors']``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Spec", "parse_spec", "split_specs"]

_NAME = re.compile(r"^[A-Za-z0-9_.:/+-]+$")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Spec:
    """A parsed ``name[key=value,...]`` spec.

    Attributes
    ----------
    name : str
        The method or problem name (methods are lower-cased).
    options : dict
        The options, in the order given.
    """

    name: str
    options: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        if not self.options:
            return self.name
        inner = ",".join(f"{k}={_format_value(v)}" for k, v in self.options.items())
        return f"{self.name}[{inner}]"

    def __hash__(self) -> int:
        return hash(str(self))

    def with_options(self, **options: Any) -> Spec:
        """A copy with ``options`` added (replacing options of the same name)."""
        return Spec(self.name, {**self.options, **options})


def _format_value(value: Any) -> str:
    if isinstance(value, str):
        text = value
        if any(c in text for c in ",[]=") or _parse_value(text) != text:
            return repr(text)
        return text
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # lr=16.0 reads as lr=16
    return repr(value) if isinstance(value, float) else str(value)


def _parse_value(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    lower = text.lower()
    if lower in ("true", "false"):
        return lower == "true"
    if lower in ("none", "null"):
        return None
    return text


def _split_top(text: str, what: str) -> list[str]:
    """Split ``text`` on commas outside brackets and quotes."""
    parts, depth, quote, start = [], 0, None, 0
    for i, c in enumerate(text):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced ']' in {what} {text!r}")
        elif c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if quote:
        raise ValueError(f"unterminated quote in {what} {text!r}")
    if depth:
        raise ValueError(f"unbalanced '[' in {what} {text!r}")
    parts.append(text[start:])
    return parts


def parse_spec(text: str | Spec, *, lower: bool = True) -> Spec:
    """Parse ``"name[key=value,...]"``.

    Parameters
    ----------
    text : str or Spec
        The spec; a :class:`Spec` is returned as it is.
    lower : bool, default True
        Lower-case the name (method names are case-insensitive).

    Returns
    -------
    Spec

    Raises
    ------
    ValueError
        For an empty name, unbalanced brackets or quotes, an option without ``=``,
        an invalid or repeated key, or text after the closing bracket.

    Examples
    --------
    >>> parse_spec("zo-adam[lr=2,q=10]")
    Spec(name='zo-adam', options={'lr': 2, 'q': 10})
    >>> str(parse_spec("l2l-zo[weights=attack]"))
    'l2l-zo[weights=attack]'
    """
    if isinstance(text, Spec):
        return text
    if not isinstance(text, str):
        raise TypeError(f"a spec must be a string, got {type(text).__name__}")
    raw = text.strip()
    if "[" in raw:
        name, _, rest = raw.partition("[")
        if not rest.endswith("]"):
            raise ValueError(f"spec {text!r}: expected 'name[key=value,...]' ending with ']'")
        inner = rest[:-1]
        _split_top("[" + inner + "]", "spec")  # bracket and quote balance
    elif "]" in raw:
        raise ValueError(f"spec {text!r}: ']' without '['")
    else:
        name, inner = raw, None
    name = name.strip()
    if not name or not _NAME.match(name):
        raise ValueError(f"spec {text!r}: invalid name {name!r}")
    options: dict[str, Any] = {}
    if inner is not None and inner.strip():
        for item in _split_top(inner, "spec"):
            key, eq, value = item.partition("=")
            key = key.strip()
            if not eq:
                raise ValueError(f"spec {text!r}: option {item.strip()!r} is not key=value")
            if not _KEY.match(key):
                raise ValueError(f"spec {text!r}: invalid option name {key!r}")
            if key in options:
                raise ValueError(f"spec {text!r}: option {key!r} given twice")
            if not value.strip():
                raise ValueError(f"spec {text!r}: option {key!r} has no value")
            options[key] = _parse_value(value)
    return Spec(name.lower() if lower else name, options)


def split_specs(text: str) -> list[str]:
    """Split a comma-separated list of specs, keeping commas inside brackets.

    An entry ``...`` between two specs that differ in one integer option stands for
    the specs between them: in steps of 1, or of the difference between the two specs
    before it where those differ in that option alone.

    Raises
    ------
    ValueError
        For an empty entry, or a ``...`` whose neighbours are not two specs of one
        name that differ in one integer option, in the order of the step.

    Examples
    --------
    >>> split_specs("zo-adam[lr=2,q=10],nelder-mead")
    ['zo-adam[lr=2,q=10]', 'nelder-mead']
    >>> split_specs("bbob[fid=1,dim=5],...,bbob[fid=3,dim=5]")
    ['bbob[fid=1,dim=5]', 'bbob[fid=2,dim=5]', 'bbob[fid=3,dim=5]']
    >>> split_specs("bbob[fid=1,dim=9],bbob[fid=4,dim=9],...,bbob[fid=10,dim=9]")
    ['bbob[fid=1,dim=9]', 'bbob[fid=4,dim=9]', 'bbob[fid=7,dim=9]', 'bbob[fid=10,dim=9]']
    """
    parts = [p.strip() for p in _split_top(text, "list")]
    if any(not p for p in parts):
        raise ValueError(f"empty entry in the list {text!r}")
    out: list[str] = []
    for i, part in enumerate(parts):
        if part != "...":
            out.append(part)
            continue
        if not out or i + 1 == len(parts) or parts[i + 1] == "...":
            raise ValueError(f"'...' in the list {text!r} needs a spec on each side")
        first, last = parse_spec(out[-1], lower=False), parse_spec(parts[i + 1], lower=False)
        key = _range_key(first, last)
        if key is None:
            raise ValueError(f"'...' in the list {text!r}: {out[-1]!r} and {parts[i + 1]!r} "
                             "must differ in exactly one integer option (one name, the "
                             "same option names)")
        step = 1
        if len(out) >= 2:
            before = parse_spec(out[-2], lower=False)
            if _range_key(before, first) == key and first.options[key] > before.options[key]:
                step = first.options[key] - before.options[key]
        start, stop = first.options[key], last.options[key]
        if stop <= start or (stop - start) % step:
            raise ValueError(f"'...' in the list {text!r}: {key} cannot go from {start} to "
                             f"{stop} in steps of {step}")
        out += [str(first.with_options(**{key: v})) for v in range(start + step, stop, step)]
    return out


def _range_key(a: Spec, b: Spec) -> str | None:
    """The one integer option in which two specs of one name differ, else None."""
    if a.name != b.name or list(a.options) != list(b.options):
        return None
    differ = [k for k in a.options if a.options[k] != b.options[k]]
    if len(differ) != 1:
        return None
    va, vb = a.options[differ[0]], b.options[differ[0]]
    ints = all(isinstance(v, int) and not isinstance(v, bool) for v in (va, vb))
    return differ[0] if ints else None
