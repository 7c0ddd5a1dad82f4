"""The learned iteration (zominimize.learned.core): its features, its step-size rule and
the equivalence of the inference and training paths."""

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from zominimize.learned import core, load_weights
from zominimize.learned.nets import L2LNet
from zominimize.learned.rules import DIRECTIONS, RESTARTS


def _spy_features(net):
    """Record the UpdateRNN's inputs, shape (6, d), at every call."""
    seen = []
    forward = net.update_rnn.forward

    def spy(inputs, hc):
        seen.append(inputs.detach().clone())
        return forward(inputs, hc)

    net.update_rnn.forward = spy
    return seen


def _reference_features(ghats, fs, sigma0, x):
    """The six features of the "scaled" UpdateRNN, computed independently in NumPy
    for a sequence of estimates at a fixed iterate (σ fixed at σ₀: the test net votes
    nothing and f never changes, so only the prior moves σ, and it does not)."""
    R = 0.0
    m = np.zeros_like(ghats[0])
    v = np.zeros_like(ghats[0])
    out = []
    for t, g in enumerate(ghats, start=1):
        R = 0.9 * R + 0.1 * np.mean(g**2)
        a = np.clip(g / np.sqrt(R / (1 - 0.9**t)), -5, 5)  # bias-corrected running RMS
        m_prev = m.copy()
        m = 0.9 * m + 0.1 * a
        v = 0.99 * v + 0.01 * a**2
        b = (m / (1 - 0.9**t)) / np.sqrt(v / (1 - 0.99**t) + 1e-8)
        agree = np.sign(a) * np.sign(m_prev)
        imp = 0.0 if t == 1 else float(np.sign(fs[t - 2] - fs[t - 1]))
        ls = np.zeros_like(a)
        disp = np.clip(x / sigma0, -5, 5)
        out.append(np.stack([a, b, agree, imp * np.ones_like(a), ls, disp]))
    return out


def test_update_features_are_pinned():
    """The UpdateRNN reads ĝ normalised by the bias-corrected running RMS, the
    Adam-like ratio of its moments, their sign agreement, did-f-improve, log σ/σ₀ and
    the displacement from x0 in units of σ — exactly."""
    torch.manual_seed(0)
    net = L2LNet("scaled").double().requires_grad_(False)
    with torch.no_grad():  # no learned σ vote: σ stays at σ₀ when f does not change
        net.update_rnn.head.weight[1].zero_()
        net.update_rnn.head.bias[1].zero_()
    seen = _spy_features(net)
    rng = np.random.default_rng(0)
    d, sigma0 = 7, 0.5
    x = rng.normal(size=d)
    st = core.init_state(net, np.zeros(d), sigma0)
    ghats = [rng.normal(size=d) * s for s in (1.0, 3.0, 0.1)]
    fs = [2.0, 2.0, 2.0]
    for g, f in zip(ghats, fs):
        _, st = core.update_step(net, st, torch.as_tensor(g), f, torch.as_tensor(x))
        st.f_prev = f
    for got, want in zip(seen, _reference_features(ghats, fs, sigma0, x)):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)


def test_sigma_prior_grows_after_an_improvement_and_shrinks_after_a_deterioration():
    net = L2LNet("scaled").double().requires_grad_(False)
    with torch.no_grad():
        net.update_rnn.head.weight[1].zero_()
        net.update_rnn.head.bias[1].zero_()
    g = torch.ones(3, dtype=torch.float64)
    x = torch.zeros(3, dtype=torch.float64)
    for f_new, factor in ((0.5, math.exp(0.5 * math.tanh(0.2))),
                          (2.0, math.exp(0.5 * math.tanh(-0.4))),
                          (1.0, 1.0)):
        st = core.init_state(net, np.zeros(3), 1.0)
        st.f_prev = 1.0
        _, st = core.update_step(net, st, g, f_new, x)
        assert float(st.sigma) == pytest.approx(factor)


