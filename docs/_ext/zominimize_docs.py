"""Sphinx extension of the zominimize documentation.

Three jobs, all done at build time from the package itself, so no text is ever
copied by hand:

1. **Method-options pages.** For every name in :func:`zominimize.list_methods`,
   ``docs/generated/options_<method>.rst`` is written from
   :func:`zominimize._registry.method_doc`, the very text that
   :func:`zominimize.show_options` prints.
2. **Options sections in the API reference.** The method classes and the SciPy
   custom-method callables carry an ``Options`` section (and a "Common options"
   section) that numpydoc does not know; they are rendered as a rubric and a
   definition list, exactly as on the options pages, instead of being dropped.
3. **Measured results.** For every entry of ``docs/measurements.toml`` (a key, the
   kind of result and the command that produces it), ``docs/benchmarks.rst`` and
   ``docs/research.rst`` include ``docs/generated/bench/<key>.inc``, written here
   from what the command left in ``docs/_generated/`` (a ``zominimize bench`` JSON
   file and its plots, or a markdown file printed by a script). A missing result
   becomes the single line "Not yet measured: run <command>." -- numbers are never
   invented. The claims table is :func:`zominimize.bench._claims.check_claim` applied
   to the claims of the same file.

It only renders: what is measured lives in ``docs/measurements.toml``, how a claim is
judged in :mod:`zominimize.bench._claims`.
"""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path

import numpy as np

DOCS = Path(__file__).resolve().parents[1]
GENERATED = DOCS / "generated"
MEASURED = DOCS / "_generated"

MEASUREMENTS_FILE = DOCS / "measurements.toml"
KINDS = ("bench", "md", "text")


