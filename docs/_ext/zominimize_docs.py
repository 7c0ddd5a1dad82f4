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
3. **Measured results.** ``docs/benchmarks.rst`` includes
   ``docs/generated/bench/<key>.inc``, written here from what the benchmark
   commands left in ``docs/_generated/`` (a ``zominimize bench`` JSON file and its
   plots, or a markdown file printed by a script). A missing result becomes the
   single line "Not yet measured: run <command>." -- numbers are never invented.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import numpy as np

DOCS = Path(__file__).resolve().parents[1]
GENERATED = DOCS / "generated"
MEASURED = DOCS / "_generated"

# ---------------------------------------------------------------------------------------
# Measured results expected by docs/benchmarks.rst: key -> (kind, command).
#   kind "bench": docs/_generated/<key>.json written by `zominimize bench --out`,
#                 plots in docs/_generated/<key>_plots/*.png
#   kind "md":    docs/_generated/<key>.md (markdown printed by a script), optional
#                 figures docs/_generated/<key>*.png
#   kind "text":  docs/_generated/<key>.txt (plain text printed by a script), shown
#                 verbatim, optional figures docs/_generated/<key>*.png
# The include file is docs/generated/bench/<key>.inc.
# ---------------------------------------------------------------------------------------
_V1 = "docs/_generated/weights/default-v1.safetensors"  # the first-round default weights


def _weights_candidates(*runs: str) -> str:
    """Selection candidates, one per research-log weight file (JSON, without brackets)."""
    return ", ".join(f'{{"weights": "docs/_generated/weights/{run}.safetensors"}}'
                     for run in runs)


# the third round's candidates for "default" (docs/research.rst)
_R3_CANDIDATES = _weights_candidates("r3-cosine-200", "r3-cosine-300", "r3-vote06",
                                     "r3-batch8")
_R3_SEEDS = _weights_candidates("r3-seed2", "r3-mm-seed1")
_R3_SEED1_MM = _weights_candidates("r3-seed1", "r3-mm")
# the selections of the first three research rounds ran with the sigma0 rule's old
# constant, 0.1 (the fourth round changed the default to 0.03)
_SELECT = "python -m research.select_l2l_options "
_SELECT_R3 = _SELECT + "--sigma0-rel 0.1 "
# the fourth round's training runs at the new start, compared at the new inference default
_R4_TRAIN = _weights_candidates("r4-rel003", "r4-rel003-seed1")
# the configuration bundled as "classification", as a selection candidate
_R4_CLS = ('{"sigma0_factor": 0.1, "weights": "docs/_generated/weights/r3-cls-ft.safetensors", '
           '"mu_rel": 0.01}')


def _r4(key: str, args: str, factors: tuple) -> tuple[str, str]:
    """A fourth-round selection: candidates start at k times the old sigma0 rule."""
    cands = ", ".join("{}" if k == 1 else f'{{"sigma0_factor": {k}}}' for k in factors)
    return ("md", f"{_SELECT_R3}{args + ' ' if args else ''}--candidates '[{cands}]' "
                  f"--out docs/_generated/{key}.md")


