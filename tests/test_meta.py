"""Meta-training smoke tests: a few steps on a tiny family, export, resume, CLI."""

import numpy as np
import pytest
import torch

import zominimize
from zominimize import minimize
from zominimize.learned import L2LNet, load_weights
from zominimize.meta import TrainConfig, train, unroll
from zominimize.problems import get_family

TINY = dict(family="quadratic", update_iters=3, query_iters=2, horizon=20, horizon_start=20,
            truncation=10, q=4, val_size=2, val_every=2, val_steps=20)


def test_unroll_backpropagates_into_both_nets():
    torch.manual_seed(0)
    net = L2LNet().double()
    prob = get_family("quadratic").sample(0)
    grads = {}

    def step(loss):
        net.zero_grad()
        loss.backward()
        for name, mod in (("update", net.update_rnn), ("query", net.query_rnn)):
            grads[name] = sum(float(p.grad.abs().sum()) for p in mod.parameters()
                              if p.grad is not None)

    gen = torch.Generator().manual_seed(0)
    out = unroll(net, prob, steps=10, truncation=10, q=4, generator=gen, on_segment=step)
    assert grads["update"] > 0 and grads["query"] > 0
    assert out["curve"].shape == (10,) and np.all(np.diff(out["curve"]) <= 1e-12)


def test_tiny_training_exports_usable_weights(tmp_path):
    out = tmp_path / "w.safetensors"
    net, manifest = train(TrainConfig(**TINY), out, command="zominimize train --tiny",
                          log=lambda s: None)
    assert manifest["command"] == "zominimize train --tiny"
    assert manifest["family"] == "quadratic" and manifest["wall_time_s"] >= 0
    assert [h["stage"] for h in manifest["history"]][0] == "update"
    net2, m2 = load_weights(out)
    assert m2["sha256"] == manifest["sha256"]
    res = minimize(lambda x: np.sum(x**2), np.ones(5), method="l2l-zo",
                   options={"weights": str(out), "maxiter": 5}, rng=0)
    assert np.isfinite(res.fun)


def test_training_with_orthogonal_directions_records_them_for_inference(tmp_path):
    """A set trained with the rule runs with it by default, as ``q`` and ``accept``."""
    out = tmp_path / "w.safetensors"
    _, manifest = train(TrainConfig(**dict(TINY, directions="orthogonal")), out,
                        log=lambda s: None)
    assert manifest["options"]["directions"] == "orthogonal"
    opt = zominimize.Optimizer("l2l-zo", np.zeros(4), rng=0, weights=str(out), pred_ratio=0.0)
    assert opt.method.directions == "orthogonal"
    X = opt.ask()
    U = X[1:] - X[0]  # q = 4 = d: one orthogonal block
    G = U @ U.T
    np.testing.assert_allclose(G - np.diag(np.diag(G)), 0, atol=1e-5 * G.max())  # float32
    # and the unrolls drew them: another rule trains other networks
    a, _ = train(TrainConfig(**TINY), None, log=lambda s: None)
    b, _ = train(TrainConfig(**dict(TINY, directions="orthogonal")), None, log=lambda s: None)
    assert any(not torch.equal(x, y) for x, y in zip(a.state_dict().values(),
                                                      b.state_dict().values()))


def test_training_with_a_harder_shrink_records_it_for_inference(tmp_path):
    """TrainConfig.sigma_down reaches the unrolls (other networks) and the manifest,
    from which l2l-zo runs the weights with it; 0.4 when not given."""
    out = tmp_path / "w.safetensors"
    a, manifest_a = train(TrainConfig(**TINY), None, log=lambda s: None)
    assert manifest_a["options"]["sigma_down"] == 0.4 == TrainConfig().sigma_down
    b, manifest = train(TrainConfig(**dict(TINY, sigma_down=1.0)), out, log=lambda s: None)
    assert manifest["options"]["sigma_down"] == 1.0
    assert zominimize.Optimizer("l2l-zo", np.zeros(4), weights=str(out)).method.sigma_down == 1.0
    assert any(not torch.equal(x, y) for x, y in zip(a.state_dict().values(),
                                                      b.state_dict().values()))


