"""The learned optimizer: scale invariance, sigma0, dimensions, devices, ablations."""

import numpy as np
import pytest
import torch

import zominimize
from zominimize import minimize


def quad(x):
    h = np.linspace(1.0, 10.0, x.size)
    return 0.5 * np.sum(h * (x - 1.0) ** 2)


OPTS = {"maxfev": 21 * 30}


@pytest.mark.parametrize("dtype, tol", [("float64", 1e-6), ("float32", 1e-4)])
@pytest.mark.parametrize("a", [1e-6, 1e-3, 1.0, 1e3, 1e6])
def test_f_scale_invariance(a, dtype, tol):
    """Minimizing a*f + b follows the same iterates as f (same rng), to the precision
    of the networks."""
    x0 = np.zeros(20)
    opts = dict(OPTS, return_all=True, dtype=dtype)
    ref = minimize(quad, x0, method="l2l-zo", options=opts, rng=3)
    b = 5.0
    res = minimize(lambda x: a * quad(x) + b, x0, method="l2l-zo", options=opts, rng=3)
    np.testing.assert_allclose(np.array(res.allvecs), np.array(ref.allvecs), rtol=tol,
                               atol=tol / 100)
    np.testing.assert_allclose(res.x, ref.x, rtol=tol, atol=tol / 100)


def test_x_scale_equivariance():
    """Rescaling x and sigma0 together rescales the whole trajectory."""
    s = 1e3
    x0 = np.full(10, 0.3)
    opts = dict(OPTS, return_all=True, sigma0=0.05, dtype="float64")
    ref = minimize(quad, x0, method="l2l-zo", options=opts, rng=1)
    res = minimize(lambda z: quad(z / s), s * x0, method="l2l-zo",
                   options=dict(opts, sigma0=0.05 * s), rng=1)
    np.testing.assert_allclose(np.array(res.allvecs) / s, np.array(ref.allvecs), rtol=1e-6,
                               atol=1e-9)


def test_first_steps_scale_with_sigma0():
    x0 = np.zeros(50)
    steps = []
    for sigma0 in (1e-3, 1e-1):
        opt = zominimize.Optimizer("l2l-zo", x0, rng=0, sigma0=sigma0)
        X = opt.ask()
        opt.tell(X, [quad(x) for x in X])
        steps.append(np.linalg.norm(opt.state.x - x0))
        assert np.max(np.abs(X[1:] - x0)) < 20 * sigma0  # queries are sigma0-sized too
    # not exactly 100: the smoothing radius (mu_rel * sigma) changes the estimate slightly
    assert steps[1] / steps[0] == pytest.approx(100.0, rel=1e-2)


@pytest.mark.parametrize("bounded", [False, True])
def test_default_sigma0_keeps_first_steps_from_growing_with_d(bounded):
    """Up to d = 200 (the training dimensions) sigma0 is 0.03 times the scale (box
    width, or rms(x0) at least 1); above, it shrinks like 1/d, so that the first steps
    (about sigma0 per coordinate) do not grow with the dimension."""
    from zominimize.learned.sigma0 import SIGMA0_REL, default_sigma0

    assert SIGMA0_REL == 0.03  # the research log says how it was selected

    def sigma0(d):
        lb, ub = (np.full(d, -2.0), np.full(d, 2.0)) if bounded else (
            np.full(d, -np.inf), np.full(d, np.inf))
        return default_sigma0(np.full(d, 3.0 if not bounded else 0.0), lb, ub)

    expected = 0.12 if bounded else 0.09
    assert sigma0(10) == pytest.approx(expected)
    assert sigma0(200) == pytest.approx(expected)
    assert sigma0(1000) == pytest.approx(expected / 5)
    # the method uses it: the first step of l2l-zo at d = 1000 is sigma0-sized
    opt = zominimize.Optimizer("l2l-zo", np.zeros(1000), rng=0)
    opt.ask()
    assert opt.result.sigma == pytest.approx(0.03 / 5)


def test_weight_set_may_record_its_own_start_and_smoothing():
    """A manifest's options.sigma0_rel and options.mu_rel set l2l-zo's defaults:
    "classification" records 0.01 for both; explicit options still win."""
    opt = zominimize.Optimizer("l2l-zo", np.zeros(100), rng=0, weights="classification")
    opt.ask()
    assert opt.result.sigma == pytest.approx(0.01)
    assert opt.method.mu_rel == 0.01
    opt = zominimize.Optimizer("l2l-zo", np.zeros(100), rng=0, weights="classification",
                               sigma0=0.5, mu_rel=0.1)
    opt.ask()
    assert opt.result.sigma == pytest.approx(0.5)
    assert opt.method.mu_rel == 0.1


def test_sigma_down_comes_from_the_manifest_unless_given(tmp_path):
    """options.sigma_down in a manifest is l2l-zo's default (0.4, the training value,
    when it records none); a given value wins and changes the run; a bad one is a
    ValueError naming the option."""
    from zominimize.learned import L2LNet, save_weights

    torch.manual_seed(0)
    path = tmp_path / "w.safetensors"
    save_weights(L2LNet("scaled"), path, {"family": "test", "options": {"sigma_down": 1.0}})
    assert zominimize.Optimizer("l2l-zo", np.zeros(5), weights=path).method.sigma_down == 1.0
    assert zominimize.Optimizer("l2l-zo", np.zeros(5), weights=path,
                                sigma_down=0.5).method.sigma_down == 0.5
    assert zominimize.Optimizer("l2l-zo", np.zeros(5), weights="attack").method.sigma_down == 0.4

    def run(**o):
        return minimize(quad, np.zeros(10), method="l2l-zo", options=dict(OPTS, **o), rng=0).x

    # "attack" records none: 0.4; on the default networks a harder shrink changes the run
    np.testing.assert_array_equal(run(weights="attack", sigma_down=0.4), run(weights="attack"))
    assert not np.array_equal(run(sigma_down=1.0), run(sigma_down=0.4))
    with pytest.raises(ValueError, match="sigma_down"):
        minimize(quad, np.zeros(3), method="l2l-zo", options={"sigma_down": -1.0})


def test_beta1_and_step_beta1_come_from_the_manifest_unless_given(tmp_path):
    """beta1 and step_beta1 are the weight set's manifest values (0.9, the training
    value, and None when it records none); given values win and change the run; values
    outside [0, 1), and strings but step_beta1's "auto", are refused by name."""
    from zominimize.learned import L2LNet, save_weights

    torch.manual_seed(0)
    path = tmp_path / "w.safetensors"
    save_weights(L2LNet("scaled"), path,
                 {"family": "test", "options": {"beta1": 0.5, "step_beta1": "auto"}})
    method = zominimize.Optimizer("l2l-zo", np.zeros(5), weights=path).method
    assert (method.beta1, method.step_beta1) == (0.5, "auto")
    method = zominimize.Optimizer("l2l-zo", np.zeros(5), weights=path, beta1=0.8,
                                  step_beta1=0.6).method
    assert (method.beta1, method.step_beta1) == (0.8, 0.6)
    method = zominimize.Optimizer("l2l-zo", np.zeros(5), weights="attack").method
    assert (method.beta1, method.step_beta1) == (0.9, None)
    # "default" records the fortieth round's rule
    method = zominimize.Optimizer("l2l-zo", np.zeros(5)).method
    assert (method.beta1, method.step_beta1) == (0.9, "auto")

    def run(d=10, **o):
        return minimize(quad, np.zeros(d), method="l2l-zo", options=dict(OPTS, **o), rng=0).x

    np.testing.assert_array_equal(run(weights="attack", beta1=0.9), run(weights="attack"))
    np.testing.assert_array_equal(run(step_beta1=0.9), run())  # the same mean, twice
    assert not np.array_equal(run(beta1=0.5), run(beta1=0.9))
    assert not np.array_equal(run(step_beta1=0.5), run())
    assert not np.array_equal(run(step_beta1=0.5), run(beta1=0.5))
    for key in ("beta1", "step_beta1"):
        for bad, err in ((1.0, ValueError), (-0.1, ValueError), ("0.5", TypeError)):
            with pytest.raises(err, match=key):
                minimize(quad, np.zeros(3), method="l2l-zo", options={key: bad})
    with pytest.raises(TypeError, match="beta1"):
        minimize(quad, np.zeros(3), method="l2l-zo", options={"beta1": "auto"})
    # step_beta1_sigma: the second mean only once σ is below that share of sigma0
    np.testing.assert_array_equal(run(step_beta1=0.5, step_beta1_sigma=1e-9), run())
    assert not np.array_equal(run(step_beta1=0.5, step_beta1_sigma=10.0), run())
    np.testing.assert_array_equal(run(step_beta1=0.5, step_beta1_sigma=10.0),
                                  run(step_beta1=0.5))
    with pytest.raises(ValueError, match="step_beta1_sigma"):
        minimize(quad, np.zeros(3), method="l2l-zo", options={"step_beta1_sigma": -1.0})