MEASUREMENTS: dict[str, tuple[str, str]] = {
    "bench_paper": (
        "bench",
        "zominimize bench --suite paper --seeds 5 --out docs/_generated/bench_paper.json "
        "--plots docs/_generated/bench_paper_plots",
    ),
    "bench_tuned": (
        "bench",
        "zominimize bench --suite paper --tune-lr zo-adam,zo-sgd,zo-signsgd "
        "--methods 'l2l-zo,l2l-zo[weights=attack],l2l-zo[weights=classification]' --seeds 5 "
        "--out docs/_generated/bench_tuned.json --plots docs/_generated/bench_tuned_plots",
    ),
    "bench_heldout": (
        "bench",
        "zominimize bench --problems 'ackley[dim=100],styblinski[dim=100],levy[dim=100],"
        "rastrigin[dim=50],rosenbrock[dim=200]' --methods l2l-zo,zo-adam --tune-lr zo-adam "
        "--seeds 5 --out docs/_generated/bench_heldout.json "
        "--plots docs/_generated/bench_heldout_plots",
    ),
    "bench_ablation": (
        "bench",
        "zominimize bench --problems classification-100,attack "
        "--methods 'l2l-zo,l2l-zo[sampler=gaussian],l2l-zo[update=sgd],"
        "l2l-zo[sampler=guided-es],l2l-zo[weights=attack],"
        "l2l-zo[weights=attack,sampler=gaussian],l2l-zo[weights=attack,update=sgd],"
        "l2l-zo[weights=attack,sampler=guided-es],zo-adam' --seeds 5 "
        "--out docs/_generated/bench_ablation.json --plots docs/_generated/bench_ablation_plots",
    ),
    "bench_cobyla_full_classification": (
        "bench",
        "zominimize bench --problems classification-100,classification-1000 --methods cobyla "
        "--seeds 2 --no-time-limit --workers 1 "
        "--out docs/_generated/bench_cobyla_full_classification.json --no-plots",
    ),
    "bench_cobyla_full_attack": (
        "bench",
        "zominimize bench --problems attack --methods cobyla --seeds 2 --no-time-limit "
        "--workers 1 --out docs/_generated/bench_cobyla_full_attack.json --no-plots",
    ),
    "overhead": ("md", "python -m research.overhead > docs/_generated/overhead.md"),
    "gpu_check": ("md", "python -m research.gpu_check > docs/_generated/gpu_check.md  "
                  "# on a machine with a CUDA GPU"),
    "analysis_q": ("md", "python -m research.l2l_analysis --seeds 5 --only q"),
    "analysis_horizon": ("md", "python -m research.l2l_analysis --seeds 5 --only horizon"),
    "analysis_query_variance": (
        "md", "python -m research.l2l_analysis --only variance  (writes the figure)"),
    "memory_flat": ("text", "python -m research.memory_flat > docs/_generated/memory_flat.txt"),
    "demo": ("md", "zominimize demo --out docs/_generated/demo.png > docs/_generated/demo.md"),
    # research log (docs/research.rst): selections on validation problems
    "sigma0_selection": (
        "md", f"python -m research.sigma0_selection --weights {_V1} "
        "--out docs/_generated/sigma0_selection.md"),
    "sigma0_attack_weights": (
        "md", _SELECT_R3 + "--weights attack --n-general 0 "
        "--n-attack 8 --candidates '[{}, {\"sigma0\": 0.1}, {\"sigma0\": 0.05}]' "
        "--out docs/_generated/sigma0_attack_weights.md"),
    "option_selection_mu_rel": (
        "md", _SELECT_R3 + f"--weights {_V1} "
        "--candidates '[{}, {\"mu_rel\": 0.3}, {\"mu_rel\": 1.0}]' "
        "--out docs/_generated/option_selection_mu_rel.md"),
    "selection_default_weights": (
        "md", _SELECT_R3
        + f"--candidates '[{{\"weights\": \"{_V1}\"}}, {{}}]' (and --dims 300 1500 "
        "--n-general 16 --seed 2026)"),
    "selection_attack_weights": (
        "md", _SELECT_R3 + "--weights attack --n-general 0 "
        "--n-attack 8 --candidates '[{}, {\"weights\": \"docs/_generated/weights/"
        "attack-r2-curriculum.safetensors\"}, {\"weights\": \"docs/_generated/weights/"
        "attack-r2.safetensors\"}]'"),
    "selection_r3_A": ("md", _SELECT_R3 + "--candidates "
                       f"'[{{}}, {_R3_CANDIDATES}]' --out docs/_generated/selection_r3_A.md"),
    "selection_r3_B": ("md", _SELECT_R3 + "--dims 300 1500 "
                       f"--n-general 16 --seed 2026 --candidates '[{{}}, {_R3_CANDIDATES}]' "
                       "--out docs/_generated/selection_r3_B.md"),
    "selection_r3_seed1_mm_A": (
        "md", _SELECT_R3 + "--candidates "
        f"'[{{}}, {_R3_SEED1_MM}]' --out docs/_generated/selection_r3_seed1_mm_A.md"),
    "selection_r3_seed1_mm_B": (
        "md", _SELECT_R3 + "--dims 300 1500 --n-general 16 "
        f"--seed 2026 --candidates '[{{}}, {_R3_SEED1_MM}]' "
        "--out docs/_generated/selection_r3_seed1_mm_B.md"),
    "selection_r3_mm_salomon": (
        "md", _SELECT_R3 + "--family salomon --n-general 16 "
        f"--n-attack 0 --seed 2031 --candidates '[{{}}, {_R3_SEED1_MM}]' "
        "--out docs/_generated/selection_r3_mm_salomon.md"),
    "selection_r3_mm_alpine": (
        "md", _SELECT_R3 + "--family alpine --n-general 16 "
        f"--n-attack 0 --seed 2031 --candidates '[{{}}, {_R3_SEED1_MM}]' "
        "--out docs/_generated/selection_r3_mm_alpine.md"),
    "selection_r3_seeds_A": (
        "md", _SELECT_R3 + "--candidates "
        f"'[{{}}, {_R3_SEEDS}]' --out docs/_generated/selection_r3_seeds_A.md"),
    "selection_r3_seeds_B": (
        "md", _SELECT_R3 + "--dims 300 1500 --n-general 16 "
        f"--seed 2026 --candidates '[{{}}, {_R3_SEEDS}]' "
        "--out docs/_generated/selection_r3_seeds_B.md"),
    "selection_r3_seeds_alpine": (
        "md", _SELECT_R3 + "--family alpine --n-general 16 "
        f"--n-attack 0 --seed 2031 --candidates '[{{}}, {_R3_SEEDS}]' "
        "--out docs/_generated/selection_r3_seeds_alpine.md"),
    "selection_r3_classification": (
        "md", _SELECT_R3 + "--family classification-train "
        "--n-general 16 --n-attack 0 --seed 2028 --candidates '[{}, {\"sampler\": "
        "\"gaussian\"}, {\"sampler\": \"guided-es\"}, ...]' (the full list is in the file)"),
    "selection_r3_classification_confirm": (
        "md", _SELECT_R3 + "--family classification-train "
        "--n-general 24 --n-attack 0 --seed 2029 --candidates '[{}, {\"weights\": "
        "\"docs/_generated/weights/r3-cls-ft.safetensors\"}]'"),
    **{key: _r4(key, args, ks) for key, args, ks in (
        ("selection_r4_A", "", (1, 0.5, 0.3, 0.2, 0.1)),
        ("selection_r4_B", "--dims 300 1500 --n-general 16 --seed 2026", (1, 0.5, 0.3, 0.2)),
        ("selection_r4_A2", "--seed 2030", (1, 0.5, 0.3, 0.2)),
        ("selection_r4_attack", "--weights attack --n-general 0 --n-attack 8 --seed 2031",
         (1, 0.5, 0.3, 0.2)),
        ("selection_r4_cls100", "--family classification-train --dims 100 100 "
         "--n-general 24 --n-attack 0 --seed 2028", (1, 0.5, 0.3, 0.2, 0.1)),
        ("selection_r4_cls1000", "--family classification-train --dims 1000 1000 "
         "--n-general 8 --n-attack 0 --seed 2028", (1, 0.5, 0.3, 0.2, 0.1, 0.03)),
        ("selection_r4_cls100_confirm", "--family classification-train --dims 100 100 "
         "--n-general 24 --n-attack 0 --seed 2029", (1, 0.3, 0.1, 0.03)),
        ("selection_r4_cls1000_confirm", "--family classification-train --dims 1000 1000 "
         "--n-general 12 --n-attack 0 --seed 2029", (1, 0.3, 0.1, 0.03)),
        ("selection_r4_A3", "--seed 2032", (1, 0.3)),
        ("selection_r4_B2", "--dims 300 1500 --n-general 16 --seed 2033", (1, 0.3)),
    )},
    **{f"selection_r4_train_{name}": (
        "md", f"{_SELECT}{args}--candidates '[{{}}, {_R4_TRAIN}]' "
        f"--out docs/_generated/selection_r4_train_{name}.md")
       for name, args in (("A", ""), ("A2", "--seed 2030 "), ("A3", "--seed 2032 "),
                          ("B", "--dims 300 1500 --n-general 16 --seed 2026 "),
                          ("B2", "--dims 300 1500 --n-general 16 --seed 2033 "))},
    "selection_r4_cls1000_confirm2": (
        "md", _SELECT_R3 + "--family classification-train --dims 1000 1000 --n-general 12 "
        "--n-attack 0 --seed 2029 --candidates '[{\"sigma0_factor\": 0.1}, "
        f"{_R4_CLS}]' --out docs/_generated/selection_r4_cls1000_confirm2.md"),
    "selection_r4_cls100_confirm2": (
        "md", _SELECT_R3 + "--family classification-train --dims 100 100 --n-general 24 "
        "--n-attack 0 --seed 2029 --candidates '[{}, {\"sigma0_factor\": 0.1}, "
        f"{_R4_CLS}]' --out docs/_generated/selection_r4_cls100_confirm2.md"),
    "bench_classification_weights": (
        "bench",
        "zominimize bench --problems classification-100,classification-1000 "
        "--methods 'l2l-zo[weights=classification],l2l-zo,zo-sgd,zo-signsgd,zo-adam' "
        "--seeds 5 --out docs/_generated/bench_classification_weights.json "
        "--plots docs/_generated/bench_classification_weights_plots",
    ),
    "selection_r4_cls1000_options2": (
        "md", _SELECT_R3 + "--family classification-train --dims 1000 1000 --n-general 8 "
        "--n-attack 0 --seed 2028 --candidates '[...]' (the full list is in the file)"),
    "selection_r4_cls1000_options": (
        "md", _SELECT_R3 + "--family classification-train --dims 1000 1000 --n-general 8 "
        "--n-attack 0 --seed 2028 --candidates '[{\"sigma0_factor\": 0.1}, ...]' (the full "
        "list is in the file)"),
    "bench_classification_start": (
        "bench",
        "zominimize bench --problems classification-100,classification-1000 "
        "--methods 'l2l-zo,l2l-zo[sigma0=0.01],l2l-zo[sigma0=0.002],zo-sgd,zo-signsgd,zo-adam' "
        "--seeds 5 --out docs/_generated/bench_classification_start.json "
        "--plots docs/_generated/bench_classification_start_plots",
    ),
}


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