def test_queries_are_the_drawn_directions_scaled_by_mu_and_projected():
    net, _ = load_weights("default", dtype=torch.float64)
    gen = torch.Generator().manual_seed(3)
    st = core.init_state(net, np.zeros(5), 0.1, bounds=(np.full(5, -1e-3), np.full(5, 1.0)))
    P, U, st2 = core.propose(net, st, gen, q=4, mu=0.01, sampler="gaussian")
    E = torch.randn((4, 5), generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    np.testing.assert_allclose(P.numpy(), np.clip(0.01 * E.numpy(), -1e-3, 1.0), rtol=1e-12)
    np.testing.assert_allclose(U.numpy(), P.numpy() / 0.01, rtol=1e-12)  # taken, not drawn


@pytest.mark.parametrize("use_rnn", [True, False])
def test_rnn_guided_is_guided_es_on_the_query_rnn_covariance(use_rnn):
    """"rnn-guided": the full-space half of the Guided-ES sample has the QueryRNN's
    covariance (pred_ratio's coin decides, as for "rnn"), the rest lies in the span of
    the last estimate and step, and each direction has the norm of its full-space draw."""
    net, _ = load_weights("default", dtype=torch.float64)
    d, q = 6, 5
    st = core.init_state(net, np.zeros(d), 1.0)
    rng = np.random.default_rng(0)
    g_prev, dx_prev = (torch.as_tensor(rng.standard_normal(d)) for _ in range(2))
    st = replace(st, a_prev=torch.as_tensor(rng.standard_normal(d)), g_prev=g_prev,
                 dx_prev=dx_prev)
    _, U, st2 = core.propose(net, st, torch.Generator().manual_seed(5), q=q, mu=1.0,
                             sampler="rnn-guided", pred_ratio=1.0 if use_rnn else 0.0)
    # replay the generator: the coin, the full-space draw, then the subspace draw
    gen = torch.Generator().manual_seed(5)
    torch.rand((), generator=gen)
    E = torch.randn((q, d), generator=gen, dtype=torch.float64)
    if use_rnn:
        E = E * st2.query_std
    eta = torch.randn((q, 2), generator=gen, dtype=torch.float64)
    Q, _ = torch.linalg.qr(torch.stack([g_prev, dx_prev], dim=1))
    W = math.sqrt(0.5) * E + math.sqrt(0.5) * eta @ Q.T
    W = W * E.norm(dim=1, keepdim=True) / W.norm(dim=1, keepdim=True)
    np.testing.assert_allclose(U.numpy(), W.numpy(), rtol=1e-10)
    assert not torch.allclose(st2.query_std, torch.ones(d, dtype=torch.float64))  # not I


@pytest.mark.parametrize("q, d", [(5, 8), (8, 8), (7, 3), (1, 1)])
def test_orthogonal_directions_are_orthonormal_blocks_of_length_sqrt_d(q, d):
    gen = torch.Generator().manual_seed(3)
    U = core.draw_directions(gen, q, d, orthogonal=True)
    assert U.shape == (q, d)
    for start in range(0, q, d):
        B = U[start:start + d]
        np.testing.assert_allclose((B @ B.T).numpy(), d * np.eye(len(B)), atol=1e-10)
    # the same numbers drawn as for independent directions: the rest of a run's
    # random stream (pred_ratio's coins, the next iterations) does not move
    ref = torch.Generator().manual_seed(3)
    core.draw_directions(ref, q, d)
    assert torch.equal(gen.get_state(), ref.get_state())
    std = torch.linspace(0.5, 1.5, d, dtype=torch.float64)
    scaled = core.draw_directions(torch.Generator().manual_seed(3), q, d, std, orthogonal=True)
    torch.testing.assert_close(scaled, U * std)


def test_orthogonal_directions_give_the_exact_gradient_of_a_linear_function_with_q_d():
    d = 6
    g = torch.arange(1.0, d + 1, dtype=torch.float64)
    gen = torch.Generator().manual_seed(0)
    U = core.draw_directions(gen, d, d, orthogonal=True)
    fq = U @ g * 1e-3  # f(x + mu u) - f(x) for f(x) = g.x, mu = 1e-3
    torch.testing.assert_close(core.estimate(U, fq, 0.0, 1e-3), g)
    iid = core.draw_directions(gen, d, d)
    assert not torch.allclose(core.estimate(iid, iid @ g * 1e-3, 0.0, 1e-3), g, rtol=0.1)


def test_isotropy_of_orthogonal_directions():
    """E[u uᵀ] = I, as for independent directions: the estimate stays unbiased."""
    gen = torch.Generator().manual_seed(1)
    U = core.draw_directions(gen, 3 * 4000, 4, orthogonal=True)
    np.testing.assert_allclose((U.T @ U / len(U)).numpy(), np.eye(4), atol=0.05)


def test_propose_rejects_an_unknown_directions_rule():
    net = L2LNet()
    st = core.init_state(net, torch.zeros(3, dtype=torch.float64), 1.0)
    with pytest.raises(ValueError, match="`directions`"):
        core.propose(net, st, torch.Generator(), q=2, mu=0.1, directions="auto")


def test_estimate_leaves_non_finite_values_out():
    U = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=torch.float64)
    g = core.estimate(U, torch.tensor([3.0, math.nan, math.inf], dtype=torch.float64), 1.0, 0.5)
    np.testing.assert_allclose(g.numpy(), [4.0, 0.0])  # one finite query: (3-1)/0.5 * e1
    g0 = core.estimate(U, torch.full((3,), math.nan, dtype=torch.float64), 1.0, 0.5)
    assert torch.equal(g0, torch.zeros(2, dtype=torch.float64))


