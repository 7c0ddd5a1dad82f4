"""Tests of the BBOB problems, the peers NGOpt and LES, ranks, ECDFs, the validation
score and the BBOB report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from zominimize.bench import (
    ECDF_TARGETS,
    BenchResult,
    RunRecord,
    ecdf,
    fraction_at_or_below,
    get_suite,
    make_problem,
    median_precisions,
    median_ranks,
    ranks,
    run_benchmark,
    run_one,
    validation_score,
)


def _have(mod):
    try:
        __import__(mod)
        return True
    except ImportError:
        return False


needs_ioh = pytest.mark.skipif(not _have("ioh"), reason="ioh is not installed")
needs_ng = pytest.mark.skipif(not _have("nevergrad"), reason="nevergrad is not installed")
needs_evosax = pytest.mark.skipif(not _have("evosax"), reason="evosax is not installed")


pytestmark = pytest.mark.usefixtures("one_torch_thread")


# -- BBOB problems ----------------------------------------------------------------------


@needs_ioh
def test_bbob_instances_follow_the_seed():
    p1, p2 = make_problem("bbob[fid=3,dim=5]", 1), make_problem("bbob[fid=3,dim=5]", 2)
    assert (p1.instance, p2.instance) == (1, 2) and p1.name == "bbob_f3_i1_d5"
    assert p1.f_opt != p2.f_opt and not np.array_equal(p1.x_opt, p2.x_opt)
    val = make_problem("bbob[fid=3,dim=5,iid_offset=100]", 1)
    assert val.instance == 101
    assert make_problem("bbob[fid=3,dim=5,instance=7]", 1).instance == 7
    for p in (p1, val):
        assert np.array_equal(p.x0, np.zeros(5)) and p.bounds is None and p.x_scale == 2
        assert p(p.x_opt) == pytest.approx(p.f_opt, abs=1e-12) and p(p.x0) > p.f_opt
        assert p.f_lower == p.f_opt
    X = np.random.default_rng(0).standard_normal((5, 4))
    assert p1.vectorized(X) == pytest.approx([p1(x) for x in X.T])


@needs_ioh
def test_bbob_instance_is_built_once_per_process():
    """Building an instance costs about 40 s at d = 1000: runs of one instance share it,
    and evaluating it in one run changes nothing for the next."""
    a = make_problem("bbob[fid=10,dim=6]", 3)
    x = np.linspace(-2, 2, 6)
    before = a(x)
    for _ in range(50):
        a(np.random.default_rng(1).standard_normal(6))
    b = make_problem("bbob[fid=10,dim=6]", 3)
    assert b._p is a._p and b(x) == before
    assert make_problem("bbob[fid=10,dim=6]", 4)._p is not a._p


@needs_ioh
def test_bbob_problem_pickles():
    import pickle

    p = make_problem("bbob[fid=21,dim=4]", 2)
    q = pickle.loads(pickle.dumps(p))
    x = np.linspace(-1, 1, 4)
    assert q(x) == p(x) and q.f_opt == p.f_opt


@needs_ioh
@pytest.mark.parametrize("spec, msg", [
    ("bbob[dim=5]", "fid"), ("bbob[fid=1]", "dim"), ("bbob[fid=25,dim=5]", "1..24"),
    ("bbob[fid=1,dim=1]", ">= 2"), ("bbob[fid=1,dim=5,iid=3]", "unknown option"),
    ("bbob[fid=1.5,dim=5]", "integer"),
])
def test_bbob_spec_errors(spec, msg):
    with pytest.raises(ValueError, match=msg):
        make_problem(spec, 1)


@needs_ioh
def test_bbob_seed_zero_is_not_an_instance():
    with pytest.raises(ValueError, match="start at 1"):
        make_problem("bbob[fid=1,dim=5]", 0)
    assert make_problem("bbob[fid=1,dim=5,iid_offset=100]", 0).instance == 100


@needs_ioh
def test_bbob_run_records_precision():
    rec = run_one("nelder-mead[step=2]", "bbob[fid=1,dim=3]", 1, 400)
    p = make_problem("bbob[fid=1,dim=3]", 1)
    assert rec.f_opt == p.f_opt and rec.precision == pytest.approx(rec.fun - p.f_opt)
    assert rec.precision < 1e-6 and rec.hits[0] is not None or rec.precision > 1e-8
    assert rec.hits[-1] is not None  # 1e2 from f(x0)


# -- initial steps of the peers ---------------------------------------------------------


class _Recording:
    """A sphere that records the points it is called at (a problem of the bench)."""

    def __init__(self, dim=3):
        self.dim, self.x0, self.bounds, self.x_scale = dim, np.zeros(dim), None, 1.0
        self.f_lower, self.name, self.points = 0.0, "rec", []

    def __call__(self, x):
        self.points.append(np.array(x, dtype=float))
        return float(np.sum((np.asarray(x) - 1.0) ** 2))


_SIMPLEX = np.vstack([np.zeros(3), 2 * np.eye(3)])


@pytest.mark.parametrize("method, first", [
    ("nelder-mead[step=2]", _SIMPLEX),
    ("powell[step=2]", np.array([[0, 0, 0], [0, 0, 0], [2, 0, 0.0]])),  # a line search
    ("cobyla[step=2]", _SIMPLEX),
    ("cobyqa[step=2]", np.vstack([_SIMPLEX, -2 * np.eye(3)])),
])
def test_scipy_step_option(method, first):
    from zominimize.bench._peers import run_scipy
    from zominimize.bench._runner import _BudgetExhausted, _Counted
    from zominimize.bench._spec import parse_spec

    problem = _Recording()
    counted = _Counted(problem, 60, None)
    try:
        run_scipy(parse_spec(method), problem, counted)
    except _BudgetExhausted:
        pass
    pts = np.array(problem.points)
    assert np.allclose(pts[:len(first)], first)
    with pytest.raises(TypeError, match="not both"):
        from zominimize.bench._peers import _scipy_options

        key = {"cobyla": "rhobeg", "cobyqa": "initial_tr_radius", "nelder-mead":
               "initial_simplex", "powell": "direc"}[parse_spec(method).name]
        _scipy_options(parse_spec(method).with_options(**{key: 1}), None, np.zeros(3))


@needs_ng
def test_ngopt_budget_exact_and_seeded():
    a = run_one("ngopt[sigma0=2]", "rosenbrock-10", 3, 137)
    b = run_one("ngopt[sigma0=2]", "rosenbrock-10", 3, 137)
    assert a.stop == "budget" and a.nfev == 137 and a.error is None
    assert a.trace_f == b.trace_f
    with pytest.raises(TypeError, match="unknown option"):
        run_benchmark(["sphere-10"], ["ngopt[lr=1]"], budget=10, seeds=1)


_LES_RUNS = """
import json
from zominimize.bench import make_problem, run_one
runs = [run_one("les[sigma0=2]", "rosenbrock-10", 1, 137),
        run_one("les[sigma0=2]", "rosenbrock-10", 1, 137),
        run_one("les[sigma0=2]", "rosenbrock-10", 2, 137),
        run_one("les[sigma0=0.5]", "sphere-10", 1, 300)]
