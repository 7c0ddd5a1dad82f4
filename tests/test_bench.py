"""Tests of zominimize.bench: specs, exact budgets, traces, time limits, JSON, CLI."""

from __future__ import annotations

import json
import os
import platform
import warnings

import numpy as np
import pytest

from zominimize.bench import (
    BenchResult,
    RunRecord,
    make_problem,
    parse_spec,
    run_benchmark,
    run_one,
    solver_runs,
    split_specs,
    tune_lr,
)
from zominimize.bench._runner import _Counted

try:
    import cma  # noqa: F401

    HAVE_CMA = True
except ImportError:
    HAVE_CMA = False

needs_cma = pytest.mark.skipif(not HAVE_CMA, reason="pycma is not installed")


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def weights_path(tmp_path_factory):
    """An untrained l2l-zo weight file (the bundled weights may not exist yet)."""
    from zominimize.learned import L2LNet, save_weights

    path = tmp_path_factory.mktemp("weights") / "untrained.safetensors"
    save_weights(L2LNet(), path, {})
    return str(path)


# -- spec syntax ----------------------------------------------------------------------


def test_parse_spec_options_and_types():
    spec = parse_spec("ZO-Adam[lr=2,q=10,mu=1e-3,scale_lr_by_dim=false,x=none,w='a,b']")
    assert spec.name == "zo-adam"
    assert spec.options == {"lr": 2, "q": 10, "mu": 1e-3, "scale_lr_by_dim": False,
                            "x": None, "w": "a,b"}
    assert parse_spec("l2l-zo[weights=attack]").options == {"weights": "attack"}
    assert parse_spec("nelder-mead") == parse_spec(" nelder-mead ")
    assert parse_spec("nelder-mead").options == {}
    assert parse_spec("zo-adam[]").options == {}


def test_spec_text_round_trip():
    for text in ["zo-adam[lr=2,q=10]", "l2l-zo[sampler=gaussian]", "cma", "zo-sgd[lr=0.5]",
                 "l2l-zo[weights='a,b']"]:
        assert str(parse_spec(text)) == text
        assert parse_spec(str(parse_spec(text))) == parse_spec(text)
    assert str(parse_spec("zo-adam").with_options(lr=16.0)) == "zo-adam[lr=16]"


@pytest.mark.parametrize("bad", [
    "zo-adam[lr=2", "zo-adam]", "zo-adam[lr]", "zo-adam[lr=2,lr=3]", "zo-adam[1x=2]",
    "[lr=2]", "zo-adam[lr=2]x", "zo-adam[lr=]", "zo-adam[lr='2]", "zo adam",
])
def test_parse_spec_errors(bad):
    with pytest.raises(ValueError, match="spec"):
        parse_spec(bad)


def test_split_specs():
    assert split_specs("zo-adam[lr=2,q=10], nelder-mead,cma") == [
        "zo-adam[lr=2,q=10]", "nelder-mead", "cma"]
    with pytest.raises(ValueError):
        split_specs("zo-adam,,cma")
    with pytest.raises(ValueError):
        split_specs("zo-adam[lr=2,cma")


def test_split_specs_ellipsis_runs_of_one_integer_option():
    # the measurements' commands write the BBOB lists so, and they must run as written
    large = split_specs("bbob[fid=1,dim=100],...,bbob[fid=24,dim=100],bbob[fid=1,dim=500],"
                        "bbob[fid=4,dim=500],...,bbob[fid=22,dim=500]")
    assert large[:24] == [f"bbob[fid={f},dim=100]" for f in range(1, 25)]
    assert large[24:] == [f"bbob[fid={f},dim=500]" for f in range(1, 23, 3)]
    assert split_specs("cma,zo-adam[q=2,lr=1],...,zo-adam[q=4,lr=1]") == [
        "cma", "zo-adam[q=2,lr=1]", "zo-adam[q=3,lr=1]", "zo-adam[q=4,lr=1]"]
    # a step is taken from the two entries before only where they differ in that key
    assert split_specs("a[x=1,y=1],a[x=3,y=1],...,a[x=7,y=1]")[2:] == ["a[x=5,y=1]",
                                                                      "a[x=7,y=1]"]
    assert split_specs("a[x=0,y=5],a[x=3,y=1],...,a[x=5,y=1]")[2] == "a[x=4,y=1]"
    for bad, match in [("...,a", "each side"), ("a[x=1],...", "each side"),
                       ("a[x=1],...,...,a[x=3]", "each side"),
                       ("bbob[fid=1,dim=2],...,bbob[fid=24,dim=40]", "one integer option"),
                       ("a[x=1.5],...,a[x=3.5]", "one integer option"),
                       ("a[x=1],...,b[x=3]", "one integer option"),
                       ("a[x=5],...,a[x=1]", "from 5 to 1"),
                       ("a[x=1],a[x=3],...,a[x=6]", "steps of 2")]:
        with pytest.raises(ValueError, match=match):
            split_specs(bad)


