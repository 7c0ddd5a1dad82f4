"""One differentiable unroll of the learned optimizer on a torch problem.

First-order meta-training, as the paper's official code: the problem's torch
form is differentiable, the meta-gradient flows through the steps ``Δx`` into
the UpdateRNN and, through the query directions ``u = ε ⊙ s``, into the
QueryRNN; the finite-difference coefficients ``(f(x + μu) - f(x)) / μ`` are
computed from values only and carry no gradient, exactly as the optimizer sees
them at test time.

The meta-loss is scale-free: ``log((f(x_t) - f_lower) / (f(x_0) - f_lower))``
averaged over the unroll (or weighted by ``t`` as in the official code), so
problem families whose values differ by orders of magnitude can be mixed.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from ..learned.core import detach_state, init_state, query_std, update_step
from ..methods.l2l_zo import default_sigma0

__all__ = ["unroll"]


def _log_gap(f, f_lower: float, scale: float) -> torch.Tensor:
    floor = 1e-10 * scale
    return torch.log((f - f_lower).clamp_min(floor) / scale)


def unroll(
    net,
    problem,
    *,
    steps: int = 200,
    truncation: int = 20,
    q: int = 20,
    mu_rel: float = 0.1,
    mu: float = 1e-6,
    use_query: bool = True,
    pred_ratio: float | None = None,
    sigma_jitter: float = 3.0,
    weighting: str = "uniform",
    generator: torch.Generator | None = None,
    on_segment: Callable[[torch.Tensor], None] | None = None,
    dtype=torch.float64,
) -> dict:
    """Run the learned optimizer on ``problem`` for ``steps`` iterations.

    Parameters
    ----------
    net : L2LNet
    problem : zominimize.problems.Problem
        Needs ``torch``, ``x0``, ``f_lower`` and ``bounds``.
    steps, truncation : int
        Unroll length and truncated-BPTT segment length.
    q, mu_rel, mu : int, float, float
        Queries per iteration; smoothing radius relative to ``σ`` (``"scaled"``
        nets) or absolute (``"paper"`` nets).
    use_query : bool
        Sample with the QueryRNN (otherwise standard Gaussian directions).
    pred_ratio : float, optional
        Test-time mixing probability; ``None`` (training) always uses the
        predicted covariance.
    sigma_jitter : float
        ``σ₀`` is the default rule times a log-uniform factor in
        ``[1/sigma_jitter, sigma_jitter]``, so the net learns to adapt ``σ``.
    weighting : {"uniform", "linear"}
        Weights of the per-step losses (``"linear"``: ``w_t ∝ t``, official code).
    generator : torch.Generator, optional
        Source of the directions (and of the jitter and mixing coins).
    on_segment : callable, optional
        Called with each segment's loss tensor (attached to the graph): the
        trainer back-propagates and steps the meta-optimizer there. ``None``
        runs without gradients (evaluation).

    Returns
    -------
    dict
        ``"curve"`` (best-so-far log-gap after each iteration, numpy array),
        ``"final"``, ``"mean"`` and ``"nfev"`` per iteration.
    """
    grad = on_segment is not None
    g = generator
    x = torch.as_tensor(np.asarray(problem.x0), dtype=dtype).clone()
    d = x.numel()
    bounds = getattr(problem, "bounds", None)
    lb = ub = None
    if bounds is not None:
        lb = torch.as_tensor(np.asarray(bounds[0]), dtype=dtype)
        ub = torch.as_tensor(np.asarray(bounds[1]), dtype=dtype)
    lb_np = -np.inf if bounds is None else np.asarray(bounds[0])
    ub_np = np.inf if bounds is None else np.asarray(bounds[1])
    sigma0 = default_sigma0(np.asarray(problem.x0, dtype=float),
                            np.broadcast_to(lb_np, (d,)), np.broadcast_to(ub_np, (d,)))
    if sigma_jitter > 1:
        u = torch.rand((), generator=g, dtype=torch.float64).item()
        sigma0 *= math.exp((2 * u - 1) * math.log(sigma_jitter))
    st = init_state(net, d, sigma0, dtype=dtype)
    f_lower = float(problem.f_lower)
    with torch.no_grad():
        fx = problem.torch(x)
    f0 = float(fx)
    scale = max(f0 - f_lower, 1e-12 * max(1.0, abs(f0)))
    best = f0
    curve = np.empty(steps)
    weights = np.arange(1, steps + 1, dtype=float) if weighting == "linear" else np.ones(steps)
    weights /= weights.sum()
    seg_loss = torch.zeros((), dtype=dtype)
    for t in range(steps):
        with torch.set_grad_enabled(grad):
            if use_query:
                s, st = query_std(net, st)
                if pred_ratio is not None and torch.rand((), generator=g).item() >= pred_ratio:
                    s = torch.ones_like(s)
            else:
                s = torch.ones(d, dtype=dtype)
            U = torch.randn((q, d), generator=g, dtype=dtype) * s
            mu_t = mu if net.variant == "paper" else mu_rel * float(st["sigma"].detach())
            with torch.no_grad():
                P = x.detach() + mu_t * U.detach()
                if lb is not None:
                    P = torch.maximum(torch.minimum(P, ub), lb)
                fq = problem.torch(P)
                U_eff = (P - x.detach()) / mu_t
                coef = (fq - fx) / mu_t
                ok = torch.isfinite(coef)
                coef = torch.where(ok, coef, torch.zeros_like(coef))
            # gradient reaches the QueryRNN through U (the part of U_eff that is U)
            U_used = U + (U_eff - U).detach()
            ghat = (coef[:, None] * U_used).sum(0) / ok.sum().clamp_min(1)
            dx, st = update_step(net, st, ghat, float(fx))
            x = x + dx
            if lb is not None:
                x = torch.maximum(torch.minimum(x, ub), lb)
            f_new = problem.torch(x)
            if grad:
                seg_loss = seg_loss + weights[t] * _log_gap(f_new, f_lower, scale)
        fx = f_new.detach()
        fv = float(fx)
        finite_q = fq[torch.isfinite(fq)]
        best = min([best] + ([fv] if np.isfinite(fv) else [])
                   + ([float(finite_q.min())] if finite_q.numel() else []))
        curve[t] = math.log(max(best - f_lower, 1e-10 * scale) / scale)
        if (t + 1) % truncation == 0 or t == steps - 1:
            if grad:
                if torch.isfinite(seg_loss):
                    on_segment(seg_loss)
                seg_loss = torch.zeros((), dtype=dtype)
            x = x.detach()
            st = detach_state(st)
    return {"curve": curve, "final": curve[-1], "mean": float(curve.mean()), "nfev": q + 1}
