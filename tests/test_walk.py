"""The ruggedness probe and the walk of ``l2l-zo`` (option ``walk``)."""

import numpy as np
import pytest

from zominimize import Optimizer, minimize
from zominimize.learned.rugged import (
    PROBE_LINES,
    RUGGED_RATIO,
    WALK_BUDGET_FRAC,
    probe_points,
    ruggedness,
)


def rastrigin(x):
    return float(10 * x.size + np.sum(x**2 - 10 * np.cos(2 * np.pi * x)))


def ellipsoid(x):
    return float(np.sum(10.0 ** (3 * np.arange(x.size) / (x.size - 1)) * x**2))


def _ratio(f, x0, sigma0, seed=0, lb=None, ub=None):
    n = x0.size
    lb = np.full(n, -np.inf) if lb is None else lb
    ub = np.full(n, np.inf) if ub is None else ub
    X, h = probe_points(x0, sigma0, np.random.default_rng(seed), lb, ub, with_center=True)
    F = np.array([f(x) for x in X])
    return ruggedness(F[0], F[1:], h), X, h


def test_a_quadratic_has_the_same_curvature_at_both_scales():
    ratio, X, _ = _ratio(ellipsoid, np.full(10, 0.7), 2.0)
    assert ratio == pytest.approx(1.0, rel=1e-6)
    assert X.shape == (1 + 4 * PROBE_LINES, 10)


def test_rastrigin_is_rugged_at_the_scale_of_its_basins():
    # steps of 4 cross several of the basins, a hundredth of that stays in one
    assert _ratio(rastrigin, np.full(10, 0.3), 4.0)[0] > RUGGED_RATIO
    # with steps far below the basins' width the probe sees one smooth basin
    assert _ratio(rastrigin, np.full(10, 0.3), 0.02)[0] < 2


@pytest.mark.parametrize("f", [lambda x: float(np.sum(x)), lambda x: 3.0,
                               lambda x: np.inf if x[0] > 1 else float(x @ x)])
def test_linear_flat_or_non_finite_probes_read_smooth(f):
    assert _ratio(f, np.zeros(6), 2.0)[0] == 0.0


def test_probe_points_stay_inside_the_bounds_and_symmetric():
    x0 = np.full(5, 0.5)
    lb, ub = x0 - np.array([0.5, 1, 1, 1, 1]), x0 + 1.0
    ratio, X, h = _ratio(ellipsoid, x0, 2.0, lb=lb, ub=ub)
    assert np.all(X >= lb) and np.all(X <= ub)
    assert np.all(h < 2.0) and np.all(h > 0)  # shortened to the room around x0
    assert _ratio(ellipsoid, x0, 2.0)[2].tolist() == [2.0] * PROBE_LINES  # unbounded
    plus, minus = X[1:1 + PROBE_LINES], X[1 + PROBE_LINES:1 + 2 * PROBE_LINES]
    np.testing.assert_allclose(plus + minus, np.tile(2 * x0, (PROBE_LINES, 1)))
    assert ratio == pytest.approx(1.0, rel=1e-6)


def _run(f, x0, budget, sigma0=4.0, **options):
    opt = Optimizer("l2l-zo", x0, rng=3, budget=budget, options={"sigma0": sigma0, **options})
    sigmas = []
    while opt.state.memory["nfev"] < budget:
        X = opt.ask()
        opt.tell(X, [f(x) for x in X])
        sigmas.append((opt.state.memory["nfev"], float(opt.state.memory["core"].sigma)))
    return opt, sigmas


def test_a_rugged_run_walks_with_sigma_held_up_over_half_the_budget():
    opt, sigmas = _run(rastrigin, np.full(10, 2.0), 1200, walk=True)
    res = opt.result
    assert res.walk and res.ruggedness > RUGGED_RATIO
    end = WALK_BUDGET_FRAC * 1200
    for nfev, sigma in sigmas:
        if nfev < end:
            assert sigma >= 4.0 * (1 - nfev / end) * (1 - 1e-6)
    # the probe's evaluations count in the budget: 32 points and x0 twice (option noisy)
    assert sigmas[0][0] == 2 + 4 * PROBE_LINES


def test_a_smooth_run_probes_and_then_runs_as_without_the_walk():
    opt = Optimizer("l2l-zo", np.full(10, 2.0), rng=3, budget=600, options={"walk": True})
    X = opt.ask()
    opt.tell(X, [ellipsoid(x) for x in X])
    assert opt.state.fx == ellipsoid(np.full(10, 2.0))
    # x0's value from the probe: the first iteration asks no centre
    assert opt.ask().shape[0] == opt.state.memory["q"]
    opt, _ = _run(ellipsoid, np.full(10, 2.0), 600, walk=True)
    res = opt.result
    assert not res.walk and res.ruggedness == pytest.approx(1.0, rel=1e-6)


