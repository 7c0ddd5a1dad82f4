"""Property tests: invariants on random small quadratics, bounds and budgets."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import BASELINES, Recorder
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds

import zominimize

# derandomized and without a database: the same examples on every run, no files written
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow],
)

finite = st.floats(-5.0, 5.0, allow_nan=False, allow_infinity=False)


@st.composite
def problems(draw):
    """A random separable quadratic, a box around a random x0, a budget and options."""
    n = draw(st.integers(1, 8))
    c = np.array(draw(st.lists(finite, min_size=n, max_size=n)))
    w = np.array(draw(st.lists(st.floats(0.01, 100.0), min_size=n, max_size=n)))
    x0 = np.array(draw(st.lists(finite, min_size=n, max_size=n)))
    kind = draw(st.sampled_from(["none", "Bounds", "pairs", "one-pair"]))
    below = np.array(draw(st.lists(st.floats(0.0, 3.0), min_size=n, max_size=n)))
    above = np.array(draw(st.lists(st.floats(0.0, 3.0), min_size=n, max_size=n)))
    lb, ub = x0 - below, x0 + above
    if kind == "none":
        bounds, lb, ub = None, np.full(n, -np.inf), np.full(n, np.inf)
    elif kind == "Bounds":
        bounds = Bounds(lb, ub)
    elif kind == "pairs":
        bounds = list(zip(lb, ub))
    else:  # one pair for every coordinate: it must contain x0
        lo, hi = x0.min() - below[0], x0.max() + above[0]
        bounds, lb, ub = [(lo, hi)], np.full(n, lo), np.full(n, hi)
    options = {
        "maxfev": draw(st.integers(1, 80)),
        "q": draw(st.integers(1, 6)),
        "lr": draw(st.floats(1e-3, 50.0)),
        "mu": draw(st.sampled_from([1e-6, 1e-3, 0.1, 1.0])),
    }
    if draw(st.booleans()):
        options["maxiter"] = draw(st.integers(0, 10))
    seed = draw(st.integers(0, 2**32 - 1))

    def fun(x):
        return float(np.sum(w * (x - c) ** 2))

    return fun, x0, bounds, lb, ub, options, seed


@pytest.mark.parametrize("method", BASELINES)
@SETTINGS
@given(problem=problems())
def test_invariants(method, problem):
    fun, x0, bounds, lb, ub, options, seed = problem
    rec = Recorder(fun)
    res = zominimize.minimize(rec, x0, method=method, bounds=bounds, options=options, rng=seed)
    maxfev = options["maxfev"]
    assert res.nfev == len(rec.F) <= maxfev
    if res.status == 1:
        assert res.nfev == maxfev
    if rec.F:  # (maxiter=0 evaluates nothing)
        P = rec.points
        assert np.all(P >= lb) and np.all(P <= ub)
        assert np.all(res.x >= lb) and np.all(res.x <= ub)
        assert res.fun == fun(res.x)
        assert res.fun == min(rec.F)
        assert res.fun <= fun(x0)
    assert res.status in (1, 2)


@pytest.mark.parametrize("method", BASELINES)
@SETTINGS
@given(problem=problems(), split=st.integers(0, 6))
def test_pickled_optimizer_resumes_identically(method, problem, split):
    import pickle

    fun, x0, bounds, _, _, options, seed = problem
    opts = {k: options[k] for k in ("q", "lr", "mu")}

    def trail(opt, k):
        out = []
        for _ in range(k):
            X = opt.ask()
            out.append(X)
            opt.tell(X, [fun(x) for x in X])
        return out

    a = zominimize.Optimizer(method, x0, bounds=bounds, rng=seed, **opts)
    ref = trail(a, 6)
    b = zominimize.Optimizer(method, x0, bounds=bounds, rng=seed, **opts)
    got = trail(b, split)
    b = pickle.loads(pickle.dumps(b))
    got += trail(b, 6 - split)
    for u, v in zip(ref, got):
        np.testing.assert_array_equal(u, v)
    assert b.result.fun == a.result.fun or (np.isnan(a.result.fun) and np.isnan(b.result.fun))