def _bench_inc(key: str, command: str) -> str:
    path = MEASURED / f"{key}.json"
    md = MEASURED / f"{key}.md"
    plots = sorted((MEASURED / f"{key}_plots").glob("*.png"))
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
            f"; raw runs in :download:`{key}.json </_generated/{key}.json>`.\n\n")
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
    if plots:
        text += "\n" + _figures(plots)
    return text


def _md_inc(key: str, command: str) -> str:
    md = MEASURED / f"{key}.md"
    if not md.exists():
        return _not_measured(command)
    text = md_to_rst(md.read_text(encoding="utf-8"))
    figs = sorted(MEASURED.glob(f"{key}*.png"))
    if figs:
        text += "\n" + _figures(figs)
    return text


# -- the claims table: the paper's claims next to our numbers ---------------------------

# (claim, source of the claim, measurement key, problems, kind of comparison)
CLAIMS = [
    ("Faster convergence than hand-designed ZO algorithms on the synthetic non-convex "
     "binary classification task.", "abstract", "bench_paper",
     ("classification-100", "classification-1000"), "speed"),
    ("Better final solution than hand-designed ZO algorithms on the same task.",
     "abstract", "bench_paper", ("classification-100", "classification-1000"), "final"),
    ("Outperforms hand-designed ZO algorithms on the black-box adversarial attack "
     "(MNIST; CIFAR-10 in the paper, not reproduced here).", "abstract; repro page",
     "bench_paper", ("attack",), "attack"),
    ("The comparison holds against baselines whose hyper-parameters are tuned "
     "(\"best performance reported\").", "repro page", "bench_tuned",
     ("classification-100", "attack"), "final"),
    ("The learned sampling rule (QueryRNN) helps: it reduces the variance of the ZO "
     "estimate (ablations: no QueryRNN, no UpdateRNN, Guided-ES sampling).", "abstract",
     "bench_ablation", ("classification-100", "attack"), "ablation"),
    ("This project's stricter target: reach the final median value of each lr-tuned "
     "baseline with at most half the evaluations (4200 / 2), on the attack.",
     "issue target", "bench_tuned", ("attack",), "half"),
    ("The learned optimizer generalizes to other problems than those it was trained on.",
     "abstract (\"extensive analytical experiments\"); numbers not found", "bench_heldout",
     None, "final"),
]