def test_unknown_method_and_option():
    with pytest.raises(ValueError, match="unknown method"):
        run_benchmark(["sphere-10"], ["no-such-method"], budget=10, seeds=1)
    with pytest.raises(TypeError, match="Unknown options"):
        run_benchmark(["sphere-10"], ["zo-adam[nonsense=1]"], budget=10, seeds=1)
    with pytest.raises(TypeError, match="Unknown solver options"):
        run_benchmark(["sphere-10"], ["cobyla[nonsense=1]"], budget=10, seeds=1)
    run_benchmark(["sphere-10"], ["cobyla[rhobeg=x_scale]"], budget=10, seeds=1)
    with pytest.raises(ValueError, match="unknown problem"):
        run_benchmark(["no-such-problem"], ["zo-adam"], budget=10, seeds=1)


def test_unavailable_method_skipped_in_suites():
    with pytest.raises(ValueError):
        run_benchmark(["sphere-10"], ["l2l-zo[weights=no-such-weights]"], budget=10, seeds=1)
    with pytest.warns(RuntimeWarning, match="skipping"):
        res = run_benchmark(["sphere-10"], ["zo-sgd", "l2l-zo[weights=no-such-weights]"],
                            budget=21, seeds=1, skip_unavailable=True)
    assert res.methods() == ["zo-sgd"]
    assert "l2l-zo[weights=no-such-weights]" in res.meta["skipped"]
    assert "Not run here" in res.table()


# -- problems and seeds ---------------------------------------------------------------


def test_seed_selects_instance():
    a0, a3 = make_problem("attack", 0), make_problem("attack", 3)
    assert (a0.index, a3.index) == (0, 3)
    c0, c1 = make_problem("classification-100", 0), make_problem("classification-100", 1)
    assert c0.seed == 0 and c1.seed == 1 and not np.array_equal(c0.features, c1.features)
    assert make_problem("attack[index=5]", 2).index == 5  # pinned by the spec
    r0, r1 = make_problem("rosenbrock-10", 0), make_problem("rosenbrock-10", 1)
    assert np.array_equal(r0.x0, r1.x0) and r0(r0.x0) == r1(r1.x0)
    f0, f1 = make_problem("ackley[dim=20]", 0), make_problem("ackley[dim=20]", 1)
    assert f0.dim == f1.dim == 20 and not np.array_equal(f0.x_opt, f1.x_opt)


def test_suites():
    from zominimize.bench import SUITES, get_suite
    from zominimize.problems import HELD_OUT_FAMILIES

    paper = get_suite("paper")
    assert paper.problems == ("classification-100", "classification-1000", "attack")
    assert paper.budget == 4200 and paper.seeds >= 5
    assert {"zo-sgd", "zo-signsgd", "zo-adam", "l2l-zo", "nelder-mead", "powell", "cobyla",
            "cobyqa", "cma"} <= set(paper.methods)
    assert paper.extra_methods == {
        "attack": ("l2l-zo[weights=attack]",),
        "classification-100": ("l2l-zo[weights=classification]",),
        "classification-1000": ("l2l-zo[weights=classification]",)}
    families = {parse_spec(p).name for p in SUITES["heldout"].problems}
    assert {f for f in HELD_OUT_FAMILIES if f != "attack-test"} <= families
    for spec in SUITES["heldout"].problems:
        assert 50 <= make_problem(spec, 0).dim <= 200
    with pytest.raises(ValueError, match="unknown suite"):
        get_suite("nope")


# -- exact budgets and traces ---------------------------------------------------------

BUDGET = 137  # not a multiple of any batch size


