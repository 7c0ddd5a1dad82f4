"""The learned optimizer's step rule, in torch, shared by inference and meta-training.

One iteration of ``l2l-zo`` is

1. :func:`query_std` — the QueryRNN reads the previous normalised estimate and
   step and returns per-coordinate standard deviations ``s`` of the query
   directions, normalised so that ``‖s‖² = d`` (trace of the covariance is ``d``);
2. the caller draws ``u_i = ε_i ⊙ s`` and forms the forward-difference estimate
   ``ĝ`` with smoothing radius ``μ`` (``μ = mu_rel · σ`` in the "scaled" variant);
3. :func:`update_step` — the UpdateRNN turns ``ĝ`` into the step ``Δx`` and, in
   the "scaled" variant, a new step size ``σ``.

Scale invariance of the "scaled" variant: ``ĝ`` enters only through ``a = ĝ /
RMS(ĝ)`` (a running root-mean-square over coordinates and iterations) and the
Adam-like ratio of moments of ``a``; the global features (did ``f`` improve,
``log σ/σ₀``) do not depend on the scale of ``f`` either. Steps are ``σ`` times
the network output, so rescaling ``x`` and ``σ₀`` together rescales the
trajectory. All running statistics are detached from the meta-gradient.
"""

from __future__ import annotations

import math

import torch

from .nets import L2LNet

__all__ = ["init_state", "query_std", "update_step", "detach_state"]

_B1, _B2, _BR = 0.9, 0.99, 0.9
_CLIP_A = 5.0
_MAX_DLOG_SIGMA = 0.5
# Prior of the step-size rule (before the learned correction): grow σ after an
# improvement of f, shrink it after a deterioration, in the spirit of the 1/5th
# success rule of evolution strategies. In units of the tanh argument.
_SIGMA_UP, _SIGMA_DOWN = 0.2, 0.4
# The learned correction to the prior is bounded by ``net.sigma_vote_bound`` (tanh
# units). The bundled weights use 0.3 < _SIGMA_DOWN, so σ always shrinks after a
# deterioration whatever the net says, which keeps meta-training from learning
# runaway step sizes (a bound of 0.6 did learn them: docs/research.rst, third round).
# Bound of the learned per-coordinate residual step (units of σ).
_MAX_RESIDUAL = 2.0


def init_state(
    net: L2LNet, x0, sigma0: float, *, dtype=torch.float64, device="cpu"
) -> dict:
    """The recurrent state at the start of a run from ``x0`` (array of shape ``(d,)``)."""
    x0 = torch.as_tensor(x0, dtype=dtype, device=device).detach().clone()
    d = x0.numel()
    H = net.hidden

    def z(*shape):
        return torch.zeros(*shape, dtype=dtype, device=device)

    return {
        "hu": z(H, d), "cu": z(H, d), "hq": z(H, d), "cq": z(H, d),
        "sigma": torch.tensor(float(sigma0), dtype=dtype, device=device),
        "log_sigma0": math.log(sigma0),
        "R": z(()), "m": z(d), "v": z(d), "t": 0,
        "a_prev": z(d), "dxn_prev": z(d), "f_prev": None, "x0": x0,
    }


def detach_state(st: dict) -> dict:
    """Cut the meta-gradient at a truncation boundary."""
    return {k: v.detach() if torch.is_tensor(v) else v for k, v in st.items()}


def query_std(net: L2LNet, st: dict) -> tuple[torch.Tensor, dict]:
    """Run the QueryRNN; return ``(s, new_state)`` with ``s`` of shape ``(d,)``, ``‖s‖² = d``."""
    inp = torch.stack([st["a_prev"], st["dxn_prev"]], dim=0)
    out, (hq, cq) = net.query_rnn(inp, (st["hq"], st["cq"]))
    s = (1.0 + out[0]).abs()
    d = s.shape[0]
    norm = torch.linalg.vector_norm(s)
    s = torch.where(norm > 0, s * (math.sqrt(d) / norm.clamp_min(1e-30)), torch.ones_like(s))
    st = dict(st, hq=hq, cq=cq)
    return s, st


def update_step(
    net: L2LNet, st: dict, ghat: torch.Tensor, f_center: float | None, x: torch.Tensor
) -> tuple[torch.Tensor, dict]:
    """Run the UpdateRNN on the estimate ``ghat`` at the iterate ``x``; return
    ``(Δx, new_state)``."""
    if net.variant == "paper":
        out, (hu, cu) = net.update_rnn(ghat[None, :], (st["hu"], st["cu"]))
        dx = out[0]
        return dx, dict(st, hu=hu, cu=cu, a_prev=ghat.detach(), dxn_prev=dx.detach())

    t = st["t"] + 1
    g2 = (ghat.detach() ** 2).mean()
    R = _BR * st["R"] + (1 - _BR) * g2
    R_hat = R / (1 - _BR**t)
    # ĝ ≡ 0 (a flat region) gives a ≡ 0 rather than 0/0.
    inv = torch.where(R_hat > 0, R_hat.clamp_min(1e-300).rsqrt(), torch.zeros_like(R_hat))
    a = (ghat * inv).clamp(-_CLIP_A, _CLIP_A)
    m = _B1 * st["m"] + (1 - _B1) * a
    v = _B2 * st["v"] + (1 - _B2) * a.detach() ** 2
    b = (m / (1 - _B1**t)) / torch.sqrt(v / (1 - _B2**t) + 1e-8)
    agree = torch.sign(a.detach()) * torch.sign(st["m"])
    f_prev = st["f_prev"]
    # +1 if f improved since the last iterate, -1 if it got worse: invariant to a·f + b.
    imp = 0.0 if f_prev is None or f_center is None else float(
        (f_prev > f_center) - (f_prev < f_center)
    )
    sigma = st["sigma"]
    ls = ((torch.log(sigma.detach()) - st["log_sigma0"]) / 5.0).clamp(-2.0, 2.0)
    # displacement from the start in units of σ: lets a step shrink towards x0
    # (soft-thresholding, which sparse problems such as the attack reward)
    disp = ((x.detach() - st["x0"]) / sigma.detach()).clamp(-_CLIP_A, _CLIP_A)
    ones = torch.ones_like(a)
    feats = torch.stack([a, b, agree, imp * ones, ls * ones, disp], dim=0)
    out, (hu, cu) = net.update_rnn(feats, (st["hu"], st["cu"]))
    # A residual on the normalised-momentum direction: the untrained net is Adam-like.
    step = _MAX_RESIDUAL * torch.tanh(out[0] / _MAX_RESIDUAL) - b
    prior = _SIGMA_UP if imp > 0 else (-_SIGMA_DOWN if imp < 0 else 0.0)
    learned = net.sigma_vote_bound * torch.tanh(out[1].mean())
    dlog = _MAX_DLOG_SIGMA * torch.tanh(prior + learned)
    dx = sigma * step
    new = dict(
        st, hu=hu, cu=cu, R=R, m=m, v=v, t=t, sigma=sigma * torch.exp(dlog),
        a_prev=a.detach(), dxn_prev=step.detach(), f_prev=f_center,
    )
    return dx, new