def _fmt_num(v) -> str:
    if v is None:
        return "n/a"
    v = float(v)
    if v != v:
        return "n/a"
    if v in (float("inf"), float("-inf")):
        return "never" if v > 0 else "-inf"
    return f"{v:.4g}"


def _reaches(s) -> str:
    """'reaches the target in N evals (k/n runs)', or that the median run never does."""
    runs = f"({s.target_hits}/{s.n_runs} runs)"
    if s.evals_to_target is None or not np.isfinite(s.evals_to_target):
        return f"does not reach the target in the median run {runs}"
    return f"reaches the target in {_fmt_num(s.evals_to_target)} evals {runs}"


def _hand_designed(result, problem) -> list[str]:
    """The hand-designed ZO rows of ``problem`` (the tuned grid point only, if tuned)."""
    hidden = set()
    for info in (result.meta.get("tuning") or {}).values():
        best = info["best"].get(problem)
        hidden |= {s for s, lr in zip(info["specs"], info["lrs"]) if lr != best}
    return [m for m in result.methods(problem) if m.startswith("zo-") and m not in hidden]


def _claim_cell(result, problems, kind) -> tuple[str, str]:
    """Our measurement for one claim (text) and the verdict."""
    problems = problems or result.problems
    texts, wins, total = [], 0, 0
    for problem in problems:
        if problem not in result.problems:
            texts.append(f"{problem}: not in the results")
            continue
        methods = result.methods(problem)
        last = max(result.budgets)
        if kind == "ablation":
            base = "l2l-zo"
            if base not in methods:
                continue
            s0 = result.summary(base, problem)
            parts = [f"l2l-zo {_fmt_num(s0.best[last][0])}"]
            for m in methods:
                if m.startswith("l2l-zo[") and "weights" not in m:
                    s = result.summary(m, problem)
                    parts.append(f"{m[len('l2l-zo'):]} {_fmt_num(s.best[last][0])}")
                    total += 1
                    wins += s0.best[last][0] < s.best[last][0]
            texts.append(f"{problem}, median best f at {last} evals: " + ", ".join(parts))
            continue
        learned = [m for m in methods if m.startswith("l2l-zo") and
                   ("[" not in m or "weights" in m)]
        hand = _hand_designed(result, problem)
        if not learned or not hand:
            continue
        sums = {m: result.summary(m, problem) for m in learned + hand}
        best_hand = min(hand, key=lambda m: sums[m].best[last][0])
        if kind == "half":
            for m in learned:
                for h in hand:
                    target = sums[h].best[last][0]  # h's median final value
                    evals = float(np.median([r.evals_to(target)
                                             for r in result.select(m, problem)]))
                    total += 1
                    wins += evals <= last / 2
                    when = (f"in {_fmt_num(evals)} evals (median)" if np.isfinite(evals)
                            else "not in the median run")
                    texts.append(f"{problem}: {m} reaches {h}'s median final value "
                                 f"{_fmt_num(target)} {when}")
            continue
        for m in learned:
            s, b = sums[m], sums[best_hand]
            total += 1
            if kind == "speed":
                wins += s.evals_to_target < b.evals_to_target
                texts.append(
                    f"{problem}: {m} {_reaches(s)}, best hand-designed ({best_hand}) "
                    f"{_reaches(b)}")
            else:
                wins += s.best[last][0] < b.best[last][0]
                text = (f"{problem}: median best f at {last} evals, {m} "
                        f"{_fmt_num(s.best[last][0])} vs {best_hand} {_fmt_num(b.best[last][0])}")
                if kind == "attack" and s.success_rate is not None:
                    text += (f"; success {100 * s.success_rate:.0f}% vs "
                             f"{100 * (b.success_rate or 0):.0f}%")
                texts.append(text)
    if total == 0:
        return "; ".join(texts) or "no comparable rows in the results", "n/a"
    verdict = "yes" if wins == total else ("partly" if wins else "no")
    return "; ".join(texts), f"{verdict} ({wins}/{total})"


