"""Differentiable unrolls of the learned optimizer on torch problems.

First-order meta-training, as the paper's official code: the problem's torch
form is differentiable, the meta-gradient flows through the steps ``Δx`` into
the UpdateRNN and, through the query directions ``u = ε ⊙ s``, into the
QueryRNN; the finite-difference coefficients ``(f(x + μu) - f(x)) / μ`` are
computed from values only and carry no gradient, exactly as the optimizer sees
them at test time.

The meta-loss is scale-free: ``log((f(x_t) - f_lower) / (f(x_0) - f_lower))``
averaged over the unroll (or weighted by ``t`` as in the official code), so
problem families whose values differ by orders of magnitude can be mixed. On
noisy problems the optimizer sees noisy values but the loss and the reported
curve use the noise-free function.

Several problems can be unrolled in lockstep (a meta-batch): their segment
losses are averaged before each meta-update, which lowers the variance of the
meta-gradient.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch

from ..learned.core import detach_state, init_state, query_std, update_step
from ..methods.l2l_zo import SIGMA0_DIM_REF, SIGMA0_REL_TRAIN, default_sigma0

__all__ = ["unroll", "unroll_batch"]


def _log_gap(f, f_lower: float, scale: float) -> torch.Tensor:
    return torch.log((f - f_lower).clamp_min(1e-10 * scale) / scale)


class _Run:
    """The state of one problem's unroll."""

    def __init__(self, net, problem, dtype, sigma_jitter, generator, pdt, sigma0_dim_ref,
                 sigma0_rel):
        from ..problems import noise_free

        self.problem = problem
        self.clean = noise_free(problem)
        self.x = torch.as_tensor(np.asarray(problem.x0), dtype=dtype).clone()
        d = self.d = self.x.numel()
        bounds = getattr(problem, "bounds", None)
        self.lb = self.ub = None
        lb_np, ub_np = np.full(d, -np.inf), np.full(d, np.inf)
        if bounds is not None:
            lb_np = np.broadcast_to(np.asarray(bounds[0], dtype=float), (d,))
            ub_np = np.broadcast_to(np.asarray(bounds[1], dtype=float), (d,))
            self.lb = torch.as_tensor(lb_np, dtype=dtype)
            self.ub = torch.as_tensor(ub_np, dtype=dtype)
        sigma0 = default_sigma0(np.asarray(problem.x0, dtype=float), lb_np, ub_np,
                                sigma0_dim_ref, sigma0_rel)
        if sigma_jitter > 1:
            u = torch.rand((), generator=generator, dtype=torch.float64).item()
            sigma0 *= math.exp((2 * u - 1) * math.log(sigma_jitter))
        self.st = init_state(net, self.x, sigma0, dtype=dtype)
        self.f_lower = float(problem.f_lower)
        with torch.no_grad():
            self.fx = problem.torch(self.x.to(pdt)).to(dtype)
            f0 = float(self.clean.torch(self.x.to(pdt)))
        self.scale = max(f0 - self.f_lower, 1e-12 * max(1.0, abs(f0)))
        self.best = f0

    def clip(self, X):
        if self.lb is None:
            return X
        return torch.maximum(torch.minimum(X, self.ub), self.lb)