def _check_record(rec: RunRecord, budget: int = BUDGET) -> None:
    assert rec.error is None, rec.error
    assert rec.nfev == budget and rec.stop == "budget"
    n, f = np.asarray(rec.trace_nfev), np.asarray(rec.trace_f)
    assert n[0] == 1 and n[-1] <= budget
    assert np.all(np.diff(n) > 0) and np.all(np.diff(f) < 0)  # strictly improving steps
    assert rec.wall_time >= rec.fun_time >= 0 and rec.compute_time >= 0


@pytest.mark.parametrize("method", ["zo-sgd", "zo-signsgd", "zo-adam[q=7]", "nelder-mead",
                                    "powell", "cobyla", "cobyqa"])
def test_budget_exact(method):
    _check_record(run_one(method, "rosenbrock-10", 0, BUDGET))


@pytest.mark.parametrize("vectorized", [True, False])
def test_budget_exact_zo_loop_and_vectorized(vectorized):
    rec = run_one("zo-adam", "rosenbrock-10", 1, BUDGET, vectorized=vectorized)
    _check_record(rec)
    if vectorized:
        other = run_one("zo-adam", "rosenbrock-10", 1, BUDGET, vectorized=False)
        assert other.trace_f == pytest.approx(rec.trace_f)


def test_budget_exact_l2l(weights_path):
    _check_record(run_one(f"l2l-zo[weights={weights_path}]", "rosenbrock-10", 0, BUDGET))


@needs_cma
@pytest.mark.parametrize("vectorized", [True, False])
def test_budget_exact_cma(vectorized):
    rec = run_one("cma", "rosenbrock-10", 0, BUDGET, vectorized=vectorized)
    _check_record(rec)
    again = run_one("cma", "rosenbrock-10", 0, BUDGET, vectorized=not vectorized)
    assert again.trace_f == pytest.approx(rec.trace_f)  # seeded, same for both forms


def test_counting_wrapper_cuts_a_batch():
    problem = make_problem("sphere-10", 0)
    counted = _Counted(problem, 5, None)
    from zominimize.bench._runner import _BudgetExhausted

    with pytest.raises(_BudgetExhausted):
        counted.vectorized(np.zeros((10, 8)))
    assert counted.n == 5
    with pytest.raises(_BudgetExhausted):
        counted(np.zeros(10))
    nfev, f = counted.trace()
    assert nfev == [1] and f == [problem(np.zeros(10))]


def test_converged_method_is_not_cut():
    # loose tolerances end Nelder-Mead before the budget: the run is not padded
    rec = run_one("nelder-mead[fatol=1e3,xatol=1e3]", "sphere-10", 0, 400)
    assert rec.stop == "converged" and rec.nfev < 400


# -- time limit -----------------------------------------------------------------------


def test_time_limit_marks_rows():
    # 3 s: far more than zo-sgd needs even on a loaded machine, far less than COBYQA's
    # 4,200 evaluations at d = 100
    res = run_benchmark(["classification-100"], ["zo-sgd", "cobyqa"], budget=4200, seeds=1,
                        time_limit=3.0)
    (cobyqa,) = res.select("cobyqa")
    assert cobyqa.stop == "time" and 0 < cobyqa.nfev < 4200
    (sgd,) = res.select("zo-sgd")
    assert sgd.stop == "budget"
    table = res.table()
    assert "| cobyqa †" in table and "| zo-sgd |" in table
    assert "† Stopped by the per-run time limit (3 s)" in table
    s = res.summary("cobyqa", "classification-100")
    assert s.n_time_limited == 1 and s.nfev == cobyqa.nfev
    # values beyond the evaluations reached are the final best, carried forward
    assert s.best[4200][0] == cobyqa.fun


def _block_in_c(spec, problem, counted):
    """A 'method' that evaluates 10 points, then blocks where no signal reaches it
    (like COBYQA inside LAPACK)."""
    import signal
    import time

    for _ in range(10):
        counted(problem.x0)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(30)


@pytest.mark.skipif(not hasattr(__import__("signal"), "pthread_sigmask"), reason="POSIX only")
@pytest.mark.skipif(not __import__("zominimize.bench._runner", fromlist=["_can_fork"])._can_fork(),
                    reason="needs the fork start method")
def test_time_limit_kills_a_blocked_method(monkeypatch):
    import time

    from zominimize.bench import _peers

    monkeypatch.setattr(_peers, "run_scipy", _block_in_c)
    t = time.perf_counter()
    rec = run_one("cobyqa", "sphere-10", 0, 100, time_limit=0.3)
    assert time.perf_counter() - t < 10
    assert rec.stop == "time" and rec.nfev == 10 and rec.trace_nfev == [1]
    assert rec.wall_time >= 0.3 and rec.error is None