def test_sigma_down_sigma_switches_the_harder_shrink_on_below_a_share_of_sigma0():
    """sigma_down_sigma: the given shrink only once σ is below that share of its start,
    the trained one above; a share no σ reaches is the trained shrink throughout."""
    from zominimize.learned.core import SIGMA_DOWN, init_state, shrink_prior
    from zominimize.learned.nets import L2LNet

    st = init_state(L2LNet("scaled"), torch.zeros(3, dtype=torch.float64), 1.0)
    assert shrink_prior(st, 1.0) == 1.0
    assert shrink_prior(st, 1.0, 0.5) == SIGMA_DOWN  # σ at its start
    assert shrink_prior(st, 1.0, 2.0) == 1.0

    def run(**o):
        return minimize(quad, np.zeros(10), method="l2l-zo", rng=0,
                        options={"maxfev": 400, "sigma0": 1.0, **o}).x

    np.testing.assert_array_equal(run(sigma_down=1.0, sigma_down_sigma=1e-12), run())
    np.testing.assert_array_equal(run(sigma_down=1.0, sigma_down_sigma=1e6),
                                  run(sigma_down=1.0))
    assert not np.array_equal(run(sigma_down=1.0), run())
    # a share in between switches mid-run: neither rule's run throughout
    mid = run(sigma_down=1.0, sigma_down_sigma=0.5)
    assert not np.array_equal(mid, run()) and not np.array_equal(mid, run(sigma_down=1.0))
    with pytest.raises(ValueError, match="sigma_down_sigma"):
        minimize(quad, np.zeros(3), method="l2l-zo", options={"sigma_down_sigma": 0.0})


@pytest.mark.parametrize("d, rule", [(99, {"sigma_down": 0.4}),
                                     (100, {"sigma_down": 1.0, "sigma_down_sigma": 1.0}),
                                     (299, {"sigma_down": 1.0, "sigma_down_sigma": 1.0}),
                                     (300, {"sigma_down": 1.0, "sigma_down_sigma": 0.5})])
def test_sigma_down_auto_by_dimension(d, rule, tmp_path):
    """sigma_down="auto" is the harder shrink 1 from d = 300 once σ is below half its
    start, from d = 100 to 299 once it is below its start, and the trained 0.4 otherwise;
    the default weights record it, and a manifest may say "auto" too."""
    from zominimize.learned import L2LNet, save_weights
    from zominimize.learned.rules import resolve_sigma_down, resolve_sigma_down_sigma

    assert resolve_sigma_down("auto", d) == rule["sigma_down"]
    assert resolve_sigma_down_sigma("auto", None, d) == rule.get("sigma_down_sigma")
    assert resolve_sigma_down_sigma("auto", 0.3, d) == 0.3  # a given share wins
    assert resolve_sigma_down(0.7, d) == 0.7
    assert resolve_sigma_down_sigma(0.7, None, d) is None
    assert zominimize.Optimizer("l2l-zo", np.zeros(5)).method.sigma_down == "auto"
    torch.manual_seed(0)
    path = tmp_path / "w.safetensors"
    save_weights(L2LNet("scaled"), path, {"family": "test", "options": {"sigma_down": "auto"}})
    assert zominimize.Optimizer("l2l-zo", np.zeros(5), weights=path).method.sigma_down == "auto"

    def run(**o):
        return minimize(quad, np.zeros(d), method="l2l-zo", rng=0,
                        options={"maxfev": 3000, "sigma0": 1.0, **o}).x

    default = run()
    np.testing.assert_array_equal(default, run(**rule))
    np.testing.assert_array_equal(run(weights=str(path)), run(weights=str(path), **rule))
    # neither the other dimension's rule nor the harder shrink throughout
    other = {"sigma_down": 0.4} if d >= 100 else {"sigma_down": 1.0, "sigma_down_sigma": 0.5}
    assert not np.array_equal(default, run(**other))
    # nor the harder shrink throughout: from a small start σ grows above it and
    # deteriorations there keep the trained shrink
    assert not np.array_equal(run(sigma0=0.01), run(sigma0=0.01, sigma_down=1.0))
    with pytest.raises(TypeError, match="sigma_down"):
        minimize(quad, np.zeros(3), method="l2l-zo", options={"sigma_down": "often"})


@pytest.mark.parametrize("d, step_beta1, frac", [(59, None, None), (60, 0.7, 0.5),
                                                 (299, 0.7, 0.5), (300, 0.7, None)])
def test_step_beta1_auto_by_dimension(d, step_beta1, frac):
    """step_beta1="auto" is 0.7 from d = 300; from d = 60 to 299 the same once σ is
    below half its start; below d = 60 no second mean. A given step_beta1_sigma wins."""
    from zominimize.learned.rules import resolve_step_beta1, resolve_step_beta1_sigma

    assert resolve_step_beta1("auto", d) == step_beta1
    assert resolve_step_beta1_sigma("auto", None, d) == frac
    assert resolve_step_beta1_sigma("auto", 0.3, d) == 0.3
    assert resolve_step_beta1(0.6, d) == 0.6 and resolve_step_beta1(None, d) is None
    assert resolve_step_beta1_sigma(0.6, None, d) is None  # a number: always

    def run(**o):
        return minimize(quad, np.zeros(d), method="l2l-zo", rng=0,
                        options={"maxfev": 1000, "sigma0": 1.0, **o}).x

    # the default weights record "auto"; a given step_beta1 replaces it
    default = run()
    np.testing.assert_array_equal(default, run(step_beta1="auto"))
    np.testing.assert_array_equal(default, run(step_beta1=step_beta1, step_beta1_sigma=frac))
    np.testing.assert_array_equal(run(weights="attack", step_beta1="auto"),
                                  run(weights="attack", step_beta1=step_beta1,
                                      step_beta1_sigma=frac))
    if step_beta1 is None:
        return
    # 0.9 (the networks' own mean) undoes it; with the switch, not the second mean from
    # the start
    assert not np.array_equal(default, run(step_beta1=0.9))
    if frac is not None:
        assert not np.array_equal(default, run(step_beta1=step_beta1))


@pytest.mark.parametrize("d", [1, 2, 7])
def test_small_dimensions(d):
    res = minimize(quad, np.zeros(d), method="l2l-zo", options={"maxfev": 21 * 40}, rng=0)
    assert res.fun < quad(np.zeros(d))


