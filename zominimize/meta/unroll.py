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
from dataclasses import replace

import numpy as np
import torch

from ..learned.core import (
    SIGMA_DOWN,
    advance,
    detach_state,
    init_state,
    propose,
    settle,
    shrink_prior,
    smoothing_radius,
)
from ..learned.rules import (
    resolve_directions,
    resolve_q,
    resolve_sigma_down,
    resolve_sigma_down_sigma,
    resolve_step_beta1,
    resolve_step_beta1_sigma,
)
from ..learned.sigma0 import SIGMA0_DIM_REF, SIGMA0_REL_TRAIN, default_sigma0

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
        x0 = np.asarray(problem.x0, dtype=float)
        d = self.d = x0.size
        bounds = getattr(problem, "bounds", None)
        lb_np, ub_np = np.full(d, -np.inf), np.full(d, np.inf)
        if bounds is not None:
            lb_np = np.broadcast_to(np.asarray(bounds[0], dtype=float), (d,))
            ub_np = np.broadcast_to(np.asarray(bounds[1], dtype=float), (d,))
        sigma0 = default_sigma0(x0, lb_np, ub_np, sigma0_dim_ref, sigma0_rel)
        if sigma_jitter > 1:
            u = torch.rand((), generator=generator, dtype=torch.float64).item()
            sigma0 *= math.exp((2 * u - 1) * math.log(sigma_jitter))
        self.pdt, self.dtype = pdt, dtype
        self.f_lower = float(problem.f_lower)
        x = torch.as_tensor(x0, dtype=dtype)
        with torch.no_grad():
            fx = float(self.fval(problem, x))
            f0 = float(self.fval(self.clean, x))
        self.st = init_state(net, x0, sigma0, dtype=dtype,
                             bounds=None if bounds is None else (lb_np, ub_np), fx=fx)
        self.scale = max(f0 - self.f_lower, 1e-12 * max(1.0, abs(f0)))
        self.best = f0

    def fval(self, problem, X):
        return problem.torch(X.to(self.pdt)).to(self.dtype)