def test_no_probe_from_x0_on_a_bound():
    # every line through a point on a face leaves the box at once: nothing to probe
    opt = Optimizer("l2l-zo", np.zeros(6), rng=0, budget=600, bounds=(np.zeros(6), np.ones(6)),
                    options={"walk": True})
    # the first iteration's, with x0 again last: the noise check the probe would make
    X = opt.ask()
    assert X.shape[0] == opt.state.memory["q"] + 2
    np.testing.assert_array_equal(X[-1], X[0])
    assert opt.state.memory["ruggedness"] == 0.0


def test_no_probe_without_a_budget_or_with_walk_false():
    for opts in ({"walk": True}, {"walk": False, "maxfev": 500}):
        res = minimize(rastrigin, np.full(10, 2.0), method="l2l-zo",
                       options={"maxiter": 50, **opts}, rng=0)
        assert res.ruggedness is None and not res.walk


@pytest.mark.parametrize("d, probes", [(2, False), (4, False), (5, True), (49, True),
                                       (50, False)])
def test_auto_walks_from_d_5_to_49(d, probes):
    opt = Optimizer("l2l-zo", np.zeros(d), rng=0, budget=1000, options={"walk": "auto"})
    assert (opt.ask().shape[0] == 2 + 4 * PROBE_LINES) == probes  # x0 twice: option noisy


def test_same_rng_same_run_and_the_run_stream_untouched_by_the_probe():
    a = minimize(rastrigin, np.full(6, 2.0), method="l2l-zo",
                 options={"maxfev": 700, "walk": True, "sigma0": 2.0}, rng=5)
    b = minimize(rastrigin, np.full(6, 2.0), method="l2l-zo",
                 options={"maxfev": 700, "walk": True, "sigma0": 2.0}, rng=5)
    assert a.fun == b.fun and np.array_equal(a.x, b.x) and a.walk
    # the probe draws from its own generator: after it, a smooth run asks the queries
    # that it asks without the probe (there with x0 in front, and x0 again last: the
    # noise check, which the probe made)
    runs = []
    for walk in (True, False):
        opt = Optimizer("l2l-zo", np.full(8, 1.0), rng=4, budget=600, options={"walk": walk})
        if walk:
            X = opt.ask()
            opt.tell(X, [ellipsoid(x) for x in X])
        runs.append(opt.ask())
    np.testing.assert_array_equal(runs[0], runs[1][1:-1])


def test_bad_values_are_refused():
    with pytest.raises(TypeError, match="walk"):
        minimize(rastrigin, np.zeros(3), method="l2l-zo", options={"walk": "sometimes"})
    with pytest.raises(ValueError, match="walk_mu"):
        minimize(rastrigin, np.zeros(3), method="l2l-zo", options={"walk_mu": 0.0})


def _first_batches(f, walk_mu, budget=1200, n=3):
    """The probe and the next ``n`` batches of a run from x = 2 (d = 10), and the
    iterate each of those batches was asked around."""
    opt = Optimizer("l2l-zo", np.full(10, 2.0), rng=3, budget=budget,
                    options={"sigma0": 4.0, "walk": True, "walk_mu": walk_mu})
    X = opt.ask()
    opt.tell(X, [f(x) for x in X])
    out = []
    for _ in range(n):
        x = opt.state.x.copy()
        X = opt.ask()
        out.append(X - x)
        opt.tell(X, [f(x) for x in X])
    return opt, out


def test_walk_mu_widens_the_queries_during_the_walk_only():
    """The queries of a walking run lie ``walk_mu`` times as far from the iterate (the
    same directions); a run that does not walk is the same run whatever ``walk_mu``."""
    a, da = _first_batches(rastrigin, 1.0, n=1)
    b, db = _first_batches(rastrigin, 2.5, n=1)
    assert a.result.walk and b.result.walk
    np.testing.assert_allclose(db[0], 2.5 * da[0], rtol=1e-5, atol=1e-12)
    _, ds = _first_batches(ellipsoid, 1.0)
    _, dt = _first_batches(ellipsoid, 2.5)
    for s, t in zip(ds, dt):
        np.testing.assert_array_equal(s, t)
    # once the walk's share of the budget is spent, the usual radius again
    opt, _ = _run(rastrigin, np.full(10, 2.0), 400, walk=True, walk_mu=2.5)
    assert opt.result.walk and not opt.method._walking(opt.state)


def test_walk_mu_comes_from_the_manifest_unless_given(tmp_path):
    from zominimize.learned import load_weights, save_weights
    from zominimize.learned.weights import WeightsError
    from zominimize.methods.l2l_zo import L2LZO

    net, manifest = load_weights("classification")
    assert L2LZO(weights="classification").walk_mu == 1.0
    path = tmp_path / "w.safetensors"
    save_weights(net, path, {**manifest, "options": {**manifest.get("options", {}),
                                                     "walk_mu": 3.0}})
    assert L2LZO(weights=str(path)).walk_mu == 3.0
    assert L2LZO(weights=str(path), walk_mu=1.5).walk_mu == 1.5
    assert L2LZO(weights=str(path), rules="paper").walk_mu == 1.0
    save_weights(net, path, {**manifest, "options": {"walk_mu": -1}})
    with pytest.raises(WeightsError, match="walk_mu"):
        L2LZO(weights=str(path))
