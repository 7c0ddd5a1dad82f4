"""The decision guide's tables (docs/_guide.py) say what the result files say."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
sys.path[:0] = [str(DOCS), str(DOCS / "_ext")]
import _guide  # noqa: E402

from zominimize.bench import BenchResult  # noqa: E402

HELDOUT = DOCS / "_generated" / "bench_heldout.json"


@pytest.fixture(scope="module")
def heldout():
    if not HELDOUT.exists():
        pytest.skip("no bench_heldout.json")
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
    ev = _guide.Evidence("x", "bench_bbob")
    assert _guide.render(ev) == f"Not yet measured: run ``{_guide.BBOB_COMMANDS['bench_bbob']}``.\n"
    assert "|first-" not in _guide.firsts() or "not yet measured" in _guide.firsts()
    ev = _guide.Evidence("y", "bench_tuned", ("attack",))
    assert "Not yet measured" in _guide.render(ev)
    assert f".. |{_guide.substitution('attack', 'attack')}| replace:: not yet measured" in (
        _guide.firsts())


def test_every_evidence_key_has_a_command():
    for ev in _guide.EVIDENCE:
        assert _guide.command_of(ev.key).startswith("zominimize bench")


def test_the_guide_includes_every_evidence_table_and_substitution():
    text = (DOCS / "guide.rst").read_text(encoding="utf-8")
    for ev in _guide.EVIDENCE:
        assert f"/generated/guide/{ev.id}.inc" in text
    for name in ("first-attack-attack", "first-classification-classification-100",
                 "first-classification-classification-1000"):
        assert f"|{name}|" in text
        assert f".. |{name}| replace::" in _guide.firsts()


def test_numbers_are_formatted_not_invented():
    assert _guide._fmt(np.inf) == "never" and _guide._fmt(float("nan")) == "n/a"
    assert _guide._fmt(0.0123456) == "0.0123"