def load_measurements(path: Path = MEASUREMENTS_FILE) -> tuple[dict[str, dict], list[dict]]:
    """The measured results (``{key: {"kind", "command"}}``) and the claims of
    ``docs/measurements.toml`` (its header describes the format)."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    measurements = data.get("measurements", {})
    for key, entry in measurements.items():
        if entry.get("kind") not in KINDS or not entry.get("command"):
            raise ValueError(f"{path.name}: measurement {key!r} needs a kind in {KINDS} "
                             "and a command")
        ecdf = entry.get("ecdf")
        if ecdf is not None and (entry["kind"] != "md" or not isinstance(ecdf, list)
                                 or not all(isinstance(k, str) for k in ecdf)):
            raise ValueError(f"{path.name}: measurement {key!r}: ecdf is a list of "
                             "result keys, for a measurement of kind 'md'")
    claims = data.get("claims", [])
    for claim in claims:
        if measurements.get(claim.get("measurement"), {}).get("kind") != "bench":
            raise ValueError(f"{path.name}: claim {claim.get('claim')!r} needs a "
                             "measurement of kind 'bench'")
    return measurements, claims


def _write(path: Path, text: str) -> None:
    """Write ``text`` only if it changed (keeps Sphinx's incremental builds quiet)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


# -- numpydoc-style sections -------------------------------------------------------------

_SECTION = re.compile(r"^(?P<title>\S[^\n]*)\n(?P<rule>-+)[ \t]*$", re.M)


def split_sections(doc: str) -> tuple[str, list[tuple[str, str]]]:
    """Split a numpydoc docstring into its head and ``[(title, body), ...]``."""
    matches = [m for m in _SECTION.finditer(doc)
               if len(m.group("rule")) >= len(m.group("title").rstrip())]
    if not matches:
        return doc, []
    head = doc[: matches[0].start()]
    sections = []
    for m, nxt in zip(matches, matches[1:] + [None]):
        body = doc[m.end(): nxt.start() if nxt is not None else len(doc)]
        sections.append((m.group("title").strip(), body.strip("\n")))
    return head, sections


def parse_params(body: str) -> list[tuple[str, str, str]]:
    """``name : type`` lines followed by indented descriptions -> ``[(names, type, desc)]``."""
    params: list[list] = []
    for line in textwrap.dedent(body).splitlines():
        if line and not line[0].isspace():
            name, _, kind = line.partition(" : ")
            params.append([name.strip(), kind.strip(), []])
        elif params:
            params[-1][2].append(line)
    return [(n, k, textwrap.dedent("\n".join(d)).strip("\n")) for n, k, d in params]


def render_params(params: list[tuple[str, str, str]]) -> str:
    """A definition list: ``**name** : type`` then the indented description."""
    out = []
    for names, kind, desc in params:
        term = ", ".join(f"**{n.strip()}**" for n in names.split(","))
        out.append(term + (f" : {kind}" if kind else ""))
        out.append(textwrap.indent(desc or "(undocumented)", "    "))
        out.append("")
    return "\n".join(out)


_OPTION_SECTIONS = {
    "Options": "Options",
    "Common options (every zeroth-order method)": "Common options (every zeroth-order method)",
}


def render_options_docstring(doc: str) -> str | None:
    """Replace the ``Options`` sections of a docstring by rubrics with definition lists,
    placed at the end of the extended summary (before numpydoc's own sections).
    Returns ``None`` when the docstring has no such section."""
    head, sections = split_sections(doc)
    if not any(t in _OPTION_SECTIONS for t, _ in sections):
        return None
    opts, rest = [], []
    for title, body in sections:
        if title in _OPTION_SECTIONS:
            rubric = f".. rubric:: {_OPTION_SECTIONS[title]}\n\n"
            opts.append(rubric + render_params(parse_params(body)))
        else:
            rest.append(f"{title}\n{'-' * len(title)}\n{body}\n")
    return "\n".join([head.rstrip() + "\n", *opts, *rest]) + "\n"


def process_docstring(app, what, name, obj, options, lines) -> None:
    """``autodoc-process-docstring`` hook, connected before numpydoc's."""
    new = render_options_docstring("\n".join(lines))
    if new is not None:
        lines[:] = new.splitlines()


# -- 1. method-options pages ---------------------------------------------------------------

def option_page(name: str) -> str:
    from zominimize import _registry

    cls = _registry.get_method_class(name)
    head, sections = split_sections(_registry.method_doc(name))
    title = f"``{name}``"
    qual = f"{cls.__module__}.{cls.__qualname__}"
    callable_name = name.replace("-", "_")
    out = [
        f".. _options-{name}:",
        "",
        title,
        "=" * len(title),
        "",
        ".. This page is generated at build time by docs/_ext/zominimize_docs.py from",
        "   zominimize._registry.method_doc(), the text show_options() prints. Do not edit.",
        "",
        f"Implemented by :class:`{qual}`. The same text is printed by "
        f"``zominimize.show_options(\"{name}\")`` and ``zominimize options {name}``.",
        "",
        ".. code-block:: python",
        "",
        f"    res = zominimize.minimize(fun, x0, method=\"{name}\", options={{...}}, rng=0)",
    ]
    import zominimize

    if hasattr(zominimize, callable_name):
        out += [
            f"    res = scipy.optimize.minimize(fun, x0, method=zominimize.{callable_name},",
            "                                  options={..., \"rng\": 0})",
        ]
    out += ["", textwrap.dedent(head).strip(), ""]
    for title_, body in sections:
        if title_ in _OPTION_SECTIONS:
            out += [title_, "-" * len(title_), ""]
            if title_ != "Options":
                out += [
                    "Handled by the driver, identical for every zeroth-order method "
                    "(see :doc:`/user_guide/bounds_callbacks` and "
                    ":doc:`/user_guide/parallel`).",
                    "",
                ]
            out += [render_params(parse_params(body)), ""]
        else:
            out += [title_, "-" * len(title_), "", body, ""]
    return "\n".join(out).rstrip() + "\n"


def write_option_pages(app) -> None:
    import zominimize

    names = zominimize.list_methods()
    for name in names:
        _write(GENERATED / f"options_{name}.rst", option_page(name))
    for stale in GENERATED.glob("options_*.rst"):
        if stale.stem[len("options_"):] not in names:
            stale.unlink()


# -- 3. measured results ---------------------------------------------------------------

_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*([^*\s](?:[^*]*[^*\s])?)\*(?![*\w])")


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for ch in "*_|`":
        text = text.replace(ch, "\\" + ch)
    return text


def md_inline(text: str) -> str:
    """Markdown inline markup (``code``, **bold**) to reStructuredText, escaping the rest."""
    out, pos = [], 0
    tokens = sorted(
        [(m.start(), m.end(), "code", m.group(1)) for m in _CODE.finditer(text)]
        + [(m.start(), m.end(), "bold", m.group(1)) for m in _BOLD.finditer(text)]
        + [(m.start(), m.end(), "italic", m.group(1)) for m in _ITALIC.finditer(text)]
    )
    for start, end, kind, inner in tokens:
        if start < pos:
            continue
        out.append(_escape(text[pos:start]))
        if kind == "code":
            out.append(f"\\ ``{inner}``\\ ")
        elif kind == "bold":
            out.append(f"\\ **{_escape(inner).strip()}**\\ ")
        else:
            out.append(f"\\ *{_escape(inner).strip()}*\\ ")
        pos = end
    out.append(_escape(text[pos:]))
    return "".join(out).strip()


def _cell(text: str) -> str:
    """A table cell: inline markup, and no accidental list ("- (1/2)", "-", "1. x")."""
    out = md_inline(text)
    if re.match(r"^([-+*]|\d+[.)]|#\.)(\s|$)", out):
        out = "\\" + out
    return out


def _cells(row: str) -> list[str]:
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|"):
        row = row[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)]


