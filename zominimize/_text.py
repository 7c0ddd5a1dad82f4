"""Docstrings for a terminal: reST markup to plain text, numpydoc sections to dicts."""

from __future__ import annotations

import inspect
import re
import textwrap

__all__ = ["plain", "reflow", "numpydoc_entries"]

_ROLE = re.compile(r":[\w:.-]+:`~?([^`<]*?)\s*(?:<[^`>]*>)?`")  # :func:`~a.b` -> b (below)
_LITERAL = re.compile(r"``(.+?)``")
_INTERPRETED = re.compile(r"(?<![\w`])`([^`\n]+?)`(?![\w`])")
_STRONG = re.compile(r"\*\*(.+?)\*\*")
# Lines that reflow() keeps as they are: list items, tables, doctest, headings' underlines.
_VERBATIM = re.compile(r"\s*([-*+] |\d+[.)] |\||\+-|>>>|[-=~^]{3,}\s*$)")
_HEADER = re.compile(r"\S.* : ")  # a numpydoc entry, "name : type"
_UNDERLINE = re.compile(r"\s*[-=~^]{3,}\s*")  # a heading's underline (fullmatch)


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


def reflow(text: str, width: int = 79) -> str:
    """``text`` with its prose paragraphs filled to ``width`` columns.

    A paragraph is a run of lines of one indentation; it is refilled unless one of
    its lines is a list item, a table row, a doctest or a heading's underline, or
    it is indented deeper than the paragraph before it without following a numpydoc
    entry (``name : type``): a literal block or a formula stays as written. Docstrings
    wrap their source lines, and :func:`plain` shortens them; this evens them out."""
    lines = text.splitlines()
    out: list[str] = []
    prev_indent, prev_header = 0, False
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            out.append("")
            i += 1
            continue
        indent = len(line) - len(line.lstrip())
        if i + 1 < len(lines) and _UNDERLINE.fullmatch(lines[i + 1]):
            out += lines[i:i + 2]  # a heading and its underline
            prev_indent, prev_header = indent, False
            i += 2
            continue
        if _HEADER.match(line) and indent == 0:
            out.append(line)  # an entry's header: a paragraph of its own
            prev_indent, prev_header = indent, True
            i += 1
            continue
        j = i + 1
        while (j < len(lines) and lines[j].strip()
               and len(lines[j]) - len(lines[j].lstrip()) == indent
               and not (indent == 0 and _HEADER.match(lines[j]))):
            j += 1
        block = lines[i:j]
        literal = indent > prev_indent and not prev_header
        if literal or any(_VERBATIM.match(b) for b in block):
            out.extend(block)
        else:
            out.append(textwrap.fill(" ".join(b.strip() for b in block), width=width,
                                     initial_indent=" " * indent,
                                     subsequent_indent=" " * indent,
                                     break_long_words=False, break_on_hyphens=False))
        if not literal:
            prev_indent = indent
        prev_header = False
        i = j
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