@pytest.mark.parametrize("dim", [30, 120, 400])
def test_unrolls_apply_the_step_rules_by_dimension_as_l2l_zo_does(dim, monkeypatch):
    """sigma_down="auto" and step_beta1="auto" reach each run of an unroll resolved by its
    dimension with l2l-zo's own rules (the trained values below where the rules act)."""
    import importlib

    from zominimize.learned import rules

    # the module, not the function zominimize.meta.unroll of the same name
    unroll_module = importlib.import_module("zominimize.meta.unroll")

    seen = {"shrink": set(), "step": set()}
    shrink_prior, advance = unroll_module.shrink_prior, unroll_module.advance

    def spy_shrink(st, sigma_down, sigma_frac=None):
        seen["shrink"].add((sigma_down, sigma_frac))
        return shrink_prior(st, sigma_down, sigma_frac)

    def spy_advance(*args, **kwargs):
        seen["step"].add((kwargs["step_beta1"], kwargs["step_sigma_frac"]))
        return advance(*args, **kwargs)

    monkeypatch.setattr(unroll_module, "shrink_prior", spy_shrink)
    monkeypatch.setattr(unroll_module, "advance", spy_advance)
    prob = get_family("quadratic", dim=dim).sample(0)
    unroll_module.unroll_batch(L2LNet().double(), [prob], steps=2, q=4,
                               sigma_down="auto", step_beta1="auto")
    assert seen["shrink"] == {(rules.resolve_sigma_down("auto", dim),
                               rules.resolve_sigma_down_sigma("auto", None, dim))}
    assert seen["step"] == {(rules.resolve_step_beta1("auto", dim),
                             rules.resolve_step_beta1_sigma("auto", None, dim))}
    expected = {30: ((0.4, None), (None, None)), 120: ((1.0, 1.0), (0.7, 0.5)),
                400: ((1.0, 0.5), (0.7, None))}[dim]
    assert (next(iter(seen["shrink"])), next(iter(seen["step"]))) == expected


def test_unrolls_without_the_step_rules_run_as_trained():
    """Left out, the rules are the bundled weights' training (the trained shrink, the
    networks' mean); given, the step's shorter mean changes a run at d = 320 at once."""
    from zominimize.meta import unroll_batch

    net = L2LNet().double()
    prob = get_family("quadratic", dim=320).sample(0)

    def final(**rules):
        gen = torch.Generator().manual_seed(1)
        return unroll_batch(net, [prob], steps=4, q=4, generator=gen, **rules)[0]["final"]

    assert final() == final(sigma_down=0.4, step_beta1=None)
    assert final(step_beta1="auto") != final()


def test_training_unrolls_with_the_step_rules_back_propagate_without_warnings():
    """In training σ carries the graph: the rules' test of σ against a share of its
    start reads a detached value (no torch warning, the same decision)."""
    import warnings

    from zominimize.meta import unroll_batch

    net = L2LNet().double()
    prob = get_family("quadratic", dim=320).sample(0)
    losses = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        unroll_batch(net, [prob], steps=6, q=4, truncation=3, sigma_down="auto",
                     step_beta1="auto", on_segment=losses.append)
    assert len(losses) == 2 and all(loss.requires_grad for loss in losses)


def test_training_with_the_step_rules_records_them_for_inference(tmp_path):
    """TrainConfig.step_beta1 (absent from the manifest unless given) and
    sigma_down="auto" reach the manifest, from which l2l-zo runs the weights."""
    out = tmp_path / "w.safetensors"
    _, plain = train(TrainConfig(**TINY), None, log=lambda s: None)
    assert "step_beta1" not in plain["options"]
    _, manifest = train(TrainConfig(**dict(TINY, sigma_down="auto", step_beta1="auto")), out,
                        log=lambda s: None)
    assert (manifest["options"]["sigma_down"], manifest["options"]["step_beta1"]) == (
        "auto", "auto")
    method = zominimize.Optimizer("l2l-zo", np.zeros(4), weights=str(out)).method
    assert (method.sigma_down, method.step_beta1) == ("auto", "auto")