def md_to_rst(md: str) -> str:
    """The markdown the benchmark tools print (headings, pipe tables, paragraphs,
    bullet lists, fenced code) as reStructuredText. Headings become rubrics, so the
    result can be included anywhere in a page."""
    lines = md.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            j = i + 1
            body = []
            while j < len(lines) and not lines[j].strip().startswith("```"):
                body.append(lines[j])
                j += 1
            out += ["", ".. code-block:: text", ""] + ["    " + b for b in body] + [""]
            i = j + 1
            continue
        if stripped.startswith("#"):
            title = stripped.lstrip("#").strip()
            out += ["", f".. rubric:: {md_inline(title)}", ""]
            i += 1
            continue
        if stripped.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            header = None
            if len(rows) >= 2 and all(re.fullmatch(r":?-{3,}:?", c) for c in rows[1] if c):
                header, rows = rows[0], rows[2:]
            table = [header] if header else []
            table += rows
            width = max(len(r) for r in table)
            out += ["", ".. list-table::", "   :class: zom-measured"]
            if header:
                out.append("   :header-rows: 1")
            out.append("")
            for r in table:
                r = r + [""] * (width - len(r))
                for k, c in enumerate(r):
                    prefix = "   * - " if k == 0 else "     - "
                    out.append((prefix + _cell(c)).rstrip())
            out.append("")
            continue
        if not stripped:
            out.append("")
        elif re.match(r"^[-*] ", stripped):
            out.append("- " + md_inline(stripped[2:]))
        else:
            # Script output is line-oriented: keep its lines apart (a line block).
            if out and out[-1] and not out[-1].startswith("| "):
                out.append("")
            out.append("| " + md_inline(stripped))
        i += 1
    return "\n".join(out).strip() + "\n"


def _not_measured(command: str) -> str:
    return f"Not yet measured: run ``{command}``.\n"


def _figures(paths: list[Path]) -> str:
    out = []
    for p in paths:
        rel = "/" + p.relative_to(DOCS).as_posix()
        out += [f".. figure:: {rel}", "   :width: 100%", "", f"   ``{p.stem}``", ""]
    return "\n".join(out)


def result_path(key: str, directory: Path | None = None) -> Path:
    """The result file of ``key`` in ``directory`` (default ``docs/_generated``):
    ``<key>.json.gz`` (as committed), else ``<key>.json``."""
    directory = MEASURED if directory is None else directory
    packed = directory / f"{key}.json.gz"
    return packed if packed.exists() else directory / f"{key}.json"


def _drawn(out: Path, sources: list[Path], draw) -> list[Path]:
    """The plots that ``draw(out)`` writes, redrawn only when a source file changes."""
    signature = " ".join(f"{p.name} {p.stat().st_size} {p.stat().st_mtime_ns}"
                         for p in sources)
    stamp = out / ".source"
    if not stamp.exists() or stamp.read_text() != signature:
        shutil.rmtree(out, ignore_errors=True)
        draw(out)
        stamp.write_text(signature)
    return sorted(out.glob("*.png"))


def _bench_plots(key: str, command: str, result) -> list[Path]:
    """The committed plots of a result, else (unless its command says ``--no-plots``)
    plots drawn from the result itself, redrawn only when its JSON file changes."""
    committed = sorted((MEASURED / f"{key}_plots").glob("*.png"))
    if committed or result is None or "--no-plots" in command:
        return committed
    return _drawn(GENERATED / "bench" / f"{key}_plots", [result_path(key)], result.plot)