# -- results --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_result():
    return run_benchmark(["sphere-10", "attack"], ["zo-adam", "nelder-mead"], budget=210,
                         seeds=2, extra_methods={"sphere-10": ["zo-sgd"]})


def test_table_and_summary(small_result):
    res = small_result
    assert res.problems == ["sphere-10", "attack"]
    assert res.methods("sphere-10") == ["zo-adam", "nelder-mead", "zo-sgd"]
    assert res.methods("attack") == ["zo-adam", "nelder-mead"]
    table = res.table()
    assert "### sphere-10" in table and "### attack" in table
    assert "f @ 52 (25%)" in table and "f @ 210 (100%)" in table
    assert "success" in table and "median final value of zo-adam" in table
    target, source = res.target("sphere-10")
    finals = [r.fun for r in res.select("zo-adam", "sphere-10")]
    assert target == pytest.approx(np.median(finals)) and "zo-adam" in source
    s = res.summary("zo-adam", "attack")
    assert s.success_rate is not None and 0 <= s.success_rate <= 1
    for r in res.select(problem="attack"):
        assert r.is_attack and r.first_success in (None, *range(1, 211))


def test_explicit_target():
    res = run_benchmark(["sphere-10"], ["zo-adam"], budget=42, seeds=1,
                        targets={"sphere-10": 1e9})
    assert res.target("sphere-10") == (1e9, "given")
    assert res.summary("zo-adam", "sphere-10").evals_to_target == 1.0


def test_json_round_trip(small_result, tmp_path):
    path = tmp_path / "r.json"
    small_result.to_json(path)
    data = json.loads(path.read_text())
    assert data["format"] == "zominimize-bench" and len(data["runs"]) == 10
    back = BenchResult.from_json(path)
    assert back.table() == small_result.table()
    assert [r.to_dict() for r in back.runs] == [r.to_dict() for r in small_result.runs]
    with pytest.raises(ValueError, match="not a zominimize benchmark"):
        BenchResult.from_dict({"runs": []})


def test_parallel_identical(small_result):
    import joblib

    with joblib.parallel_config(backend="threading"):
        par = run_benchmark(["sphere-10", "attack"], ["zo-adam", "nelder-mead"], budget=210,
                            seeds=2, extra_methods={"sphere-10": ["zo-sgd"]}, workers=2)
    key = [(r.method, r.problem, r.seed) for r in small_result.runs]
    assert [(r.method, r.problem, r.seed) for r in par.runs] == key
    assert [r.trace_f for r in par.runs] == [r.trace_f for r in small_result.runs]


def test_tune_lr():
    res = tune_lr(["zo-sgd"], ["sphere-10"], budget=105, seeds=2, exponents=range(-1, 2),
                  compare=["nelder-mead"])
    info = res.meta["tuning"]["zo-sgd"]
    assert info["lrs"] == [2.0, 4.0, 8.0]
    assert info["specs"] == ["zo-sgd[lr=2]", "zo-sgd[lr=4]", "zo-sgd[lr=8]"]
    best = info["best"]["sphere-10"]
    meds = [np.median([r.fun for r in res.select(s)]) for s in info["specs"]]
    assert best == info["lrs"][int(np.argmin(meds))]
    table = res.table()
    assert table.count("(tuned)") >= 1 and "nelder-mead" in table
    assert "lr grid of zo-sgd" in res.tuning_table()
    assert res.target("sphere-10")[1] == "median final value of zo-sgd[lr=4]"
    with pytest.raises(ValueError, match="lr"):
        tune_lr(["cma"], ["sphere-10"], budget=10, seeds=1)


def _ran_points(res, info, problem):
    """The learning rates of a tuning record that ran on ``problem``."""
    meds = res._grid_medians(info)[problem]
    return [lr for lr, m in zip(info["lrs"], meds) if not np.isnan(m)]