@pytest.mark.parametrize("speculative", [True, False])
@pytest.mark.parametrize("sigma_down", [core.SIGMA_DOWN, 1.0])
@pytest.mark.parametrize("directions", ["independent", "orthogonal"])
@pytest.mark.parametrize("accept", ["always", "improving", "elitist-start"])
def test_inference_and_training_paths_take_the_same_steps(accept, directions, sigma_down,
                                                          speculative):
    """l2l-zo (ask/tell, no grad) and a meta-training unroll (gradients on) run the same
    iteration: same directions, same iterates, the same acceptance, on a problem
    without noise."""
    from zominimize import Optimizer
    from zominimize.meta import unroll
    from zominimize.problems import get_family

    prob = get_family("quadratic", dim=6).sample(np.random.default_rng(1))
    net, _ = load_weights("default", dtype=torch.float64)
    # the unroll: sigma0 from the training rule, no jitter, its own generator
    from zominimize.learned.sigma0 import SIGMA0_DIM_REF, SIGMA0_REL_TRAIN, default_sigma0

    sigma0 = default_sigma0(np.asarray(prob.x0), np.full(6, -np.inf), np.full(6, np.inf),
                            SIGMA0_DIM_REF, SIGMA0_REL_TRAIN)
    gen = torch.Generator().manual_seed(5)
    # 30 steps see deteriorations (the prior shrink, sigma_down) and rejections; with
    # the elitist rule and speculative queries only 8: the method then spends a
    # rejected iterate's queries, the unroll evaluates the iterate alone, so the two
    # draw different directions after the first rejection
    steps = 8 if accept == "improving" and speculative else 30
    out = unroll(net, prob, steps=steps, truncation=4, q=5, mu_rel=0.1, sigma_jitter=1.0,
                 generator=gen, pred_ratio=0.5, accept=accept, directions=directions,
                 sigma_down=sigma_down, on_segment=lambda loss: None)
    # the same iterations through the method, fed the same generator state (meta-training
    # has no adapted query covariance, an inference rule)
    opt = Optimizer("l2l-zo", np.asarray(prob.x0), rng=0, q=5, sigma0=sigma0, mu_rel=0.1,
                    dtype="float64", accept=accept, directions=directions,
                    sigma_down=sigma_down, speculative=speculative, covariance=False)
    opt.state.memory["gen"].manual_seed(5)
    rejected = 0
    while opt.state.memory["core"].t < steps:  # the updates the unroll made
        X = opt._ask()
        opt._tell_asked(X, prob.batch(np.array(X)))
        rejected += len(X) == 1 and opt.state.fx != float(prob.batch(np.array(X))[0])
    np.testing.assert_allclose(opt.state.x, out["x"], rtol=1e-10, atol=1e-12)
    if accept == "improving" and not speculative:
        assert rejected >= 2  # the equality holds past rejected iterates


def test_settle_keeps_improvements_and_undoes_deteriorations():
    net = L2LNet("scaled").double()
    st = core.init_state(net, np.zeros(3), 1.0)
    st.x_prev, st.f_prev, st.fx = torch.ones(3, dtype=torch.float64), 1.0, 2.0
    same, rejected = core.settle(st, "always")
    assert same is st and not rejected
    back, rejected = core.settle(st, "improving")
    assert rejected and back.fx == 1.0 and torch.equal(back.x, st.x_prev)
    assert float(back.sigma) == pytest.approx(math.exp(0.5 * math.tanh(-0.4)))  # ~0.83
    st.fx = 0.5
    assert core.settle(st, "improving") == (st, False)
    with pytest.raises(ValueError, match="accept"):
        core.settle(st, "sometimes")