def _ecdf_plots(key: str, sources: list[str]) -> list[Path]:
    """The ECDF plots of a BBOB report, drawn from the results it was made of (merged,
    later files win, as ``zominimize bench --replot`` does); none where one is missing."""
    from zominimize.bench import BenchResult, merge_results, plot_ecdfs

    paths = [result_path(s) for s in sources]
    if not all(p.exists() for p in paths):
        return []

    def draw(out: Path) -> None:
        merged = merge_results([BenchResult.from_json(p) for p in paths])
        plot_ecdfs(merged, out, prefix=f"{key}_ecdf")

    return _drawn(GENERATED / "bench" / f"{key}_plots", paths, draw)


def _bench_inc(key: str, command: str) -> str:
    path = result_path(key)
    md = MEASURED / f"{key}.md"
    result = None
    if path.exists():
        from zominimize.bench import BenchResult

        result = BenchResult.from_json(path)
        meta = result.meta
        used = meta.get("command") or command
        env = meta.get("environment", {})
        info = [f"Produced by ``{used}``"]
        if meta.get("date"):
            info.append(f"on {meta['date']}")
        if env:
            info.append("(" + ", ".join(f"{k} {v}" for k, v in env.items()) + ")")
        text = " ".join(info) + (
            f"; runs in :download:`{path.name} </_generated/{path.name}>`.\n\n")
        if meta.get("wall_time") is not None:
            text += (f"Wall time {meta['wall_time']:.0f} s with {meta.get('workers')} "
                     f"parallel runs.\n\n")
        text += md_to_rst(result.table())
        if meta.get("tuning"):
            text += "\n.. rubric:: Learning-rate grids\n\n" + md_to_rst(result.tuning_table())
    elif md.exists():
        text = md_to_rst(md.read_text(encoding="utf-8"))
    else:
        return _not_measured(command)
    plots = _bench_plots(key, command, result)
    if plots:
        text += "\n" + _figures(plots)
    return text


def _md_inc(key: str, command: str, ecdf: list[str] | None = None) -> str:
    md = MEASURED / f"{key}.md"
    if not md.exists():
        return _not_measured(command)
    text = md_to_rst(md.read_text(encoding="utf-8"))
    figs = _ecdf_plots(key, ecdf) if ecdf else sorted(MEASURED.glob(f"{key}*.png"))
    if figs:
        text += "\n" + _figures(figs)
    return text


# -- the claims table: the paper's claims next to our numbers ---------------------------

def claims_inc(measurements: dict[str, dict], claims: list[dict]) -> str:
    from zominimize.bench import BenchResult
    from zominimize.bench._claims import check_claim

    rows = [["The paper claims", "Source", "Our measurement (median over seeds)",
             "Reproduced?"]]
    loaded = {}
    for claim in claims:
        key = claim["measurement"]
        path = result_path(key)
        if not path.exists():
            rows.append([claim["claim"], claim["source"],
                         _not_measured(measurements[key]["command"]).strip(), "not yet"])
            continue
        if key not in loaded:
            loaded[key] = BenchResult.from_json(path)
        check = check_claim(loaded[key], claim["comparison"], claim.get("problems"))
        rows.append([claim["claim"], claim["source"],
                     check.text + f" (:ref:`details <measured-{key}>`)", check.verdict])
    out = [".. list-table::", "   :class: zom-claims", "   :header-rows: 1",
           "   :widths: 30 12 46 12", ""]
    for row in rows:
        for k, cell in enumerate(row):
            out.append(("   * - " if k == 0 else "     - ") + cell)
    return "\n".join(out) + "\n"


def _num(v) -> str:
    """A number of the problem tables, ``"n/a"`` where a problem has none."""
    return "n/a" if v is None or v != v else f"{float(v):.4g}"


def _text_inc(key: str, command: str) -> str:
    path = MEASURED / f"{key}.txt"
    if not path.exists():
        return _not_measured(command)
    body = path.read_text(encoding="utf-8").rstrip("\n").splitlines()
    text = ".. code-block:: text\n\n" + "\n".join("    " + line for line in body) + "\n"
    figs = sorted(MEASURED.glob(f"{key}*.png"))
    if figs:
        text += "\n" + _figures(figs)
    return text