def test_extend_lr_grid_carries_an_edge_best_inside():
    from zominimize.bench import extend_lr_grid

    # lr 0.5 and 1 are far too small for ZO-Adam on the sphere: its best lies at the top
    kw = dict(budget=300, seeds=2, exponents=range(-4, -2), workers=1)
    narrow = tune_lr(["zo-adam"], ["sphere-10", "rosenbrock-10"], compare=["nelder-mead"],
                     **kw)
    info = narrow.meta["tuning"]["zo-adam"]
    assert info["best"] == {"sphere-10": 1.0, "rosenbrock-10": 1.0}
    wide = extend_lr_grid(narrow, 3, workers=1)
    info = wide.meta["tuning"]["zo-adam"]
    assert info["lrs"][:2] == [0.5, 1.0] and len(info["lrs"]) > 2
    for problem in ("sphere-10", "rosenbrock-10"):
        ran = _ran_points(wide, info, problem)
        assert ran[0] == 0.5  # nothing below: the low end was never the best
        meds = dict(zip(info["lrs"], wide._grid_medians(info)[problem]))
        best = info["best"][problem]
        assert meds[best] == min(meds[lr] for lr in ran)
        # the best lies inside, or the top stopped improving, or the cap was reached
        assert best != ran[-1] or len(ran) == 2 + 3
    assert max(info["best"].values()) > 1.0  # a best outside the first grid
    # the tuned row keeps its place in the tables, though its new best ran last
    for problem in ("sphere-10", "rosenbrock-10"):
        assert list(solver_runs(wide, problem)) == ["zo-adam (tuned)", "nelder-mead"]
    # the earlier runs are kept as they were, and tune_lr(extend=...) gives the same
    assert {(r.method, r.problem, r.seed) for r in narrow.runs} <= {
        (r.method, r.problem, r.seed) for r in wide.runs}
    direct = tune_lr(["zo-adam"], ["sphere-10", "rosenbrock-10"], compare=["nelder-mead"],
                     extend=3, **kw)
    assert direct.meta["tuning"]["zo-adam"]["best"] == info["best"]
    assert direct.meta["tuning"]["zo-adam"]["lrs"] == info["lrs"]
    assert "merged" not in wide.meta  # the extension is part of the tuning run
    with pytest.raises(ValueError, match="extend"):
        extend_lr_grid(narrow, -1)
    with pytest.raises(ValueError, match="no learning-rate tuning"):
        extend_lr_grid(run_benchmark(["sphere-10"], ["zo-sgd"], budget=21, seeds=1), 2)


def test_extend_lr_grid_leaves_ties_and_inside_bests(monkeypatch):
    import dataclasses

    from zominimize.bench import _bench, extend_lr_grid

    res = tune_lr(["zo-sgd"], ["sphere-10"], budget=42, seeds=1, exponents=range(-1, 2),
                  workers=1)
    info = res.meta["tuning"]["zo-sgd"]
    # the lowest lr ties its neighbour (neither moves the iterate): not extended
    finals = dict(zip(info["specs"], [1.0, 1.0, 5.0]))
    res.runs = [dataclasses.replace(r, final=finals[r.method]) for r in res.runs]
    info["best"] = {"sphere-10": info["lrs"][0]}

    def no_runs(*args, **kwargs):
        raise AssertionError("a grid point ran")

    monkeypatch.setattr(_bench, "run_benchmark", no_runs)
    assert extend_lr_grid(res, 4) is res
    finals = dict(zip(info["specs"], [3.0, 1.0, 5.0]))  # the best inside: the same
    res.runs = [dataclasses.replace(r, final=finals[r.method]) for r in res.runs]
    info["best"] = {"sphere-10": info["lrs"][1]}
    assert extend_lr_grid(res, 4) is res


# -- command line ---------------------------------------------------------------------


