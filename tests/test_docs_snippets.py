"""Every code block of the documentation and of the README runs as shown.

The Python blocks of a page run in order, in one namespace (as a reader would paste
them into one session), in a temporary directory. The ``zominimize ...`` lines of the
shell blocks are parsed by the real command line (nothing is run). A block that cannot
run here says why, in the source, on the comment line just before it::

    .. snippet: skip -- runs until you press Ctrl-C

(``<!-- snippet: skip -- reason -->`` in the README). ``.. snippet: requires cuda``
skips a block on machines without a CUDA device. Every other block must run: a
snippet that fails, fails the suite.
"""

from __future__ import annotations

import re
import shlex
import sys
import textwrap
import types
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# The pages a reader sees: every .rst source except what Sphinx excludes (docs/conf.py
# excludes the gallery sources, which sphinx-gallery runs itself, and build output).
PAGES = sorted(
    p for p in DOCS.rglob("*.rst")
    if not {"_build", "generated", "_generated", "auto_examples", "examples", "_templates"}
    & set(p.relative_to(DOCS).parts)
)
PYTHON = {"python", "python3", "py", "pycon", "ipython"}
SHELL = {"bash", "console", "shell", "sh"}
_MARK = re.compile(r"^\s*(?:\.\. |<!--\s*)snippet:\s*(?P<what>.*?)\s*(?:-->)?\s*$")


