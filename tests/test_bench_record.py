"""Tests of the compact run records, result files (old and new), merging and the journal."""

from __future__ import annotations

import json

import numpy as np
import pytest

from zominimize.bench import BenchResult, RunRecord, merge_results, run_benchmark
from zominimize.bench._record import ECDF_TARGETS, checkpoint_grid

INFO = dict(method="m", problem="p", seed=0, instance="p0", dim=3, budget=500,
            stop="budget", wall_time=1.0, fun_time=0.25)


def _values(seed=0, n=500, f_opt=0.0):
    rng = np.random.default_rng(seed)
    return f_opt + np.abs(rng.standard_normal(n)) * np.geomspace(1e3, 1e-10, n)


def _brute_best(values):
    return np.minimum.accumulate(np.where(np.isfinite(values), values, np.inf))


def test_checkpoint_grid():
    grid = checkpoint_grid(4200)
    assert grid[0] == 1 and grid[-1] == 4200 and np.all(np.diff(grid) > 0)
    assert {1050, 2100, 3150, 4200} <= set(grid.tolist())  # the table's fractions
    ratios = grid[1:] / grid[:-1]
    assert ratios.max() <= 2.0 and (grid[grid >= 10][1:] / grid[grid >= 10][:-1]).max() <= 1.3
    assert checkpoint_grid(0).size == 0


def test_record_hits_and_checkpoints_exact():
    f_opt = -462.09
    values = _values(f_opt=f_opt)
    values[[3, 50, 51]] = [np.nan, np.inf, -np.inf]  # never the best
    rec = RunRecord.from_values(values, **INFO, f_opt=f_opt)
    best = _brute_best(values)
    assert rec.fun == best[-1] and rec.nfev == 500
    for j, target in enumerate(ECDF_TARGETS):
        reached = np.flatnonzero(best - f_opt <= target)
        assert rec.hits[j] == (int(reached[0]) + 1 if reached.size else None)
    for c, b in zip(rec.checkpoints, rec.best):
        assert b == pytest.approx(best[c - 1], rel=1e-12, abs=1e-5 * abs(best[c - 1] - f_opt))
    assert rec.checkpoints[-1] == 500 and rec.best[-1] == rec.fun
    assert rec.precision == pytest.approx(best[-1] - f_opt)


def test_record_best_at_and_evals_to():
    values = _values()
    rec = RunRecord.from_values(values, **INFO)
    best = _brute_best(values)
    for n in (1, 10, 125, 250, 500, 900):
        if n in rec.checkpoints or n >= rec.nfev:
            assert rec.best_at(n) == pytest.approx(best[min(n, 500) - 1], rel=1e-5)
    target = float(best[300]) * (1 + 1e-4)  # not on a value: stored gaps have 6 digits
    exact = int(np.flatnonzero(best <= target)[0]) + 1
    assert rec.evals_to(target) == exact  # in memory: exact
    back = RunRecord.from_dict(rec.to_dict())
    approx = back.evals_to(target)  # read back without a trace: to the checkpoints
    assert exact <= approx <= min(c for c in back.checkpoints if c >= exact)
    back.target_evals[target] = exact
    assert back.evals_to(target) == exact


def test_record_round_trip_and_trace_kept_only_on_request():
    values = _values()
    rec = RunRecord.from_values(values, **INFO)
    d = rec.to_dict()
    assert "trace_f" not in d and "improvements" not in d
    back = RunRecord.from_dict(json.loads(json.dumps(d)))
    assert back.to_dict() == d and back.trace_f == rec.trace_f
    full = RunRecord.from_values(values, **INFO, keep_trace=True)
    d = full.to_dict()
    n, f = d["trace_nfev"], d["trace_f"]
    assert np.all(np.diff(f) < 0) and f[-1] == full.fun and n[0] == 1
    assert full.to_dict(keep_trace=False).keys() == rec.to_dict().keys()


def test_record_of_a_run_without_values():
    rec = RunRecord.from_values([], **{**INFO, "stop": "error"})
    assert rec.fun == np.inf and rec.hits == [None] * 51 and rec.checkpoints == []
    assert RunRecord.from_dict(json.loads(json.dumps(_jsonable(rec.to_dict())))).fun == np.inf


def _jsonable(d):
    from zominimize.bench._result import _jsonable

    return _jsonable(d)


