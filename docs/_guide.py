"""The evidence tables of the decision guide (``docs/guide.rst``), from measured files.

Each piece of evidence names a result file under ``docs/_generated/`` (written by a
``zominimize bench`` command) and the problems to show. At build time
:func:`write_guide` renders one include file per piece, ``docs/generated/guide/<id>.inc``:
the methods ranked by their median best value at the full budget, and a sentence
computed from the same numbers. A missing file renders as "Not yet measured: run
<command>." -- no number on the guide is typed by hand.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parent
MEASURED = DOCS / "_generated"
OUT = DOCS / "generated" / "guide"

@dataclass(frozen=True)
class Evidence:
    """One table of the guide: ``problems`` (all, if empty) of the result ``key``; for a
    BBOB report (``report=True``, ``docs/_generated/<key>.md``), its summary sections."""

    id: str
    key: str
    problems: tuple[str, ...] = ()
    report: bool = False


EVIDENCE = (
    Evidence("attack", "bench_tuned", ("attack",)),
    Evidence("attack-peers", "bench_paper", ("attack",)),
    Evidence("classification", "bench_classification_weights"),
    Evidence("classification-peers", "bench_paper", ("classification-100", "classification-1000")),
    Evidence("heldout", "bench_heldout"),
    Evidence("bbob-val", "bbob_val", report=True),
    Evidence("bbob-small", "bbob_d2_40", report=True),
    Evidence("bbob-large", "bbob_large", report=True),
    Evidence("bbob-1000", "bbob_1000", report=True),
    Evidence("bbob-noisy", "bbob_noisy", report=True),
    Evidence("cobyla-full", "bench_cobyla_full_attack"),
)


# The sections of a BBOB report (``zominimize bench --report``) that the guide shows.
REPORT_SECTIONS = ("Median rank", "At or below")


def command_of(key: str) -> str:
    """The command that writes ``docs/_generated/<key>.json[.gz]`` (or ``<key>.md``)."""
    from zominimize_docs import load_measurements  # docs/_ext, on sys.path in conf.py

    return load_measurements()[0][key]["command"]


def result_path(key: str) -> Path:
    """The result file of ``key`` under :data:`MEASURED` (the extension's rule)."""
    from zominimize_docs import result_path as in_directory

    return in_directory(key, MEASURED)


def report_sections(markdown: str, titles: tuple[str, ...] = REPORT_SECTIONS) -> str:
    """The ``###`` sections of a report whose titles start with one of ``titles`` (each
    up to its first blank line after the table), and the report's note on how the
    numbers are defined (the paragraph that starts with "Precision:")."""
    kept = []
    for sec in re.split(r"(?m)^(?=### )", markdown):
        if sec.startswith("### ") and sec[4:].startswith(titles):
            title, body = sec.split("\n", 1)
            table = body.strip().split("\n\n", 1)[0]
            kept.append(f"{title}\n\n{table}\n")
    kept += [p.strip() + "\n" for p in markdown.split("\n\n")
             if p.startswith("Precision:")]
    return "\n".join(kept)


def render_report(ev: Evidence) -> str:
    from zominimize_docs import md_to_rst

    md = MEASURED / f"{ev.key}.md"
    if not md.exists():
        return not_measured(command_of(ev.key))
    text = md.read_text(encoding="utf-8")
    head = text.split("\n", 1)[0]
    return (f"{head} The full report: :ref:`measured-{ev.key}`.\n\n"
            + md_to_rst(report_sections(text)) + "\n")


def not_measured(command: str) -> str:
    return f"Not yet measured: run ``{command}``.\n"


def _fmt(v: float) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if math.isinf(v):
        return "never" if v > 0 else "-inf"
    return f"{v:.3g}"


def _shown_methods(result, problem: str) -> list[str]:
    """Every method of ``problem``, with each lr-tuned grid reduced to its best point."""
    hidden = set()
    for info in (result.meta.get("tuning") or {}).values():
        best = info["best"].get(problem)
        hidden |= {s for s, lr in zip(info["specs"], info["lrs"]) if lr != best}
    return [m for m in result.methods(problem) if m not in hidden]


def _label(result, method: str, problem: str) -> str:
    """The method as reStructuredText; a tuned grid point says so."""
    for info in (result.meta.get("tuning") or {}).values():
        if method in info["specs"]:
            return f"``{method}`` (lr tuned on a {len(info['lrs'])}-point grid)"
    return f"``{method}``"


def ranking(result, problem: str) -> list[tuple[str, float, float, float, float, int]]:
    """``[(method, median, q25, q75, compute seconds, time-limited runs)]`` at the full
    budget, best median first."""
    last = max(result.budgets)
    rows = []
    for m in _shown_methods(result, problem):
        s = result.summary(m, problem)
        med, q25, q75 = s.best[last]
        rows.append((m, med, q25, q75, s.compute_time, s.n_time_limited))
    return sorted(rows, key=lambda r: (math.isnan(r[1]), r[1]))


def verdict(result, problem: str) -> str:
    """One sentence from the ranking: who is first, where each ``l2l-zo`` row stands."""
    rows = ranking(result, problem)
    n = len(rows)
    first = rows[0][0]
    learned = [(i + 1, m) for i, (m, *_) in enumerate(rows) if m.startswith("l2l-zo")]
    parts = [f"first: {_label(result, first, problem)}"]
    parts += [f"``{m}`` {i} of {n}" for i, m in learned if m != first]
    return "; ".join(parts) + "."


def evidence_table(result, problems: tuple[str, ...] = ()) -> str:
    """reStructuredText: per problem, the ranked methods and the verdict."""
    last = max(result.budgets)
    out = []
    for problem in problems or tuple(result.problems):
        if problem not in result.problems:
            out.append(f"``{problem}``: not in this result file.\n")
            continue
        out += [f".. rubric:: ``{problem}``, median best value after {last} evaluations",
                "", verdict(result, problem), "",
                ".. list-table::", "   :class: zom-measured", "   :header-rows: 1",
                "   :widths: 8 42 30 20", "",
                "   * - rank", "     - method", "     - median [IQR]",
                "     - own compute per run"]
        for i, (m, med, q25, q75, secs, limited) in enumerate(ranking(result, problem)):
            note = f" ({limited} runs hit the time limit)" if limited else ""
            out += [f"   * - {i + 1}", f"     - {_label(result, m, problem)}",
                    f"     - {_fmt(med)} [{_fmt(q25)}, {_fmt(q75)}]",
                    f"     - {_fmt(secs)} s{note}"]
        out.append("")
    return "\n".join(out) + "\n"


def render(ev: Evidence) -> str:
    if ev.report:
        return render_report(ev)
    path = result_path(ev.key)
    if not path.exists():
        return not_measured(command_of(ev.key))
    from zominimize.bench import BenchResult

    result = BenchResult.from_json(path)
    source = (f"From :download:`{path.name} </_generated/{path.name}>`, written by "
              f"``{result.meta.get('command') or command_of(ev.key)}``.\n\n")
    return source + evidence_table(result, ev.problems)


def substitution(ev_id: str, problem: str) -> str:
    """The name of the substitution that holds the winner of ``problem`` in ``ev_id``."""
    return "first-" + re.sub(r"[^A-Za-z0-9]+", "-", f"{ev_id}-{problem}").strip("-")


def firsts() -> str:
    """Substitution definitions ``|first-<id>-<problem>|``: the method ranked first on
    each problem of each piece of evidence ("not yet measured" without its file), so
    that the guide's summary table names the winner from the data too."""
    from zominimize.bench import BenchResult

    out = []
    for ev in EVIDENCE:
        if ev.report:
            continue
        path = result_path(ev.key)
        result = BenchResult.from_json(path) if path.exists() else None
        for problem in ev.problems or (tuple(result.problems) if result else ()):
            if result is None or problem not in result.problems:
                text = "not yet measured"
            else:
                text = _label(result, ranking(result, problem)[0][0], problem)
            out.append(f".. |{substitution(ev.id, problem)}| replace:: {text}")
    return "\n".join(out) + "\n"


def _write(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_guide(app=None) -> None:
    """``builder-inited`` hook: write every include file of the guide."""
    OUT.mkdir(parents=True, exist_ok=True)
    for ev in EVIDENCE:
        _write(OUT / f"{ev.id}.inc", render(ev))
    _write(OUT / "firsts.inc", firsts())