def claims_inc() -> str:
    rows = [["The paper claims", "Source", "Our measurement (median over seeds)",
             "Reproduced?"]]
    loaded = {}
    for claim, source, key, problems, kind in CLAIMS:
        path = MEASURED / f"{key}.json"
        if not path.exists():
            rows.append([claim, source, _not_measured(MEASUREMENTS[key][1]).strip(), "not yet"])
            continue
        if key not in loaded:
            from zominimize.bench import BenchResult

            loaded[key] = BenchResult.from_json(path)
        text, verdict = _claim_cell(loaded[key], problems, kind)
        rows.append([claim, source, text + f" (:ref:`details <measured-{key}>`)", verdict])
    out = [".. list-table::", "   :class: zom-claims", "   :header-rows: 1",
           "   :widths: 30 12 46 12", ""]
    for row in rows:
        for k, cell in enumerate(row):
            out.append(("   * - " if k == 0 else "     - ") + cell)
    return "\n".join(out) + "\n"


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
    render = {"bench": _bench_inc, "md": _md_inc, "text": _text_inc}
    for key, (kind, command) in MEASUREMENTS.items():
        text = render[kind](key, command)
        _write(GENERATED / "bench" / f"{key}.inc", text)
        _write(GENERATED / "bench" / f"{key}.command.inc",
               f".. code-block:: bash\n\n    {command}\n")
    _write(GENERATED / "bench" / "claims.inc", claims_inc())


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
            x0_text = f"x0 = ({_fmt_num(x0[0])}, {_fmt_num(x0[1])}, ...)"
        else:
            x0_text = f"x0 = {_fmt_num(x0[0])}"
        named += [f"   * - ``{name}``", f"     - :class:`~zominimize.problems.{cls.__name__}`",
                  f"     - {p.dim}", f"     - {_fmt_num(p.f_opt)}",
                  f"     - {x0_text}; {bounds}; x_scale = {_fmt_num(p.x_scale)}"]
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
