"""The adapted query covariance of ``l2l-zo`` (``covariance=True``)."""

import numpy as np
import pytest
import torch

import zominimize
from zominimize import Optimizer, minimize
from zominimize.learned.covariance import COND_MAX, adapt, init_covariance, learning_rates


def _moves(cs, steps, sigma=0.5):
    x = cs.x.clone()
    for step in steps:
        x = x + sigma * torch.as_tensor(step, dtype=torch.float64)
        cs = adapt(cs, x, sigma)
    return cs


def _top(C):
    lam, V = torch.linalg.eigh(C)
    return lam, V[:, -1]


def test_starts_at_the_identity_and_keeps_trace_d():
    cs = init_covariance(torch.zeros(4, dtype=torch.float64))
    assert torch.equal(cs.C, torch.eye(4, dtype=torch.float64))
    assert torch.equal(cs.A, torch.eye(4, dtype=torch.float64))
    rng = np.random.default_rng(0)
    cs = _moves(cs, rng.standard_normal((30, 4)))
    assert float(torch.trace(cs.C)) == pytest.approx(4.0)
    torch.testing.assert_close(cs.A @ cs.A.T, cs.C)


def test_an_undone_step_teaches_nothing():
    cs = _moves(init_covariance(torch.zeros(3, dtype=torch.float64)), [[1.0, 0.0, 0.0]] * 5)
    same = adapt(cs, cs.x.clone(), 0.5)
    assert torch.equal(same.C, cs.C) and torch.equal(same.path, cs.path)
    bad = adapt(cs, cs.x + torch.tensor([np.nan, 0.0, 0.0], dtype=torch.float64), 0.5)
    assert torch.equal(bad.C, cs.C) and torch.equal(bad.path, cs.path)


def test_persistent_moves_stretch_C_along_them_up_to_the_bound():
    d = 5
    v = torch.tensor([1.0, 2.0, 0.0, -1.0, 0.5], dtype=torch.float64)
    v = v / torch.linalg.vector_norm(v)
    cs = _moves(init_covariance(torch.zeros(d, dtype=torch.float64)), [2.0 * v] * 400)
    lam, top = _top(cs.C)
    assert abs(float(top @ v)) > 0.999  # the longest axis is the direction of travel
    # held at the bound (a rank-one C would stall a run), not beyond it
    assert float(lam[-1] / lam[0]) == pytest.approx(COND_MAX, rel=1e-6)


def test_moves_that_cancel_teach_less_than_moves_that_persist():
    d = 6
    v = torch.zeros(d, dtype=torch.float64)
    v[2] = 1.0
    zigzag = _moves(init_covariance(torch.zeros(d, dtype=torch.float64)), [v, -v] * 10)
    straight = _moves(init_covariance(torch.zeros(d, dtype=torch.float64)), [v] * 20)
    assert float(zigzag.C[2, 2]) < float(straight.C[2, 2])
    assert float(straight.C[2, 2]) > 1.0  # grew along the valley


def test_learning_rates_are_cma_es_rank_one_rates():
    cc, c1 = learning_rates(10)
    assert cc == pytest.approx(4 / 14) and c1 == pytest.approx(2 / (11.3**2 + 2))


def _rotated_ellipsoid(d, cond, seed):
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    h = cond ** np.linspace(0, 1, d)

    def f(x):
        z = Q @ (x - 1.0)
        return float(np.sum(h * z * z))
    return f


def test_directions_follow_the_adapted_covariance():
    """With ``covariance=True`` a run carries a covariance that has left the identity,
    and its queries differ from a run without it from the second iteration on."""
    f = _rotated_ellipsoid(5, 1e4, 0)
    runs = {}
    for cov in (False, True):
        opt = Optimizer("l2l-zo", np.zeros(5), rng=1, options={"covariance": cov})
        asked = []
        for _ in range(40):
            X = opt.ask()
            asked.append(X)
            opt.tell(X, [f(x) for x in X])
        runs[cov] = (opt.state.memory["core"], asked)
    assert runs[False][0].cov is None
    C = runs[True][0].cov.C
    assert not torch.allclose(C, torch.eye(5, dtype=torch.float64), atol=1e-3)
    np.testing.assert_array_equal(runs[False][1][0], runs[True][1][0])  # identity first
    assert not np.array_equal(runs[False][1][-1], runs[True][1][-1])


@pytest.mark.parametrize("d, expected", [(5, True), (49, True), (50, False)])
def test_auto_adapts_below_d_50(d, expected):
    opt = Optimizer("l2l-zo", np.zeros(d), rng=0, options={"covariance": "auto"})
    for _ in range(3):
        X = opt.ask()
        opt.tell(X, [float(np.sum(x**2)) for x in X])
    assert (opt.state.memory["core"].cov is not None) == expected


def test_bad_values_are_refused():
    with pytest.raises(TypeError, match="covariance"):
        minimize(lambda x: float(x @ x), np.zeros(3), method="l2l-zo",
                 options={"covariance": "yes"})


def test_a_manifest_with_a_bad_covariance_is_refused(tmp_path):
    from zominimize.learned import WeightsError, load_weights, save_weights

    net, manifest = load_weights("attack")
    manifest = {**manifest, "options": {**manifest.get("options", {}), "covariance": 1}}
    path = tmp_path / "w.safetensors"
    save_weights(net, path, manifest)
    with pytest.raises(WeightsError, match="covariance"):
        load_weights(path)


def test_checkpoint_resume_keeps_the_covariance(tmp_path):
    f = _rotated_ellipsoid(4, 1e3, 2)
    ref = Optimizer("l2l-zo", np.zeros(4), rng=3, options={"covariance": True})
    opt = Optimizer("l2l-zo", np.zeros(4), rng=3, options={"covariance": True})
    for _ in range(15):
        for o in (ref, opt):
            X = o.ask()
            o.tell(X, [f(x) for x in X])
    zominimize.save_checkpoint(opt, tmp_path / "c.ckpt")
    opt = zominimize.load_checkpoint(tmp_path / "c.ckpt")
    torch.testing.assert_close(opt.state.memory["core"].cov.C, ref.state.memory["core"].cov.C,
                               rtol=0, atol=0)
    for _ in range(10):
        X, Y = ref.ask(), opt.ask()
        np.testing.assert_array_equal(X, Y)
        ref.tell(X, [f(x) for x in X])
        opt.tell(Y, [f(x) for x in Y])