@pytest.mark.parametrize("sigma_down", [core.SIGMA_DOWN, 1.0])
def test_sigma_down_is_the_shrink_after_a_deterioration_and_a_rejection(sigma_down):
    """With no vote of the networks, σ is multiplied by exp(0.5 tanh(-sigma_down)) after
    a deterioration of f, and by the same factor when an iterate is rejected; an
    improvement grows it whatever sigma_down."""
    net = L2LNet("scaled", sigma_vote_bound=0).double()
    factor = math.exp(0.5 * math.tanh(-sigma_down))
    assert core.reject_shrink(sigma_down) == pytest.approx(factor)
    st = core.init_state(net, np.zeros(3), 1.0)
    st.f_prev = 1.0
    ghat = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    with torch.no_grad():  # σ carries the vote's graph otherwise
        _, worse = core.update_step(net, st, ghat, 2.0, st.x, sigma_down=sigma_down)
        _, better = core.update_step(net, st, ghat, 0.5, st.x, sigma_down=sigma_down)
    assert float(worse.sigma) == pytest.approx(factor)
    assert float(better.sigma) == pytest.approx(math.exp(0.5 * math.tanh(0.2)))
    st.x_prev, st.fx = torch.ones(3, dtype=torch.float64), 2.0
    back, rejected = core.settle(st, "improving", sigma_down)
    assert rejected and float(back.sigma) == pytest.approx(factor)


@pytest.mark.parametrize("beta1", [core.BETA1, 0.5, 0.0])
def test_beta1_is_the_decay_of_the_first_moment(beta1):
    """The UpdateRNN's first moment is beta1 * m + (1 - beta1) * a, debiased by
    1 - beta1**t in the momentum input b (with beta1 = 0, b is a / sqrt(v̂))."""
    net = L2LNet("scaled").double()
    st = core.init_state(net, np.zeros(3), 1.0)
    g1 = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    g2 = torch.tensor([-1.0, 0.5, 3.0], dtype=torch.float64)
    with torch.no_grad():
        _, st = core.update_step(net, st, g1, 1.0, st.x, beta1=beta1)
        a1 = st.a_prev
        _, st = core.update_step(net, st, g2, 1.0, st.x, beta1=beta1)
    a2 = st.a_prev
    m = (1 - beta1) * (beta1 * a1 + a2)
    torch.testing.assert_close(st.m, m)
    if beta1 == 0.0:
        torch.testing.assert_close(st.m, a2)


def test_step_beta1_is_a_second_mean_that_only_the_step_follows():
    """With step_beta1 the networks read the same inputs (the mean at beta1) and the
    step's prior term follows the second mean: the step changes by exactly σ times the
    difference of the two debiased, normalised means."""
    net = L2LNet("scaled").double()
    st = core.init_state(net, np.zeros(3), 1.0)
    g1 = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    g2 = torch.tensor([-1.0, 0.5, 3.0], dtype=torch.float64)
    with torch.no_grad():
        _, one = core.update_step(net, st, g1, 1.0, st.x)
        _, two = core.update_step(net, st, g1, 1.0, st.x, step_beta1=0.5)
        sigma, a1 = one.sigma, one.a_prev
        dx1, one = core.update_step(net, one, g2, 1.0, one.x)
        dx2, two = core.update_step(net, two, g2, 1.0, two.x, step_beta1=0.5)
    assert one.m_step is None
    torch.testing.assert_close(one.m, two.m)
    torch.testing.assert_close(one.hu, two.hu)  # the networks saw the same inputs
    torch.testing.assert_close(one.sigma, two.sigma)
    a2 = two.a_prev
    torch.testing.assert_close(two.m_step, 0.5 * (0.5 * a1 + a2))
    rms = torch.sqrt(two.v / (1 - 0.99**2) + 1e-8)
    b1 = one.m / (1 - core.BETA1**2) / rms
    b2 = two.m_step / (1 - 0.5**2) / rms
    torch.testing.assert_close(dx2 - dx1, sigma * (b1 - b2))