def test_training_is_reproducible_and_resumable(tmp_path):
    cfg = TrainConfig(**TINY)
    a, _ = train(cfg, None, log=lambda s: None)
    ck = tmp_path / "ck.pt"
    # an interrupted run (time limit hit right away), then resumed to the end
    train(TrainConfig(**dict(TINY, update_iters=2, query_iters=0)), None, checkpoint=ck,
          log=lambda s: None)
    assert ck.exists()
    b, _ = train(cfg, None, checkpoint=ck, resume=True, log=lambda s: None)
    for (k, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        torch.testing.assert_close(x, y, rtol=0, atol=0, msg=k)


def test_cosine_schedule_decays_each_stage_to_zero_and_resumes(tmp_path):
    from zominimize.meta.train import _lr_factor

    cos = TrainConfig(lr_schedule="cosine")
    assert _lr_factor(cos, 0, 100) == 1.0
    assert _lr_factor(cos, 50, 100) == pytest.approx(0.5)
    assert _lr_factor(cos, 99, 100) < 1e-3
    assert _lr_factor(TrainConfig(), 99, 100) == 1.0

    cfg = TrainConfig(**dict(TINY, lr_schedule="cosine"))
    a, _ = train(cfg, None, log=lambda s: None)
    const, _ = train(TrainConfig(**TINY), None, log=lambda s: None)
    assert any(not torch.equal(x, y) for x, y in
               zip(a.state_dict().values(), const.state_dict().values()))
    ck = tmp_path / "ck.pt"

    def interrupt(msg):  # stop the run at its second validation (the first is saved)
        if msg.startswith("[update] it 3"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(cfg, None, checkpoint=ck, log=interrupt)
    # the rate is a function of the iteration: the resumed run is the uninterrupted one
    b, _ = train(cfg, None, checkpoint=ck, resume=True, log=lambda s: None)
    for (k, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        torch.testing.assert_close(x, y, rtol=0, atol=0, msg=k)


@pytest.mark.parametrize("variant", ["paper"])
def test_paper_variant_trains(variant, tmp_path):
    net, manifest = train(TrainConfig(**dict(TINY, variant=variant)), tmp_path / "p.safetensors",
                          log=lambda s: None)
    assert manifest["arch"]["variant"] == "paper"
    res = minimize(lambda x: np.sum(x**2), np.ones(5), method="l2l-zo",
                   options={"weights": str(tmp_path / "p.safetensors"), "maxiter": 3}, rng=0)
    assert np.isfinite(res.fun)


def test_cli_train(tmp_path, capsys):
    from zominimize.__main__ import main

    out = tmp_path / "cli.safetensors"
    args = ["train", "--out", str(out), "--family", "quadratic", "--update-iters", "2",
            "--query-iters", "1", "--horizon", "10", "--horizon-start", "10", "--truncation",
            "10", "--q", "3", "--val-size", "1", "--val-steps", "10", "--val-every", "1",
            "--sigma0-dim-ref", "inf", "--features", "log_d,success", "--sigma-down",
            "auto", "--step-beta1", "0.7"]
    assert main(args) == 0
    net, manifest = load_weights(out)
    assert manifest["command"] == "zominimize " + " ".join(args)
    assert manifest["config"]["sigma0_dim_ref"] == float("inf")
    assert net.features == ("log_d", "success") and manifest["arch"]["features"]
    assert (manifest["config"]["sigma_down"], manifest["config"]["step_beta1"]) == ("auto", 0.7)
    assert "validation score" in capsys.readouterr().out


def test_sigma0_dim_ref_sets_the_initial_step_size_of_unrolls():
    """Training uses the inference rule for sigma0 (shrinking above dim_ref), or the
    rule without the dimension factor with dim_ref=inf (how "attack" was trained)."""
    from zominimize.meta.unroll import _Run

    net = L2LNet().double()
    prob = get_family("quadratic", dim=50).sample(0)
    gen = torch.Generator().manual_seed(0)

    def sigma(ref, rel=0.1):
        run = _Run(net, prob, torch.float64, 1.0, gen, torch.float64, ref, rel)
        return float(run.st.sigma)

    assert sigma(10.0) == pytest.approx(sigma(float("inf")) / 5)
    assert sigma(200.0) == pytest.approx(sigma(float("inf")))
    # sigma0_rel is the rule's constant: the bundled weights were trained with 0.1
    assert sigma(200.0, rel=0.03) == pytest.approx(0.3 * sigma(200.0))
    assert TrainConfig().sigma0_rel == 0.1


@pytest.mark.parametrize("field, value", [
    ("batch_size", 0), ("q", 2.5), ("update_iters", -1), ("sigma0_dim_ref", 0.0),
    ("sigma0_rel", -0.1),
    ("lr_update", -1e-3), ("sigma_jitter", 0.5), ("variant", "lstm"),
    ("weighting", "cubic"), ("problem_dtype", "float16"), ("lr_schedule", "linear"),
    ("sigma_vote_bound", 3.0), ("features", "log_d,depth"), ("features", ("log_d",)),
    ("directions", "orthonormal"), ("sigma_down", 0.0), ("sigma_down", "hard"),
    ("step_beta1", 1.0), ("step_beta1", -0.1), ("step_beta1", "short"), ("step_beta1", True),
])
def test_train_config_rejects_bad_values_by_name(field, value):
    with pytest.raises(ValueError, match=f"TrainConfig.{field}"):
        TrainConfig(**{field: value})


def test_train_config_rejects_extra_features_for_the_paper_variant():
    with pytest.raises(ValueError, match="TrainConfig.features needs variant='scaled'"):
        TrainConfig(variant="paper", features="log_d")


def test_unroll_skips_a_segment_whose_iterates_were_all_rejected():
    # elitist rule at the optimum: every step is undone, so a whole segment's loss is
    # of detached iterates; the meta-update must be skipped, not crash backward()
    torch.manual_seed(0)
    net = L2LNet().double()
    prob = get_family("quadratic").sample(0)
    prob.x0 = prob.x_opt.copy()
    calls = []

    def step(loss):
        calls.append(loss.requires_grad)
        loss.backward()

    gen = torch.Generator().manual_seed(0)
    out = unroll(net, prob, steps=20, truncation=10, q=4, generator=gen, on_segment=step,
                 accept="improving")
    assert all(calls)
    assert out["final"] == out["curve"][0]  # never left the optimum
