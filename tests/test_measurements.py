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
    """An empty results folder in place of docs/_generated."""
    monkeypatch.setattr(ext, "MEASURED", tmp_path)
    return tmp_path


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