def unroll_batch(
    net,
    problems: Sequence,
    *,
    steps: int = 200,
    truncation: int = 20,
    q: int | str = 20,
    mu_rel: float = 0.1,
    mu: float = 1e-6,
    use_query: bool = True,
    pred_ratio: float | None = None,
    sigma_jitter: float = 3.0,
    sigma0_dim_ref: float = SIGMA0_DIM_REF,
    sigma0_rel: float = SIGMA0_REL_TRAIN,
    weighting: str = "uniform",
    accept: str = "always",
    directions: str = "independent",
    sigma_down: float | str = SIGMA_DOWN,
    step_beta1: float | str | None = None,
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
    q, mu_rel, mu : int or "auto", float, float
        Queries per iteration (``"auto"``: by dimension, as ``l2l-zo``'s option);
        smoothing radius relative to ``σ`` (``"scaled"`` nets) or absolute
        (``"paper"`` nets).
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
    accept : {"always", "improving", "elitist-start", "elitist-streak", "auto"}
        Which new iterates are kept (see :func:`zominimize.learned.core.settle`).
    directions : {"independent", "orthogonal", "auto"}
        How the directions of an iteration are drawn together (``l2l-zo``'s option).
    sigma_down : float or "auto"
        The step-size rule's prior shrink after a deterioration (``l2l-zo``'s option;
        every bundled weight set was trained with the default). ``"auto"`` applies
        ``l2l-zo``'s rule by each problem's dimension (the harder shrink once σ has
        fallen, from d = 100), so that training sees the shrink the weights run with.
    step_beta1 : float or "auto", optional
        The decay of a shorter mean of the estimates that the step follows
        (``l2l-zo``'s option, with its ``"auto"`` rule by dimension); ``None`` (every
        bundled weight set's training): the step follows the networks' mean.
    generator : torch.Generator, optional
        Source of the directions (and of the jitter and mixing coins); default a
        generator seeded with 0.
    on_segment : callable, optional
        Called with each segment's loss (mean over the problems, attached to the
        graph): the trainer back-propagates and steps the meta-optimizer there.
        A segment without a graph (every iterate in it undone by the elitist rule)
        is skipped. ``None`` runs without gradients (evaluation).
    dtype : torch.dtype
        Precision of the optimizer's state.
    problem_dtype : torch.dtype, optional
        Precision in which the problems are evaluated (e.g. ``torch.float32``
        halves the cost of the attack's CNN); default ``dtype``.

    Returns
    -------
    list of dict
        Per problem: ``"curve"`` (best-so-far noise-free log-gap after each
        iteration), ``"final"`` and ``"mean"`` of it, and the last iterate ``"x"``.
    """
    grad = on_segment is not None
    g = generator
    pdt = problem_dtype or dtype

    if g is None:  # the global torch RNG is never used
        g = torch.Generator().manual_seed(0)
    runs = [_Run(net, p, dtype, sigma_jitter, g, pdt, sigma0_dim_ref, sigma0_rel)
            for p in problems]
    # the step rules of each run, resolved by its dimension as l2l-zo resolves them
    rules = [((resolve_sigma_down(sigma_down, r.d),
               resolve_sigma_down_sigma(sigma_down, None, r.d)),
              resolve_step_beta1(step_beta1, r.d),
              resolve_step_beta1_sigma(step_beta1, None, r.d)) for r in runs]
    sampler = "rnn" if use_query else "gaussian"
    curves = np.empty((len(runs), steps))
    weights = np.arange(1, steps + 1, dtype=float) if weighting == "linear" else np.ones(steps)
    weights /= weights.sum()
    seg_loss = torch.zeros((), dtype=dtype)
    for t in range(steps):
        for k, r in enumerate(runs):
            with torch.set_grad_enabled(grad):
                mu_t = smoothing_radius(net, r.st, mu_rel, mu)
                P, U, r.st = propose(net, r.st, g, q=resolve_q(q, r.d), mu=mu_t, sampler=sampler,
                                     pred_ratio=pred_ratio,
                                     directions=resolve_directions(directions, r.d))
                with torch.no_grad():
                    fq = r.fval(r.problem, P)
                shrink, beta_step, beta_step_frac = rules[k]
                r.st = advance(net, r.st, U, fq, mu_t, sigma_down=shrink_prior(r.st, *shrink),
                               step_beta1=beta_step, step_sigma_frac=beta_step_frac)
                if r.clean is r.problem:
                    f_new = f_clean = r.fval(r.problem, r.st.x)
                else:  # the optimizer sees noisy values, the loss is noise-free
                    f_new, f_clean = r.fval(r.problem, r.st.x.detach()), None
                r.st, rejected = settle(replace(r.st, fx=float(f_new.detach())), accept,
                                        shrink_prior(r.st, *shrink))
                if rejected or f_clean is None:  # the loss is the kept iterate's
                    f_clean = r.fval(r.clean, r.st.x)
                if grad:
                    seg_loss = seg_loss + weights[t] / len(runs) * _log_gap(
                        f_clean, r.f_lower, r.scale)
            fc = float(f_clean.detach())
            if math.isfinite(fc):
                r.best = min(r.best, fc)
            curves[k, t] = math.log(max(r.best - r.f_lower, 1e-10 * r.scale) / r.scale)
        if (t + 1) % truncation == 0 or t == steps - 1:
            if grad:
                # no graph when every iterate of the segment was undone (the elitist
                # rule at a minimum): nothing to learn from it
                if seg_loss.requires_grad and torch.isfinite(seg_loss):
                    on_segment(seg_loss)
                seg_loss = torch.zeros((), dtype=dtype)
            for r in runs:
                r.st = detach_state(r.st)
    return [{"curve": c, "final": float(c[-1]), "mean": float(c.mean()),
             "x": r.st.x.detach().cpu().numpy()} for c, r in zip(curves, runs)]


def unroll(net, problem, **kwargs) -> dict:
    """:func:`~zominimize.meta.unroll_batch` on a single problem; returns its dict."""
    return unroll_batch(net, [problem], **kwargs)[0]
