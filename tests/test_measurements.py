"""docs/measurements.toml and how the docs extension renders a result, present or not."""

import importlib.util
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture(scope="module")
def ext():
    spec = importlib.util.spec_from_file_location(
        "zominimize_docs", DOCS / "_ext" / "zominimize_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def measured(ext, tmp_path, monkeypatch):
    """An empty docs folder: results in ``_generated``, build-time files in ``generated``."""
    monkeypatch.setattr(ext, "DOCS", tmp_path)
    monkeypatch.setattr(ext, "GENERATED", tmp_path / "generated")
    monkeypatch.setattr(ext, "MEASURED", tmp_path / "_generated")
    (tmp_path / "_generated").mkdir()
    return tmp_path / "_generated"


def test_every_included_result_is_registered_and_every_entry_is_used(ext):
    measurements, claims = ext.load_measurements()
    include = re.compile(r"^\.\. include:: /generated/bench/(\w+?)(\.command)?\.inc\s*$", re.M)
    used = {m.group(1) for page in DOCS.rglob("*.rst")
            for m in include.finditer(page.read_text(encoding="utf-8"))}
    used.discard("claims")
    assert used - set(measurements) == set(), "included but not in docs/measurements.toml"
    assert set(measurements) - used == set(), "registered but shown on no page"
    assert claims and all(c["measurement"] in measurements for c in claims)


def test_malformed_entries_are_refused(ext, tmp_path):
    path = tmp_path / "m.toml"
    path.write_text('[measurements.x]\nkind = "csv"\ncommand = "run"\n')
    with pytest.raises(ValueError, match="measurement 'x' needs a kind"):
        ext.load_measurements(path)
    path.write_text('[measurements.x]\nkind = "md"\ncommand = "run"\n\n'
                    '[[claims]]\nclaim = "c"\nmeasurement = "x"\n')
    with pytest.raises(ValueError, match="claim 'c' needs a measurement of kind 'bench'"):
        ext.load_measurements(path)


@pytest.mark.parametrize("kind", ["bench", "md", "text"])
def test_a_missing_result_says_how_to_measure_it(ext, measured, kind):
    render = {"bench": ext._bench_inc, "md": ext._md_inc, "text": ext._text_inc}[kind]
    assert render("nothing_here", "zominimize bench --out x.json") == (
        "Not yet measured: run ``zominimize bench --out x.json``.\n")


def test_a_present_markdown_result_is_rendered(ext, measured):
    (measured / "table.md").write_text("| a | b |\n|---|---|\n| 1 | 2 |\n\nProduced by `cmd`.\n")
    text = ext._md_inc("table", "cmd")
    assert ".. list-table::" in text and "* - 1" in text and "``cmd``" in text


def test_claims_without_results_are_not_yet_measured(ext, measured):
    measurements, claims = ext.load_measurements()
    text = ext.claims_inc(measurements, claims)
    rows = text.count("   * - ") - 1  # the header row
    assert rows == len(claims)
    assert text.count("     - not yet") == len(claims)
    assert "Not yet measured: run ``zominimize bench" in text


@pytest.fixture()
def small_json(measured):
    from zominimize.bench import BenchResult, RunRecord

    runs = [RunRecord(method=m, problem="sphere-10", seed=s, instance="sphere-10", dim=10,
                      budget=100, nfev=100, stop="budget", wall_time=1.0, fun_time=0.5,
                      trace_nfev=[1, 50], trace_f=[10.0, v + s])
            for m, v in (("zo-adam", 2.0), ("l2l-zo", 1.0)) for s in range(2)]
    BenchResult(runs=runs, budget=100).to_json(measured / "small.json")
    return measured / "small.json"


def test_a_result_without_committed_plots_is_plotted_once(ext, small_json, tmp_path):
    pytest.importorskip("matplotlib")
    text = ext._bench_inc("small", "zominimize bench --out small.json")
    plot = tmp_path / "generated" / "bench" / "small_plots" / "sphere-10.png"
    assert plot.exists() and "``sphere-10``" in text
    assert ".. figure:: /generated/bench/small_plots/sphere-10.png" in text
    mtime = plot.stat().st_mtime_ns
    assert ext._bench_inc("small", "zominimize bench --out small.json") == text
    assert plot.stat().st_mtime_ns == mtime  # not redrawn while the JSON is unchanged
    assert ".. figure::" not in ext._bench_inc("small", "zominimize bench --no-plots")


def test_committed_plots_win(ext, small_json, tmp_path):
    (small_json.parent / "small_plots").mkdir()
    (small_json.parent / "small_plots" / "mine.png").write_bytes(b"")
    text = ext._bench_inc("small", "zominimize bench --out small.json")
    assert ".. figure:: /_generated/small_plots/mine.png" in text
    assert not (tmp_path / "generated").exists()