def _old_format(result: BenchResult) -> dict:
    """``result`` as format version 1 wrote it: a full trace per run."""
    data = result.to_dict(keep_traces=True)
    data["version"] = 1
    for key in ("checkpoints", "ecdf_targets"):
        data.pop(key)
    keep = ("method", "problem", "seed", "instance", "dim", "budget", "nfev", "stop",
            "wall_time", "fun_time", "f_lower", "trace_nfev", "trace_f", "first_success",
            "is_attack", "error")
    data["runs"] = [{k: r[k] for k in keep} for r in data["runs"]]
    return data


@pytest.fixture(scope="module")
def small():
    return run_benchmark(["sphere-10", "rosenbrock-10"], ["zo-adam", "nelder-mead", "zo-sgd"],
                         budget=300, seeds=2, workers=1, keep_traces=True)


def test_old_full_trace_files_still_load(small, tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps(_old_format(small)))
    old = BenchResult.from_json(path)
    assert old.table() == small.table()
    for a, b in zip(old.runs, small.runs):
        assert a.trace_f == b.trace_f and a.fun == b.fun and a.hits == b.hits
    # written again, compact: the same tables, no traces
    old.to_json(tmp_path / "new.json")
    new = BenchResult.from_json(tmp_path / "new.json")
    assert new.table() == small.table()
    assert all(r.full_trace is None for r in new.runs)
    assert "trace_f" not in (tmp_path / "new.json").read_text()


def test_compact_files_small_and_gzip(small, tmp_path):
    small.to_json(tmp_path / "full.json", keep_traces=True)
    small.to_json(tmp_path / "c.json")
    small.to_json(tmp_path / "c.json.gz")
    assert (tmp_path / "c.json").stat().st_size < (tmp_path / "full.json").stat().st_size
    assert (tmp_path / "c.json.gz").stat().st_size < (tmp_path / "c.json").stat().st_size / 3
    a, b = BenchResult.from_json(tmp_path / "c.json"), BenchResult.from_json(tmp_path / "c.json.gz")
    assert a.table() == b.table() == small.table()
    plain = (tmp_path / "c.json").read_text().splitlines()
    assert sum(line.startswith('{"method"') for line in plain) == len(small.runs)  # one per line


def test_merge_replaces_runs_and_keeps_the_rest(small):
    new = run_benchmark(["sphere-10"], ["zo-adam[lr=1]", "nelder-mead[fatol=1e3,xatol=1e3]"],
                        budget=300, seeds=2, workers=1, meta={"command": "second"})
    new.runs[0] = RunRecord.from_dict({**new.runs[0].to_dict(), "method": "zo-adam"})
    merged = merge_results([small, new])
    keys = [(r.method, r.problem, r.seed) for r in merged.runs]
    assert len(keys) == len(set(keys)) == len(small.runs) + 3
    (replaced,) = [r for r in merged.runs if (r.method, r.problem, r.seed) ==
                   ("zo-adam", "sphere-10", 0)]
    assert replaced.fun == new.runs[0].fun != small.select("zo-adam", "sphere-10")[0].fun
    assert [m["command"] for m in merged.meta["merged"][1:]] == ["second"]
    assert small.merge(new).table() == merged.table()
    with pytest.raises(ValueError, match="budgets"):
        merge_results([small, run_benchmark(["sphere-10"], ["zo-sgd"], budget=21, seeds=1)])
    with pytest.raises(ValueError, match="no results"):
        merge_results([])


def test_without_drops_a_methods_runs_and_nothing_else(small, tmp_path, capsys):
    """A row dropped from a saved result (``--drop``), e.g. before its spec runs again;
    a tuned method's grid points and unknown methods are refused."""
    from zominimize._cli import main
    from zominimize.bench import tune_lr

    kept = [r for r in small.runs if r.method != "zo-adam"]
    out = small.without(["zo-adam"])
    assert out.runs == kept and "zo-adam" in small.methods() and out.budget == small.budget
    with pytest.raises(ValueError, match="no runs of cma"):
        small.without(["cma"])
    tuned = tune_lr(["zo-sgd"], ["sphere-10"], budget=42, seeds=1, exponents=range(-1, 1))
    with pytest.raises(ValueError, match="tuned zo-sgd"):
        tuned.without(tuned.methods()[:1])
    saved, again = tmp_path / "saved.json", tmp_path / "again.json"
    small.to_json(saved)
    assert main(["bench", "--replot", str(saved), "--drop", "zo-adam", "--out", str(again),
                 "--no-plots"]) == 0
    assert BenchResult.from_json(again).methods() == out.methods()
    # with --merge: the stored runs without the row, the new runs added
    assert main(["bench", "--problems", "sphere-10", "--methods", "nelder-mead",
                 "--budget", str(small.budget), "--seeds", "1", "--merge", str(saved),
                 "--drop", "zo-adam", "--out", str(again), "--no-plots", "-q"]) == 0
    assert "zo-adam" not in BenchResult.from_json(again).methods()
    assert main(["bench", "--problems", "sphere-10", "--methods", "nelder-mead",
                 "--drop", "zo-adam", "--no-plots", "-q"]) == 2
    assert "--drop" in capsys.readouterr().err


