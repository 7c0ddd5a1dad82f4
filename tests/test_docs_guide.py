"""The decision guide's tables (docs/_guide.py) say what the result files say."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
sys.path[:0] = [str(DOCS), str(DOCS / "_ext")]
import _guide  # noqa: E402

from zominimize.bench import BenchResult  # noqa: E402

HELDOUT = _guide.result_path("bench_heldout")


@pytest.fixture(scope="module")
def heldout():
    assert HELDOUT.exists(), "the committed bench_heldout result is missing"
    return BenchResult.from_json(HELDOUT)


def test_ranking_is_by_median_final_value_with_one_point_per_tuned_grid(heldout):
    last = max(heldout.budgets)
    tuning = heldout.meta["tuning"]
    for problem in heldout.problems:
        rows = _guide.ranking(heldout, problem)
        medians = [r[1] for r in rows]
        assert medians == sorted(medians)
        for m, med, *_ in rows:
            assert med == heldout.summary(m, problem).best[last][0]
        for info in tuning.values():
            shown = [m for m, *_ in rows if m in info["specs"]]
            best = info["best"][problem]
            assert shown == [s for s, lr in zip(info["specs"], info["lrs"]) if lr == best]
        # the tuned point shown is the best of its grid
        for info in tuning.values():
            grid = {s: heldout.summary(s, problem).best[last][0] for s in info["specs"]}
            (shown,) = [m for m, *_ in rows if m in info["specs"]]
            assert grid[shown] == min(grid.values())


def test_verdict_names_the_first_and_ranks_every_l2l_zo_row(heldout):
    for problem in heldout.problems:
        rows = _guide.ranking(heldout, problem)
        text = _guide.verdict(heldout, problem)
        assert text.startswith(f"first: ``{rows[0][0]}``")
        for i, (m, *_) in enumerate(rows):
            if m.startswith("l2l-zo") and i > 0:
                assert f"``{m}`` {i + 1} of {len(rows)}" in text


def test_a_missing_result_renders_the_command(tmp_path, monkeypatch):
    monkeypatch.setattr(_guide, "MEASURED", tmp_path)
    for ev in (_guide.Evidence("x", "bench_heldout"),
               _guide.Evidence("y", "bbob_d2_40", report=True)):
        assert _guide.render(ev) == f"Not yet measured: run ``{_guide.command_of(ev.key)}``.\n"


REPORT = """42 problems, 3 solvers.

### Median final precision, d = 5

| function | a | b |
| --- | --- | --- |
| f1 Sphere | 1 | 2 |

### Median rank

| solver | d = 5 |
| --- | --- |
| a | 1 |
| b | 2 |

### At or below a

| solver | d = 5 |
| --- | --- |
| a | 100% |
| b | 0% |

Precision: the best value found minus f_opt.

Learning-rate grids: none.
"""


def test_a_bbob_report_shows_its_ranks_and_fractions_not_its_per_function_tables():
    text = _guide.report_sections(REPORT)
    assert "### Median rank" in text and "| b | 2 |" in text
    assert "### At or below a" in text and "| b | 0% |" in text
    assert "f1 Sphere" not in text and "Learning-rate" not in text
    assert text.rstrip().endswith("Precision: the best value found minus f_opt.")


def test_a_committed_bbob_report_renders_with_its_source(tmp_path, monkeypatch):
    monkeypatch.setattr(_guide, "MEASURED", tmp_path)
    (tmp_path / "bbob_val.md").write_text(REPORT)
    rst = _guide.render(_guide.Evidence("v", "bbob_val", report=True))
    assert rst.startswith("42 problems, 3 solvers. The full report: :ref:`measured-bbob_val`.")
    assert "Median rank" in rst and "f1 Sphere" not in rst