def test_step_sigma_frac_switches_to_the_second_mean_only_below_that_share_of_sigma0():
    """With step_sigma_frac the step follows the networks' mean while σ is at or above
    that fraction of its start, and the second mean below it; the second mean is kept
    up to date either way."""
    net = L2LNet("scaled").double()
    st = core.init_state(net, np.zeros(3), 1.0)
    g1 = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    g2 = torch.tensor([-1.0, 0.5, 3.0], dtype=torch.float64)
    with torch.no_grad():
        # the first update: the debiased means agree, whatever their decays
        _, st = core.update_step(net, st, g1, 1.0, st.x, step_beta1=0.5, step_sigma_frac=0.5)
        st = replace(st, sigma=torch.ones_like(st.sigma))  # σ back at its start
        dx0, _ = core.update_step(net, st, g2, 1.0, st.x)
        dx1, high = core.update_step(net, st, g2, 1.0, st.x, step_beta1=0.5,
                                     step_sigma_frac=0.5)
        low_st = replace(st, sigma=st.sigma * 0.4)
        dx2, _ = core.update_step(net, low_st, g2, 1.0, st.x)
        dx3, low = core.update_step(net, low_st, g2, 1.0, st.x, step_beta1=0.5,
                                    step_sigma_frac=0.5)
    torch.testing.assert_close(dx1, dx0)  # σ = σ0: the networks' mean
    torch.testing.assert_close(high.m_step, low.m_step)  # tracked either way
    assert not torch.allclose(dx3, dx2)  # σ = 0.4 σ0: the second mean
    rms = torch.sqrt(low.v / (1 - 0.99**2) + 1e-8)
    b1 = low.m / (1 - core.BETA1**2) / rms
    b2 = low.m_step / (1 - 0.5**2) / rms
    torch.testing.assert_close(dx3 - dx2, low_st.sigma * (b1 - b2))


def test_elitist_start_rejects_only_until_the_first_improvement():
    """accept="elitist-start": deteriorations are undone (σ shrinks) until a kept
    iterate improves on its predecessor; from then on every iterate is kept."""
    net = L2LNet("scaled").double()
    st = core.init_state(net, np.zeros(3), 1.0)
    st.x_prev, st.f_prev, st.fx = torch.ones(3, dtype=torch.float64), 1.0, 2.0
    back, rejected = core.settle(st, "elitist-start")
    assert rejected and back.fx == 1.0 and not back.improved
    assert float(back.sigma) == pytest.approx(math.exp(0.5 * math.tanh(-0.4)))
    tie = replace(st, fx=1.0)  # not worse: kept, but not an improvement either
    kept, rejected = core.settle(tie, "elitist-start")
    assert not rejected and not kept.improved
    better, rejected = core.settle(replace(st, fx=0.5), "elitist-start")
    assert not rejected and better.improved and better.fx == 0.5
    worse = replace(better, x_prev=better.x, f_prev=0.5, fx=3.0)
    kept, rejected = core.settle(worse, "elitist-start")
    assert not rejected and kept is worse  # after the first improvement: as "always"


def test_elitist_streak_ends_the_start_only_after_improvements_in_a_row():
    """accept="elitist-streak": one improvement does not end the elitist start; a
    rejection in between starts the count again; START_STREAK in a row end it."""
    assert core.START_STREAK == 2
    net = L2LNet("scaled").double()
    st = core.init_state(net, np.zeros(3), 1.0)
    st.x_prev, st.f_prev = torch.ones(3, dtype=torch.float64), 1.0
    once, rejected = core.settle(replace(st, fx=0.5), "elitist-streak")
    assert not rejected and not once.improved and once.streak == 1
    # a worse iterate after one improvement is still undone, and the count restarts
    back, rejected = core.settle(replace(once, x_prev=once.x, f_prev=0.5, fx=0.7),
                                 "elitist-streak")
    assert rejected and back.fx == 0.5 and back.streak == 0 and not back.improved
    tie, _ = core.settle(replace(once, x_prev=once.x, f_prev=0.5, fx=0.5), "elitist-streak")
    assert tie.streak == 1 and not tie.improved  # an equal value neither counts nor resets
    twice, rejected = core.settle(replace(once, x_prev=once.x, f_prev=0.5, fx=0.4),
                                  "elitist-streak")
    assert not rejected and twice.improved and twice.streak == 2
    worse = replace(twice, x_prev=twice.x, f_prev=0.4, fx=3.0)
    kept, rejected = core.settle(worse, "elitist-streak")
    assert not rejected and kept is worse  # the start is over: as "always"
    # "elitist-start" ends it at the first improvement, as before
    assert core.settle(replace(st, fx=0.5), "elitist-start")[0].improved