def test_merge_tuning_records():
    from zominimize.bench import tune_lr

    a = tune_lr(["zo-sgd"], ["sphere-10"], budget=42, seeds=1, exponents=range(-1, 2))
    b = tune_lr(["zo-sgd"], ["rosenbrock-10"], budget=42, seeds=1, exponents=range(-1, 2))
    a_tuning = json.loads(json.dumps(a.meta["tuning"]))
    m = merge_results([a, b])
    assert set(m.meta["tuning"]["zo-sgd"]["best"]) == {"sphere-10", "rosenbrock-10"}
    assert "(tuned)" in m.table()
    # grids of different points combine over their union, each best chosen again there
    c = tune_lr(["zo-sgd"], ["sphere-10"], budget=42, seeds=1, exponents=range(2, 4))
    u = merge_results([m, c])
    info = u.meta["tuning"]["zo-sgd"]
    assert info["lrs"] == [2.0, 4.0, 8.0, 16.0, 32.0]
    assert info["specs"] == [f"zo-sgd[lr={lr:g}]" for lr in info["lrs"]]
    meds = [np.median([r.fun for r in u.select(s, "sphere-10")]) for s in info["specs"]]
    assert info["best"]["sphere-10"] == info["lrs"][int(np.argmin(meds))]
    # rosenbrock-10 ran only a's three points: the others are not candidates there
    assert u._grid_medians(info)["rosenbrock-10"][3:] == [pytest.approx(np.nan, nan_ok=True)] * 2
    assert info["best"]["rosenbrock-10"] == m.meta["tuning"]["zo-sgd"]["best"]["rosenbrock-10"]
    # a grid point's runs on another problem join the tuning there; a stays as it was
    extra = run_benchmark(["rosenbrock-10"], ["zo-sgd[lr=2]"], budget=42, seeds=1)
    assert set(merge_results([a, extra]).meta["tuning"]["zo-sgd"]["best"]) == {
        "sphere-10", "rosenbrock-10"}
    assert a.meta["tuning"] == a_tuning
    c.meta["tuning"]["zo-sgd"]["lrs"][0] = 8.0  # lr 8 under another spec than a's
    c.meta["tuning"]["zo-sgd"]["specs"][0] = "zo-sgd[lr=8,q=5]"
    with pytest.raises(ValueError, match="lr=8"):
        merge_results([a, c])


def test_journal_resumes_without_rerunning(tmp_path, monkeypatch):
    from zominimize.bench import _bench

    journal = tmp_path / "j.journal"
    kw = dict(budget=105, seeds=2, workers=1, journal=journal)
    first = run_benchmark(["sphere-10"], ["zo-adam", "zo-sgd"], **kw)
    lines = journal.read_text().splitlines()
    assert len(lines) == 1 + 4 and "settings" in lines[0]

    def fail(*args, **kwargs):
        raise AssertionError("a journaled run ran again")

    monkeypatch.setattr(_bench, "run_one", fail)
    again = run_benchmark(["sphere-10"], ["zo-adam", "zo-sgd"], **kw)
    assert [r.to_dict() for r in again.runs] == [r.to_dict() for r in first.runs]
    assert again.table() == first.table()
    monkeypatch.undo()
    # an interrupted journal (its last line cut) resumes the missing runs only
    journal.write_text("\n".join(lines[:3]) + "\n" + lines[3][:20])
    resumed = run_benchmark(["sphere-10"], ["zo-adam", "zo-sgd"], **kw)
    assert [r.fun for r in resumed.runs] == [r.fun for r in first.runs]
    with pytest.raises(ValueError, match="other settings"):
        run_benchmark(["sphere-10"], ["zo-adam"], **{**kw, "budget": 50})


