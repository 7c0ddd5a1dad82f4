"""One iteration of the learned optimizer, in torch: the single implementation that
inference (``l2l-zo``, under :func:`torch.no_grad`) and meta-training
(differentiable unrolls) both call.

An iteration is two pure functions of an explicit :class:`L2LState`:

1. :func:`propose` — the query distribution and the queries. The QueryRNN reads the
   previous normalised estimate and step and returns per-coordinate standard
   deviations ``s`` with ``‖s‖² = d``; directions ``u_i = ε_i ⊙ s`` are drawn from the
   run's :class:`torch.Generator` (with probability ``1 - pred_ratio`` the identity
   instead, the paper's test-time rule); the queries ``x + μ u_i`` are projected onto
   the bounds, and the directions actually taken are kept for the estimate.
2. The caller evaluates the queries (a user's objective, or a training problem's
   torch form).
3. :func:`advance` — the forward-difference estimate ``ĝ`` from the finite values,
   the UpdateRNN's step ``Δx``, the step-size rule, and ``x + Δx`` projected onto the
   bounds.

"scaled" variant (the bundled weights): ``ĝ`` enters only through ``a = ĝ / RMS(ĝ)``
(a bias-corrected running root-mean-square over coordinates and iterations) and the
Adam-like ratio of moments of ``a``; the global features (did ``f`` improve, ``log
σ/σ₀``) do not depend on the scale of ``f``, so minimizing ``a·f + b`` (``a > 0``)
follows the same iterates. Steps and the smoothing radius are in units of the step
size ``σ``, so rescaling ``x`` and ``σ₀`` together rescales the trajectory. Running
statistics are detached from the meta-gradient. "paper" variant: the raw estimate in,
the raw step out, as the paper's official code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import torch

from .._checkpoint import register_state_type
from .covariance import CovarianceState, adapt, init_covariance
from .nets import L2LNet
from .rules import (
    ACCEPT,
    ACCEPT_AUTO_MAX_D,
    BETA1,
    DIRECTIONS,
    SIGMA_DOWN_TRAINED,
    START_STREAK,
    resolve_accept,
)

__all__ = [
    "L2LState",
    "init_state",
    "smoothing_radius",
    "query_std",
    "draw_directions",
    "propose",
    "estimate",
    "update_step",
    "advance",
    "can_reject",
    "restore_previous",
    "settle",
    "detach_state",
    "reject_shrink",
    "shrink_prior",
    "BETA1",
    "SIGMA_DOWN",
    "ACCEPT",
    "ACCEPT_AUTO_MAX_D",
    "DIRECTIONS",
    "resolve_accept",
    "SAMPLERS",
    "UPDATES",
]

#: Query distributions: the QueryRNN's, the identity (ablation "ZO-LSTM-no-query"),
#: Guided-ES sampling from the subspace of the previous estimate and step, and the
#: QueryRNN's covariance mixed with that subspace ("rnn-guided").
SAMPLERS = ("rnn", "gaussian", "guided-es", "rnn-guided")
#: Step rules: the UpdateRNN's, or ZO-SGD's ``-(lr/d) ĝ`` (ablation "ZO-LSTM-no-update").
UPDATES = ("rnn", "sgd")
# The rules propose() carries out: DIRECTIONS without "auto", which callers resolve.
_DRAWS = tuple(rule for rule in DIRECTIONS if rule != "auto")

_B2, _BR = 0.99, 0.9
# Memory of the running success rate (about ten steps, as the 1/5th rule's window).
_B_SUCCESS = 0.9
_CLIP_A = 5.0
_MAX_DLOG_SIGMA = 0.5
# Prior of the step-size rule, under the learned correction: grow σ after an
# improvement of f, shrink it after a deterioration (in tanh units), like the 1/5th
# success rule of evolution strategies. SIGMA_DOWN is the shrink every bundled set was
# trained with; l2l-zo's option sigma_down replaces it at inference.
_SIGMA_UP = 0.2
SIGMA_DOWN = SIGMA_DOWN_TRAINED
# Bound of the learned per-coordinate residual step, in units of σ.
_MAX_RESIDUAL = 2.0
# Guided-ES: share of the isotropic part of the covariance (the official code's value).
_GUIDED_ALPHA = 0.5


@register_state_type
@dataclass
class L2LState:
    """Everything the learned optimizer carries from one iteration to the next.

    Attributes
    ----------
    x : Tensor of shape (d,)
        The iterate (float64 at inference; the training dtype in meta-training).
    fx : float or None
        ``f(x)`` when known.
    x_prev, f_prev : Tensor or None, float or None
        The previous iterate and its value (``f_prev`` is also the UpdateRNN's
        "did f improve" feature).
    sigma : Tensor of shape ()
        Step size (network dtype; it carries the meta-gradient of the σ vote).
    log_sigma0 : float
    hu, cu, hq, cq : Tensor of shape (hidden, d)
        LSTM states of the UpdateRNN and of the QueryRNN.
    R : Tensor of shape ()
        Running mean square of ``ĝ`` (the normaliser of the "scaled" variant).
    m, v : Tensor of shape (d,)
        Running moments of the normalised estimate.
    m_step : Tensor of shape (d,) or None
        A second running mean of it, when the step follows one of another decay
        (``step_beta1``); ``None`` when the step follows ``m``.
    t : int
        Completed updates.
    a_prev, dxn_prev : Tensor of shape (d,)
        The QueryRNN's inputs: the last normalised estimate and step.
    g_prev, dx_prev : Tensor of shape (d,)
        The last raw estimate and step (the Guided-ES subspace).
    x0 : Tensor of shape (d,)
        The start (the displacement feature).
    lb, ub : Tensor of shape (d,) or None
        Bounds (``None`` when the problem has none).
    query_std : Tensor of shape (d,) or None
        The QueryRNN's last prediction (kept for analysis).
    """

    x: torch.Tensor
    fx: float | None
    x_prev: torch.Tensor | None
    f_prev: float | None
    sigma: torch.Tensor
    log_sigma0: float
    hu: torch.Tensor
    cu: torch.Tensor
    hq: torch.Tensor
    cq: torch.Tensor
    R: torch.Tensor
    m: torch.Tensor
    v: torch.Tensor
    t: int
    a_prev: torch.Tensor
    dxn_prev: torch.Tensor
    g_prev: torch.Tensor
    dx_prev: torch.Tensor
    x0: torch.Tensor
    lb: torch.Tensor | None = None
    ub: torch.Tensor | None = None
    query_std: torch.Tensor | None = None
    #: Running rate of improving steps (the UpdateRNN's "success" input).
    success: float = 0.5
    #: Whether the elitist start is over (``accept="elitist-start"``/``"elitist-streak"``).
    improved: bool = False
    #: Kept iterates in a row that improved on their predecessors, during the start.
    streak: int = 0
    m_step: torch.Tensor | None = None
    #: The adapted covariance of the query directions (``covariance=True``), else ``None``.
    cov: CovarianceState | None = None


def init_state(
    net: L2LNet,
    x0,
    sigma0: float,
    *,
    dtype=torch.float64,
    device="cpu",
    x_dtype=None,
    bounds=None,
    fx: float | None = None,
) -> L2LState:
    """The state at the start of a run from ``x0`` (shape ``(d,)``).

    ``dtype`` is the networks' precision, ``x_dtype`` the iterate's (default
    ``dtype``); ``bounds`` is ``(lb, ub)`` or ``None``.
    """
    x_dtype = x_dtype or dtype
    x = torch.as_tensor(x0, dtype=x_dtype, device=device).detach().clone().reshape(-1)
    d, H = x.numel(), net.hidden

    def z(*shape):
        return torch.zeros(*shape, dtype=dtype, device=device)

    lb = ub = None
    if bounds is not None:
        lb = torch.as_tensor(bounds[0], dtype=x_dtype, device=device).expand(d).clone()
        ub = torch.as_tensor(bounds[1], dtype=x_dtype, device=device).expand(d).clone()
    return L2LState(
        x=x, fx=fx, x_prev=None, f_prev=None,
        sigma=torch.tensor(float(sigma0), dtype=dtype, device=device),
        log_sigma0=math.log(sigma0),
        hu=z(H, d), cu=z(H, d), hq=z(H, d), cq=z(H, d),
        R=z(()), m=z(d), v=z(d), t=0,
        a_prev=z(d), dxn_prev=z(d), g_prev=z(d), dx_prev=z(d),
        x0=x.detach().to(dtype).clone(), lb=lb, ub=ub,
    )


def detach_state(st: L2LState) -> L2LState:
    """Cut the meta-gradient at a truncation boundary."""
    return replace(st, **{k: v.detach() for k, v in vars(st).items() if torch.is_tensor(v)})


def smoothing_radius(net: L2LNet, st: L2LState, mu_rel: float | None, mu: float) -> float:
    """``μ`` of this iteration: ``mu_rel · σ`` ("scaled", unless ``mu_rel`` is ``None``)
    or the fixed ``mu`` ("paper")."""
    if net.variant == "paper" or mu_rel is None:
        return mu
    return mu_rel * float(st.sigma.detach())


def query_std(net: L2LNet, st: L2LState) -> tuple[torch.Tensor, L2LState]:
    """Run the QueryRNN; return ``(s, new_state)`` with ``s`` of shape ``(d,)``, ``‖s‖² = d``."""
    inp = torch.stack([st.a_prev, st.dxn_prev], dim=0)
    out, (hq, cq) = net.query_rnn(inp, (st.hq, st.cq))
    s = (1.0 + out[0]).abs()
    d = s.shape[0]
    norm = torch.linalg.vector_norm(s)
    s = torch.where(norm > 0, s * (math.sqrt(d) / norm.clamp_min(1e-30)), torch.ones_like(s))
    return s, replace(st, hq=hq, cq=cq, query_std=s.detach())


def draw_directions(gen: torch.Generator, q: int, d: int, std=None, *, dtype=torch.float64,
                    device=None, orthogonal: bool = False):
    """``q`` directions from ``N(0, diag(std²))`` in ``R^d`` (identity when ``std`` is
    ``None``), drawn from ``gen`` on its device and returned on ``device`` (default:
    the generator's). With ``orthogonal``, each block of up to ``d`` directions is
    first made orthonormal (Haar-distributed) and scaled to length ``√d``: every
    direction is still isotropic with ``E[u uᵀ] = I``, but a block has no cross-talk,
    so the estimate is less noisy (exact, up to the smoothing, with ``q = d``)."""
    U = torch.randn((q, d), generator=gen, dtype=dtype, device=gen.device)
    if orthogonal:
        U = _orthonormal_blocks(U)
    if device is not None and U.device != torch.device(device):
        U = U.to(device)
    return U if std is None else U * std


def _orthonormal_blocks(G: torch.Tensor) -> torch.Tensor:
    """Rows of ``G`` (i.i.d. standard normal), in blocks of ``d``, replaced by the
    orthonormal rows that Gram-Schmidt makes of them, times ``√d``."""
    d = G.shape[1]
    blocks = []
    for start in range(0, G.shape[0], d):
        Q, R = torch.linalg.qr(G[start:start + d].T)
        # QR's sign convention made canonical, so that the basis is Haar-distributed
        sign = torch.sign(torch.diagonal(R))
        blocks.append((Q * torch.where(sign == 0, torch.ones_like(sign), sign)).T)
    return torch.cat(blocks) * math.sqrt(d)


def _guided_directions(gen, q: int, st: L2LState, dtype, std=None,
                       orthogonal: bool = False) -> torch.Tensor:
    """Guided-ES: ``√α ε + √(1-α) Q η`` with ``Q`` an orthonormal basis of the previous
    estimate and step, rescaled to the norms of the full-space sample (official code);
    ``ε ~ N(0, diag(std²))`` (identity when ``std`` is ``None``)."""
    d, dev = st.x.numel(), st.sigma.device
    E = draw_directions(gen, q, d, std, dtype=dtype, device=dev, orthogonal=orthogonal)
    basis = torch.stack([st.g_prev, st.dx_prev], dim=1)
    if d < 2 or not bool(basis.any()):
        return E
    Q, _ = torch.linalg.qr(basis)
    eta = draw_directions(gen, q, 2, dtype=dtype, device=dev)
    U = math.sqrt(_GUIDED_ALPHA) * E + math.sqrt(1 - _GUIDED_ALPHA) * (eta @ Q.T)
    return U * (torch.linalg.vector_norm(E, dim=1, keepdim=True)
                / torch.linalg.vector_norm(U, dim=1, keepdim=True))


def propose(
    net: L2LNet,
    st: L2LState,
    gen: torch.Generator,
    *,
    q: int,
    mu: float,
    sampler: str = "rnn",
    pred_ratio: float | None = None,
    out: torch.Tensor | None = None,
    directions: str = "independent",
    covariance: bool = False,
) -> tuple[torch.Tensor, torch.Tensor, L2LState]:
    """The ``q`` queries of this iteration.

    Parameters
    ----------
    net, st, gen
        The networks, the state and the run's generator (on the networks' device).
    q : int
        Number of directions.
    mu : float
        Smoothing radius (:func:`smoothing_radius`).
    sampler : {"rnn", "gaussian", "guided-es", "rnn-guided"}
    pred_ratio : float, optional
        Probability of using the QueryRNN's covariance this iteration (a coin drawn
        from ``gen``; ``"rnn"`` and ``"rnn-guided"``); ``None`` always uses it
        (training).
    out : Tensor of shape (q, d), optional
        Where to write the queries (in the iterate's dtype).
    directions : {"independent", "orthogonal"}
        Whether the directions are drawn independently or in orthonormal blocks
        (:func:`draw_directions`).
    covariance : bool, default False
        Map the directions through the Cholesky factor of a covariance adapted from
        the iterate's moves (:mod:`zominimize.learned.covariance`); inference only.

    Returns
    -------
    P : Tensor of shape (q, d)
        The queries, projected onto the bounds, without gradient.
    U : Tensor of shape (q, d)
        The directions actually taken, ``(P - x) / μ``; when the QueryRNN is on and
        gradients are enabled, it carries the gradient of the sampled directions.
    st : L2LState
    """
    d, dtype, dev = st.x.numel(), st.sigma.dtype, st.sigma.device
    if directions not in _DRAWS:
        raise ValueError(f"`directions` must be one of {_DRAWS}, got {directions!r}")
    orth = directions == "orthogonal"
    if sampler in ("rnn", "rnn-guided"):
        s, st = query_std(net, st)
        use = pred_ratio is None or float(
            torch.rand((), generator=gen, device=gen.device)) < pred_ratio
        if sampler == "rnn":
            U = draw_directions(gen, q, d, s if use else None, dtype=dtype, device=dev,
                                orthogonal=orth)
        else:
            U = _guided_directions(gen, q, st, dtype, s if use else None, orth)
    elif sampler == "gaussian":
        U = draw_directions(gen, q, d, dtype=dtype, device=dev, orthogonal=orth)
    elif sampler == "guided-es":
        U = _guided_directions(gen, q, st, dtype, orthogonal=orth)
    else:
        raise ValueError(f"`sampler` must be one of {SAMPLERS}, got {sampler!r}")
    if covariance:
        with torch.no_grad():
            cov = (init_covariance(st.x) if st.cov is None
                   else adapt(st.cov, st.x, float(st.sigma)))
        st = replace(st, cov=cov)
        U = U @ cov.A.to(device=U.device, dtype=U.dtype).T
    with torch.no_grad():
        P = out if out is not None else torch.empty((q, d), dtype=st.x.dtype, device=st.x.device)
        if P.device.type == "cpu":  # NumPy's mixed-precision loops are 2x faster here
            Pn = P.numpy()
            np.multiply(U.detach().numpy(), mu, out=Pn)
            Pn += st.x.detach().numpy()
        else:
            P.copy_(U)
            P.mul_(mu).add_(st.x)
        if st.lb is not None:
            P.clamp_(st.lb, st.ub)
            U_taken = ((P - st.x) / mu).to(dtype)
    if st.lb is not None:
        # the estimate uses the directions actually taken; the gradient flows through U
        U = U_taken if not U.requires_grad else U + (U_taken - U).detach()
    return P, U, st


def estimate(U: torch.Tensor, fq: torch.Tensor, fx: float, mu: float) -> torch.Tensor:
    r"""Forward-difference estimate :math:`\hat g = \frac1k \sum_i \frac{f(x+\mu u_i) -
    f(x)}{\mu} u_i` over the ``k`` queries with a finite value (zeros when none is);
    the coefficients carry no gradient, ``U`` may."""
    with torch.no_grad():
        coef = (fq.to(torch.float64) - fx) / mu
        ok = torch.isfinite(coef)
        coef = torch.where(ok, coef, torch.zeros_like(coef)).to(U.dtype)
        k = ok.sum().clamp_min(1).to(U.dtype)
    return (coef @ U) / k


def reject_shrink(sigma_down: float = SIGMA_DOWN) -> float:
    """The factor on σ when an iterate is rejected (``accept="improving"``): a
    rejection counts as a deterioration, and σ shrinks as the prior ``sigma_down``
    shrinks it then, ``exp(0.5 tanh(-sigma_down))`` (halving, as after a non-finite
    value, cost too much on the paper's tasks in validation)."""
    return math.exp(_MAX_DLOG_SIGMA * math.tanh(-sigma_down))


def shrink_prior(st: L2LState, sigma_down: float, sigma_frac: float | None = None) -> float:
    """The prior shrink after a deterioration in force for ``st``: ``sigma_down``, or with
    ``sigma_frac`` only while σ is below that fraction of its start, and the trained
    ``SIGMA_DOWN`` above it (a run still far from its scale keeps the shrink it was
    trained with)."""
    return sigma_down if _below_start(st, sigma_frac) else SIGMA_DOWN


def _below_start(st: L2LState, frac: float | None) -> bool:
    """Whether σ is below ``frac`` of its start (always, with ``frac`` ``None``): the
    test of the rules that act only once σ has fallen."""
    # detached: in meta-training σ carries the graph, and this is a plain test
    return frac is None or float(st.sigma.detach()) < frac * math.exp(st.log_sigma0)


def update_step(
    net: L2LNet, st: L2LState, ghat: torch.Tensor, f_center: float | None, x: torch.Tensor,
    *, sigma_down: float = SIGMA_DOWN, beta1: float = BETA1,
    step_beta1: float | None = None, step_sigma_frac: float | None = None,
) -> tuple[torch.Tensor, L2LState]:
    """Run the UpdateRNN on the estimate ``ghat`` at the iterate ``x``; return
    ``(Δx, new_state)`` (``Δx`` in the networks' dtype). ``sigma_down`` is the step-size
    rule's prior shrink after a deterioration of ``f``, in tanh units; ``beta1`` the
    decay of the first moment of the normalised estimate, which the networks read and
    the step follows; ``step_beta1``, when given, the decay of a second one that the
    step follows instead (the networks still read the first), with ``step_sigma_frac``
    only while σ is below that fraction of its start."""
    if net.variant == "paper":
        out, (hu, cu) = net.update_rnn(ghat[None, :], (st.hu, st.cu))
        dx = out[0]
        return dx, replace(st, hu=hu, cu=cu, a_prev=ghat.detach(), dxn_prev=dx.detach())

    t = st.t + 1
    g2 = (ghat.detach() ** 2).mean()
    R = _BR * st.R + (1 - _BR) * g2
    R_hat = R / (1 - _BR**t)
    # ĝ ≡ 0 (a flat region) gives a ≡ 0 rather than 0/0.
    inv = torch.where(R_hat > 0, R_hat.clamp_min(1e-300).rsqrt(), torch.zeros_like(R_hat))
    a = (ghat * inv).clamp(-_CLIP_A, _CLIP_A)
    m = beta1 * st.m + (1 - beta1) * a
    v = _B2 * st.v + (1 - _B2) * a.detach() ** 2
    rms = torch.sqrt(v / (1 - _B2**t) + 1e-8)
    b = (m / (1 - beta1**t)) / rms
    m_step, b_step = None, b
    if step_beta1 is not None:
        m_step = step_beta1 * (st.m if st.m_step is None else st.m_step) + (1 - step_beta1) * a
        if _below_start(st, step_sigma_frac):
            b_step = (m_step / (1 - step_beta1**t)) / rms
    agree = torch.sign(a.detach()) * torch.sign(st.m)
    f_prev = st.f_prev
    # +1 if f improved since the last iterate, -1 if it got worse: invariant to a·f + b.
    imp = 0.0 if f_prev is None or f_center is None else float(
        (f_prev > f_center) - (f_prev < f_center)
    )
    sigma = st.sigma
    ls = ((torch.log(sigma.detach()) - st.log_sigma0) / 5.0).clamp(-2.0, 2.0)
    # displacement from the start in units of σ: lets a step shrink towards x0
    # (soft-thresholding, which sparse problems such as the attack reward)
    disp = ((x.detach().to(a.dtype) - st.x0) / sigma.detach()).clamp(-_CLIP_A, _CLIP_A)
    ones = torch.ones_like(a)
    cols = [a, b, agree, imp * ones, ls * ones, disp]
    success = st.success
    if imp != 0.0:
        success = _B_SUCCESS * success + (1 - _B_SUCCESS) * float(imp > 0)
    for name in net.features:
        if name == "log_d":
            cols.append(ones * (math.log10(a.numel()) / 3.0))
        else:
            cols.append(ones * (2.0 * success - 1.0))
    feats = torch.stack(cols, dim=0)
    out, (hu, cu) = net.update_rnn(feats, (st.hu, st.cu))
    # A residual on the normalised-momentum direction: the untrained net is Adam-like.
    step = _MAX_RESIDUAL * torch.tanh(out[0] / _MAX_RESIDUAL) - b_step
    prior = _SIGMA_UP if imp > 0 else (-sigma_down if imp < 0 else 0.0)
    learned = net.sigma_vote_bound * torch.tanh(out[1].mean())
    dlog = _MAX_DLOG_SIGMA * torch.tanh(prior + learned)
    dx = sigma * step
    new = replace(
        st, hu=hu, cu=cu, R=R, m=m, m_step=m_step, v=v, t=t, sigma=sigma * torch.exp(dlog),
        a_prev=a.detach(), dxn_prev=step.detach(), success=success,
    )
    return dx, new


def advance(
    net: L2LNet,
    st: L2LState,
    U: torch.Tensor,
    fq: torch.Tensor,
    mu: float,
    *,
    update: str = "rnn",
    lr: float = 4.0,
    sigma_down: float = SIGMA_DOWN,
    beta1: float = BETA1,
    step_beta1: float | None = None,
    step_sigma_frac: float | None = None,
) -> L2LState:
    """Estimate, step and project: the new state after the queries ``x + μ U`` gave
    ``fq``. ``st.fx`` must be finite. The new iterate's value is unknown (``fx`` is
    ``None``) unless the step left ``x`` where it was."""
    ghat = estimate(U, fq, st.fx, mu)
    x, fx = st.x, st.fx
    dx, st = update_step(net, st, ghat, fx, x, sigma_down=sigma_down, beta1=beta1,
                         step_beta1=step_beta1, step_sigma_frac=step_sigma_frac)
    if update == "sgd":
        dx = -(lr / ghat.numel()) * ghat
        dxn = dx if net.variant == "paper" else dx / st.sigma.detach()
        st = replace(st, dxn_prev=dxn.detach())
    elif update != "rnn":
        raise ValueError(f"`update` must be one of {UPDATES}, got {update!r}")
    x_new = x + dx.to(x.dtype)
    if st.lb is not None:
        x_new = torch.maximum(torch.minimum(x_new, st.ub), st.lb)
    moved = not torch.equal(x_new.detach(), x.detach())
    return replace(st, x=x_new, fx=None if moved else fx, x_prev=x, f_prev=fx,
                   g_prev=ghat.detach(), dx_prev=dx.detach())


def restore_previous(st: L2LState) -> L2LState:
    """Undo the last step (it landed on a non-finite value) and halve σ: the step size
    is what went wrong."""
    return replace(st, x=st.x_prev, fx=st.f_prev, sigma=st.sigma * 0.5)


def can_reject(st: L2LState, accept: str = "always") -> bool:
    """Whether :func:`settle` may still undo a new iterate of ``st`` under ``accept``:
    never under ``"always"``, nor once an elitist start has ended."""
    accept = resolve_accept(accept, st.x.numel())
    if accept not in ACCEPT:
        raise ValueError(f"`accept` must be one of {ACCEPT}, got {accept!r}")
    return accept != "always" and not (
        accept in ("elitist-start", "elitist-streak") and st.improved)


def settle(st: L2LState, accept: str = "always",
           sigma_down: float = SIGMA_DOWN) -> tuple[L2LState, bool]:
    """Once the new iterate's value ``st.fx`` is known, keep it or reject it.

    With ``accept="improving"`` an iterate worse than the previous one is rejected:
    the state goes back to the previous iterate and σ shrinks as the success rule
    shrinks it after a deterioration (``reject_shrink(sigma_down)``: about
    0.83 at the networks' 0.4). With
    ``accept="elitist-start"`` the same holds until a kept iterate is better than the
    one before it (the first improvement on the start); every iterate is kept after
    that. ``accept="elitist-streak"`` ends the start only once ``START_STREAK`` kept
    iterates in a row have improved (a rejection or an equal value in between starts
    the count again or leaves it). Returns ``(state, rejected)``.
    """
    accept = resolve_accept(accept, st.x.numel())
    if not can_reject(st, accept):
        return st, False
    start = accept in ("elitist-start", "elitist-streak")
    if (st.x_prev is None or st.f_prev is None or st.fx is None
            or not math.isfinite(st.f_prev)):
        return st, False
    if st.fx > st.f_prev:
        return replace(st, x=st.x_prev, fx=st.f_prev, sigma=st.sigma * reject_shrink(sigma_down),
                       streak=0), True
    if start and st.fx < st.f_prev:
        streak = st.streak + 1
        st = replace(st, streak=streak,
                     improved=streak >= (START_STREAK if accept == "elitist-streak" else 1))
    return st, False