def test_cli_tiny_suite(tmp_path, capsys):
    from zominimize._cli import main

    out = tmp_path / "res.json"
    rc = main(["bench", "--problems", "sphere-10", "--methods", "zo-adam,nelder-mead",
               "--budget", "200", "--seeds", "2", "--workers", "1", "--out", str(out), "-q"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "### sphere-10" in text and "| zo-adam |" in text and "| nelder-mead |" in text
    res = BenchResult.from_json(out)
    assert {r.nfev for r in res.runs} == {200} and len(res.runs) == 4
    pngs = list((tmp_path / "res_plots").glob("*.png"))
    assert [p.name for p in pngs] == ["sphere-10.png"]
    assert pngs[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    with Image.open(pngs[0]) as im:  # committed plots are stored with a palette
        assert im.mode == "P"

    plots = tmp_path / "again"
    assert main(["bench", "--replot", str(out), "--plots", str(plots)]) == 0
    assert "### sphere-10" in capsys.readouterr().out
    assert (plots / "sphere-10.png").is_file()


def test_cli_suite_with_problems_runs_that_subset_as_the_suite(monkeypatch):
    """--suite with --problems: only those problems, with the suite's settings."""
    from zominimize._cli import main
    from zominimize.bench import _bench

    seen = {}

    def fake_run_suite(suite, **kw):
        seen["suite"] = suite
        raise ValueError("stop here")

    monkeypatch.setattr(_bench, "run_suite", fake_run_suite)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["bench", "--suite", "paper", "--problems", "attack,classification-100",
                     "--no-plots", "-q"]) == 2
    suite, paper = seen["suite"], _bench.get_suite("paper")
    assert suite.problems == ("classification-100", "attack")  # in the suite's order
    assert (suite.methods, suite.extra_methods, suite.budget, suite.time_limit) == (
        paper.methods, paper.extra_methods, paper.budget, paper.time_limit)


def test_cli_extend_grid(tmp_path, capsys, monkeypatch):
    """--extend-grid: a saved result's grid carried past its end (only the new points
    run), and a suite run told how far to carry its grids."""
    from zominimize._cli import main
    from zominimize.bench import _bench

    saved = tmp_path / "narrow.json.gz"
    tune_lr(["zo-adam"], ["rosenbrock-10"], budget=300, seeds=2, exponents=range(-4, -2),
            workers=1).to_json(saved, compact=True)
    out = tmp_path / "wide.json.gz"
    assert main(["bench", "--replot", str(saved), "--extend-grid", "2", "--workers", "1",
                 "--out", str(out), "--compact", "--no-plots", "-q"]) == 0
    capsys.readouterr()
    info = BenchResult.from_json(out).meta["tuning"]["zo-adam"]
    assert info["lrs"][:2] == [0.5, 1.0] and 2 < len(info["lrs"]) <= 4
    assert info["best"]["rosenbrock-10"] > 1.0
    assert not (tmp_path / "wide.json.gz.journal").exists()
    seen = {}

    def fake_run_suite(suite, **kw):
        seen["suite"] = suite
        raise ValueError("stop here")

    monkeypatch.setattr(_bench, "run_suite", fake_run_suite)
    assert _bench.get_suite("bbob").tune_extend == _bench.GRID_EXTEND > 0
    assert main(["bench", "--suite", "bbob", "--extend-grid", "0", "--no-plots", "-q"]) == 2
    assert seen["suite"].tune_extend == 0
    assert main(["bench", "--replot", str(saved), "--extend-grid", "-1", "-q"]) == 2
    assert "--extend-grid" in capsys.readouterr().err


@pytest.mark.parametrize("argv, msg", [
    (["--problems", "sphere-10", "--methods", "nope"], "unknown method"),
    (["--problems", "sphere-10", "--methods", "zo-adam[lr=2"], "unbalanced"),
    (["--problems", "sphere-10"], "--methods"),
    (["--suite", "paper", "--problems", "sphere-10"], "not in suite paper"),
    (["--methods", "zo-adam"], "--problems"),
    (["--problems", "sphere-10", "--methods", "zo-adam", "--target", "oops"], "PROBLEM=VALUE"),
])
def test_cli_errors(argv, msg, capsys):
    from zominimize._cli import main

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["bench", *argv, "--no-plots", "-q"]) == 2
    assert msg in capsys.readouterr().err


@pytest.mark.slow
def test_parallel_processes_identical(small_result):
    par = run_benchmark(["sphere-10", "attack"], ["zo-adam", "nelder-mead"], budget=210,
                        seeds=2, extra_methods={"sphere-10": ["zo-sgd"]}, workers=2)
    assert [r.trace_f for r in par.runs] == [r.trace_f for r in small_result.runs]


def test_results_record_the_cpu_they_ran_on(tmp_path):
    """Runs at large d differ by rounding across CPUs (docs/faq.rst): a stored result
    says on which CPU, and with which of torch's kernels, it was made."""
    import torch

    res = run_benchmark(["sphere-10"], ["zo-sgd"], budget=21, seeds=1)
    env = res.meta["environment"]
    names = []
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            names = [ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")]
    assert env["cpu"] == (names[0] if names else platform.processor() or "?")
    assert env["torch_cpu"] == torch.backends.cpu.get_cpu_capability()
    res.to_json(tmp_path / "r.json")
    assert BenchResult.from_json(tmp_path / "r.json").meta["environment"] == env