def test_large_dimension_runs():
    d = 100_000
    res = minimize(lambda X: 0.5 * np.sum((X - 1.0) ** 2, axis=0), np.zeros(d), method="l2l-zo",
                   options={"maxiter": 3, "vectorized": True}, rng=0)
    assert res.nit == 3 and res.x.shape == (d,) and res.fun < 0.5 * d


def test_learns_something():
    """The bundled default beats its own starting point by orders of magnitude on a quadratic."""
    res = minimize(quad, np.zeros(20), method="l2l-zo", options={"maxfev": 4200}, rng=0)
    assert res.fun < 1e-2 * quad(np.zeros(20))


@pytest.mark.parametrize("opts", [
    {"sampler": "gaussian"}, {"sampler": "guided-es"}, {"sampler": "rnn-guided"},
    {"update": "sgd"}, {"pred_ratio": 1.0},
    {"pred_ratio": 0.0}, {"weights": "attack"}, {"dtype": "float32"}, {"mu": 1e-4},
])
def test_ablations_and_options_run(opts):
    res = minimize(quad, np.zeros(10), method="l2l-zo", options=dict(OPTS, **opts), rng=0)
    assert np.isfinite(res.fun) and res.fun <= quad(np.zeros(10))
    assert res.nfev == OPTS["maxfev"]


def test_sampler_changes_trajectory():
    a = minimize(quad, np.zeros(10), method="l2l-zo", options=dict(OPTS, pred_ratio=1.0), rng=0)
    b = minimize(quad, np.zeros(10), method="l2l-zo", options=dict(OPTS, sampler="gaussian"),
                 rng=0)
    assert not np.allclose(a.x, b.x)


def test_weights_by_path(tmp_path):
    from zominimize.learned import load_weights, save_weights

    net, manifest = load_weights("default")
    save_weights(net, tmp_path / "copy.safetensors", {"options": manifest["options"]})
    a = minimize(quad, np.zeros(5), method="l2l-zo", options=dict(OPTS), rng=0)
    b = minimize(quad, np.zeros(5), method="l2l-zo",
                 options=dict(OPTS, weights=str(tmp_path / "copy.safetensors")), rng=0)
    assert a.weights == "default"
    np.testing.assert_array_equal(a.x, b.x)


@pytest.mark.parametrize("bad, match", [
    ({"weights": "nope"}, "Unknown weights"),
    ({"device": "cuda:7"} if not torch.cuda.is_available() else {"device": "cuda:99"},
     "not available"),
    ({"device": "tpu"}, "device"),
    ({"dtype": "int8"}, "dtype"),
    ({"sampler": "cma"}, "sampler"),
    ({"update": "adam"}, "update"),
    ({"pred_ratio": 1.5}, "pred_ratio"),
    ({"sigma0": -1.0}, "sigma0"),
    ({"q": 0}, "q"),
    ({"rules": "cma"}, "rules"),
])
def test_bad_options(bad, match):
    with pytest.raises(ValueError, match=match):
        minimize(quad, np.zeros(3), method="l2l-zo", options=bad)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_matches_cpu():
    a = minimize(quad, np.zeros(50), method="l2l-zo", options=dict(OPTS, device="cpu"), rng=0)
    b = minimize(quad, np.zeros(50), method="l2l-zo", options=dict(OPTS, device="cuda"), rng=0)
    np.testing.assert_allclose(a.x, b.x, rtol=1e-4, atol=1e-6)
    assert b.device.startswith("cuda")
    # a GPU objective evaluated in batches on the device
    c = minimize(lambda X: 0.5 * (X - 1.0).pow(2).sum(0), np.zeros(50), method="l2l-zo",
                 options=dict(OPTS, device="cuda", vectorized="torch", eval_device="cuda"),
                 rng=0)
    assert np.isfinite(c.fun)


def test_scipy_callable_is_exposed():
    import scipy.optimize

    res = scipy.optimize.minimize(quad, np.zeros(5), method=zominimize.l2l_zo,
                                  options=dict(OPTS, rng=0))
    ref = minimize(quad, np.zeros(5), method="l2l-zo", options=OPTS, rng=0)
    np.testing.assert_array_equal(res.x, ref.x)
    assert "weights" in zominimize.l2l_zo.__doc__


def test_vectorized_torch_objective_receives_a_tensor():
    """vectorized="torch": the objective gets the batch as a tensor on eval_device and may
    return a tensor; the result equals the numpy-vectorized run."""
    seen = []

    def f_torch(X):
        seen.append((type(X), X.dtype, X.device.type, tuple(X.shape)))
        h = torch.linspace(1.0, 10.0, X.shape[0], dtype=X.dtype)[:, None]
        return 0.5 * (h * (X - 1.0) ** 2).sum(0)

    def f_numpy(X):
        h = np.linspace(1.0, 10.0, X.shape[0])[:, None]
        return 0.5 * (h * (X - 1.0) ** 2).sum(0)

    # the first batch an iteration's: no probe, no noise check
    opts = {"maxfev": 21 * 5, "q": 20, "walk": False, "noisy": False}
    a = minimize(f_torch, np.zeros(6), method="l2l-zo",
                 options=dict(opts, vectorized="torch", eval_device="cpu"), rng=0)
    b = minimize(f_numpy, np.zeros(6), method="l2l-zo", options=dict(opts, vectorized=True),
                 rng=0)
    np.testing.assert_allclose(a.x, b.x, rtol=1e-12)
    assert seen[0][0] is torch.Tensor and seen[0][1] == torch.float64
    assert seen[0][2] == "cpu" and seen[0][3] == (6, 21)
    with pytest.raises(ValueError, match="vectorized"):
        minimize(f_numpy, np.zeros(3), method="zo-adam", options={"vectorized": "cupy"})


def test_global_random_states_are_untouched():
    """l2l-zo draws everything from its own generators: neither torch's nor NumPy's
    global random state moves (loading the networks included)."""
    torch_state = torch.get_rng_state()
    np_state = np.random.get_state()[1].copy()  # noqa: NPY002 - the legacy global state
    minimize(quad, np.zeros(5), method="l2l-zo", options={"maxiter": 3}, rng=0)
    assert torch.equal(torch.get_rng_state(), torch_state)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)  # noqa: NPY002


def test_q_auto_follows_the_dimension():
    """q="auto": few directions below d = 100 (more iterations; one per coordinate
    below d = 5), 20 from there on."""
    from zominimize.learned.rules import default_q

    assert [default_q(d) for d in (1, 2, 4, 5, 99, 100, 400, 784, 1000, 10**6)] == [
        1, 2, 4, 5, 5, 20, 20, 20, 20, 20]
    for d, q in ((3, 3), (10, 5), (400, 20)):
        # noisy=False: no noise check, the first ask is x0 and its queries
        opt = zominimize.Optimizer("l2l-zo", np.zeros(d), rng=0, q="auto", noisy=False)
        assert opt.ask().shape == (q + 1, d)
    with pytest.raises(ValueError, match="`q`"):
        zominimize.Optimizer("l2l-zo", np.zeros(3), q="sometimes")