def write_measurements(app) -> None:
    measurements, claims = load_measurements()
    render = {"bench": _bench_inc, "md": _md_inc, "text": _text_inc}
    for key, entry in measurements.items():
        command = entry["command"]
        extra = {"ecdf": entry["ecdf"]} if "ecdf" in entry else {}
        _write(GENERATED / "bench" / f"{key}.inc", render[entry["kind"]](key, command, **extra))
        _write(GENERATED / "bench" / f"{key}.command.inc",
               ".. code-block:: bash\n\n" + textwrap.indent(command, "    ") + "\n")
    _write(GENERATED / "bench" / "claims.inc", claims_inc(measurements, claims))


# -- problem library tables and command-line help -----------------------------------

def _first_line(obj) -> str:
    import inspect

    doc = inspect.getdoc(obj) or ""
    return doc.split("\n\n")[0].replace("\n", " ").strip()


def problems_inc() -> tuple[str, str]:
    """Tables of the named problems and of the named families, from the registry."""
    import zominimize.problems as P

    named = [".. list-table::", "   :header-rows: 1", "   :widths: 22 22 8 10 38", "",
             "   * - name", "     - class", "     - d", "     - f_opt", "     - x0, bounds"]
    for name in P.list_problems():
        p = P.get_problem(name)
        cls = type(p)
        bounds = "unbounded" if p.bounds is None else "box"
        x0 = np.asarray(p.x0)
        if not np.any(x0):
            x0_text = "x0 = 0"
        elif x0.size > 1:
            x0_text = f"x0 = ({_num(x0[0])}, {_num(x0[1])}, ...)"
        else:
            x0_text = f"x0 = {_num(x0[0])}"
        named += [f"   * - ``{name}``", f"     - :class:`~zominimize.problems.{cls.__name__}`",
                  f"     - {p.dim}", f"     - {_num(p.f_opt)}",
                  f"     - {x0_text}; {bounds}; x_scale = {_num(p.x_scale)}"]
    role = {}
    for r, names in (("training", P.TRAINING_FAMILIES), ("validation", P.VALIDATION_FAMILIES),
                     ("held out", P.HELD_OUT_FAMILIES)):
        for n in names:
            role[n] = r
    fams = [".. list-table::", "   :header-rows: 1", "   :widths: 16 12 72", "",
            "   * - name", "     - role", "     - what it samples"]
    for name in P.list_families():
        fam = P.get_family(name)
        if name == "general":
            what = _first_line(P.general_family)
        elif name == "general-wide":
            what = "The ``general`` mixture at d = 10..1000 (the ``\"default\"`` weights)."
        elif name == "classification-train":
            what = "The paper's classification task at d = 50..1000, random instances."
        else:
            what = _first_line(type(fam))
        what = re.sub(r":class:`(\w+)`", r":class:`~zominimize.problems.\1`", what)
        fams += [f"   * - ``{name}``", f"     - {role.get(name, '-')}", f"     - {what}"]
    return "\n".join(named) + "\n", "\n".join(fams) + "\n"


def cli_help(argv: list[str]) -> str:
    """``zominimize <argv> --help`` as the user sees it (80 columns)."""
    import contextlib
    import io
    import os

    from zominimize._cli import main

    buf = io.StringIO()
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "80"
    try:
        with contextlib.redirect_stdout(buf):
            try:
                main([*argv, "--help"])
            except SystemExit:
                pass
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old
    return buf.getvalue()


def write_reference_tables(app) -> None:
    named, fams = problems_inc()
    _write(GENERATED / "problems_named.inc", named)
    _write(GENERATED / "problems_families.inc", fams)
    for cmd in ("train", "bench", "demo"):
        _write(GENERATED / f"cli_{cmd}_help.txt", cli_help([cmd]))
    _write(GENERATED / "cli_help.txt", cli_help([]))


def builder_inited(app) -> None:
    write_option_pages(app)
    write_reference_tables(app)
    write_measurements(app)


def setup(app):
    app.connect("builder-inited", builder_inited)
    # numpydoc connects its own handler at the default priority (500): run first.
    app.connect("autodoc-process-docstring", process_docstring, priority=400)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":  # python docs/_ext/zominimize_docs.py: regenerate and show
    builder_inited(None)
    print(json.dumps(sorted(p.name for p in GENERATED.rglob("*") if p.is_file()), indent=1))
