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


def _bbob_result(path, methods, dims=(3, 4)):
    """A small saved BBOB result: each method reaches precision 1e-3 (``a``) or 1
    halfway through its runs."""
    import numpy as np

    from zominimize.bench import BenchResult, RunRecord

    runs = []
    for m in methods:
        for d in dims:
            values = np.full(100, 1e3)
            values[50:] = 1e-3 if m == "a" else 1.0
            runs.append(RunRecord.from_values(
                values, method=m, problem=f"bbob[fid=1,dim={d}]", seed=1,
                instance=f"bbob[fid=1,dim={d}]", dim=d, budget=100, stop="budget",
                wall_time=1.0, fun_time=0.5, f_opt=0.0))
    BenchResult(runs=runs, budget=100).to_json(path)
    return path


def test_a_bbob_report_draws_its_ecdfs_from_the_merged_results(ext, measured, tmp_path):
    pytest.importorskip("matplotlib")
    (measured / "rep.md").write_text("| a |\n|---|\n| 1 |\n")
    (measured / "rep_ecdf_d3.png").write_bytes(b"")  # a stray local plot: not shown
    _bbob_result(measured / "peers.json.gz", ["b"])
    second = _bbob_result(measured / "mine.json.gz", ["a"], dims=(3,))
    text = ext._md_inc("rep", "cmd", ecdf=["peers", "mine"])
    out = tmp_path / "generated" / "bench" / "rep_plots"
    assert sorted(p.name for p in out.glob("*.png")) == ["rep_ecdf_d3.png", "rep_ecdf_d4.png"]
    assert ".. figure:: /generated/bench/rep_plots/rep_ecdf_d3.png" in text
    assert "/_generated/rep_ecdf_d3.png" not in text
    mtime = (out / "rep_ecdf_d3.png").stat().st_mtime_ns
    assert ext._md_inc("rep", "cmd", ecdf=["peers", "mine"]) == text
    assert (out / "rep_ecdf_d3.png").stat().st_mtime_ns == mtime  # sources unchanged
    _bbob_result(second, ["a"], dims=(3, 5))  # a source changes: drawn again
    ext._md_inc("rep", "cmd", ecdf=["peers", "mine"])
    assert sorted(p.name for p in out.glob("*.png")) == [
        "rep_ecdf_d3.png", "rep_ecdf_d4.png", "rep_ecdf_d5.png"]
    second.unlink()  # a source missing: the table alone, no stale plots
    assert ".. figure::" not in ext._md_inc("rep", "cmd", ecdf=["peers", "mine"])


def test_ecdf_sources_are_committed_results_of_an_md_entry(ext, tmp_path):
    measurements, _ = ext.load_measurements()
    with_ecdf = {k: e["ecdf"] for k, e in measurements.items() if "ecdf" in e}
    assert with_ecdf, "the BBOB reports name the results of their ECDF plots"
    for key, sources in with_ecdf.items():
        for source in sources:
            assert ext.result_path(source).exists(), (key, source)
    path = tmp_path / "m.toml"
    for bad in ('kind = "md"\ncommand = "run"\necdf = "x"\n',
                'kind = "text"\ncommand = "run"\necdf = ["x"]\n'):
        path.write_text("[measurements.x]\n" + bad)
        with pytest.raises(ValueError, match="ecdf is a list of result keys"):
            ext.load_measurements(path)


def test_committed_results_stay_under_two_megabytes():
    """docs/contributing.rst: summaries, not traces; plots are drawn at build time.
    The committed files where git can list them, else the folder less what
    .gitignore keeps out of it (weights, training logs, drawn plots)."""
    import shutil
    import subprocess

    root, measured = DOCS.parent, DOCS / "_generated"
    if shutil.which("git") is not None and (root / ".git").exists():
        files = subprocess.run(["git", "ls-files", "docs/_generated"], cwd=root,
                               check=True, capture_output=True, text=True).stdout.split()
        present = [root / f for f in files if (root / f).exists()]
    else:
        ignored = ("weights", "training_logs")
        present = [f for f in measured.rglob("*") if f.is_file()
                   and f.relative_to(measured).parts[0] not in ignored
                   and not f.parent.name.endswith("_plots") and "_ecdf_d" not in f.name]
    assert present and sum(p.stat().st_size for p in present) < 2_000_000
    assert not [p.name for p in present if p.suffix == ".png" and "_ecdf_d" in p.name]