def unroll_batch(
    net,
    problems: Sequence,
    *,
    steps: int = 200,
    truncation: int = 20,
    q: int = 20,
    mu_rel: float = 0.1,
    mu: float = 1e-6,
    use_query: bool = True,
    pred_ratio: float | None = None,
    sigma_jitter: float = 3.0,
    sigma0_dim_ref: float = SIGMA0_DIM_REF,
    sigma0_rel: float = SIGMA0_REL_TRAIN,
    weighting: str = "uniform",
    generator: torch.Generator | None = None,
    on_segment: Callable[[torch.Tensor], None] | None = None,
    dtype=torch.float64,
    problem_dtype=None,
) -> list[dict]:
    """Run the learned optimizer on each of ``problems`` for ``steps`` iterations.

    Parameters
    ----------
    net : L2LNet
    problems : sequence of zominimize.problems.Problem
        Need ``torch``, ``x0``, ``f_lower`` and ``bounds``.
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
    sigma0_dim_ref : float
        ``dim_ref`` of the default rule (``inf``: no dimension factor).
    sigma0_rel : float
        ``rel`` of the default rule (0.1: the constant of every bundled weight set's
        training, which may differ from inference's ``SIGMA0_REL``).
    weighting : {"uniform", "linear"}
        Weights of the per-step losses (``"linear"``: ``w_t ∝ t``, official code).
    generator : torch.Generator, optional
        Source of the directions (and of the jitter and mixing coins).
    on_segment : callable, optional
        Called with each segment's loss (mean over the problems, attached to the
        graph): the trainer back-propagates and steps the meta-optimizer there.
        ``None`` runs without gradients (evaluation).
    dtype : torch.dtype
        Precision of the optimizer's state.
    problem_dtype : torch.dtype, optional
        Precision in which the problems are evaluated (e.g. ``torch.float32``
        halves the cost of the attack's CNN); default ``dtype``.

    Returns
    -------
    list of dict
        Per problem: ``"curve"`` (best-so-far noise-free log-gap after each
        iteration), ``"final"`` and ``"mean"`` of it.
    """
    grad = on_segment is not None
    g = generator
    pdt = problem_dtype or dtype

    def fval(problem, X):
        return problem.torch(X.to(pdt)).to(dtype)

    runs = [_Run(net, p, dtype, sigma_jitter, g, pdt, sigma0_dim_ref, sigma0_rel)
            for p in problems]
    curves = np.empty((len(runs), steps))
    weights = np.arange(1, steps + 1, dtype=float) if weighting == "linear" else np.ones(steps)
    weights /= weights.sum()
    seg_loss = torch.zeros((), dtype=dtype)
    for t in range(steps):
        for k, r in enumerate(runs):
            with torch.set_grad_enabled(grad):
                if use_query:
                    s, r.st = query_std(net, r.st)
                    if pred_ratio is not None and torch.rand((), generator=g).item() >= pred_ratio:
                        s = torch.ones_like(s)
                else:
                    s = torch.ones(r.d, dtype=dtype)
                U = torch.randn((q, r.d), generator=g, dtype=dtype) * s
                mu_t = mu if net.variant == "paper" else mu_rel * float(r.st["sigma"].detach())
                with torch.no_grad():
                    P = r.clip(r.x.detach() + mu_t * U.detach())
                    fq = fval(r.problem, P)
                    U_eff = (P - r.x.detach()) / mu_t
                    coef = (fq - r.fx) / mu_t
                    ok = torch.isfinite(coef)
                    coef = torch.where(ok, coef, torch.zeros_like(coef))
                # the gradient reaches the QueryRNN through U (the part of U_eff that is U)
                U_used = U + (U_eff - U).detach()
                ghat = (coef[:, None] * U_used).sum(0) / ok.sum().clamp_min(1)
                dx, r.st = update_step(net, r.st, ghat, float(r.fx), r.x)
                r.x = r.clip(r.x + dx)
                if r.clean is r.problem:
                    f_new = f_clean = fval(r.problem, r.x)
                else:
                    f_new = fval(r.problem, r.x.detach())
                    f_clean = fval(r.clean, r.x)
                if grad:
                    seg_loss = seg_loss + weights[t] / len(runs) * _log_gap(
                        f_clean, r.f_lower, r.scale)
            r.fx = f_new.detach()
            fc = float(f_clean.detach())
            if math.isfinite(fc):
                r.best = min(r.best, fc)
            curves[k, t] = math.log(max(r.best - r.f_lower, 1e-10 * r.scale) / r.scale)
        if (t + 1) % truncation == 0 or t == steps - 1:
            if grad:
                if torch.isfinite(seg_loss):
                    on_segment(seg_loss)
                seg_loss = torch.zeros((), dtype=dtype)
            for r in runs:
                r.x = r.x.detach()
                r.st = detach_state(r.st)
    return [{"curve": c, "final": float(c[-1]), "mean": float(c.mean())} for c in curves]


def unroll(net, problem, **kwargs) -> dict:
    """:func:`~zominimize.meta.unroll_batch` on a single problem; returns its dict."""
    return unroll_batch(net, [problem], **kwargs)[0]
