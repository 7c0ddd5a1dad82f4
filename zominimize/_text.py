"""Docstrings for a terminal: reST markup to plain text, numpydoc sections to dicts."""

from __future__ import annotations

import inspect
import re

__all__ = ["plain", "numpydoc_entries"]

_ROLE = re.compile(r":[\w:.-]+:`~?([^`<]*?)\s*(?:<[^`>]*>)?`")  # :func:`~a.b` -> b (below)
_LITERAL = re.compile(r"``(.+?)``")
_INTERPRETED = re.compile(r"(?<![\w`])`([^`\n]+?)`(?![\w`])")
_STRONG = re.compile(r"\*\*(.+?)\*\*")


def _role(m: re.Match) -> str:
    text = m.group(1)
    whole = m.group(0)
    if "`~" in whole:  # ~a.b.C shows as C, as Sphinx does
        text = text.rsplit(".", 1)[-1]
    return text


def plain(text: str) -> str:
    """``text`` without reST inline markup: ````code```` -> ``code``,
    ``:func:`~a.b``` -> ``b``, ```x``` -> ``x``, ``**b**`` -> ``b``; directive lines
    such as ``.. math::`` are dropped (their indented content stays)."""
    out = []
    for line in text.splitlines():
        if re.match(r"\s*\.\. [\w-]+::", line):
            continue
        line = re.sub(r"\\ :sup:`([^`]*)`", r"^\1", line)
        line = _ROLE.sub(_role, line)
        line = _LITERAL.sub(r"\1", line)
        line = _INTERPRETED.sub(r"\1", line)
        line = _STRONG.sub(r"\1", line)
        out.append(line.replace("\\ ", ""))  # reST's escaped space
    return "\n".join(out)


def numpydoc_entries(doc: str, section: str) -> dict[str, tuple[str, str]]:
    """The entries of a numpydoc ``section`` (e.g. ``"Attributes"``) as
    ``{name: (type, description)}``; an entry ``a, b : int`` gives both names."""
    doc = inspect.cleandoc(doc or "")
    m = re.search(rf"^{section}\n-+\n(.*?)(?=^\S[^\n]*\n-+\n|\Z)", doc, flags=re.M | re.S)
    if not m:
        return {}
    out: dict[str, tuple[str, str]] = {}
    names: list[str] = []
    kind, lines = "", []

    def flush() -> None:
        desc = " ".join(s.strip() for s in lines).strip()
        for n in names:
            out[n] = (kind, desc)

    for line in m.group(1).splitlines():
        if line and not line[0].isspace():
            flush()
            head, _, kind = line.partition(" : ")
            names = [n.strip() for n in head.split(",") if n.strip()]
            kind, lines = kind.strip(), []
        elif line.strip():
            lines.append(line)
    flush()
    return out
