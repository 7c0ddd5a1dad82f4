"""``l2l-zo``'s option ``noisy``: a noisy run differences over a wider radius, and
``"auto"`` finds noise by evaluating ``x0`` twice below d = 300, in the ruggedness
probe where one runs and else with the first iteration's queries."""

import numpy as np
import pytest

from zominimize import Optimizer, minimize
from zominimize.learned.rugged import NOISY_MU, PROBE_LINES
from zominimize.learned.rules import NOISE_CHECK_MAX_D


def sphere(x):
    return float(np.sum((x - 1.0) ** 2))


def _run(f, n=10, budget=800, rng=1, **options):
    return minimize(f, np.full(n, 3.0), method="l2l-zo", rng=rng,
                    options={"maxfev": budget, "sigma0": 2.0, "return_all": True, **options})


def _after_probe(repeat_value, **options):
    """The first batch after the probe, told the sphere's values but ``repeat_value``
    for the probe's second evaluation of x0, and the run's noisy flag."""
    opt = Optimizer("l2l-zo", np.full(10, 3.0), rng=0, budget=800,
                    options={"noisy": "auto", "sigma0": 2.0, **options})
    X = opt.ask()
    F = [sphere(x) for x in X]
    F[-1] = repeat_value
    opt.tell(X, F)
    return opt.ask() - opt.state.x, opt.result.noisy


def test_auto_finds_noise_and_then_widens_the_radius():
    x0_value = sphere(np.full(10, 3.0))
    noisy, found = _after_probe(x0_value * 1.01)
    clean, not_found = _after_probe(x0_value)
    assert found and not not_found
    # the same directions, NOISY_MU times as far from the iterate
    np.testing.assert_allclose(noisy, NOISY_MU * clean, rtol=1e-5)
    # a fixed radius given is kept
    noisy, found = _after_probe(x0_value * 1.01, mu=1e-3)
    clean, _ = _after_probe(x0_value, mu=1e-3)
    assert found
    np.testing.assert_array_equal(noisy, clean)


def test_true_is_noisy_from_the_start():
    a = Optimizer("l2l-zo", np.full(10, 3.0), rng=0, options={"noisy": True})
    b = Optimizer("l2l-zo", np.full(10, 3.0), rng=0, options={"noisy": False})
    Xa, Xb = a.ask(), b.ask()  # no budget: no probe; x0 first, then the queries
    np.testing.assert_allclose(Xa[1:] - Xa[0], NOISY_MU * (Xb[1:] - Xb[0]), rtol=1e-5)


def test_a_deterministic_run_only_pays_one_evaluation():
    auto, off = _run(sphere, noisy="auto"), _run(sphere, noisy=False)
    assert not auto.noisy and not off.noisy
    # the same iterates, each one evaluation later
    assert len(auto.allvecs) >= len(off.allvecs) - 1
    for a, b in zip(auto.allvecs, off.allvecs[:len(auto.allvecs)]):
        np.testing.assert_array_equal(a, b)
    opt = Optimizer("l2l-zo", np.full(10, 3.0), rng=0, budget=800, options={"noisy": "auto"})
    X = opt.ask()
    assert X.shape[0] == 2 + 4 * PROBE_LINES  # x0, the probe's lines, x0 again
    np.testing.assert_array_equal(X[-1], X[0])


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_a_non_finite_start_twice_is_not_noise(value):
    res = _run(lambda x: value if np.all(x == 3.0) else sphere(x), noisy="auto")
    assert not res.noisy and np.isfinite(res.fun)


@pytest.mark.parametrize("n, budget", [(3, 600), (10, None), (60, 600), (299, 600)])
def test_where_no_probe_runs_the_first_batch_checks(n, budget):
    # d < 5, no budget, or d = 50 to 299 (no walk there): x0 again, last
    a = Optimizer("l2l-zo", np.full(n, 3.0), rng=0, budget=budget, options={"noisy": "auto"})
    b = Optimizer("l2l-zo", np.full(n, 3.0), rng=0, budget=budget, options={"noisy": False})
    Xa, Xb = a.ask(), b.ask()
    np.testing.assert_array_equal(Xa[:-1], Xb)
    np.testing.assert_array_equal(Xa[-1], Xa[0])
    # the second value differs: noisy, and the next queries NOISY_MU times as far
    Fb = [sphere(x) for x in Xb]
    a.tell(Xa, Fb + [Fb[0] * 1.01])
    b.tell(Xb, Fb)
    assert a.result.noisy and not b.result.noisy
    assert a.result.nfev == b.result.nfev + 1
    Xa, Xb = a.ask(), b.ask()
    np.testing.assert_allclose(Xa[1:] - Xa[0], NOISY_MU * (Xb[1:] - Xb[0]), rtol=1e-5)


def test_no_check_from_d_300():
    n = NOISE_CHECK_MAX_D
    a = Optimizer("l2l-zo", np.full(n, 3.0), rng=0, budget=600, options={"noisy": "auto"})
    b = Optimizer("l2l-zo", np.full(n, 3.0), rng=0, budget=600, options={"noisy": False})
    np.testing.assert_array_equal(a.ask(), b.ask())


def test_a_deterministic_run_from_d_50_only_pays_one_evaluation():
    auto, off = (_run(sphere, n=60, budget=400, noisy=v) for v in ("auto", False))
    assert not auto.noisy and not off.noisy and auto.nfev == off.nfev
    assert len(auto.allvecs) >= len(off.allvecs) - 1
    for a, b in zip(auto.allvecs, off.allvecs[:len(auto.allvecs)]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("again, noisy", [(None, False), (1.01, True)])
def test_a_given_f_x0_is_compared_with_the_second_value(again, noisy):
    from zominimize.methods.l2l_zo import L2LZO

    method = L2LZO(noisy="auto")
    x0 = np.full(60, 3.0)
    f0 = sphere(x0)
    state = method.init(x0, np.random.default_rng(0), f0=f0)
    X = method.ask(state)
    np.testing.assert_array_equal(X[-1], x0)  # no centre (f(x0) known), x0 again last
    F = [sphere(x) for x in X]
    F[-1] = f0 * (again or 1.0)
    method.tell(state, X, np.array(F))
    assert state.memory["noisy"] is noisy


def test_bad_values_and_the_manifest(tmp_path):
    from zominimize.learned import load_weights, save_weights
    from zominimize.learned.weights import WeightsError
    from zominimize.methods.l2l_zo import L2LZO

    with pytest.raises(TypeError, match="noisy"):
        _run(sphere, noisy="sometimes")
    net, manifest = load_weights("classification")
    assert L2LZO(weights="classification").noisy is False
    path = tmp_path / "w.safetensors"
    save_weights(net, path, {**manifest, "options": {**manifest.get("options", {}),
                                                     "noisy": "auto"}})
    assert L2LZO(weights=str(path)).noisy == "auto"
    assert L2LZO(weights=str(path), noisy=False).noisy is False
    assert L2LZO(weights=str(path), rules="paper").noisy is False
    save_weights(net, path, {**manifest, "options": {"noisy": "maybe"}})
    with pytest.raises(WeightsError, match="noisy"):
        L2LZO(weights=str(path))