@pytest.mark.parametrize("key, value", [*(("accept", a) for a in core.ACCEPT),
                                        ("accept", "elitist"),
                                        *(("directions", v) for v in DIRECTIONS),
                                        ("directions", "orthonormal"),
                                        *(("restarts", v) for v in RESTARTS),
                                        ("restarts", "fresh"), ("restarts", 1)])
def test_manifest_reader_checks_the_rules_options(key, value):
    import json

    from zominimize.learned import weights

    manifest = {"arch": {"variant": "scaled", "hidden": 10}, "sha256": "0",
                "format_version": weights.FORMAT_VERSION, "options": {key: value}}
    meta = {"zominimize": json.dumps(manifest)}
    if any(value == v and type(value) is type(v) for v in core.ACCEPT + DIRECTIONS + RESTARTS):
        assert weights._manifest(meta, "w.safetensors")["options"][key] == value
    else:
        with pytest.raises(weights.WeightsError, match=f"'{key}' must be one of"):
            weights._manifest(meta, "w.safetensors")


def test_improving_rule_keeps_the_iterates_monotone():
    """With accept="improving" no kept iterate is worse than the one before it; with
    "always" (the paper) some are. (An iterate is kept, or not, once its value is
    known: the centre of the next batch.)"""
    from zominimize import Optimizer

    def f(x):
        return float(np.sum((x - 1.0) ** 2) + 0.3 * np.sum(np.cos(7 * x)))

    kept = {}
    for accept in ("improving", "always"):
        opt = Optimizer("l2l-zo", np.zeros(8), rng=1, accept=accept, sigma0=0.5)
        kept[accept] = []
        for _ in range(60):
            X = opt.ask()
            opt.tell(X, [f(x) for x in X])
            f_kept = opt.state.memory["core"].f_prev  # the iterate the last step left
            if f_kept is not None:
                kept[accept].append(f_kept)
        kept[accept] = np.array(kept[accept])
    assert len(kept["improving"]) > 30 and np.all(np.diff(kept["improving"]) <= 0)
    assert np.any(np.diff(kept["always"]) > 0)


def test_accept_auto_is_elitist_below_its_dimension_and_at_the_start_above():
    assert core.resolve_accept("auto", core.ACCEPT_AUTO_MAX_D - 1) == "improving"
    assert core.resolve_accept("auto", core.ACCEPT_AUTO_MAX_D) == "elitist-streak"
    assert core.resolve_accept("always", 3) == "always"
    net = L2LNet("scaled").double()
    for d, improved, rejected in ((3, True, True), (core.ACCEPT_AUTO_MAX_D, False, True),
                                  (core.ACCEPT_AUTO_MAX_D, True, False)):
        st = core.init_state(net, np.zeros(d), 1.0)
        st.x_prev, st.f_prev, st.fx = torch.ones(d, dtype=torch.float64), 1.0, 2.0
        st.improved = improved
        assert core.settle(st, "auto")[1] is rejected


def test_elitist_start_undoes_a_start_step_that_is_far_too_large():
    """A σ₀ far too large for the problem: with "elitist-start" the run stays at x0
    while its steps are worse (σ shrinks) and ends below "always", which lets the first
    steps carry the iterate far away."""
    from zominimize import Optimizer

    d = 150

    def f(x):
        return float(np.sum((x - 0.3) ** 2))

    ends = {}
    for accept in ("elitist-start", "always"):
        opt = Optimizer("l2l-zo", np.zeros(d), rng=2, accept=accept, sigma0=30.0)
        for it in range(40):
            X = opt.ask()
            opt.tell(X, [f(x) for x in X])
            st = opt.state.memory["core"]
            if accept == "elitist-start" and it == 1:  # the first step was undone
                assert not st.improved and np.array_equal(st.x.numpy(), np.zeros(d))
        ends[accept] = opt.f_best
    assert ends["elitist-start"] < ends["always"]