sphere = make_problem("sphere-10", 1)
print(json.dumps({"runs": [[r.stop, r.nfev, r.error, r.trace_f, r.fun] for r in runs],
                  "f0": float(sphere(sphere.x0))}))
"""


@needs_evosax
def test_les_budget_exact_and_seeded():
    # In a child process: JAX starts threads on import, and a later os.fork() in this
    # process (a docs snippet's process pool) could deadlock on them.
    out = subprocess.run([sys.executable, "-c", _LES_RUNS], capture_output=True,
                         text=True, check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    got = json.loads(out.stdout.strip().splitlines()[-1])
    a, b, c, d = got["runs"]
    assert a[:3] == ["budget", 137, None]
    assert a[3] == b[3] != c[3]
    assert d[4] < 0.5 * got["f0"]


# -- ranks, ECDFs and the score from stored results -------------------------------------


def _result(finals: dict, hits: dict | None = None, dim: int = 5,
            tuning: dict | None = None) -> BenchResult:
    """A result whose runs have the given final precisions: ``{(method, problem):
    [per-seed precision]}``; precision p is reached at evaluation ``hits`` (or 100)."""
    runs = []
    for (method, problem), precs in finals.items():
        for seed, p in enumerate(precs, start=1):
            at = (hits or {}).get((method, problem), 100)
            values = np.full(200, 1e3)
            values[at - 1:] = p
            runs.append(RunRecord.from_values(
                values, method=method, problem=problem, seed=seed, instance=problem,
                dim=dim, budget=200, stop="budget", wall_time=1.0, fun_time=0.5, f_opt=0.0))
    return BenchResult(runs=runs, budget=200, meta={"tuning": tuning} if tuning else {})


def test_ranks_ties_below_the_floor_and_median_ranks():
    med = {"p1": {"a": 1e-10, "b": 1e-9, "c": 1.0},
           "p2": {"a": 3.0, "b": 2.0, "c": 1.0},
           "p3": {"a": 1.0, "b": 1.0, "c": np.inf}}
    r = ranks(med)
    assert r["p1"] == {"a": 1.5, "b": 1.5, "c": 3.0}  # both solved: a tie
    assert r["p2"] == {"a": 3.0, "b": 2.0, "c": 1.0}
    assert r["p3"] == {"a": 1.5, "b": 1.5, "c": 3.0}
    assert median_ranks(r) == {"a": 1.5, "b": 1.5, "c": 3.0}
    frac = fraction_at_or_below(med, "b")
    assert frac == {"a": pytest.approx(2 / 3), "b": 1.0, "c": pytest.approx(1 / 3)}


def test_tuned_grid_counts_as_one_solver():
    tuning = {"zo-adam": {"lrs": [1.0, 2.0], "specs": ["zo-adam[lr=1]", "zo-adam[lr=2]"],
                          "best": {"p1": 2.0, "p2": 1.0}}}
    res = _result({("zo-adam[lr=1]", "p1"): [1.0, 1.0], ("zo-adam[lr=2]", "p1"): [0.5, 0.5],
                   ("zo-adam[lr=1]", "p2"): [0.1, 0.1], ("zo-adam[lr=2]", "p2"): [9.0, 9.0],
                   ("cma", "p1"): [0.7, 0.7], ("cma", "p2"): [0.01, 0.01]}, tuning=tuning)
    med = median_precisions(res)
    assert med == {"p1": {"zo-adam (tuned)": 0.5, "cma": 0.7},
                   "p2": {"zo-adam (tuned)": 0.1, "cma": 0.01}}
    assert fraction_at_or_below(med, "zo-adam (tuned)")["cma"] == 0.5


def test_ecdf_counts_function_target_pairs():
    # a reaches precision 1e-8 at evaluation 10 on p1 and 1 (all but 10 targets) at 50
    # on p2; b never gets below 1e3
    res = _result({("a", "p1"): [1e-8, 1e-8], ("a", "p2"): [1.0, 1.0],
                   ("b", "p1"): [1e3, 1e3], ("b", "p2"): [1e3, 1e3]},
                  hits={("a", "p1"): 10, ("a", "p2"): 50})
    curves = ecdf(res, res.problems, [1, 9, 10, 49, 50, 200])
    n = ECDF_TARGETS.size
    reach_p2 = int(np.sum(ECDF_TARGETS >= 1.0))
    assert curves["a"] == pytest.approx(np.array([0, 0, n, n, n + reach_p2, n + reach_p2])
                                        / (2 * n))
    assert np.all(curves["b"] == 0)


def test_report_lists_bbob_functions_in_cocos_order_whatever_the_merge_order():
    """A merged result lists problems in the order its files were read; the report's
    tables follow the function ids (f2 before f10), other problems after them."""
    from zominimize.bench._report import bbob_report

    res = _result({("a", "bbob[fid=10,dim=5]"): [1.0], ("a", "sphere[dim=5]"): [1.0],
                   ("a", "bbob[fid=2,dim=5]"): [1.0]})
    table = bbob_report(res).split("### Median rank")[0]
    rows = [line.split("|")[1].strip() for line in table.splitlines()
            if line.startswith("| ") and not line.startswith(("| function", "| ---"))]
    assert [r.split()[0] for r in rows] == ["f2", "f10", "sphere[dim=5]"]


def test_validation_score():
    res = _result({("a", "bbob[fid=1,dim=5]"): [1e-12, 1e-4],
                   ("a", "bbob[fid=10,dim=5]"): [10.0, 1000.0],
                   ("b", "bbob[fid=1,dim=5]"): [1.0, 1.0]})
    s = validation_score(res)
    # per problem: mean over instances of log10(max(p, 1e-8)); then the mean
    assert s["a"]["score"] == pytest.approx(((-8 + -4) / 2 + (1 + 3) / 2) / 2)
    assert s["a"]["separable"] == pytest.approx(-6.0)
    assert s["a"]["ill-conditioned"] == pytest.approx(2.0)
    assert s["a"]["d=5"] == s["a"]["score"] and s["a"]["problems"] == 2
    assert s["a"]["runs"] == 4
    assert s["b"]["score"] == 0.0 and s["b"]["problems"] == 1 and s["b"]["runs"] == 2


def test_paired_score_is_the_score_difference_with_an_instance_interval():
    from zominimize.bench import merge_results, paired_score, score_table

    small = _result({("a", "bbob[fid=1,dim=5]"): [1e-2, 1e-4, 1e-3],
                     ("b", "bbob[fid=1,dim=5]"): [1e-1, 1e-3, 1e-2],
                     ("a", "bbob[fid=2,dim=5]"): [1.0, 1.0, 1.0],
                     ("b", "bbob[fid=2,dim=5]"): [1.0, 1.0, 1.0]})
    large = _result({("a", "bbob[fid=1,dim=20]"): [1.0, 10.0, 1e-12],
                     ("b", "bbob[fid=1,dim=20]"): [10.0, 1.0, 1e-9]}, dim=20)
    res = merge_results([small, large])
    diff = paired_score(res, "a", "b")
    s = validation_score(res)
    assert diff["score"][0] == pytest.approx(s["a"]["score"] - s["b"]["score"])
    # d = 5: one problem 1 better on every instance, one equal: -0.5, no spread
    assert diff["d=5"] == pytest.approx((-0.5, -0.5, -0.5, 6))
    # d = 20: -1, +1 and 0 (both below the floor): a mean of 0 inside a wide interval
    mean, lo, hi, n = diff["d=20"]
    assert mean == pytest.approx(0.0) and lo < 0 < hi and n == 3
    assert diff["score"][3] == 9 and diff["score"][1] < diff["score"][0] < diff["score"][2]
    assert paired_score(res, "a", "b") == diff  # a fixed seed
    with pytest.raises(ValueError, match="share no run"):
        paired_score(res, "a", "c")
    text = score_table(res, ["b", "a"])
    row = [line for line in text.splitlines() if line.startswith("| a | -0.333 [")]
    assert len(row) == 1 and "| -0.500 [-0.500, -0.500] | +0.000 [" in row[0]
    assert "Paired with b: mean difference" in text
    assert "Paired with" not in score_table(res)


# -- suites and the command line --------------------------------------------------------


def test_bbob_suites_follow_the_protocol():
    from zominimize.bench._spec import parse_spec

    val = get_suite("bbob-val")
    specs = [parse_spec(p).options for p in val.problems]
    assert {o["fid"] for o in specs} == set(range(1, 15))
    assert {o["dim"] for o in specs} == {5, 20, 100} and len(specs) == 42
    assert {o["iid_offset"] for o in specs} == {100}
    assert val.seed_list() == [1, 2, 3, 4, 5] and val.budget == 4200
    rep = get_suite("bbob")
    specs = [parse_spec(p).options for p in rep.problems]
    assert {o["fid"] for o in specs} == set(range(1, 25))
    assert {o["dim"] for o in specs} == {2, 5, 10, 20, 40}
    assert all("iid_offset" not in o for o in specs) and rep.seed_list() == [1, 2, 3, 4, 5]
    large = [parse_spec(p).options for p in get_suite("bbob-large").problems]
    assert {o["fid"] for o in large if o["dim"] == 100} == set(range(1, 25))
    assert {o["fid"] for o in large if o["dim"] == 500} == set(range(1, 25, 3))
    xl = get_suite("bbob-1000")
    assert [parse_spec(p).options for p in xl.problems] == [
        o | {"dim": 1000} for o in large if o["dim"] == 500]
    assert (xl.methods, xl.tune, xl.tune_grids) == (rep.methods, rep.tune, rep.tune_grids)
    for suite in (val, rep):
        assert set(suite.tune) == {"zo-sgd", "zo-signsgd", "zo-adam"}
        assert all(len(suite.grid(m)[1]) >= 7 for m in suite.tune)
        names = {parse_spec(m).name: parse_spec(m).options for m in suite.methods}
        assert names["cma"] == {"sigma0": 2} and names["l2l-zo"] == {"sigma0": 2}
        for m in ("nelder-mead", "powell", "cobyla", "cobyqa"):
            assert names[m] == {"step": 2}
        assert names["ngopt"] == {"sigma0": 2} and names["les"] == {"sigma0": 2}


@needs_ioh
def test_cli_bbob_run_merge_report_and_score(tmp_path, capsys):
    from zominimize._cli import main

    probs = "bbob[fid=1,dim=3],bbob[fid=8,dim=3],bbob[fid=1,dim=4]"
    a, b = tmp_path / "a.json.gz", tmp_path / "b.json"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["bench", "--problems", probs, "--methods", "nelder-mead[step=2]",
                     "--tune-lr", "zo-adam", "--seeds", "1-2", "--budget", "105",
                     "--workers", "1", "--out", str(a), "--no-plots", "-q"]) == 0
        assert main(["bench", "--problems", probs, "--methods", "cma[sigma0=2]",
                     "--seeds", "1,2", "--budget", "105", "--workers", "1", "--out", str(b),
                     "--no-plots", "-q"]) == 0
    capsys.readouterr()
    report = tmp_path / "rep.md"
    assert main(["bench", "--replot", str(a), str(b), "--report", str(report),
                 "--score", "cma[sigma0=2],zo-adam (tuned)"]) == 0
    out = capsys.readouterr().out
    assert "### Median final precision, d = 3" in out and "### Median rank" in out
    assert "### At or below zo-adam (tuned)" in out and "| f8 Rosenbrock |" in out
    assert "| cma[sigma0=2] |" in out and "score" in out
    text = report.read_text()
    assert "d = 4" in text and "Learning-rate grids" in text and "Validation score" in text
    pngs = sorted(p.name for p in tmp_path.glob("rep_ecdf_d*.png"))
    assert pngs == ["rep_ecdf_d3.png", "rep_ecdf_d4.png"]
    assert not (tmp_path / "a.json.gz.journal").exists()  # removed once the results are saved
    merged = tmp_path / "m.json"
    assert main(["bench", "--replot", str(a), "--merge", str(b), "--out", str(merged),
                 "--no-plots"]) == 0
    assert len(BenchResult.from_json(merged).runs) == 3 * 2 * (7 + 2)
    capsys.readouterr()
    assert main(["bench", "--replot", str(a), "--score", "nope", "--no-plots"]) == 2
    assert "no runs of nope" in capsys.readouterr().err


@pytest.mark.parametrize("argv, msg", [
    (["--problems", "sphere-10", "--methods", "zo-adam", "--exclude", "zo-adam"], "--exclude"),
    (["--problems", "sphere-10", "--methods", "zo-adam", "--seeds", "5-1"], "--seeds"),
])
def test_cli_bbob_errors(argv, msg, capsys):
    from zominimize._cli import main

    with pytest.raises(SystemExit) if msg == "--seeds" else _nothing():
        assert main(["bench", *argv, "--no-plots", "-q"]) == 2
    assert msg in capsys.readouterr().err


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@needs_ioh
def test_suite_with_methods_runs_only_those(monkeypatch):
    from zominimize.bench import _bench, run_suite

    seen = []

    def fake(method, problem, seed, **kw):
        seen.append((str(method), str(problem), seed))
        values = np.full(kw["budget"], 1.0)
        return RunRecord.from_values(values, method=str(method), problem=str(problem),
                                     seed=seed, instance="x", dim=5, budget=kw["budget"],
                                     stop="budget", wall_time=0.0, fun_time=0.0)

    monkeypatch.setattr(_bench, "run_one", fake)
    res = run_suite("bbob-val", methods=["l2l-zo[sigma0=2]"], tune=(), workers=1)
    assert {m for m, _, _ in seen} == {"l2l-zo[sigma0=2]"} and len(seen) == 42 * 5
    assert {s for _, _, s in seen} == {1, 2, 3, 4, 5} and "tuning" not in res.meta
    seen.clear()
    res = run_suite("bbob-val", exclude=["l2l-zo[sigma0=2]"], workers=1, seeds=1)
    methods = {m for m, _, _ in seen}
    assert "l2l-zo[sigma0=2]" not in methods and "cma[sigma0=2]" in methods
    assert len([m for m in methods if m.startswith("zo-adam[lr=")]) >= 7
    assert set(res.meta["tuning"]) == {"zo-sgd", "zo-signsgd", "zo-adam"}