def _id(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


@dataclass
class Block:
    page: str
    line: int  # 1-based line of the block's first code line
    language: str
    code: str
    marker: str | None  # "skip -- reason", "requires cuda", or None


def _marker_before(lines: list[str], i: int) -> str | None:
    """The ``snippet:`` comment just before line ``i`` (blank lines may separate them;
    the comment may go on over indented lines)."""
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    end = j
    while j > 0 and lines[j][:1].isspace() and lines[j].strip():
        j -= 1  # an indented continuation of a comment above
    if j >= 0 and (m := _MARK.match(" ".join([lines[j], *map(str.strip, lines[j + 1:end + 1])]))):
        return m.group("what")
    return None


def rst_blocks(path: Path) -> list[Block]:
    """The code blocks of a reStructuredText page: ``.. code-block:: LANG`` directives
    and ``::`` literal blocks (Python, the documentation's highlight language)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    rel = _id(path)
    blocks = []
    i = 0
    while i < len(lines):
        line = lines[i]
        directive = re.match(r"^(\s*)\.\. (?:code-block|code|sourcecode)::\s*(\S*)", line)
        literal = (not directive and line.rstrip().endswith("::")
                   and not re.match(r"^\s*\.\. ", line) and line.strip() != "::" or
                   line.strip() == "::")
        if not (directive or literal):
            i += 1
            continue
        if directive:
            indent = len(directive.group(1))
            language = directive.group(2) or "python"
            intro = i
        else:
            indent = len(line) - len(line.lstrip())
            language = "python"
            intro = i  # the marker goes before the paragraph that ends with "::"
            while intro > 0 and lines[intro - 1].strip() and not lines[intro - 1].strip(
            ).startswith(".."):
                intro -= 1
        j = i + 1
        while j < len(lines) and re.match(r"^\s+:[\w-]+:", lines[j]):  # directive options
            j += 1
        body = []
        start = None
        while j < len(lines):
            text = lines[j]
            if text.strip() and len(text) - len(text.lstrip()) <= indent:
                break
            if text.strip() and start is None:
                start = j
            if start is not None:
                body.append(text)
            j += 1
        if start is not None:
            code = textwrap.dedent("\n".join(body)).strip("\n") + "\n"
            blocks.append(Block(rel, start + 1, language.lower(), code,
                                _marker_before(lines, intro)))
        i = j
    return blocks


def markdown_blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    rel = _id(path)
    blocks = []
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)```\s*(\w*)", lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith("```"):
            j += 1
        code = textwrap.dedent("\n".join(lines[i + 1: j])) + "\n"
        blocks.append(Block(rel, i + 2, (m.group(2) or "text").lower(), code,
                            _marker_before(lines, i)))
        i = j + 1
    return blocks


def page_blocks(path: Path) -> list[Block]:
    return markdown_blocks(path) if path.suffix == ".md" else rst_blocks(path)


ALL_PAGES = [*PAGES, ROOT / "README.md"]




# -- the runner ------------------------------------------------------------------------

def _skip_reason(marker: str | None) -> str | None:
    """Why a block does not run here (``None``: it runs)."""
    if marker is None:
        return None
    if marker.startswith("skip"):
        reason = marker[len("skip"):].strip(" -—:")
        assert reason, "a `snippet: skip` marker must give its reason"
        return reason
    if marker == "requires cuda":
        import torch

        return None if torch.cuda.is_available() else "needs a CUDA device"
    raise AssertionError(f"unknown snippet marker {marker!r}")


def zominimize_commands(code: str) -> list[list[str]]:
    """The ``zominimize ...`` command lines of a shell block, as argument lists
    (``$`` prompts, comments and backslash continuations handled)."""
    text = re.sub(r"\\\n\s*", " ", code)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("$ "):
            line = line[2:]
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words: list[str] = []
        for token in [*lexer, ";"]:
            if token in ("&&", "||", ";", "|", "&", ">", ">>", "<"):
                if words and words[0] == "zominimize":
                    out.append(words[1:])
                words = [] if token not in (">", ">>", "<") else ["(redirect)"]
            elif words != ["(redirect)"]:
                words.append(token)
    return out


def check_command(argv: list[str], monkeypatch) -> None:
    """Parse ``zominimize ARGV`` with the real parser; stop before any work is done."""
    from zominimize import _cli, _demo
    from zominimize.bench import _cli as bench_cli

    parsed = []
    monkeypatch.setattr(_cli, "_run_train", lambda args, argv: parsed.append(args) or 0)
    monkeypatch.setattr(_demo, "run", lambda args: parsed.append(args) or 0)
    monkeypatch.setattr(bench_cli, "run", lambda args: parsed.append(args) or 0)
    if argv and argv[0] == "options":
        parsed.append(argv)  # cheap: it really runs
    try:
        rc = _cli.main(argv)
    except SystemExit as exc:  # argparse: --help exits 0, a bad flag exits 2
        rc = exc.code
    assert rc in (0, None), f"`zominimize {shlex.join(argv)}` exits with {rc}"
    assert parsed or "--help" in argv or "--version" in argv


def run_blocks(blocks: list[Block], monkeypatch) -> int:
    """Run ``blocks`` in order in one namespace; return how many ran.

    The namespace is a fresh module installed as ``__main__`` while the blocks run, as
    for a reader's script: process pools (which pickle ``__main__.fun`` by reference)
    and joblib's workers (which pickle ``__main__`` functions by value) both find the
    functions a snippet defines.
    """
    main = types.ModuleType("__main__")
    monkeypatch.setitem(sys.modules, "__main__", main)
    namespace = main.__dict__
    ran = 0
    for block in blocks:
        if _skip_reason(block.marker) is not None:
            continue
        where = f"{block.page}:{block.line}"
        if block.language in PYTHON:
            try:
                exec(compile(block.code, where, "exec"), namespace)
            except Exception as exc:
                pytest.fail(f"the code block at {where} fails: {type(exc).__name__}: {exc}\n"
                            f"{block.code}")
            ran += 1
        elif block.language in SHELL:
            for argv in zominimize_commands(block.code):
                check_command(argv, monkeypatch)
                ran += 1
    return ran


@pytest.mark.parametrize("path", [p for p in ALL_PAGES if page_blocks(p)], ids=_id)
def test_page_snippets_run(path, tmp_path, monkeypatch, capsys):
    blocks = page_blocks(path)
    from zominimize import _registry

    monkeypatch.chdir(tmp_path)  # snippets may write files (checkpoints, weights, plots)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # what a page may change for the rest of the process: registered methods, threads
    monkeypatch.setattr(_registry, "_USER", dict(_registry._USER))
    import torch

    threads = torch.get_num_threads()
    try:
        run_blocks(blocks, monkeypatch)
    finally:
        torch.set_num_threads(threads)
        capsys.readouterr()
        if "matplotlib.pyplot" in sys.modules:
            import matplotlib.pyplot as plt

            plt.close("all")


# -- the extraction itself -------------------------------------------------------------

def test_extraction_finds_blocks_markers_and_literals(tmp_path):
    page = tmp_path / "p.rst"
    page.write_text(textwrap.dedent("""\
        Title
        =====

        Text::

            a = 1

        .. snippet: skip -- because it
           goes on

        .. code-block:: python
           :caption: x

           b = a + 1
           c = b

        .. code-block:: bash

            zominimize options zo-adam  # a comment
        """))
    blocks = rst_blocks(page)
    assert [(b.language, b.code, b.marker) for b in blocks] == [
        ("python", "a = 1\n", None),
        ("python", "b = a + 1\nc = b\n", "skip -- because it goes on"),
        ("bash", "zominimize options zo-adam  # a comment\n", None),
    ]
    assert zominimize_commands(blocks[2].code) == [["options", "zo-adam"]]
    assert zominimize_commands("pip install x && zominimize demo \\\n  --seed 1\n") == [
        ["demo", "--seed", "1"]]


def test_every_page_is_covered():
    """The pages found are the documentation: a renamed folder must not silently
    drop pages from this test."""
    names = {p.relative_to(DOCS).as_posix() for p in PAGES}
    assert {"index.rst", "quickstart.rst", "user_guide/scipy.rst"} <= names
    assert sum(len(page_blocks(p)) for p in ALL_PAGES) > 50


def test_a_failing_snippet_fails(monkeypatch):
    bad = [Block("p.rst", 3, "python", "x = 1\n", None),
           Block("p.rst", 7, "python", "undefined_function(x)\n", None)]
    with pytest.raises(pytest.fail.Exception, match=r"p.rst:7 fails: NameError"):
        run_blocks(bad, monkeypatch)
    skipped = [Block("p.rst", 7, "python", "undefined_function()\n", "skip -- a reason")]
    assert run_blocks(skipped, monkeypatch) == 0
    with pytest.raises(AssertionError, match="reason"):
        run_blocks([Block("p.rst", 7, "python", "1\n", "skip")], monkeypatch)
    with pytest.raises(AssertionError, match="exits with 2"):
        run_blocks([Block("p.md", 2, "bash", "zominimize bench --no-such-flag\n", None)],
                   monkeypatch)


def test_the_recipes_of_the_bundled_weights_parse(monkeypatch):
    """The training guide prints each bundled set's recorded command as its recipe
    (docs/_recipes.py): every one must be a valid ``zominimize train`` command today, or
    a research script's (run from the repository root) whose arguments it accepts."""
    import importlib

    from zominimize.learned import bundled_weights

    for name, manifest in bundled_weights().items():
        argv = shlex.split(manifest["command"])
        if argv[:2] == ["python", "-m"]:
            assert argv[2].startswith("research."), name
            assert importlib.import_module(argv[2]).config(argv[3:]).seed >= 0
        else:
            assert argv[:2] == ["zominimize", "train"], name
            check_command(argv[1:], monkeypatch)