def test_q_budget_raises_q_with_a_known_budget_unless_q_is_given():
    """q_budget=True: with a budget B (maxfev), below d = 100, q is at least
    min(10, ceil(B / 1000) - 1); unchanged up to 6,000 evaluations at q = 5; a number
    given, the default q_budget=False or d >= 100 keep the weight set's q."""
    from zominimize.learned.rules import BUDGET_ITERATIONS, BUDGET_Q_MAX, budget_q

    assert (BUDGET_ITERATIONS, BUDGET_Q_MAX) == (1000, 10)
    budgets = (None, 1, 4200, 6000, 6001, 10000, 11000, 10**6)
    assert [budget_q(5, b, 10) for b in budgets] == [5, 5, 5, 5, 6, 9, 10, 10]
    assert [budget_q(5, b, 99) for b in budgets] == [5, 5, 5, 5, 6, 9, 10, 10]
    assert [budget_q(10, b, 100) for b in budgets] == [10] * len(budgets)
    assert budget_q(20, 10**6, 5) == 20  # never lowered

    def q_of(d=10, q_budget=True, **kw):
        # walk=False, noisy=False: the first ask is then an iteration's, neither the
        # ruggedness probe nor with the noise check's second x0
        return zominimize.Optimizer("l2l-zo", np.zeros(d), rng=0, q_budget=q_budget,
                                    walk=False, noisy=False, **kw).ask().shape[0] - 1

    assert q_of() == q_of(budget=6000) == 5 and q_of(budget=20000) == 10
    assert q_of(d=3, budget=8000) == 7 and q_of(d=60, budget=10000) == 9  # default-mid's
    assert q_of(d=2, budget=1000) == 2 and q_of(d=2, budget=4200) == 4  # from q = d
    assert q_of(d=150, budget=20000) == 10 and q_of(d=700, budget=50000) == 10  # kept
    assert q_of(budget=20000, q=5) == 5 and q_of(budget=20000, q="auto") == 10
    assert q_of(budget=20000, q_budget=False) == 5
    opt = zominimize.Optimizer("l2l-zo", np.zeros(10), budget=20000, walk=False, noisy=False)
    assert opt.ask().shape[0] == 6
    for bad, err in ((0, ValueError), (2.5, ValueError), ("many", TypeError)):
        with pytest.raises(err, match="`budget`"):
            zominimize.Optimizer("l2l-zo", np.zeros(3), budget=bad)
    # minimize passes maxfev: its run is the Optimizer's with that budget
    def f(X):  # SciPy's vectorized convention: columns are points
        return np.sum((X - 0.5) ** 2, axis=0)

    res = zominimize.minimize(f, np.ones(10), method="l2l-zo", rng=1,
                              options={"maxfev": 8000, "maxiter": 50, "vectorized": True,
                                       "q_budget": True})
    opt = zominimize.Optimizer("l2l-zo", np.ones(10), rng=1, budget=8000, q_budget=True)
    for k in range(50):
        X = opt.ask()
        # the ruggedness probe first (option walk, x0 twice: option noisy), then 7
        # queries, and the new iterate unless a step was undone
        assert len(X) in ((34,) if k == 0 else (7, 8))
        opt.tell(X, f(X.T))
    assert opt.nfev == res.nfev and res.fun == opt.fun and np.array_equal(res.x, opt.x)


@pytest.mark.parametrize("d, auto", [(4, "orthogonal"), (20, "orthogonal"),
                                     (49, "orthogonal"), (50, "independent"),
                                     (100, "independent")])
def test_directions_option_reaches_the_queries(d, auto):
    """``directions="orthogonal"``: the directions of an iteration are orthogonal
    (``pred_ratio=0``: no QueryRNN scaling); ``"auto"`` picks by dimension, and a
    run with ``"auto"`` is, to the bit, the run with the rule it picks."""
    from zominimize.learned.rules import resolve_directions

    assert resolve_directions("auto", d) == auto
    q = 5
    for rule in ("orthogonal", "independent"):
        opt = zominimize.Optimizer("l2l-zo", np.zeros(d), rng=0, q=q, pred_ratio=0.0,
                                   directions=rule)
        U = opt.ask()[1:][:d]  # one block: q directions, or d when q > d
        G = U @ U.T
        off = np.abs(G - np.diag(np.diag(G))).max() / G.max()
        assert (off < 1e-5) == (rule == "orthogonal")  # float32 directions
    f = _Shifted(d)
    runs = [minimize(f, np.zeros(d), method="l2l-zo",
                     options={"maxfev": 20 * (q + 1), "q": q, "directions": rule}, rng=2)
            for rule in ("auto", auto)]
    np.testing.assert_array_equal(runs[0].x, runs[1].x)
    with pytest.raises(ValueError, match="`directions`"):
        zominimize.Optimizer("l2l-zo", np.zeros(3), directions="sobol")


def test_repr_shows_the_rules_the_weights_chose():
    """The manifest's rules, or the options that override them, are what the method
    reports."""
    from zominimize.methods.l2l_zo import L2LZO

    text = repr(L2LZO())
    assert "q='auto'" in text and "accept='auto'" in text and "directions='auto'" in text
    text = repr(L2LZO(weights="attack", directions="orthogonal"))
    assert "q=20" in text and "accept='always'" in text and "directions='orthogonal'" in text


@pytest.mark.parametrize("d, q, accept, directions", [
    (10, 5, "improving", "orthogonal"), (30, 5, "improving", "orthogonal"),
    (99, 5, "improving", "independent"),
    (100, 10, "elitist-streak", "independent"), (600, 10, "elitist-streak", "independent")])
def test_default_rules_follow_the_dimension(d, q, accept, directions):
    """The "default" weights run few queries and the elitist rule below d = 100
    (orthogonal directions below d = 50), and from d = 100 on the "default-mid"
    networks with 10 queries (since the fiftieth round also from d = 600) and the
    elitist rule until two improvements in a row: the same run, to the bit, as those
    options given."""
    from zominimize.learned import bundled_weights

    manifest = bundled_weights()["default"]
    assert manifest["options"]["q"] == "auto"
    assert manifest["options"]["accept"] == "auto"
    assert manifest["options"]["directions"] == "auto"
    # the "by_dim" parts follow the same accept rule (not their own manifests')
    assert all(part["options"]["accept"] == "auto" for part in manifest["by_dim"])
    f = _Shifted(d)
    x0 = np.zeros(d)
    a = minimize(f, x0, method="l2l-zo", options={"maxfev": 40 * (q + 1)}, rng=3)
    b = minimize(f, x0, method="l2l-zo", rng=3, options={
        "maxfev": 40 * (q + 1), "q": q, "accept": accept, "directions": directions})
    other = {5: (20, "elitist-start"), 10: (5, "improving"), 20: (5, "improving")}[q]
    c = minimize(f, x0, method="l2l-zo",
                 options={"maxfev": 40 * (q + 1), "q": other[0], "accept": other[1]}, rng=3)
    np.testing.assert_array_equal(a.x, b.x)
    # from d = 40 to 99 a kept iterate's value and its queries are two tells; from
    # d = 5 to 49 the ruggedness probe (option walk) takes the first tell's evaluations,
    # and below d = 300 the noise check one evaluation (option noisy)
    assert a.nit == b.nit
    assert a.nit == (40 if d >= 300 else 39) if not (40 <= d < 100 or 5 <= d < 50) \
        else a.nit >= 30
    assert not np.array_equal(a.x, c.x)
    if directions == "orthogonal":  # and not the independent draws' run
        e = minimize(f, x0, method="l2l-zo", rng=3, options={
            "maxfev": 40 * (q + 1), "directions": "independent"})
        assert not np.array_equal(a.x, e.x)


@pytest.mark.parametrize("d", [10, 30])
def test_rules_paper_is_every_rule_at_the_papers_value(d):
    """rules="paper": the same run, to the bit, as every rule given the paper's value
    (20 independent queries, every iterate kept, no restarts, returns, walk or
    covariance, the trained shrink, the set's own networks); not the default's run."""
    from zominimize.learned.rules import SIGMA_DOWN_TRAINED

    paper = {"q": 20, "accept": "always", "directions": "independent", "by_dim": False,
             "restarts": False, "local_returns": False, "sigma_down": SIGMA_DOWN_TRAINED,
             "covariance": False, "walk": False}
    f, x0 = _Shifted(d), np.zeros(d)

    def run(**opts):
        return minimize(f, x0, method="l2l-zo", rng=5, options={"maxfev": 630, **opts})

    a, b, c = run(rules="paper"), run(**paper), run()
    np.testing.assert_array_equal(a.x, b.x)
    assert a.nfev == b.nfev == 630 and a.nit == 30  # one batch of 21 per iteration
    assert a.restarts is None and a.ruggedness is None and a.walk is False
    assert not np.array_equal(a.x, c.x)


