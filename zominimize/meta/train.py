"""Meta-training loop: two stages, validation-based selection, checkpoints, export.

Stage ``"update"`` trains the UpdateRNN with standard Gaussian queries; stage
``"query"`` then trains the QueryRNN with the UpdateRNN frozen (the paper's
official recipe). Each meta-iteration samples a problem from the training
family and unrolls the optimizer on it with truncated BPTT (one Adam step per
segment, element-wise gradient clipping to ``[-1, 1]``). Every ``val_every``
unrolls the optimizer is evaluated, in test mode, on a fixed set of problems
from the *validation* family with fixed random numbers; the best validation
score selects the exported weights.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from ..learned.core import SIGMA_DOWN
from ..learned.nets import EXTRA_FEATURES, L2LNet
from ..learned.rules import ACCEPT, DIRECTIONS
from ..learned.sigma0 import SIGMA0_REL_TRAIN
from ..learned.weights import save_weights
from .unroll import unroll_batch

__all__ = ["TrainConfig", "train", "evaluate_net"]


@dataclass
class TrainConfig:
    """Everything that defines a training run (recorded in the weights manifest).

    Attributes
    ----------
    family : str or Family
        Training family: a name of :func:`zominimize.problems.get_family` or any
        object with ``sample(rng) -> Problem`` whose problems have a torch form.
    val_family : str or Family, optional
        Validation family for checkpoint selection; default: the training family
        on disjoint seeds. Never the family you report on.
    variant : {"scaled", "paper"}
        Architecture variant (see :class:`zominimize.learned.L2LNet`).
    hidden : int
        LSTM hidden size.
    sigma_vote_bound : float
        Bound of the learned vote on ``log σ`` ("scaled"; see
        :class:`zominimize.learned.L2LNet`).
    features : str
        Further UpdateRNN inputs, comma-separated: ``log_d`` and ``success`` (see
        :class:`zominimize.learned.L2LNet`; empty: none, as every bundled weight set).
    batch_size : int
        Problems unrolled in lockstep per meta-update.
    update_iters, query_iters : int
        Meta-iterations of the UpdateRNN stage and of the QueryRNN stage.
    horizon, horizon_start : int
        Unroll length; with ``horizon_start < horizon`` the length grows
        geometrically over the first half of each stage (a curriculum).
    truncation : int
        Truncated-BPTT segment length (one meta-update per segment).
    q : int or "auto"
        Queries per iteration (``"auto"``: by dimension, as ``l2l-zo``'s option).
    mu_rel, mu : float
        Smoothing radius relative to σ ("scaled") or absolute ("paper").
    lr_update, lr_query : float
        Adam learning rates of the two stages.
    lr_schedule : {"constant", "cosine"}
        Meta-learning rate over each stage: constant, or decaying from ``lr_update``
        (``lr_query``) to zero along half a cosine. (On ``general-wide`` it did not
        prevent the collapse that constant-rate runs show after ~100 iterations.)
    weighting : {"uniform", "linear"}
        Per-step weights of the meta-loss.
    accept : {"always", "improving", "elitist-start", "elitist-streak", "auto"}
        Which new iterates the unrolls keep (``l2l-zo``'s ``accept`` option): train
        with the rule the weights will run with.
    directions : {"independent", "orthogonal", "auto"}
        How the directions of an iteration are drawn together (``l2l-zo``'s
        ``directions`` option). Every bundled weight set was trained with
        ``"independent"``.
    sigma_down : float or "auto"
        The step-size rule's prior shrink after a deterioration of ``f``, in tanh units
        (``l2l-zo``'s ``sigma_down`` option, ``"auto"`` its rule by dimension). The
        manifest records it, so that ``l2l-zo`` runs the weights with the value their
        vote was trained against. Every bundled weight set was trained with 0.4.
    step_beta1 : float or "auto", optional
        The decay of a shorter mean of the estimates that the step follows while the
        networks read the trained one (``l2l-zo``'s ``step_beta1`` option, ``"auto"``
        its rule by dimension); the manifest records it where given. Every bundled
        weight set was trained without (``None``).
    sigma_jitter : float
        σ₀ is the default rule times a log-uniform factor in ``[1/j, j]``.
    sigma0_dim_ref : float
        Dimension above which the default σ₀ shrinks like ``1/d`` (``inf``: the
        rule without this factor, with which the ``"attack"`` weights were trained).
    sigma0_rel : float
        The constant of the default σ₀ rule during training (σ₀ = ``sigma0_rel`` ×
        the problem's scale). Every bundled weight set was trained with 0.1;
        ``l2l-zo`` starts at inference from its own ``SIGMA0_REL``.
    val_size, val_every, val_steps : int
        Validation problems, meta-iterations between validations, unroll length.
    seed : int
        Seeds problems, directions and the initial weights.
    problem_dtype : {"float64", "float32"}
        Precision of problem evaluations during training.
    threads : int
        Torch intra-op threads during training (restored afterwards).
    time_limit : float, optional
        Stop a stage early after this many seconds (not reproducible).
    init_from : str, optional
        Start from these weights (bundled name or path).
    notes : str
        Free text stored in the manifest.
    """

    family: str = "general"
    val_family: str | None = None  # None: the training family, on disjoint seeds
    variant: str = "scaled"
    hidden: int = 10
    sigma_vote_bound: float = 0.3
    features: str = ""
    batch_size: int = 1
    update_iters: int = 300
    query_iters: int = 150
    horizon: int = 200
    horizon_start: int = 50
    truncation: int = 20
    q: int | str = 20
    mu_rel: float = 0.1
    mu: float = 1e-6
    lr_update: float = 1e-3
    lr_query: float = 5e-3
    lr_schedule: str = "constant"
    weighting: str = "uniform"
    accept: str = "always"
    directions: str = "independent"
    sigma_down: float | str = SIGMA_DOWN
    step_beta1: float | str | None = None
    sigma_jitter: float = 3.0
    sigma0_dim_ref: float = 200.0
    sigma0_rel: float = SIGMA0_REL_TRAIN
    val_size: int = 8
    val_every: int = 25
    val_steps: int = 200
    seed: int = 0
    problem_dtype: str = "float64"
    threads: int = 1
    time_limit: float | None = None
    init_from: str | None = None
    notes: str = field(default="")

    def __post_init__(self) -> None:
        # a bad value fails here, naming the field, not deep inside an unroll
        for name in ("hidden", "batch_size", "horizon", "horizon_start", "truncation",
                     "val_size", "val_every", "val_steps", "threads"):
            _check_int(name, getattr(self, name), 1)
        if self.q != "auto":
            _check_int("q", self.q, 1)
        for name in ("update_iters", "query_iters"):
            _check_int(name, getattr(self, name), 0)
        for name in ("mu_rel", "mu", "lr_update", "lr_query", "sigma0_dim_ref", "sigma0_rel",
                     "sigma_down"):
            value = getattr(self, name)
            if name == "sigma_down" and value == "auto":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"TrainConfig.{name} must be a positive number, got {value!r}")
        sb1 = self.step_beta1
        if sb1 is not None and sb1 != "auto" and (
                isinstance(sb1, bool) or not isinstance(sb1, (int, float))
                or not 0 <= sb1 < 1):
            raise ValueError(f'TrainConfig.step_beta1 must be None, "auto" or in [0, 1), '
                             f"got {sb1!r}")
        svb = self.sigma_vote_bound
        if isinstance(svb, bool) or not isinstance(svb, (int, float)) or not 0 <= svb <= 2:
            raise ValueError(f"TrainConfig.sigma_vote_bound must be in [0, 2], got {svb!r}")
        if not isinstance(self.features, str) or not all(
                name in EXTRA_FEATURES for name in _feature_names(self.features)):
            raise ValueError(f"TrainConfig.features must be comma-separated names from "
                             f"{EXTRA_FEATURES}, got {self.features!r}")
        if _feature_names(self.features) and self.variant == "paper":
            raise ValueError("TrainConfig.features needs variant='scaled'")
        if not isinstance(self.sigma_jitter, (int, float)) or not self.sigma_jitter >= 1:
            raise ValueError(f"TrainConfig.sigma_jitter must be >= 1, got {self.sigma_jitter!r}")
        for name, allowed in (("variant", ("scaled", "paper")),
                              ("lr_schedule", ("constant", "cosine")),
                              ("weighting", ("uniform", "linear")),
                              ("accept", ACCEPT),
                              ("directions", DIRECTIONS),
                              ("problem_dtype", ("float64", "float32"))):
            if getattr(self, name) not in allowed:
                raise ValueError(f"TrainConfig.{name} must be one of {allowed}, "
                                 f"got {getattr(self, name)!r}")


def _feature_names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _check_int(name: str, value, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"TrainConfig.{name} must be an integer >= {minimum}, got {value!r}")


def _family(name):
    if not isinstance(name, str):
        if not callable(getattr(name, "sample", None)):
            raise TypeError(f"a training family needs a sample(rng) method, got {name!r}")
        return name
    from ..problems import get_family

    return get_family(name)


def evaluate_net(net, problems, cfg: TrainConfig, *, use_query: bool, seed: int = 12345) -> float:
    """Mean final best log-gap over ``problems`` in test mode (common random numbers)."""
    gen = torch.Generator().manual_seed(seed)
    outs = unroll_batch(net, problems, steps=cfg.val_steps, truncation=cfg.truncation, q=cfg.q,
                        mu_rel=cfg.mu_rel, mu=cfg.mu, use_query=use_query,
                        pred_ratio=0.5 if use_query else None, sigma_jitter=1.0, generator=gen,
                        sigma0_dim_ref=cfg.sigma0_dim_ref, sigma0_rel=cfg.sigma0_rel,
                        accept=cfg.accept, directions=cfg.directions,
                        sigma_down=cfg.sigma_down, step_beta1=cfg.step_beta1,
                        problem_dtype=getattr(torch, cfg.problem_dtype))
    return float(np.mean([o["final"] for o in outs]))


def _lr_factor(cfg: TrainConfig, it: int, total: int) -> float:
    """Multiplier of the stage's meta-learning rate at iteration ``it`` of ``total``."""
    if cfg.lr_schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * it / max(1, total)))
    return 1.0


def _horizon(cfg: TrainConfig, it: int, total: int) -> int:
    """Short unrolls first: the horizon doubles from ``horizon_start`` up to ``horizon``
    over the first half of a stage."""
    if cfg.horizon_start >= cfg.horizon:
        return cfg.horizon
    frac = min(1.0, it / max(1, total // 2))
    h = cfg.horizon_start * (cfg.horizon / cfg.horizon_start) ** frac
    return int(round(h / cfg.truncation) * cfg.truncation) or cfg.truncation



def _config_record(cfg: TrainConfig) -> dict:
    """``cfg`` as a weights manifest records it: plain values kept, any other (a family
    object) written as its repr."""
    return {k: (v if isinstance(v, (str, int, float, type(None))) else repr(v))
            for k, v in dataclasses.asdict(cfg).items()}

def train(
    cfg: TrainConfig,
    out: str | os.PathLike | None = None,
    *,
    checkpoint: str | os.PathLike | None = None,
    resume: bool = False,
    command: str | None = None,
    log=print,
    progress: bool = False,
):
    """Meta-train an :class:`~zominimize.learned.L2LNet`; return ``(net, manifest)``.

    Parameters
    ----------
    cfg : TrainConfig
    out : path, optional
        Write the selected weights and their manifest here (``.safetensors``).
    checkpoint : path, optional
        Training checkpoint (``torch.save`` of tensors and plain values, loaded
        with ``weights_only=True``), written after each validation.
    resume : bool
        Continue from ``checkpoint`` if it exists.
    command : str, optional
        The command line that reproduces this run (stored in the manifest).
    log : callable
        Receives one line per validation.
    progress : bool
        Show a tqdm bar (if installed).

    Returns
    -------
    net : L2LNet
        The selected network (float64).
    manifest : dict
        What the weights file stores with it: the configuration, the validation
        history and score, the command, the machine, the versions and the SHA-256.

    See Also
    --------
    TrainConfig : Every setting, each also a flag of ``zominimize train``.
    zominimize.learned.load_weights : Read a file this function wrote.
    zominimize.learned.bundled_weights : The weight sets shipped with the package.

    Notes
    -----
    First-order meta-training as in the paper's official code: the optimizer is
    unrolled on problems drawn from ``cfg.family`` (their torch forms), the
    meta-gradient flows through the steps (the finite-difference coefficients of
    the estimate carry none), truncated every ``cfg.truncation`` iterations; stage 1
    trains the UpdateRNN with Gaussian queries, stage 2 the QueryRNN with the
    UpdateRNN frozen. Each stage keeps the weights with the best score on fixed
    validation problems. The same ``cfg`` (``cfg.seed`` seeds the initial weights,
    the problem draws and every direction) reproduces a run.

    References
    ----------
    .. [1] Y. Ruan, Y. Xiong, S. Reddi, S. Kumar and C.-J. Hsieh, "Learning to
           Learn by Zeroth-Order Oracle", International Conference on Learning
           Representations (ICLR), 2020. https://arxiv.org/abs/1910.09464

    Examples
    --------
    >>> from zominimize.meta import TrainConfig, train
    >>> cfg = TrainConfig(family="quadratic", update_iters=2, query_iters=1, horizon=10,
    ...                   horizon_start=10, truncation=5, q=4, val_size=1, val_steps=10)
    >>> net, manifest = train(cfg, log=lambda line: None)
    >>> sorted(manifest["options"])
    ['accept', 'directions', 'mu', 'mu_rel', 'q', 'sigma_down']
    """
    saved_threads = torch.get_num_threads()
    torch.set_num_threads(max(1, int(cfg.threads)))
    try:
        return _train(cfg, out, checkpoint, resume, command, log, progress)
    finally:
        torch.set_num_threads(saved_threads)


def _train(cfg, out, checkpoint, resume, command, log, progress):
    t_start = time.perf_counter()
    train_fam, val_fam = _family(cfg.family), _family(cfg.val_family or cfg.family)
    rng = np.random.default_rng(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    val_problems = [val_fam.sample(np.random.default_rng([cfg.seed, 777, i]))
                    for i in range(cfg.val_size)]
    with torch.random.fork_rng():  # seeded initial weights, global RNG untouched
        torch.manual_seed(cfg.seed)
        net = L2LNet(cfg.variant, cfg.hidden, cfg.sigma_vote_bound,
                     _feature_names(cfg.features)).to(torch.float64)
    if cfg.init_from:
        from ..learned.weights import load_weights

        init, _ = load_weights(cfg.init_from)
        net.load_state_dict(init.state_dict())
    stages = [("update", cfg.update_iters), ("query", cfg.query_iters)]
    state = {"stage": 0, "it": 0, "history": [], "best": None, "best_score": math.inf,
             "elapsed": 0.0}
    meta_opt = None
    if resume and checkpoint is not None and os.path.exists(checkpoint):
        ck = torch.load(checkpoint, weights_only=True)
        net.load_state_dict(ck["net"])
        state.update(ck["state"])
        rng.bit_generator.state = json.loads(ck["np_rng"])
        gen.set_state(ck["torch_rng"])
        meta_opt_state = ck.get("meta_opt")
        log(f"resumed from {checkpoint} at stage {state['stage']}, iteration {state['it']}")
    else:
        meta_opt_state = None
    elapsed0 = state["elapsed"]

    for si in range(state["stage"], len(stages)):
        stage, total = stages[si]
        if total <= 0:
            continue
        use_query = stage == "query"
        params = net.query_rnn if use_query else net.update_rnn
        net.requires_grad_(False)
        params.requires_grad_(True)
        lr = cfg.lr_query if use_query else cfg.lr_update
        meta_opt = torch.optim.Adam(params.parameters(), lr=lr)
        if meta_opt_state is not None and si == state["stage"]:
            meta_opt.load_state_dict(meta_opt_state)
        meta_opt_state = None
        if state["best"] is None or si != state["stage"]:
            # selection restarts per stage: the query stage is judged with the QueryRNN on
            score = evaluate_net(net, val_problems, cfg, use_query=use_query)
            state["best_score"], state["best"] = score, _copy_sd(net)
            state["history"].append({"stage": stage, "it": 0, "val": score})
            log(f"[{stage}] it 0: validation {score:.4f}")
        state["stage"] = si
        bar = _bar(total, stage) if progress else None

        def step(loss, meta_opt=meta_opt, params=params):
            meta_opt.zero_grad()
            loss.backward()
            for p in params.parameters():
                if p.grad is not None:
                    p.grad.clamp_(-1.0, 1.0)
            meta_opt.step()

        it0 = state["it"]
        for it in range(it0, total):
            if cfg.time_limit and elapsed0 + time.perf_counter() - t_start > cfg.time_limit:
                log("time limit reached; stopping this stage early")
                break
            for group in meta_opt.param_groups:  # from `it`: resuming gives the same rate
                group["lr"] = lr * _lr_factor(cfg, it, total)
            probs = [train_fam.sample(rng) for _ in range(cfg.batch_size)]
            unroll_batch(net, probs, steps=_horizon(cfg, it, total), truncation=cfg.truncation,
                   q=cfg.q, mu_rel=cfg.mu_rel, mu=cfg.mu, use_query=use_query,
                   sigma_jitter=cfg.sigma_jitter, sigma0_dim_ref=cfg.sigma0_dim_ref,
                   sigma0_rel=cfg.sigma0_rel,
                   weighting=cfg.weighting, accept=cfg.accept, directions=cfg.directions,
                   sigma_down=cfg.sigma_down, step_beta1=cfg.step_beta1,
                   generator=gen, on_segment=step,
                   problem_dtype=getattr(torch, cfg.problem_dtype))
            state["it"] = it + 1
            if bar is not None:
                bar.update(1)
            if (it + 1) % cfg.val_every == 0 or it + 1 == total:
                score = evaluate_net(net, val_problems, cfg, use_query=use_query)
                state["history"].append({"stage": stage, "it": it + 1, "val": score})
                mark = ""
                if score < state["best_score"]:
                    state["best_score"], state["best"] = score, _copy_sd(net)
                    mark = " *"
                log(f"[{stage}] it {it + 1}: validation {score:.4f}{mark}")
                if checkpoint is not None:
                    state["elapsed"] = elapsed0 + time.perf_counter() - t_start
                    _save_ck(checkpoint, net, state, rng, gen, meta_opt)
        if bar is not None:
            bar.close()
        net.load_state_dict(state["best"])  # the next stage starts from the selected net
        state["it"], state["best"] = 0, None
        state["stage"] = si + 1

    net.requires_grad_(False)
    wall = elapsed0 + time.perf_counter() - t_start
    manifest = {
        "family": getattr(cfg.family, "name", cfg.family),
        "val_family": getattr(cfg.val_family, "name", cfg.val_family),
        "config": _config_record(cfg),
        "options": {"q": cfg.q, "mu_rel": cfg.mu_rel, "mu": cfg.mu, "accept": cfg.accept,
                    "directions": cfg.directions, "sigma_down": cfg.sigma_down,
                    # only where given: the bundled manifests' options stay as written
                    **({} if cfg.step_beta1 is None else {"step_beta1": cfg.step_beta1})},
        "validation_score": state["best_score"],
        "history": state["history"],
        "command": command or "",
        "wall_time_s": round(wall, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, torch threads {cfg.threads}",
        "python": sys.version.split()[0],
        "numpy_version": np.__version__,
        "created": time.strftime("%Y-%m-%d"),
    }
    if out is not None:
        manifest = save_weights(net, out, manifest)
    return net, manifest


def _copy_sd(net) -> dict:
    return {k: v.detach().clone() for k, v in net.state_dict().items()}


def _save_ck(path, net, state, rng, gen, meta_opt) -> None:
    tmp = f"{path}.tmp"
    torch.save({"net": net.state_dict(), "state": state,
                "np_rng": json.dumps(rng.bit_generator.state), "torch_rng": gen.get_state(),
                "meta_opt": meta_opt.state_dict()}, tmp)
    os.replace(tmp, path)


def _bar(total, desc):
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=desc, file=sys.stderr)