def test_slim_keeps_what_tables_and_tuning_need(tmp_path):
    from zominimize.bench import tune_lr

    res = tune_lr(["zo-sgd"], ["sphere-10", "rosenbrock-10"], budget=105, seeds=2,
                  exponents=range(-1, 2), compare=["nelder-mead"])
    res.to_json(tmp_path / "full.json")
    res.to_json(tmp_path / "slim.json", slim=True)
    slim = BenchResult.from_json(tmp_path / "slim.json")
    assert (tmp_path / "slim.json").stat().st_size < (tmp_path / "full.json").stat().st_size
    assert slim.table() == res.table() and slim.tuning_table() == res.tuning_table()
    best = res.meta["tuning"]["zo-sgd"]["best"]
    for r in slim.runs:
        kept = not r.method.startswith("zo-sgd[") or r.method == f"zo-sgd[lr={best[r.problem]:g}]"
        assert bool(r.hits) == kept and r.fun == res.select(r.method, r.problem)[r.seed].fun


def test_record_built_from_a_full_trace_as_before():
    rec = RunRecord(**INFO, nfev=500, trace_nfev=[1, 80], trace_f=[10.0, 1.5])
    assert rec.fun == 1.5 and rec.trace_nfev == [1, 80] and rec.trace_f == [10.0, 1.5]
    assert rec.best_at(79) == 10.0 and rec.best_at(80) == 1.5 and rec.evals_to(2.0) == 80
    assert rec.nfev == 500 and rec.checkpoints[-1] == 500