def test_rules_paper_keeps_the_scale_constants_and_explicit_options():
    """Every rule falls back to the paper's, at every d and in every part; the weight
    set's scale constants and the options passed still apply."""
    from zominimize.learned.rules import BETA1, SIGMA_DOWN_TRAINED
    from zominimize.methods.l2l_zo import L2LZO

    m = L2LZO(rules="paper")
    assert m.by_dim is False and L2LZO().by_dim is True
    for d in (10, 120, 700):
        nets = m._for_dim(d)
        assert (nets.name, nets.q, nets.accept, nets.directions) == (
            "default", 20, "always", "independent")
        assert (nets.restarts, nets.local_returns, nets.covariance, nets.walk) == (
            False, False, False, False)
        assert (nets.sigma_down, nets.beta1, nets.step_beta1) == (
            SIGMA_DOWN_TRAINED, BETA1, None)
    part = L2LZO(rules="paper", by_dim=True)._for_dim(120)
    assert (part.name, part.q, part.accept) == ("default-mid", 20, "always")
    cls = L2LZO(rules="paper", weights="classification")._base
    assert (cls.mu_rel, cls.sigma0_rel) == (0.01, 0.01)
    assert L2LZO(rules="paper", q=5)._base.q == 5
    assert L2LZO(rules="paper", walk="auto")._base.walk == "auto"
    with pytest.raises(TypeError, match="by_dim"):
        L2LZO(by_dim="yes")


class _Shifted:
    """A rotated-free ill-conditioned quadratic with its minimum away from x0."""

    def __init__(self, d):
        self.h = np.logspace(0, 2, d)

    def __call__(self, x):
        return float(0.5 * np.sum(self.h * (x - 1.0) ** 2))


def _default_with_parts(tmp_path, parts):
    """The bundled "default" with its manifest's "by_dim" replaced by ``parts``."""
    from conftest import with_parts

    from zominimize.learned.weights import resolve_weights

    return with_parts(resolve_weights("default"),
                      tmp_path / f"default-{len(parts or ())}-parts.safetensors", parts)


def test_a_weight_sets_parts_run_in_their_dimensions(tmp_path):
    """Inside a "by_dim" range the part's networks run with the part's options (the same
    run, to the bit, as the part's weights given); outside it, the set's own."""
    parts = _default_with_parts(tmp_path, [{"min_d": 5, "max_d": 8, "weights": "attack"}])
    alone = _default_with_parts(tmp_path, None)
    opts = {"maxfev": 300}

    def run(d, weights, **more):
        return minimize(_Shifted(d), np.zeros(d), method="l2l-zo", rng=4,
                        options={**opts, "weights": weights, **more})

    for d in (5, 8):
        a, b, c = run(d, parts), run(d, "attack"), run(d, alone)
        np.testing.assert_array_equal(a.x, b.x)
        assert a.nfev == b.nfev and not np.array_equal(a.x, c.x)
        assert a.networks == "attack" and a.weights == parts and c.networks == alone
    for d in (4, 9):
        a, b = run(d, parts), run(d, alone)
        np.testing.assert_array_equal(a.x, b.x)
        assert a.networks == parts
    # by_dim=False: the set's own networks and options at every d
    a, b = run(6, parts, by_dim=False), run(6, alone)
    np.testing.assert_array_equal(a.x, b.x)
    assert a.networks == parts
    # options given override the part's as they override the set's: q = 7 asks 7 + 1
    opt = zominimize.Optimizer("l2l-zo", np.zeros(6), weights=parts, q=7, rng=0)
    assert len(opt.ask()) == 8
    opt = zominimize.Optimizer("l2l-zo", np.zeros(6), weights=parts, rng=0)
    assert len(opt.ask()) == 21  # the attack set's q = 20, not the default's 5 at d = 6
    assert "d=5..8: 'attack' (q=20, accept='always'" in repr(opt.method)


def test_a_parts_entry_without_an_end_runs_from_its_start_on(tmp_path):
    """An entry without "max_d" runs its networks at every d from its "min_d" on."""
    parts = _default_with_parts(tmp_path, [{"min_d": 6, "weights": "attack"}])
    for d, q in ((5, 5), (6, 20), (40, 20)):
        # noisy=False: the default's noise check (no budget) would add x0 again
        opt = zominimize.Optimizer("l2l-zo", np.zeros(d), weights=parts, rng=0, noisy=False)
        assert len(opt.ask()) == q + 1, d  # the attack set's 20 queries from d = 6
    assert "d=6..: 'attack'" in repr(opt.method)
    for d, networks in ((5, parts), (6, "attack"), (5000, "attack")):
        res = minimize(_Shifted(d), np.zeros(d), method="l2l-zo", rng=0,
                       options={"maxfev": 50, "weights": parts})
        assert res.networks == networks, d


def test_a_parts_entry_options_override_the_parts_own(tmp_path):
    """A "by_dim" entry's options run over the part's manifest (the same run, to the bit,
    as the part's weights given with those options); options given override both."""
    parts = _default_with_parts(tmp_path, [
        {"min_d": 5, "max_d": 8, "weights": "attack",
         "options": {"q": 3, "accept": "improving"}}])

    def run(weights, **more):
        return minimize(_Shifted(6), np.zeros(6), method="l2l-zo", rng=4,
                        options={"maxfev": 300, "weights": weights, **more})

    a, b = run(parts), run("attack", q=3, accept="improving")
    np.testing.assert_array_equal(a.x, b.x)
    assert a.nfev == b.nfev and a.nit == b.nit
    assert not np.array_equal(a.x, run("attack").x)  # the entry's options do something
    opt = zominimize.Optimizer("l2l-zo", np.zeros(6), weights=parts, rng=0)
    assert len(opt.ask()) == 4
    assert "d=5..8: 'attack' (q=3, accept='improving'" in repr(opt.method)
    opt = zominimize.Optimizer("l2l-zo", np.zeros(6), weights=parts, q=7, rng=0)
    assert len(opt.ask()) == 8


@pytest.mark.parametrize("d, networks, rules", [
    (49, "default", None),
    (50, "default-mid", {"q": 5, "accept": "improving", "restarts": "auto",
                         "local_returns": True, "noisy": "auto"}),
    (99, "default-mid", {"q": 5, "accept": "improving", "restarts": "auto",
                         "local_returns": True, "noisy": "auto"}),
    (100, "default-mid", {"accept": "auto", "restarts": "auto", "local_returns": True,
                          "noisy": "auto"}),
    (599, "default-mid", {"accept": "auto", "restarts": "auto", "step_beta1": "auto",
                          "sigma_down": "auto", "local_returns": True, "noisy": "auto"}),
    (600, "default-mid", {"accept": "auto", "restarts": "auto", "step_beta1": "auto",
                          "sigma_down": "auto", "local_returns": True, "noisy": "auto"}),
    (1500, "default-mid", {"accept": "auto", "restarts": "auto", "step_beta1": "auto",
                           "sigma_down": "auto", "local_returns": True, "noisy": "auto"})])