def test_extra_update_features_are_pinned():
    """``features=("log_d", "success")`` appends ``log10(d)/3`` and the centred running
    rate of improving steps (updated only when f changed) to the six base inputs."""
    net = L2LNet("scaled", features=("success", "log_d")).double().requires_grad_(False)
    assert net.features == ("log_d", "success")  # canonical order, whatever was given
    seen = _spy_features(net)
    d = 50
    st = core.init_state(net, np.zeros(d), 1.0)
    g, x = torch.ones(d, dtype=torch.float64), torch.zeros(d, dtype=torch.float64)
    rate, want = 0.5, []
    # no previous value, then better, worse, the same, better
    for f_prev, f in ((None, 3.0), (3.0, 2.0), (2.0, 4.0), (4.0, 4.0), (4.0, 1.0)):
        st.f_prev = f_prev
        if f_prev is not None and f != f_prev:
            rate = 0.9 * rate + 0.1 * float(f < f_prev)
        want.append(2 * rate - 1)
        _, st = core.update_step(net, st, g, f, x)
        assert st.success == pytest.approx(rate)
    assert [t.shape[0] for t in seen] == [8] * 5
    for feats, w in zip(seen, want):
        np.testing.assert_allclose(feats[6].numpy(), np.log10(d) / 3, rtol=1e-12)
        np.testing.assert_allclose(feats[7].numpy(), w, rtol=1e-12)


@pytest.mark.parametrize("kwargs, match", [
    ({"features": ("log_d", "depth")}, "features"),
    ({"features": "log_d"}, "features"),
    ({"variant": "paper", "features": ("log_d",)}, "variant='scaled'"),
])
def test_extra_features_reject_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        L2LNet(**kwargs)


@pytest.mark.parametrize("how", ["pickle", "checkpoint"])
def test_elitist_start_state_survives_save_and_load(how, tmp_path):
    """The "has improved" flag is part of the saved state: a run saved after its first
    improvement resumes keeping every iterate, as the uninterrupted run does."""
    import pickle

    import zominimize
    from zominimize import Optimizer

    def f(x):
        return float(np.sum((x - 0.5) ** 2))

    def run(save_at):
        opt = Optimizer("l2l-zo", np.zeros(8), rng=3, accept="elitist-start", sigma0=0.2)
        asked = []
        for it in range(12):
            if it == save_at:
                assert opt.state.memory["core"].improved
                if how == "pickle":
                    opt = pickle.loads(pickle.dumps(opt))
                else:
                    zominimize.save_checkpoint(opt, tmp_path / "c.ckpt")
                    opt = zominimize.load_checkpoint(tmp_path / "c.ckpt")
                assert opt.state.memory["core"].improved
            X = opt.ask()
            asked.append(X)
            opt.tell(X, [f(x) for x in X])
        return asked

    for a, b in zip(run(None), run(6)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("how", ["pickle", "checkpoint"])
def test_elitist_streak_count_survives_save_and_load(how, tmp_path):
    """accept="elitist-streak": a run saved after one improvement of a streak resumes
    with that count, so the next improvement ends its start as in the uninterrupted
    run (a count lost on load would keep the elitist rule one step longer)."""
    import pickle

    import zominimize
    from zominimize import Optimizer

    def f(x):
        return float(np.sum((x - 0.5) ** 2))

    def run(save_at):
        opt = Optimizer("l2l-zo", np.zeros(8), rng=0, accept="elitist-streak", sigma0=1.0)
        asked, ends = [], []
        for it in range(12):
            if it == save_at:
                core_state = opt.state.memory["core"]
                assert core_state.streak == 1 and not core_state.improved
                if how == "pickle":
                    opt = pickle.loads(pickle.dumps(opt))
                else:
                    zominimize.save_checkpoint(opt, tmp_path / "c.ckpt")
                    opt = zominimize.load_checkpoint(tmp_path / "c.ckpt")
                assert opt.state.memory["core"].streak == 1
            X = opt.ask()
            asked.append(X)
            opt.tell(X, [f(x) for x in X])
            ends.append(opt.state.memory["core"].improved)
        return asked, ends

    plain, ends = run(None)
    assert ends.index(True) == 5  # the start ends at the second improvement in a row
    for a, b in zip(plain, run(5)[0]):
        np.testing.assert_array_equal(a, b)