def test_compact_keeps_what_bbob_reports_and_tuning_need(tmp_path):
    from zominimize.bench import _analysis as an
    from zominimize.bench import bbob_report, merge_results, tune_lr

    res = tune_lr(["zo-sgd"], ["sphere-10", "rosenbrock-10"], budget=105, seeds=2,
                  exponents=range(-1, 2), compare=["nelder-mead"])
    res.to_json(tmp_path / "slim.json", slim=True)
    res.to_json(tmp_path / "compact.json", compact=True)
    compact = BenchResult.from_json(tmp_path / "compact.json")
    size = (tmp_path / "compact.json").stat().st_size
    assert size < 0.7 * (tmp_path / "slim.json").stat().st_size
    # the grid points that lost on a problem are gone, their medians kept
    best = res.meta["tuning"]["zo-sgd"]["best"]
    assert len(compact.runs) == 2 * 2 * 2
    assert {r.method for r in compact.select(problem="sphere-10")} == {
        "nelder-mead", f"zo-sgd[lr={best['sphere-10']:g}]"}
    assert compact.tuning_table() == res.tuning_table()
    assert bbob_report(compact) == bbob_report(res)
    a, b = (an.ecdf(r, res.problems, [10, 50, 105]) for r in (compact, res))
    assert a.keys() == b.keys() and "zo-sgd (tuned)" in a
    for solver in a:
        np.testing.assert_array_equal(a[solver], b[solver])
    for r in compact.runs:  # finals exact, earlier values unknown (never guessed)
        full = res.select(r.method, r.problem)[r.seed]
        assert r.fun == full.fun and r.hits == full.hits and not r.has_checkpoints
        assert np.isnan(r.best_at(r.nfev // 2)) and r.best_at(r.nfev) == r.fun
    rows = [line for line in compact.table().splitlines() if line.startswith("| nelder")]
    assert rows and all(row.split(" | ")[1].startswith("- [") for row in rows)
    with pytest.warns(UserWarning, match="without checkpoints"):
        assert compact.plot(tmp_path / "plots")  # drawn, without the bare curves
    # merging a compact result with new runs: the new grid wins on its problem
    again = tune_lr(["zo-sgd"], ["sphere-10"], budget=105, seeds=2, exponents=range(-1, 2))
    merged = merge_results([compact, again])
    assert merged.meta["tuning"]["zo-sgd"]["medians"]["rosenbrock-10"] == \
        compact.meta["tuning"]["zo-sgd"]["medians"]["rosenbrock-10"]
    table = merged.tuning_table()
    assert table.splitlines()[3] == res.tuning_table().splitlines()[3]  # sphere, from runs
    merged.to_json(tmp_path / "merged.json", compact=True)
    assert BenchResult.from_json(tmp_path / "merged.json").tuning_table() == table


def _grid_result(precisions: dict[str, list[float]], f_opts=(0.0, 100.0, 200.0),
                 criterion: str | None = "precision") -> BenchResult:
    """One problem whose seeds are instances of different ``f_opt`` (as on BBOB), a
    zo-adam grid with the given final precisions per seed."""
    runs = [RunRecord.from_values(np.array([f_opt + 1e3, f_opt + p]),
                                  **{**INFO, "method": spec, "seed": seed, "budget": 2},
                                  f_opt=f_opt)
            for spec, precs in precisions.items()
            for seed, (f_opt, p) in enumerate(zip(f_opts, precs))]
    specs = list(precisions)
    info = {"lrs": [1.0, 2.0], "specs": specs, "factor": 2.0, "best": {}}
    if criterion is not None:
        info["criterion"] = criterion
    res = BenchResult(runs=runs, budget=2, meta={"tuning": {"zo-adam": info}})
    from zominimize.bench._result import best_lrs

    info["best"] = best_lrs(res, info)
    return res


def test_tuning_chooses_on_the_median_precision_over_instances():
    # lr=1 is the better rate on two instances of three; lr=2 only on the instance whose
    # f_opt is the median, which alone decides the median of the values
    precs = {"zo-adam[lr=1]": [1.0, 9.0, 1.0], "zo-adam[lr=2]": [50.0, 0.0, 50.0]}
    res = _grid_result(precs)
    assert res.meta["tuning"]["zo-adam"]["best"] == {"p": 1.0}
    assert "| **1** | 50 |" in res.tuning_table()
    assert "Median final precision" in res.tuning_table()
    # a record saved before the criterion existed keeps choosing on the value, and
    # says so
    legacy = _grid_result(precs, criterion=None)
    assert legacy.meta["tuning"]["zo-adam"]["best"] == {"p": 2.0}
    assert "Median final value" in legacy.tuning_table()
    # where every seed shares one reference the two criteria agree
    same = _grid_result(precs, f_opts=(5.0, 5.0, 5.0), criterion=None)
    assert same.meta["tuning"]["zo-adam"]["best"] == {"p": 1.0}


def test_tune_lr_records_its_criterion_and_compact_files_keep_it(tmp_path):
    from zominimize.bench import TUNING_CRITERION, tune_lr, tuning_criterion

    res = tune_lr(["zo-adam"], ["styblinski-10"], budget=300, seeds=3,
                  exponents=range(-1, 2))
    info = res.meta["tuning"]["zo-adam"]
    assert tuning_criterion(info) == TUNING_CRITERION == "precision"
    res.to_json(tmp_path / "c.json", compact=True)
    back = BenchResult.from_json(tmp_path / "c.json")
    kept = back.meta["tuning"]["zo-adam"]
    assert tuning_criterion(kept) == "precision" and kept["best"] == info["best"]
    meds = [np.median([r.fun - r.f_opt for r in res.select(s, "styblinski-10")])
            for s in info["specs"]]
    assert len(set(meds)) == 3 and res.select(problem="styblinski-10")[0].f_opt < -300
    assert back._grid_medians(kept)["styblinski-10"] == pytest.approx(meds)


def test_merge_replaces_a_tuning_record_of_another_criterion():
    precs = {"zo-adam[lr=1]": [1.0, 9.0, 1.0], "zo-adam[lr=2]": [50.0, 0.0, 50.0]}
    legacy = _grid_result(precs, criterion=None)
    legacy.runs.append(RunRecord.from_values(np.array([3.0]), **{**INFO, "method": "cma"}))
    # a re-run of the grid on a third point only: the legacy points do not join it
    new = _grid_result({"zo-adam[lr=4]": [3.0, 3.0, 3.0], "zo-adam[lr=8]": [4.0, 4.0, 4.0]})
    new.meta["tuning"]["zo-adam"].update(lrs=[4.0, 8.0])
    with pytest.warns(RuntimeWarning, match="replaces the earlier one"):
        merged = merge_results([legacy, new])
    info = merged.meta["tuning"]["zo-adam"]
    assert info["lrs"] == [4.0, 8.0] and info["best"] == {"p": 4.0}
    assert info["criterion"] == "precision"
    assert {r.method for r in merged.runs} == {"cma", "zo-adam[lr=4]", "zo-adam[lr=8]"}
    assert legacy.meta["tuning"]["zo-adam"]["lrs"] == [1.0, 2.0]  # inputs untouched