def test_default_runs_its_mid_networks_from_d_50_on(d, networks, rules):
    """The nineteenth and twenty-first rounds: from d = 50 to 599 the "default" set runs
    the networks of "default-mid", below d = 100 with the default's rules there (5
    queries, the elitist rule), from 100 on with its own (10 queries, the elitist start);
    the same runs as those weights and rules given; since the fiftieth round the
    entry from d = 100 has no upper end. Since the twenty-seventh round both
    entries also return to the best point once σ has collapsed (restarts="auto"), and
    since the thirty-second round both follow accept="auto" ("improving" below d = 100,
    the elitist start ended by two improvements in a row from there), and since the
    fortieth round step_beta1="auto" (from d = 300 the step follows a shorter mean), and
    since the forty-fifth and forty-sixth sigma_down="auto" (from d = 100 the harder
    shrink once σ is well below its start), and since the fifty-second local_returns,
    and since the fifty-sixth noisy="auto" (the noise check below d = 300)."""
    from zominimize.learned import bundled_weights

    assert bundled_weights()["default"]["by_dim"] == [
        {"min_d": 50, "max_d": 99, "weights": "default-mid",
         "options": {"q": 5, "accept": "auto", "restarts": "auto", "step_beta1": "auto",
                     "sigma_down": "auto", "local_returns": True, "noisy": "auto"}},
        {"min_d": 100, "weights": "default-mid",
         "options": {"accept": "auto", "restarts": "auto", "step_beta1": "auto",
                     "sigma_down": "auto", "local_returns": True, "noisy": "auto"}}]
    f, x0 = _Shifted(d), np.zeros(d)
    a = minimize(f, x0, method="l2l-zo", options={"maxfev": 250}, rng=5)
    assert a.networks == networks
    if rules is not None:
        b = minimize(f, x0, method="l2l-zo", rng=5,
                     options={"maxfev": 250, "weights": "default-mid", **rules})
        np.testing.assert_array_equal(a.x, b.x)
        assert a.nit == b.nit
        if d >= 100:  # 10 queries and the centre per iteration
            assert a.nit == 250 // 11
        else:  # speculative="auto": a kept iterate's value and its 5 queries, two tells
            assert a.nit > 250 // 6


@pytest.mark.parametrize("d", [100, 300])
@pytest.mark.parametrize("how", ["pickle", "checkpoint"])
def test_a_run_in_a_parts_range_resumes_with_the_parts_networks(how, d, tmp_path):
    """Saved and loaded at d = 100 and 300, where "default" runs "default-mid": the
    resumed run asks the same points as the uninterrupted one (the networks are chosen by
    d again; at d = 300 the step's own mean, step_beta1, is part of the saved state)."""
    import pickle

    f = _Shifted(d)

    def run(save_at):
        opt = zominimize.Optimizer("l2l-zo", np.zeros(d), rng=3)
        asked = []
        for it in range(8):
            if it == save_at:
                if how == "pickle":
                    opt = pickle.loads(pickle.dumps(opt))
                else:
                    zominimize.save_checkpoint(opt, tmp_path / "c.ckpt")
                    opt = zominimize.load_checkpoint(tmp_path / "c.ckpt")
            X = opt.ask()
            asked.append(X)
            opt.tell(X, [f(x) for x in X])
        return asked

    uninterrupted = run(None)
    assert len(uninterrupted[1]) == 11  # the parts' q = 10 and the new iterate
    for a, b in zip(uninterrupted, run(4)):
        np.testing.assert_array_equal(a, b)


def test_restarts_start_afresh_once_the_iterate_stalls_and_keep_the_best():
    # a 2-D function with many basins: a run converges early, then starts afresh
    def f(x):
        return float(np.sum(x**2) + 10 * np.sum(1 - np.cos(2 * np.pi * x)))

    def run(restarts):
        opt = zominimize.Optimizer("l2l-zo", np.full(2, 3.0), rng=0, sigma0=2.0,
                                   restarts=restarts)
        seen, jumps = [], 0
        for _ in range(600):
            before = opt.state.memory["restarts"] or 0
            X = opt.ask()
            F = [f(x) for x in X]
            seen += F
            opt.tell(X, F)
            if (opt.state.memory["restarts"] or 0) > before:
                # the next iterate is the new start, not a step from the old one
                assert opt.state.fx is None and opt.ask().shape[0] == 3
                jumps += 1
        return opt, seen, jumps

    opt, seen, jumps = run(True)
    assert jumps == opt.state.memory["restarts"] >= 1
    assert opt.f_best == min(seen)  # the best of every restart counts
    off, _, jumps_off = run(False)
    assert jumps_off == 0 and off.state.memory["restarts"] is None
    again, _, _ = run(True)
    np.testing.assert_array_equal(again.x_best, opt.x_best)  # reproducible


def test_restarts_best_returns_to_the_best_point_once_sigma_has_collapsed():
    from zominimize.learned.rules import RETURN_PATIENCE, RETURN_SIGMA_FRAC

    calls = []

    def worse_every_time(x):  # f(x0) is the best value the run will ever see
        calls.append(np.array(x))
        return float(len(calls))

    x0 = np.array([0.5, -1.0, 2.0])
    opt = zominimize.Optimizer("l2l-zo", x0, rng=0, sigma0=2.0, restarts="best",
                               accept="improving")
    sigmas, returned_at = [], None
    for it in range(400):
        X = opt.ask()
        opt.tell(X, [worse_every_time(x) for x in X])
        sigma = opt.method.diagnostics(opt.state)["sigma"]
        if opt.state.memory["restarts"] and returned_at is None:
            returned_at = it + 1
            # back at the best point (x0), with the step size sigma0, its value known
            np.testing.assert_array_equal(opt.state.x, x0)
            assert sigma == pytest.approx(2.0) and opt.state.fx == 1.0
            assert opt.ask().shape[0] == opt.state.memory["q"]  # no centre evaluation
        sigmas.append(sigma)
    # the best stalled from the first iteration, but the run returned only once sigma
    # (shrinking on each rejected iterate) had crossed the floor
    assert returned_at > RETURN_PATIENCE + 1
    assert sigmas[returned_at - 2] < 1.5 * RETURN_SIGMA_FRAC * 2.0 < sigmas[returned_at - 4]
    assert opt.state.memory["restarts"] >= 2  # patience counts again after each return
    np.testing.assert_array_equal(opt.x_best, x0)

    calls.clear()
    off = zominimize.Optimizer("l2l-zo", x0, rng=0, sigma0=2.0, restarts=False,
                               accept="improving")
    for _ in range(400):
        X = off.ask()
        off.tell(X, [worse_every_time(x) for x in X])
    assert off.state.memory["restarts"] is None
    assert off.method.diagnostics(off.state)["sigma"] < RETURN_SIGMA_FRAC * 2.0


def _return_starts(f, local_returns, iterations=600):
    """The step size each return to the best point starts from, in order."""
    x0 = np.array([0.5, -1.0, 2.0])
    opt = zominimize.Optimizer("l2l-zo", x0, rng=0, sigma0=2.0, restarts="best",
                               accept="improving", local_returns=local_returns)
    starts = []
    for _ in range(iterations):
        X = opt.ask()
        opt.tell(X, [f(x) for x in X])
        if opt.state.memory["restarts"] > len(starts):
            np.testing.assert_array_equal(opt.state.x, x0)  # always back at the best
            starts.append(opt.method.diagnostics(opt.state)["sigma"])
    return starts


def test_local_returns_alternate_sigma0_and_a_small_start_while_the_best_is_unchanged():
    from zominimize.learned.rules import RETURN_SHRINK

    calls = []

    def worse_every_time(x):  # x0 stays the best point, and no two values tie
        calls.append(1)
        return float(len(calls))

    starts = _return_starts(worse_every_time, True)
    # the first return, and each one after a small return, starts at sigma0; the
    # ones between go on from where the collapse was declared
    assert len(starts) >= 6
    np.testing.assert_allclose(starts[0::2], 2.0, rtol=1e-6)
    np.testing.assert_allclose(starts[1::2], RETURN_SHRINK * 2.0, rtol=1e-6)
    calls.clear()
    off = _return_starts(worse_every_time, False)
    assert len(off) >= 6
    np.testing.assert_allclose(off, 2.0, rtol=1e-6)  # the earlier rule, every time
    # a small return collapses relative to its own start, so it takes as long as one
    # from sigma0: not many more returns in the same iterations
    assert len(starts) <= len(off) + 2


