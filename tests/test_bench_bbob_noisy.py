"""Tests of COCO's noisy BBOB functions (``bbob-noisy[...]``, through pycma): specs,
a reproducible noise stream of each problem's own, the noise-free scoring of a run,
the suite and the report."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from zominimize.bench import BenchResult, get_suite, make_problem, run_one
from zominimize.bench._runner import _Counted

pytest.importorskip("cma.bbobbenchmarks")
pytestmark = pytest.mark.usefixtures("one_torch_thread")

_X = np.random.default_rng(0).uniform(-3, 3, (6, 4))


def test_instances_follow_the_seed():
    p1, p2 = (make_problem("bbob-noisy[fid=104,dim=4]", s) for s in (1, 2))
    assert (p1.instance, p2.instance) == (1, 2) and p1.name == "bbob_noisy_f104_i1_d4"
    assert p1.f_opt != p2.f_opt
    assert make_problem("bbob-noisy[fid=104,dim=4,iid_offset=100]", 1).instance == 101
    assert make_problem("bbob-noisy[fid=104,dim=4,instance=7]", 3).instance == 7
    assert np.array_equal(p1.x0, np.zeros(4)) and p1.bounds is None and p1.x_scale == 2
    assert p1.noisy


@pytest.mark.parametrize("spec, msg", [
    ("bbob-noisy[dim=5]", "fid"), ("bbob-noisy[fid=101]", "dim"),
    ("bbob-noisy[fid=100,dim=5]", "101..130"), ("bbob-noisy[fid=131,dim=5]", "101..130"),
    ("bbob-noisy[fid=101,dim=1]", ">= 2"), ("bbob-noisy[fid=101,dim=5,noise=1]", "unknown"),
])
def test_spec_errors(spec, msg):
    with pytest.raises(ValueError, match=msg):
        make_problem(spec, 1)
    with pytest.raises(ValueError, match="start at 1"):
        make_problem("bbob-noisy[fid=101,dim=5]", 0)


@pytest.mark.parametrize("fid", [101, 105, 109, 122, 130])  # Gauss, uniform, Cauchy
def test_noise_is_the_problems_own_reproducible_stream(fid):
    spec = f"bbob-noisy[fid={fid},dim=4]"
    p, q, other = make_problem(spec, 1), make_problem(spec, 1), make_problem(spec, 2)
    np.random.seed(123)  # noqa: NPY002 - the global state must be left alone
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    first = p.batch(_X)
    other.batch(_X)  # another problem's evaluations do not move p's stream
    np.random.standard_normal(7)  # noqa: NPY002 - nor does other use of the global state
    second = p.batch(_X)
    assert not np.array_equal(first, second)  # fresh noise at every evaluation
    assert np.array_equal(q.batch(_X), first) and np.array_equal(q.batch(_X), second)
    np.random.seed(123)  # noqa: NPY002
    assert np.array_equal(np.random.get_state()[1], before)  # noqa: NPY002
    p.batch(_X)
    assert np.array_equal(np.random.get_state()[1], before)  # noqa: NPY002


def test_noise_free_values_draw_no_noise_and_pickles_continue_the_stream():
    p = make_problem("bbob-noisy[fid=110,dim=4]", 3)
    q = make_problem("bbob-noisy[fid=110,dim=4]", 3)
    noisy, true = p.evaluate_full(_X)
    assert np.array_equal(true, [p.noise_free(x) for x in _X])
    assert not np.allclose(noisy, true)  # severe noise
    assert np.array_equal(q.evaluate_full(_X)[0], noisy)
    for _ in range(3):
        p.noise_free(_X[0])  # the stream has not moved
    copy = pickle.loads(pickle.dumps(p))
    assert np.array_equal(copy.batch(_X), p.batch(_X)) and copy.f_opt == p.f_opt
    assert np.array_equal(p.vectorized(_X.T), copy.batch(_X))
    assert np.all(true >= p.f_opt)  # the precision of a noise-free value is not negative


def test_a_run_is_scored_on_the_noise_free_values_it_evaluated():
    problem = make_problem("bbob-noisy[fid=107,dim=4]", 1)
    clean = make_problem("bbob-noisy[fid=107,dim=4]", 1)
    counted = _Counted(problem, budget=20, time_limit=None)
    seen = [counted(x) for x in _X[:3]] + list(counted.vectorized(_X[3:].T))
    assert np.allclose(counted.values[:6], [clean.noise_free(x) for x in _X])
    assert not np.allclose(seen, counted.values[:6])  # the solver saw the noisy values
    # a whole run: its precision is the best noise-free value found, whatever it saw
    rec = run_one("zo-adam[lr=1]", "bbob-noisy[fid=107,dim=4]", 1, 300)
    again = run_one("zo-adam[lr=1]", "bbob-noisy[fid=107,dim=4]", 1, 300)
    assert rec.f_opt == clean.f_opt and rec.precision >= 0
    assert rec.fun == again.fun  # the same seed, the same noise and the same run


def test_the_suite_and_its_report():
    from zominimize.bench._report import bbob_report
    from zominimize.bench._spec import parse_spec

    suite = get_suite("bbob-noisy")
    specs = [parse_spec(p).options for p in suite.problems]
    assert {o["fid"] for o in specs} == set(range(101, 131))
    assert {o["dim"] for o in specs} == {5, 20, 40} and len(specs) == 90
    assert "l2l-zo[sigma0=2,accept=always]" in suite.methods
    assert "l2l-zo[sigma0=2]" in suite.methods and set(suite.tune) >= {"zo-adam"}
    assert suite.seed_list() == [1, 2, 3, 4, 5]
    runs = [run_one(m, f"bbob-noisy[fid={f},dim=3]", s, 100)
            for m in ("zo-adam[lr=1]", "l2l-zo[sigma0=2]") for f in (101, 130)
            for s in (1, 2)]
    text = bbob_report(BenchResult(runs=runs, budget=100))
    assert "f101 Sphere, moderate Gauss" in text and "f130 Gallagher 101 peaks, Cauchy" in text
    assert "noise-free" in text