def test_local_returns_keep_sigma0_on_a_plateau(monkeypatch):
    import zominimize.methods.l2l_zo as l2l_zo
    from zominimize.learned.rules import RETURN_SHRINK

    x0 = np.array([0.5, -1.0, 2.0])

    def flat_around_x0(x):  # the queries around the best point tie with it
        r = float(np.linalg.norm(x - x0))
        return 1.0 if r < 0.05 else 1.0 + r

    starts = _return_starts(flat_around_x0, True)
    assert len(starts) >= 4
    np.testing.assert_allclose(starts, 2.0, rtol=1e-6)
    # the ties are what keep sigma0: with no share of ties enough, the same run alternates
    monkeypatch.setattr(l2l_zo, "PLATEAU_FRAC", 2.0)
    starts = _return_starts(flat_around_x0, True)
    np.testing.assert_allclose(starts[1::2], RETURN_SHRINK * 2.0, rtol=1e-6)


def test_local_returns_read_from_the_manifest_and_checked_there(tmp_path):
    from zominimize.learned import load_weights, save_weights
    from zominimize.learned.weights import WeightsError
    from zominimize.methods.l2l_zo import L2LZO

    net, manifest = load_weights("classification")
    assert L2LZO(weights="classification").local_returns is False
    path = tmp_path / "w.safetensors"
    save_weights(net, path, {**manifest, "options": {**manifest.get("options", {}),
                                                     "local_returns": True}})
    assert L2LZO(weights=str(path)).local_returns is True
    assert L2LZO(weights=str(path), local_returns=False).local_returns is False
    save_weights(net, path, {**manifest, "options": {"local_returns": "yes"}})
    with pytest.raises(WeightsError, match="local_returns"):
        L2LZO(weights=str(path))
    with pytest.raises(TypeError, match="local_returns"):
        L2LZO(local_returns="yes")


def test_local_returns_resume_from_a_checkpoint(tmp_path):
    x0 = np.array([0.5, -1.0, 2.0])

    def f(x):  # x0 is the best point; every other value is worse, none ties
        return 1.0 + float(np.sum((x - x0) ** 2)) ** 0.25

    def steps(opt, n):
        for _ in range(n):
            X = opt.ask()
            opt.tell(X, [f(x) for x in X])

    ref, opt = (zominimize.Optimizer("l2l-zo", x0, rng=1, sigma0=2.0, restarts="best",
                                     accept="improving", local_returns=True)
                for _ in range(2))
    steps(ref, 100)
    steps(opt, 100)
    assert ref.state.memory["run_sigma0"] < 2.0  # mid-way through a small return
    zominimize.save_checkpoint(opt, tmp_path / "c.ckpt")
    opt = zominimize.load_checkpoint(tmp_path / "c.ckpt")
    steps(ref, 200)
    steps(opt, 200)
    assert opt.state.memory["restarts"] == ref.state.memory["restarts"] >= 4
    np.testing.assert_array_equal(opt.state.x, ref.state.x)


def test_restarts_best_leaves_a_converging_run_alone():
    from zominimize.learned.rules import RETURN_SIGMA_FRAC

    # on a sphere sigma collapses far below the floor, but the best keeps improving
    opt = zominimize.Optimizer("l2l-zo", np.full(10, 1.0), rng=0, restarts="best")
    smallest = np.inf
    for _ in range(600):
        X = opt.ask()
        opt.tell(X, [float(np.sum(x**2)) for x in X])
        smallest = min(smallest, opt.method.diagnostics(opt.state)["sigma"])
    assert smallest < 1e-3 * RETURN_SIGMA_FRAC * opt.state.memory["sigma0"]
    assert opt.state.memory["restarts"] == 0 and opt.f_best < 1e-12


def _restart_kinds(restarts, f, d=2, budget=None):
    """Which kinds of restart a 600-iteration run from (3, ..., 3) makes: fresh starts
    ("new") and returns to the best point ("best")."""
    opt = zominimize.Optimizer("l2l-zo", np.full(d, 3.0), rng=0, sigma0=2.0,
                               restarts=restarts, budget=budget)
    out = []
    for _ in range(600):
        before = opt.state.memory["restarts"] or 0
        X = opt.ask()
        opt.tell(X, [f(x) for x in X])
        if (opt.state.memory["restarts"] or 0) > before:
            # a fresh start evaluates its new point next; a return knows its value
            out.append("new" if opt.state.fx is None else "best")
            if out[-1] == "best":
                np.testing.assert_array_equal(opt.state.x, opt.x_best)
    return set(out)


def _basins(x):  # many basins: runs stall in them, and sigma collapses there
    return float(np.sum(x**2) + 10 * np.sum(1 - np.cos(2 * np.pi * x)))


def test_restarts_both_starts_afresh_and_returns_to_the_best_point():
    assert _restart_kinds(True, _basins) == {"new"}
    assert _restart_kinds("best", _basins) == {"best"}
    assert _restart_kinds("both", _basins) == {"new", "best"}


def test_restarts_plateau_returns_only_from_a_flat_region():
    def steps(x):  # a step function: around its optimum the queries tie exactly
        return float(np.sum(np.floor(np.abs(x) + 0.5)))

    # on smooth basins sigma collapses too, but no query ties: fresh starts only
    assert _restart_kinds("plateau", _basins) == {"new"}
    assert _restart_kinds("plateau", steps) == {"new", "best"}


def test_restarts_auto_returns_only_from_a_plateau_with_a_large_budget():
    """From d = 10 to 49, "auto" is "both" unless the run's budget is at least
    PLATEAU_BUDGET_PER_D evaluations per coordinate: then "plateau" (on smooth basins
    no return to the best point)."""
    from zominimize.learned.rules import PLATEAU_BUDGET_PER_D, resolve_restarts

    assert PLATEAU_BUDGET_PER_D == 1000
    assert resolve_restarts("auto", 10, 10_000) == resolve_restarts("auto", 49, 49_000) == (
        "plateau")
    assert resolve_restarts("auto", 10, 9_999) == resolve_restarts("auto", 10) == "both"
    assert resolve_restarts("auto", 9) == "plateau" and resolve_restarts("auto", 50, 10**6) == (
        "best")
    assert resolve_restarts("both", 10, 10**6) == "both"  # only "auto" reads the budget
    assert _restart_kinds("auto", _basins, d=10) == {"new", "best"}
    assert _restart_kinds("auto", _basins, d=10, budget=9_999) == {"new", "best"}
    assert _restart_kinds("auto", _basins, d=10, budget=10_000) == {"new"}
    # minimize passes maxfev on as the budget
    runs = [zominimize.minimize(_basins, np.full(10, 3.0), method="l2l-zo", rng=0,
                                options={"sigma0": 2.0, "maxfev": 10_000, "restarts": r})
            for r in ("auto", "plateau")]
    np.testing.assert_array_equal(runs[0].x, runs[1].x)
    assert runs[0].restarts == runs[1].restarts


def test_restarts_auto_follows_the_dimension_and_the_weight_set():
    from zominimize.learned.rules import (
        RESTARTS_AUTO_MAX_D,
        RESTARTS_BOTH_MIN_D,
        resolve_restarts,
    )

    assert (RESTARTS_BOTH_MIN_D, RESTARTS_AUTO_MAX_D) == (10, 50)
    assert [resolve_restarts("auto", d) for d in (1, 9, 10, 49, 50, 1000)] == [
        "plateau", "plateau", "both", "both", "best", "best"]
    assert resolve_restarts(True, 1000) and not resolve_restarts(False, 2)

    def on(d, **kw):
        return zominimize.Optimizer("l2l-zo", np.zeros(d), rng=0, **kw).state.memory[
            "restarts"] is not None

    # "default" records "auto"; the task sets and the paper's configuration none (False)
    assert on(2) and on(49) and on(50) and on(200) and on(1000)
    assert not on(200, weights="classification") and not on(200, restarts=False)
    assert not on(2, weights="attack") and on(2, weights="attack", restarts=True)
    assert not on(10, restarts=False) and on(60, restarts=True)
    assert zominimize.Optimizer("l2l-zo", np.zeros(2)).method.restarts == "auto"
    assert on(60, restarts="best") and on(2, weights="attack", restarts="best")
    assert resolve_restarts("best", 2) == "best" and resolve_restarts(False, 60) is False
    assert resolve_restarts("both", 60) == "both" and on(2, weights="attack", restarts="both")
    assert resolve_restarts("plateau", 3) == "plateau" and on(3, restarts="plateau")
    with pytest.raises(TypeError, match="`restarts`.*'best'"):
        zominimize.Optimizer("l2l-zo", np.zeros(2), restarts="sometimes")


def test_the_result_reports_how_many_times_the_run_restarted():
    def f(x):
        return float(np.sum(x**2) + 10 * np.sum(1 - np.cos(2 * np.pi * x)))

    kw = dict(method="l2l-zo", rng=0, options=dict(sigma0=2.0, maxfev=3000))
    on = zominimize.minimize(f, np.full(2, 3.0), **kw)
    assert on.restarts >= 1 and isinstance(on.restarts, int)
    kw["options"]["restarts"] = False
    assert zominimize.minimize(f, np.full(2, 3.0), **kw).restarts is None


@pytest.mark.parametrize("restarts", ["auto", "best", "both", "plateau"])
def test_a_run_with_restarts_resumes_from_a_checkpoint_exactly(tmp_path, restarts):
    def f(x):
        return float(np.sum(x**2) + 10 * np.sum(1 - np.cos(2 * np.pi * x)))

    def go(opt, k):
        for _ in range(k):
            X = opt.ask()
            opt.tell(X, [f(x) for x in X])

    a = zominimize.Optimizer("l2l-zo", np.full(2, 3.0), rng=0, sigma0=2.0,
                             restarts=restarts)
    go(a, 450)
    assert a.state.memory["restarts"] >= 1  # it has stalled (and restarted) already
    zominimize.save_checkpoint(a, tmp_path / "run.ckpt")
    b = zominimize.load_checkpoint(tmp_path / "run.ckpt")
    go(a, 300)
    go(b, 300)
    assert a.state.memory["restarts"] == b.state.memory["restarts"] > 1
    assert a.f_best == b.f_best
    np.testing.assert_array_equal(a.x_best, b.x_best)



def _rounds(opt, f, n):
    """Run ``n`` ask/tell rounds; return ``(X, x before, x after)`` of each."""
    out = []
    for _ in range(n):
        before = opt.state.x.copy()
        X = opt.ask()
        opt.tell(X, [f(x) for x in X])
        out.append((np.array(X), before, opt.state.x.copy()))
    return out


def test_speculative_false_evaluates_a_new_iterate_alone_while_it_can_be_undone():
    """accept="improving" (d = 10): the new iterate alone, then the queries around it
    only if it is kept; an undone one costs one evaluation and the queries go around
    the iterate before it. The default evaluates each new iterate with its queries."""
    q = 5
    rounds = _rounds(zominimize.Optimizer("l2l-zo", np.zeros(10), rng=0, q=q,
                                          speculative=False, noisy=False), quad, 200)
    assert len(rounds[0][0]) == q + 1  # x0 and its queries: nothing to undo yet
    kept = undone = 0
    for k in range(1, len(rounds) - 1):
        X, before, after = rounds[k]
        if len(X) == q:
            continue
        assert len(X) == 1 and len(rounds[k + 1][0]) == q
        np.testing.assert_array_equal(X[0], before)  # the new iterate itself
        x_prev = rounds[k - 1][1]  # the iterate the previous queries went around
        if quad(X[0]) > quad(x_prev):
            np.testing.assert_array_equal(after, x_prev)
            undone += 1
        else:
            np.testing.assert_array_equal(after, X[0])
            kept += 1
        np.testing.assert_array_equal(rounds[k + 1][1], after)
    assert undone >= 5 and kept >= 20
    default = _rounds(zominimize.Optimizer("l2l-zo", np.zeros(10), rng=0, q=q, noisy=False),
                      quad, 50)
    assert {len(r[0]) for r in default} == {q, q + 1}


def test_speculative_false_is_one_batch_where_no_iterate_can_be_undone():
    """accept="always": the same run to the bit; "elitist-streak" (d = 100): the new
    iterate alone only until the start has ended."""
    a, b = (_rounds(zominimize.Optimizer("l2l-zo", np.zeros(10), rng=1, accept="always",
                                         speculative=s), quad, 40) for s in (True, False))
    for (Xa, _, xa), (Xb, _, xb) in zip(a, b):
        np.testing.assert_array_equal(Xa, Xb)
        np.testing.assert_array_equal(xa, xb)
    opt = zominimize.Optimizer("l2l-zo", np.zeros(100), rng=0, speculative=False)
    sizes = [len(r[0]) for r in _rounds(opt, quad, 80)]
    assert opt.state.memory["core"].improved
    last_alone = max(k for k, n in enumerate(sizes) if n == 1)
    q = opt.state.memory["q"]
    assert 1 in sizes[1:5] and set(sizes[last_alone + 2:]) == {q + 1}


@pytest.mark.parametrize("d, alone", [(20, False), (39, False), (40, True), (99, True)])
def test_speculative_auto_evaluates_an_iterate_alone_from_d_40_to_99(d, alone):
    from zominimize.learned.rules import resolve_speculative

    assert resolve_speculative("auto", d) is (not alone)
    assert resolve_speculative("auto", 100) and resolve_speculative("auto", 2)
    assert resolve_speculative(True, d) and not resolve_speculative(False, d)
    opt = zominimize.Optimizer("l2l-zo", np.zeros(d), rng=0)
    assert opt.method.speculative == "auto"
    sizes = {len(r[0]) for r in _rounds(opt, quad, 30)}
    assert (1 in sizes) is alone


def test_a_run_evaluating_iterates_alone_resumes_from_a_checkpoint_exactly(tmp_path):
    def go(opt, k):
        for _ in range(k):
            X = opt.ask()
            opt.tell(X, [quad(x) for x in X])

    a = zominimize.Optimizer("l2l-zo", np.zeros(40), rng=0)
    go(a, 101)
    zominimize.save_checkpoint(a, tmp_path / "run.ckpt")
    b = zominimize.load_checkpoint(tmp_path / "run.ckpt")
    sizes = []
    for opt in (a, b):
        go(opt, 60)
        sizes.append(opt.nfev)
    assert sizes[0] == sizes[1] and a.f_best == b.f_best
    np.testing.assert_array_equal(a.x_best, b.x_best)


def test_speculative_refuses_other_values():
    with pytest.raises(TypeError, match="`speculative` must be True, False or \"auto\""):
        zominimize.Optimizer("l2l-zo", np.zeros(3), speculative="no")


def test_speculative_false_recovers_from_a_non_finite_iterate():
    def f(x):
        return np.nan if x[0] > 0.5 else quad(x)

    res = minimize(f, np.zeros(8), method="l2l-zo", rng=0,
                   options={"maxfev": 600, "speculative": False})
    assert np.isfinite(res.fun) and res.fun < quad(np.zeros(8)) and res.x[0] <= 0.5
