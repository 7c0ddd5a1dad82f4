"""``l2l-zo``: the learned zeroth-order optimizer of Ruan et al. (ICLR 2020).

The iteration itself is :mod:`zominimize.learned.core` (shared with meta-training);
this module adapts it to the ask/tell contract: the centre evaluation, undoing a step
that lands on a non-finite value, and the NumPy arrays the driver exchanges.
"""

from __future__ import annotations

import math
import os
from typing import Any, NamedTuple

import numpy as np

from .._device import resolve_device, resolve_dtype
from .._options import Option, boolean, choice, optional, positive, positive_int, unit_interval
from .._threads import limited_threads, policy_threads
from ..learned.core import SAMPLERS, SIGMA_DOWN, UPDATES
from ..learned.covariance import COND_MAX
from ..learned.rugged import (
    NOISY_MU,
    PROBE_LINES,
    PROBE_SMALL,
    RUGGED_RATIO,
    WALK_BUDGET_FRAC,
    probe_points,
    ruggedness,
)
from ..learned.rules import (
    ACCEPT,
    AUTO_MAX_D,
    BETA1,
    BUDGET_ITERATIONS,
    BUDGET_Q_MAX,
    COVARIANCE_AUTO_MAX_D,
    DIRECTIONS,
    DIRECTIONS_AUTO_MAX_D,
    NOISE_CHECK_MAX_D,
    PLATEAU_BUDGET_PER_D,
    PLATEAU_FRAC,
    Q_MAX,
    Q_MIN,
    RESTART_KINDS,
    RESTARTS,
    RESTARTS_AUTO_MAX_D,
    RESTARTS_BOTH_MIN_D,
    RETURN_PATIENCE,
    RETURN_SHRINK,
    RETURN_SIGMA_FRAC,
    SIGMA_DOWN_AUTO_MIN_D,
    SIGMA_DOWN_LARGE_D,
    SIGMA_DOWN_SIGMA_FRAC,
    SIGMA_DOWN_SIGMA_FRAC_MID,
    SIGMA_DOWN_SIGMA_MID_MAX_D,
    SPECULATIVE_AUTO_MIN_D,
    START_STREAK,
    STEP_BETA1_AUTO_MIN_D,
    STEP_BETA1_LARGE_D,
    STEP_BETA1_SIGMA_FRAC,
    STEP_BETA1_SIGMA_MAX_D,
    WALK_AUTO_MAX_D,
    WALK_AUTO_MIN_D,
    budget_q,
    resolve_covariance,
    resolve_directions,
    resolve_noise_check,
    resolve_q,
    resolve_restarts,
    resolve_sigma_down,
    resolve_sigma_down_sigma,
    resolve_speculative,
    resolve_step_beta1,
    resolve_step_beta1_sigma,
    resolve_walk,
)
from ..learned.sigma0 import BOX_SCALE_CAP, SIGMA0_DIM_REF, SIGMA0_REL, default_sigma0
from ._base import State, ZOMethod

__all__ = ["L2LZO"]


def _weights(name: str, v: Any) -> Any:
    if not isinstance(v, (str, os.PathLike)):
        raise TypeError(f"`{name}` must be a bundled name or a path, got {type(v).__name__}")
    return v


def _q_value(name: str, v: Any) -> int | str:
    return v if isinstance(v, str) and v == "auto" else positive_int(name, v)


def _restarts_value(name: str, v: Any) -> bool | str:
    if isinstance(v, bool) or (isinstance(v, str) and v in RESTARTS):
        return v
    raise TypeError(f"`{name}` must be one of {RESTARTS}, got {v!r}")


def _bool_or_auto(name: str, v: Any) -> bool | str:
    if isinstance(v, str) and v == "auto":
        return v
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    raise TypeError(f"`{name}` must be True, False or \"auto\", got {v!r}")


def _beta1_value(name: str, v: Any) -> float:
    v = unit_interval(name, v)
    if v == 1.0:  # the first moment would never move from zero
        raise ValueError(f"`{name}` must lie in [0, 1), got {v!r}")
    return v


def _sigma_down_value(name: str, v: Any) -> float | str:
    if isinstance(v, str):
        if v == "auto":
            return v
        raise TypeError(f"`{name}` must be a positive number or \"auto\", got {v!r}")
    return positive(name, v)


def _step_beta1_value(name: str, v: Any) -> float | str:
    return v if isinstance(v, str) and v == "auto" else _beta1_value(name, v)


def _best_finite(F: np.ndarray) -> int | None:
    """The index of the lowest finite value of ``F``; ``None`` when none is finite."""
    ok = np.isfinite(F)
    return int(np.argmin(np.where(ok, F, np.inf))) if ok.any() else None


def _spawn(rng: np.random.Generator) -> np.random.Generator:
    """An independent generator from ``rng`` that leaves ``rng``'s own stream as it was
    (a bit generator without a seed sequence: one draw from ``rng`` seeds it)."""
    try:
        return rng.spawn(1)[0]
    except (AttributeError, TypeError, ValueError):
        return np.random.default_rng(int(rng.integers(0, 2**63 - 1)))


def _device_name(name: str, v: Any) -> str:
    return str(resolve_device(v, name))


def _dtype_name(name: str, v: Any) -> str:
    return str(resolve_dtype(v, name)).removeprefix("torch.")


#: option ``rules``: the manifest's rules, or the paper's (the fallbacks of ``_resolve``)
RULES = ("weights", "paper")
#: a weight set's scale constants, which calibrate its networks rather than add a rule:
#: ``rules="paper"`` still reads them from the manifest
_SCALE_OPTIONS = ("mu_rel", "sigma0_rel")


class _Networks(NamedTuple):
    """Networks and the options they run with (a weight set's, or a part's of it)."""

    name: str
    net: Any
    q: int | str
    accept: str
    directions: str
    mu_rel: float
    sigma0_rel: float
    restarts: bool | str = False
    sigma_down: float | str = SIGMA_DOWN
    beta1: float = BETA1
    step_beta1: float | str | None = None
    covariance: bool | str = False
    local_returns: bool = False
    walk: bool | str = False
    walk_mu: float = 1.0
    noisy: bool | str = False

    def __repr__(self):
        return (f"{self.name!r} (q={self.q!r}, accept={self.accept!r}, "
                f"directions={self.directions!r})")


class L2LZO(ZOMethod):
    r"""Learned zeroth-order optimizer (L2L-ZO; Ruan et al., ICLR 2020).

    Each iteration draws ``q`` Gaussian query directions whose diagonal
    covariance is predicted by a coordinate-wise LSTM (the QueryRNN), forms
    the forward-difference estimate ``ĝ`` (``q + 1`` evaluations), and a second
    coordinate-wise LSTM (the UpdateRNN) turns ``ĝ`` into the step. The
    networks run in torch, batched over coordinates, on ``device``; any
    dimension works. With the bundled weights (``"scaled"`` architecture) the
    inputs are normalised so that minimizing ``a*f + b`` (``a > 0``) follows
    the same iterates as ``f``, steps are in units of an adaptive step size
    ``σ`` that starts at ``sigma0``, and the smoothing radius is
    ``mu_rel * σ``. At test time the predicted covariance is used with
    probability ``pred_ratio`` per iteration, otherwise the identity, as in the
    paper's code. With the ``"default"`` weights, below ``d = 100`` it draws 5
    directions per iteration (``d`` below ``d = 5``) and undoes an iterate that is
    worse than the previous one (options ``q`` and ``accept``), and below ``d = 20``
    it draws the directions of an iteration orthogonal to each other (option
    ``directions``); below ``d = 50`` it draws them from a covariance adapted to the
    run (option ``covariance``), starts afresh from a new point once the
    iterate stalls, and it returns to its best point once the step size has collapsed,
    below ``d = 10`` (and up to ``d = 49`` with a budget of 1,000 evaluations per
    coordinate) only from a plateau (option ``restarts``), every other time with a
    small step size while the best point does not improve (option
    ``local_returns``). From ``d = 5`` to ``d = 49``, when the budget is known, it
    first probes the landscape along a few lines through ``x0`` and, where it is
    rugged, holds its step size up over the first half of the budget, with twice
    the usual smoothing radius (options ``walk`` and ``walk_mu``). Below ``d = 300``
    it evaluates ``x0`` twice (in the probe where one runs), and where the values
    differ (noise) the run differences over three times the radius (option
    ``noisy``). From ``d = 50`` on
    it runs the networks of ``"default-mid"`` (option ``by_dim``), also returning to
    the best point, up to
    ``d = 99`` with those rules and from ``d = 100`` with 10 directions per
    iteration. From ``d = 100`` on
    it keeps every iterate once two in a row have improved on their predecessors (an
    elitist start). Its step follows a shorter mean of the estimates
    than the one the networks read (option ``step_beta1``) from ``d = 300`` on, and from
    ``d = 60`` once the step size is below half its start. Which
    weights -- or which other method -- suits which problem is the subject of the
    documentation's guide *Which method, which weights*.

    See Also
    --------
    zominimize.meta.train : Meta-train weights for your own family of problems.
    zominimize.learned.bundled_weights : The bundled weight sets and their manifests.

    Notes
    -----
    The method is described, with its mathematics and its differences from the
    paper, on the documentation's page *The method*.

    References
    ----------
    .. [1] Y. Ruan, Y. Xiong, S. Reddi, S. Kumar and C.-J. Hsieh, "Learning to
           Learn by Zeroth-Order Oracle", International Conference on Learning
           Representations (ICLR), 2020. https://arxiv.org/abs/1910.09464
    """

    name = "l2l-zo"

    OPTIONS = (
        Option("weights", "default", "str or path", """
            A bundled weight set (``"default"``, trained on a broad family of
            randomly scaled problems, with the networks of ``"default-mid"`` from
            ``d = 50`` on; ``"default-mid"``, trained on that family mixed
            with the paper's classification task at ``d = 100..1000``, with 10
            queries and the elitist start; ``"attack"``, trained on the black-box
            adversarial attack family; ``"classification"``, fine-tuned on the
            paper's non-convex classification task, with a smaller start and
            smoothing radius selected for it) or the path of a ``.safetensors`` file
            written by ``zominimize.meta.train``. See
            ``zominimize.learned.bundled_weights()``.""", _weights),
        Option("rules", "weights", "{'weights', 'paper'}", """
            The rules of inference around the networks. ``"weights"``: those the
            weight set's manifest records (and its ``"by_dim"`` entries: for
            ``"default"``, the queries, acceptance, restarts, returns, step-size and
            covariance rules selected in the research rounds). ``"paper"``: the
            paper's: 20 independent Gaussian queries per iteration, every iterate
            kept, the networks' own step size (no restarts, returns, walk or adapted
            covariance, the trained shrink and mean), and the weight set's own
            networks at every ``d`` (``by_dim=False``); only the weight set's scale
            constants (``mu_rel``, ``sigma0_rel``) still come from its manifest.
            Options passed explicitly override either.""", choice(*RULES)),
        Option("by_dim", None, "bool", """
            Run the networks that the weight set names for ranges of dimensions (its
            manifest's ``"by_dim"``: ``"default"`` runs those of ``"default-mid"`` from
            ``d = 50`` to ``99`` with the rules of ``"default"`` there, 5 queries and the
            elitist rule, and from ``d = 100`` on with those of ``"default-mid"``).
            ``False``: the weight set's own networks at every ``d``. Default: ``True``,
            but ``False`` with ``rules="paper"``.""", optional(boolean),
               default_text="optional"),
        Option("q", None, "int or \"auto\"", f"""
            Number of query directions per iteration; ``"auto"``: ``min({Q_MIN}, d)``
            below ``d = {AUTO_MAX_D}`` (where more iterations pay) and {Q_MAX} from
            there on (where the estimate needs them). Default: the weight set's value
            in its manifest (``options.q``: ``"auto"`` for ``"default"``; 20 when it
            records none). With ``q_budget=True``, a run with a large known budget may draw
            more.""", optional(_q_value), default_text="optional"),
        Option("q_budget", False, "bool", f"""
            When ``q`` is not given as a number, the run's budget is known
            (``maxfev`` of ``minimize``, ``budget`` of ``Optimizer``) and
            ``d < {AUTO_MAX_D}``, draw at least
            ``min({BUDGET_Q_MAX}, ceil(budget / {BUDGET_ITERATIONS}) - 1)`` directions
            per iteration, so that a large budget is spent in fewer, better estimated
            steps: from {Q_MIN} queries (``d >= {Q_MIN}``), no change up to
            {BUDGET_ITERATIONS * (Q_MIN + 1)} evaluations, 9 queries at 10,000, 10 from
            11,000 on. Off by default: on fresh BBOB instances at ``d = 5`` with 20,000
            evaluations it lost (research log, twenty-second round).""", boolean),
        Option("sigma0", None, "float", f"""
            Initial step size, in the units of ``x`` (like CMA-ES's ``sigma0``).
            Default: {SIGMA0_REL} times the problem's scale, which is
            ``max(1, rms(x0))``, or the mean width of a finite box when that is at
            most {BOX_SCALE_CAP:g} times ``max(1, rms(x0))``; above
            ``d = {SIGMA0_DIM_REF}`` times ``{SIGMA0_DIM_REF} / d``, so that the first
            steps do not grow with ``d``. A weight set may record its own constant
            instead of {SIGMA0_REL} (``options.sigma0_rel`` in its manifest: 0.01 for
            ``"classification"``).""", optional(positive), default_text="optional"),
        Option("mu_rel", None, "float", """
            Smoothing radius relative to the current step size. Default: the weight
            set's value in its manifest (the value it was trained with, or one
            selected for it at inference: 0.01 for ``"classification"``).""",
               optional(positive), default_text="optional"),
        Option("mu", None, "float", """
            A fixed absolute smoothing radius instead (the ``"paper"`` architecture
            uses ``1e-6``, as the official code).""", optional(positive),
               default_text="optional"),
        Option("pred_ratio", 0.5, "float", """
            Probability, per iteration, of sampling with the QueryRNN's covariance
            instead of the identity.""", unit_interval),
        Option("sampler", "rnn", "{'rnn', 'gaussian', 'guided-es', 'rnn-guided'}", """
            Ablations of the paper: ``"gaussian"`` drops the QueryRNN
            (ZO-LSTM-no-query); ``"guided-es"`` samples in a Guided-ES fashion from
            the subspace of the previous estimate and step (``alpha = 0.5``).
            ``"rnn-guided"`` keeps the QueryRNN's covariance for the full-space half
            of a Guided-ES sample (``pred_ratio`` applies to it).""",
               choice(*SAMPLERS)),
        Option("directions", None, "{'independent', 'orthogonal', 'auto'}", f"""
            How the ``q`` directions of an iteration are drawn together.
            ``"independent"``: each on its own, as in the paper. ``"orthogonal"``: in
            blocks of up to ``d`` orthonormal directions, each scaled to length
            ``√d`` (orthogonal evolution strategies): each direction isotropic with
            the same second moment as before, but no cross-talk between the
            directions of a block, so a less noisy estimate, most of all when ``q``
            is not much smaller than ``d``. ``"auto"``: ``"orthogonal"`` below
            ``d = {DIRECTIONS_AUTO_MAX_D}``, ``"independent"`` from there on.
            Default: the weight set's value in its manifest
            (``options.directions``: ``"auto"`` for ``"default"``;
            ``"independent"``, with which every bundled set was trained, when it
            records none).""",
               optional(choice(*DIRECTIONS)), default_text="optional"),
        Option("restarts", None, "bool, \"best\", \"both\", \"plateau\" or \"auto\"", f"""
            ``True``: once the iterate has not improved for ``10 + ceil(30 d / q)``
            iterations (the history length of IPOP-CMA-ES), start the networks afresh
            from a point drawn from ``N(x0, sigma0² I)`` (projected onto the bounds),
            with the step size ``sigma0``; the best point of every restart counts
            (``res.x``) and the run still ends at ``maxfev``, so a run that has
            converged spends the rest of its budget on other basins. ``"best"``: once
            ``σ`` is below ``{RETURN_SIGMA_FRAC:g} sigma0`` and the best value
            evaluated has not improved for {RETURN_PATIENCE} iterations, start the
            networks afresh from the best point, with the step size ``sigma0`` (a run
            whose step size collapsed away from its best point goes back there and
            searches around it again). ``"both"``: either, whichever comes first
            (after a fresh start around ``x0``, the patience counts from it).
            ``"plateau"``: as ``"both"``, but the return also needs at least
            {PLATEAU_FRAC:g} of the last iteration's queries to have returned exactly
            the iterate's value (a flat region, as on a step function).
            ``"auto"``: ``"plateau"`` below ``d = {RESTARTS_BOTH_MIN_D}``, ``"both"``
            from there to ``d = {RESTARTS_AUTO_MAX_D - 1}`` (``"plateau"`` there too
            when the run's budget, ``maxfev`` or ``Optimizer(budget=...)``, is at least
            {PLATEAU_BUDGET_PER_D} evaluations per coordinate), ``"best"`` from
            ``d = {RESTARTS_AUTO_MAX_D}`` on. Default: the
            weight set's value in its manifest (``options.restarts``: ``"auto"`` for
            ``"default"``; ``False``, as in the paper, when it records none).""",
               optional(_restarts_value), default_text="optional"),
        Option("local_returns", None, "bool", f"""
            With a return to the best point (``restarts``): when the best point has
            not improved since the previous return, that return started at
            ``sigma0``, and the last iteration's queries do not tie with the iterate
            (no plateau), start at ``{RETURN_SHRINK:g} sigma0`` instead, where the
            collapse that set the return off was declared, and return from there once
            ``σ`` has fallen below ``{RETURN_SIGMA_FRAC:g}`` of that start; the return
            after it starts at ``sigma0`` again. A best point in a basin narrower than
            the steps of ``sigma0`` (the start itself, often) is otherwise searched
            around with the same large steps again and again. Default: the weight
            set's value in its manifest (``options.local_returns``: ``True`` for
            ``"default"``; ``False`` when it records none).""",
               optional(boolean), default_text="optional"),
        Option("sigma_down", None, "float or \"auto\"", f"""
            How hard the step size shrinks after an iterate worse than the previous
            one: the prior of the step-size rule, in tanh units, under the networks'
            bounded vote ``v``: σ is multiplied by ``exp(0.5 tanh(v - sigma_down))``
            (about 0.83 at {SIGMA_DOWN} with no vote, 0.68 at 1). A rejected iterate
            (``accept``) shrinks σ by the same factor. With ``sigma_down_sigma``,
            only while ``σ`` is below that fraction of its start. ``"auto"``:
            {SIGMA_DOWN_LARGE_D:g} from ``d = {SIGMA_DOWN_AUTO_MIN_D}`` on once ``σ`` is
            below a share of its start ({SIGMA_DOWN_SIGMA_FRAC_MID} below
            ``d = {SIGMA_DOWN_SIGMA_MID_MAX_D}``, {SIGMA_DOWN_SIGMA_FRAC} from there), where
            σ otherwise settles too high, {SIGMA_DOWN} elsewhere. Default: the weight
            set's value in its manifest (``options.sigma_down``: ``"auto"`` for
            ``"default"``), else {SIGMA_DOWN}, the value every bundled set was trained
            with.""",
               optional(_sigma_down_value), default_text="optional"),
        Option("sigma_down_sigma", None, "float", f"""
            With ``sigma_down``: the prior shrink is ``sigma_down`` only while ``σ``
            is below this fraction of its start (``sigma0``, or the step size a
            restart starts from), and the trained {SIGMA_DOWN} otherwise. ``None``:
            always, but with ``sigma_down="auto"`` from ``d = {SIGMA_DOWN_AUTO_MIN_D}``
            to {SIGMA_DOWN_SIGMA_MID_MAX_D - 1}, where it is {SIGMA_DOWN_SIGMA_FRAC_MID},
            and from ``d = {SIGMA_DOWN_SIGMA_MID_MAX_D}`` on, where it is
            {SIGMA_DOWN_SIGMA_FRAC}.""", optional(positive),
               default_text="optional"),
        Option("beta1", None, "float", f"""
            Decay of the running mean of the normalised estimates that the UpdateRNN
            reads and steps along (the first moment of Adam's update, whose ``beta1``
            it is), in ``[0, 1)``. {BETA1}, the value every bundled set was trained
            with, averages about ten estimates; a smaller value follows the latest
            ones more closely (the ``"scaled"`` architecture; the paper's has no such
            mean). Default: the weight set's value in its manifest
            (``options.beta1``), else {BETA1}.""",
               optional(_beta1_value), default_text="optional"),
        Option("step_beta1", None, "float or \"auto\"", f"""
            The decay of a second running mean of the normalised estimates, which
            the step follows instead of the first while the networks still read the
            first (``beta1``, in their trained range): the step is ``σ`` times the
            UpdateRNN's bounded residual minus this mean, normalised as Adam's
            update. ``None`` (no second mean): the step follows ``beta1``'s.
            ``"auto"``: {STEP_BETA1_LARGE_D} from ``d = {STEP_BETA1_SIGMA_MAX_D}``
            on; from ``d = {STEP_BETA1_AUTO_MIN_D}`` to {STEP_BETA1_SIGMA_MAX_D - 1} the
            same once ``σ`` is below {STEP_BETA1_SIGMA_FRAC} of its start
            (``step_beta1_sigma``); ``None`` below. Default: the weight set's value
            in its manifest (``options.step_beta1``), else ``None``.""",
               optional(_step_beta1_value), default_text="optional"),
        Option("step_beta1_sigma", None, "float", f"""
            With ``step_beta1``: the step follows the second mean only while ``σ`` is
            below this fraction of its start (``sigma0``, or the step size a restart
            starts from), and the networks' mean otherwise. ``None``: always, but
            with ``step_beta1="auto"`` from ``d = {STEP_BETA1_AUTO_MIN_D}`` to
            {STEP_BETA1_SIGMA_MAX_D - 1}, where it is {STEP_BETA1_SIGMA_FRAC}.""",
               optional(positive), default_text="optional"),
        Option("update", "rnn", "{'rnn', 'sgd'}", """
            ``"sgd"`` replaces the UpdateRNN by the ZO-SGD step ``-(lr/d) ĝ``
            (ZO-LSTM-no-update).""", choice(*UPDATES)),
        Option("accept", None,
               "{'improving', 'always', 'elitist-start', 'elitist-streak', 'auto'}", f"""
            Which new iterates are kept. ``"improving"``: only one not worse than the
            previous iterate; a worse one is undone and the step size shrinks (an
            elitist rule, as in (1+1) evolution strategies; the queries around the
            undone iterate still count for the best point). ``"always"``: every one,
            as in the paper (on COCO's noisy functions at ``d = 5`` and 20 it was
            level with the default at 5 and worse at 20: the benchmarks' ``bbob-noisy``
            suite). ``"elitist-start"``: the
            elitist rule until the first iterate better than the start, every one
            after it (a ``sigma0`` too large for the problem then shrinks at the
            start instead of carrying the iterate away from it).
            ``"elitist-streak"``: the same until {START_STREAK} kept iterates in a row
            have improved (one lucky improvement while ``sigma0`` is still too large
            does not end the start). ``"auto"``:
            ``"improving"`` below ``d = {AUTO_MAX_D}``, ``"elitist-streak"`` from there
            on. Default: the weight set's value in its manifest (``options.accept``:
            ``"auto"`` for ``"default"``; ``"always"`` when it records none).""",
               optional(choice(*ACCEPT)),
               default_text="optional"),
        Option("speculative", "auto", "bool or \"auto\"", f"""
            How a new iterate is evaluated while ``accept`` may still undo it.
            ``True``: in one batch with the queries around it, before it is known
            whether it is kept (one round of evaluations per iteration, the most work
            to evaluate in parallel; the queries around an undone iterate count only
            for the best point). ``False``: alone first, and the queries around it in
            the next batch once it is kept, as in meta-training (an undone iterate
            costs one evaluation rather than ``q + 1``; a kept one costs two rounds,
            each a ``tell`` counted in ``nit``). Where no iterate can be undone
            (``accept="always"``, or once an elitist start has ended) every iteration
            is one batch either way. ``"auto"``: ``False`` from
            ``d = {SPECULATIVE_AUTO_MIN_D}`` to ``d = {AUTO_MAX_D - 1}``, ``True``
            elsewhere. Pass ``True`` for one batch per iteration with parallel
            ``workers`` and a slow objective.""", _bool_or_auto),
        Option("covariance", None, "bool or \"auto\"", f"""
            Draw the query directions from a covariance adapted to the run, as
            CMA-ES's rank-one update adapts it from the iterate's moves, with its
            condition number held at most {COND_MAX:g}
            (:mod:`zominimize.learned.covariance`): the estimate then follows a
            preconditioned gradient along a rotated valley, which the coordinate-wise
            networks cannot see. ``"auto"``: ``True`` below
            ``d = {COVARIANCE_AUTO_MAX_D}``. Costs ``O(d³)`` a step. Default: the
            weight set's value in its manifest (``options.covariance``; ``False``,
            as in the paper, when it records none).""",
               optional(_bool_or_auto), default_text="optional"),
        Option("walk", None, "bool or \"auto\"", f"""
            Probe the landscape before the run and walk where it is rugged. With a
            known budget (``maxfev``, or ``Optimizer(budget=...)``), the first ask
            evaluates ``x0`` and the points ``x0 ± h u`` of {PROBE_LINES} random unit
            directions ``u`` at ``h = sigma0`` and ``h = {PROBE_SMALL:g} sigma0``
            ({4 * PROBE_LINES} evaluations, and ``x0``'s). Where the median second
            difference over ``h²`` at the small scale exceeds {RUGGED_RATIO:g} times
            that at the large one (many local minima, as Rastrigin's), the step size is
            held at least ``sigma0 (1 − t / ({WALK_BUDGET_FRAC:g} maxfev))`` after ``t``
            evaluations: the first part of the budget crosses many basins towards the
            landscape's global trend, as ZO-Adam's largest rates do, before the run
            settles. A smooth landscape (a quadratic, a valley, a linear slope) runs as
            without the option, {4 * PROBE_LINES} evaluations later
            (:mod:`zominimize.learned.rugged`). ``"auto"``: ``True`` from
            ``d = {WALK_AUTO_MIN_D}`` to ``d = {WALK_AUTO_MAX_D - 1}``. Default: the
            weight set's value in its manifest (``options.walk``: ``"auto"`` for
            ``"default"``; ``False`` when it records none).""",
               optional(_bool_or_auto), default_text="optional"),
        Option("walk_mu", None, "float", """
            During a walk (option ``walk``), the smoothing radius of the queries as a
            multiple of its usual value (``mu_rel * σ``, or ``mu`` where given): a
            larger radius averages over more of a rugged landscape's small basins,
            so the estimate follows its global trend, which is what the walk's large
            steps are for. Default: the weight set's value in its manifest
            (``options.walk_mu``: 2 for ``"default"``), else 1.""",
               optional(positive), default_text="optional"),
        Option("noisy", None, "bool or \"auto\"", f"""
            Whether the objective's values are noisy (the same point may return
            different values). A noisy run differences over {NOISY_MU:g} times the
            smoothing radius (``mu_rel * σ``; a ``mu`` given is kept): the noise of a
            forward difference falls as the radius grows. ``"auto"``: below
            ``d = {NOISE_CHECK_MAX_D}`` it evaluates ``x0`` a second time (in the
            ruggedness probe where one runs, option ``walk``, else with the first
            iteration's queries), and the run is noisy where the two values differ
            (one evaluation more).
            Default: the weight set's value in its manifest (``options.noisy``), else
            ``False``.""", optional(_bool_or_auto), default_text="optional"),
        Option("lr", 4.0, "float",
               "Learning rate of ``update=\"sgd\"`` (paper convention, divided by ``d``).",
               positive),
        Option("device", "cpu", "str or torch.device", """
            Where the networks run and the directions are drawn (``"cpu"``,
            ``"cuda"``, ``"cuda:1"``, ...).""", _device_name),
        Option("rng_device", None, "str or torch.device", """
            Where the directions are drawn, if not on ``device``. The torch generator
            is seeded from ``rng``, so a run is reproducible on one device; CPU and
            CUDA generators produce different streams, so ``rng_device="cpu"`` with
            ``device="cuda"`` is the way to follow a CPU run's trajectory on a GPU (to
            float rounding), at the cost of drawing on the host.""",
               optional(_device_name), default_text="optional"),
        Option("dtype", "float32", "{'float32', 'float64'}", """
            Precision of the networks, of the directions and of ``σ`` (the iterate and
            the queries are float64). ``"float64"`` (the paper's code) costs about 1.5
            times more at large ``d``.""", _dtype_name),
        Option("threads", None, "int", """
            CPU threads for the networks' work. Default: one, at every ``d`` (more
            threads cost more than they save for these small operations, and many
            times more on a machine shared with other processes). Only the networks'
            work is affected, not the objective.""", optional(positive_int),
               default_text="optional"),
    )

    def __init__(self, **options):
        from ..learned.weights import load_weight_parts, load_weights

        super().__init__(**options)
        self.device = resolve_device(self.device)
        self.rng_device = (self.device if self.rng_device is None
                           else resolve_device(self.rng_device, "rng_device"))
        self.dtype = resolve_dtype(self.dtype)
        self.mu_fixed = self.mu is not None
        self.mu = 1e-6 if self.mu is None else self.mu
        paper = self.rules == "paper"
        if self.by_dim is None:
            self.by_dim = not paper
        given = {"q": self.q, "accept": self.accept, "directions": self.directions,
                 "mu_rel": self.mu_rel, "restarts": self.restarts,
                 "sigma_down": self.sigma_down, "beta1": self.beta1,
                 "step_beta1": self.step_beta1, "covariance": self.covariance,
                 "local_returns": self.local_returns, "walk": self.walk,
                 "walk_mu": self.walk_mu, "noisy": self.noisy}
        self._q_given = self.q not in (None, "auto")  # a number given pins q
        net, manifest = load_weights(self.weights, device=self.device, dtype=self.dtype)
        self._base = self._resolve(str(self.weights), net, manifest, given, paper=paper)
        # a weight set may run other bundled networks in a range of dimensions
        self._parts = tuple(
            (part.min_d, part.max_d,
             self._resolve(part.name, part.net, part.manifest, given, part.options,
                           paper=paper))
            for part in load_weight_parts(manifest, device=self.device, dtype=self.dtype)
        ) if self.by_dim else ()
        # the options as the weight set resolves them (outside its parts' dimensions)
        self.net, self.manifest = net, manifest
        self.variant = net.variant
        self.q, self.accept, self.directions = (self._base.q, self._base.accept,
                                                self._base.directions)
        self.mu_rel, self.sigma0_rel = self._base.mu_rel, self._base.sigma0_rel
        self.restarts, self.sigma_down = self._base.restarts, self._base.sigma_down
        self.beta1, self.step_beta1 = self._base.beta1, self._base.step_beta1
        self.covariance = self._base.covariance
        self.local_returns = self._base.local_returns
        self.walk, self.walk_mu = self._base.walk, self._base.walk_mu
        self.noisy = self._base.noisy

    @staticmethod
    def _resolve(name: str, net, manifest: dict, given: dict,
                 entry: dict | None = None, paper: bool = False) -> _Networks:
        """``net`` with the options a run uses: those given, else those of the weight
        set's ``"by_dim"`` entry that names it, else its manifest's (with ``paper``,
        only its scale constants: every rule falls back to the paper's)."""
        from ..learned.weights import WeightsError

        recorded = {**manifest.get("options", {}), **(entry or {})}
        if paper:
            recorded = {k: v for k, v in recorded.items() if k in _SCALE_OPTIONS}
        try:
            sigma0_rel = positive("sigma0_rel", recorded.get("sigma0_rel", SIGMA0_REL))
            mu_rel = positive("mu_rel", recorded.get("mu_rel", 0.1))
            q = _q_value("q", recorded.get("q", 20))
            accept = choice(*ACCEPT)("accept", recorded.get("accept", "always"))
            directions = choice(*DIRECTIONS)("directions",
                                             recorded.get("directions", "independent"))
            restarts = _restarts_value("restarts", recorded.get("restarts", False))
            sigma_down = _sigma_down_value("sigma_down",
                                           recorded.get("sigma_down", SIGMA_DOWN))
            beta1 = _beta1_value("beta1", recorded.get("beta1", BETA1))
            step_beta1 = optional(_step_beta1_value)("step_beta1", recorded.get("step_beta1"))
            covariance = _bool_or_auto("covariance", recorded.get("covariance", False))
            local_returns = boolean("local_returns", recorded.get("local_returns", False))
            walk = _bool_or_auto("walk", recorded.get("walk", False))
            walk_mu = positive("walk_mu", recorded.get("walk_mu", 1.0))
            noisy = _bool_or_auto("noisy", recorded.get("noisy", False))
        except (TypeError, ValueError) as exc:
            raise WeightsError(f"weights {name!r}: bad options in the manifest ({exc})"
                               ) from None
        return _Networks(
            name=name, net=net,
            q=q if given["q"] is None else given["q"],
            accept=accept if given["accept"] is None else given["accept"],
            directions=directions if given["directions"] is None else given["directions"],
            mu_rel=mu_rel if given["mu_rel"] is None else given["mu_rel"],
            sigma0_rel=sigma0_rel,
            restarts=restarts if given["restarts"] is None else given["restarts"],
            sigma_down=sigma_down if given["sigma_down"] is None else given["sigma_down"],
            beta1=beta1 if given["beta1"] is None else given["beta1"],
            step_beta1=step_beta1 if given["step_beta1"] is None else given["step_beta1"],
            covariance=covariance if given["covariance"] is None else given["covariance"],
            local_returns=(local_returns if given["local_returns"] is None
                           else given["local_returns"]),
            walk=walk if given["walk"] is None else given["walk"],
            walk_mu=walk_mu if given["walk_mu"] is None else given["walk_mu"],
            noisy=noisy if given["noisy"] is None else given["noisy"])

    def _for_dim(self, d: int) -> _Networks:
        """The networks and options that run on a ``d``-dimensional problem: a part's
        of the weight set (its manifest's ``"by_dim"``) where ``d`` is in its range, the
        weight set's own elsewhere."""
        for lo, hi, nets in self._parts:
            if lo <= d and (hi is None or d <= hi):
                return nets
        return self._base

    # -- the contract ---------------------------------------------------------------
    def init(self, x0, rng, bounds=None, f0=None, budget=None):
        import torch

        x0 = np.array(x0, dtype=np.float64).reshape(-1)
        n = x0.size
        if bounds is None:
            lb, ub = np.full(n, -np.inf), np.full(n, np.inf)
        else:
            lb, ub = (np.broadcast_to(np.asarray(b, dtype=np.float64), (n,)).copy()
                      for b in bounds)
        state = State(x=x0, fx=None if f0 is None else float(f0), rng=rng, lb=lb, ub=ub,
                      budget=budget)
        nets = self._for_dim(n)
        sigma0 = self.sigma0 or default_sigma0(x0, lb, ub, rel=nets.sigma0_rel)
        # every direction comes from this generator, seeded from the run's SPEC 7 rng
        gen = torch.Generator(device=self.rng_device)
        gen.manual_seed(int(rng.integers(0, 2**63 - 1)))
        st = self._start(state, nets, x0, sigma0, fx=state.fx)
        q = resolve_q(nets.q, n)
        if self.q_budget and not self._q_given:
            q = budget_q(q, budget, n)
        # "restarts": how many so far, or None when the run never restarts
        state.memory.update(core=st, gen=gen, sigma0=sigma0, q=q, x0=x0.copy(),
                            restarts=0 if resolve_restarts(nets.restarts, n, budget) else None,
                            nfev=0, noisy=nets.noisy is True,
                            check_noise=resolve_noise_check(nets.noisy, n))
        if budget is not None and resolve_walk(nets.walk, n):
            # the probe's own generator: the run's stream stays as without the probe
            state.memory["probe_rng"] = _spawn(rng)
        return state

    def _start(self, state, nets: _Networks, x: np.ndarray, sigma0: float,
               fx: float | None = None):
        """The networks' state at the start of a run (or of a restart) from ``x``."""
        import torch

        from ..learned.core import init_state

        lb, ub = state.lb, state.ub
        bounded = bool(np.isfinite(lb).any() or np.isfinite(ub).any())
        with self._threads(x.size):
            return init_state(nets.net, x, sigma0, dtype=self.dtype, device=self.device,
                              x_dtype=torch.float64, bounds=(lb, ub) if bounded else None,
                              fx=fx)

    def _threads(self, n: int) -> limited_threads:
        return limited_threads(policy_threads(n, self.threads))

    def _mu(self, nets: _Networks, st, noisy: bool = False) -> float:
        from ..learned.core import smoothing_radius

        if self.mu_fixed:
            return smoothing_radius(nets.net, st, None, self.mu)
        # a noisy run's wider radius (option noisy)
        return (NOISY_MU if noisy else 1.0) * smoothing_radius(nets.net, st, nets.mu_rel,
                                                               self.mu)

    def ask(self, state):
        if state.pending is not None:  # asked again before tell: the same points
            return state.pending["X"]
        import torch

        from ..learned.core import propose

        if state.memory.get("probe_rng") is not None:
            X = self._ask_probe(state)
            if X is not None:
                return X
        st, n = state.memory["core"], state.x.size
        nets = self._for_dim(n)
        center = st.fx is None or not math.isfinite(st.fx)
        if (center and not resolve_speculative(self.speculative, n)
                and self._undoable(st, nets)):
            # the new iterate alone: its queries follow only if it is kept
            X = st.x.detach().to("cpu", torch.float64).numpy()[None, :].copy()
            X.flags.writeable = False
            state.pending = {"X": X, "U": None, "mu": None, "center": True}
            return X
        # the noise check where no probe made it: x0 once more, last (option noisy)
        repeat = state.memory.pop("check_noise", False)
        with self._threads(n), torch.no_grad():
            q = state.memory["q"]
            Xt = torch.empty((q + center + repeat, n), dtype=torch.float64,
                             device=self.device)
            if center:
                Xt[0] = st.x
            if repeat:
                Xt[-1] = st.x
            mu = self._mu(nets, st, noisy=state.memory.get("noisy", False))
            if self._walking(state):
                mu = mu * nets.walk_mu
            _, U, st = propose(nets.net, st, state.memory["gen"], q=q, mu=mu,
                               sampler=self.sampler,
                               pred_ratio=self.pred_ratio,
                               directions=resolve_directions(nets.directions, n),
                               covariance=resolve_covariance(nets.covariance, n),
                               out=Xt[int(center):Xt.shape[0] - repeat])
            X = Xt.cpu().numpy()
        X.flags.writeable = False  # the asked points: told back unchanged
        state.memory["core"] = st
        state.pending = {"X": X, "U": U, "mu": mu, "center": center, "repeat": repeat}
        if repeat and not center:  # f(x0) was given: the second value is compared to it
            state.pending["f0"] = st.fx
        return X

    @staticmethod
    def _undoable(st, nets: _Networks) -> bool:
        """Whether the acceptance rule may undo ``st``'s new iterate (there is a finite
        previous one to go back to)."""
        from ..learned.core import can_reject

        return (st.fx is None and st.x_prev is not None and st.f_prev is not None
                and math.isfinite(st.f_prev) and can_reject(st, nets.accept))

    def tell(self, state, X, F):
        import torch

        from ..learned.core import advance, restore_previous, settle, shrink_prior

        p = state.pending
        if p is None:
            raise RuntimeError("tell() called without a pending ask()")
        F = np.asarray(F, dtype=np.float64).reshape(-1)
        if F.shape[0] != p["X"].shape[0]:
            raise ValueError(
                f"tell() expected {p['X'].shape[0]} values for the asked points, got {F.shape[0]}"
            )
        state.pending = None
        state.nit += 1
        state.memory["nfev"] = state.memory.get("nfev", 0) + F.size
        if "probe_h" in p:
            return self._tell_probe(state, X, F, p)
        if p.get("repeat"):
            X, F = X[:-1], self._check_noise(state, float(p.get("f0", F[0])), F)
        nets = self._for_dim(state.x.size)
        st, i = state.memory["core"], 0
        rejected = False
        # the prior shrink and the share of σ's start below which it acts
        shrink = (resolve_sigma_down(nets.sigma_down, state.x.size),
                  resolve_sigma_down_sigma(nets.sigma_down, self.sigma_down_sigma,
                                           state.x.size))
        alone = p["U"] is None  # the new iterate alone (speculative=False): no queries
        if p["center"]:
            st.fx, i = float(F[0]), 1
            if math.isfinite(st.fx):
                st, rejected = settle(st, nets.accept, shrink_prior(st, *shrink))
        mode = resolve_restarts(nets.restarts, state.x.size, state.budget)
        to_new, to_best = RESTART_KINDS[mode]
        if to_best:
            self._track_best(state, X, F)
        # whether the queries tie with the iterate (a flat region): "plateau" returns only
        # there, and a local return never starts there
        ties = (st.fx is not None and F.size > i
                and np.mean(F[i:] == st.fx) >= PLATEAU_FRAC)
        flat = mode != "plateau" or st.fx is None or F.size <= i or ties
        restarted = False
        # restarts are decided on an iteration's queries (a plateau is measured on them)
        if mode and not alone and st.fx is not None and math.isfinite(st.fx):
            if to_new and self._stalled(state, st.fx):
                restarted, st = True, self._restart(state, nets)
                if to_best:  # the fresh run's patience counts from its start
                    state.memory["best_nit"] = state.nit
            elif to_best and flat and self._collapsed(state, st):
                restarted, st = True, self._return_to_best(state, nets, local=(
                    nets.local_returns and not ties))
        with self._threads(state.x.size), torch.no_grad():
            if rejected or restarted or (alone and math.isfinite(st.fx)):
                pass  # an iterate whose queries come next: no step
            elif not math.isfinite(st.fx):
                if st.x_prev is not None:
                    st = restore_previous(st)
                else:  # no finite iterate yet (f(x0) is not finite): the best finite query
                    j = _best_finite(F[i:])
                    if j is not None:
                        st.x = torch.tensor(X[i + j], device=self.device)  # a copy
                        st.fx = float(F[i + j])
            else:
                fq = torch.as_tensor(F[i:], device=self.device)
                st = advance(nets.net, st, p["U"], fq, p["mu"], update=self.update,
                             lr=self.lr, sigma_down=shrink_prior(st, *shrink),
                             beta1=nets.beta1,
                             step_beta1=resolve_step_beta1(nets.step_beta1, state.x.size),
                             step_sigma_frac=resolve_step_beta1_sigma(
                                 nets.step_beta1, self.step_beta1_sigma, state.x.size))
        if self._walking(state):
            # the walk: σ held up while the floor falls from sigma0 to zero
            floor = state.memory["sigma0"] * (1.0 - state.memory["nfev"]
                                              / state.memory["walk_end"])
            st.sigma = st.sigma.clamp_min(floor)
        state.memory["core"] = st
        state.x = st.x.cpu().numpy() if st.x.device.type != "cpu" else st.x.numpy()
        state.fx = st.fx
        return state

    @staticmethod
    def _walking(state) -> bool:
        """Whether the run is in its walk (option ``walk``): the probe found the
        landscape rugged and the walk's share of the budget is not yet spent."""
        walk_end = state.memory.get("walk_end")
        return bool(walk_end) and state.memory["nfev"] < walk_end

    def _ask_probe(self, state):
        """The ruggedness probe's points (option ``walk``); ``None``, and no probe, where
        ``x0`` lies on a bound (no line through it has room inside the bounds)."""
        mem = state.memory
        center = mem["core"].fx is None
        X, h = probe_points(mem["x0"], mem["sigma0"], mem["probe_rng"], state.lb, state.ub,
                            with_center=center)
        if not (h > 0).any():
            del mem["probe_rng"]
            mem["ruggedness"] = 0.0
            return None
        repeat = mem.pop("check_noise", False)
        if repeat:  # x0 once more, last: the noise check (option noisy)
            X = np.concatenate([X, mem["x0"][None, :]])
        X.flags.writeable = False
        state.pending = {"X": X, "probe_h": h, "center": center, "repeat": repeat}
        return X

    @staticmethod
    def _check_noise(state, f0: float, F: np.ndarray) -> np.ndarray:
        """The noise check (option ``noisy``): the run is noisy where ``x0``'s second
        value, ``F``'s last, differs from ``f0`` (two NaNs, or two infs of a sign,
        agree). Returns ``F`` without it."""
        again = float(F[-1])
        mem = state.memory
        mem["noisy"] = mem["noisy"] or not (again == f0 or (math.isnan(again)
                                                            and math.isnan(f0)))
        return F[:-1]

    def _tell_probe(self, state, X, F, p):
        """Decide from the probe's values whether the run walks; the probe's points count
        as evaluated (the best of them, and ``x0``'s value)."""
        mem = state.memory
        del mem["probe_rng"]
        nets = self._for_dim(state.x.size)
        i = int(p["center"])
        f0 = float(F[0]) if p["center"] else mem["core"].fx
        if p["repeat"]:
            X, F = X[:-1], self._check_noise(state, f0, F)
        mem["ruggedness"] = ruggedness(f0, F[i:], p["probe_h"])
        if mem["ruggedness"] > RUGGED_RATIO:
            mem["walk_end"] = WALK_BUDGET_FRAC * state.budget
        if RESTART_KINDS[resolve_restarts(nets.restarts, state.x.size, state.budget)][1]:
            self._track_best(state, X, F)
        x, fx = mem["x0"], f0
        j = None if math.isfinite(f0) else _best_finite(F[i:])
        if j is not None:
            # as after a first iteration: from the best finite point evaluated
            x, fx = np.array(X[i + j]), float(F[i + j])
        if p["center"] and math.isfinite(fx):
            # the run starts as one told f(x): its first ask needs no centre
            mem["core"] = self._start(state, nets, x, mem["sigma0"], fx=fx)
            state.x, state.fx = x.copy(), fx
        return state

    def _stalled(self, state, fx: float) -> bool:
        """Whether the run's iterate has not improved for ``10 + 30 d / q`` iterations
        (IPOP-CMA-ES's history length)."""
        mem = state.memory
        best = mem.get("run_best")
        if best is None or fx < best - 1e-12 * abs(best):
            mem["run_best"], mem["run_best_nit"] = fx, state.nit
            return False
        n, q = state.x.size, mem["q"]
        return state.nit - mem["run_best_nit"] > 10 + math.ceil(30 * n / q)

    def _restart(self, state, nets):
        """A fresh run of the networks from a start drawn around ``x0``."""
        mem = state.memory
        x0 = mem["x0"]
        mem["restarts"] += 1
        mem.pop("run_best", None)
        mem["run_sigma0"] = mem["sigma0"]
        x = np.clip(x0 + mem["sigma0"] * state.rng.standard_normal(x0.size),
                    state.lb, state.ub)
        return self._start(state, nets, x, mem["sigma0"])

    @staticmethod
    def _track_best(state, X, F):
        """Keep the best point evaluated so far, and the iteration it came in."""
        j = _best_finite(F)
        if j is None:
            return
        mem = state.memory
        if mem.get("best_f") is None or F[j] < mem["best_f"]:
            mem["best_x"], mem["best_f"], mem["best_nit"] = np.array(X[j]), float(F[j]), state.nit

    @staticmethod
    def _collapsed(state, st) -> bool:
        """Whether σ has fallen below ``RETURN_SIGMA_FRAC`` times the step size the run
        (or its last restart) started from and the best value has not improved for
        ``RETURN_PATIENCE`` iterations (since the last return)."""
        mem = state.memory
        start = mem.get("run_sigma0", mem["sigma0"])
        return (mem.get("best_f") is not None
                and float(st.sigma) < RETURN_SIGMA_FRAC * start
                and state.nit - mem["best_nit"] >= RETURN_PATIENCE)

    def _return_to_best(self, state, nets, local: bool = False):
        """A fresh run of the networks from the best point evaluated so far: from
        ``sigma0``, or with ``local`` (``local_returns``) from ``RETURN_SHRINK sigma0``
        when the best point has not improved since a return that started at
        ``sigma0``."""
        mem = state.memory
        mem["restarts"] += 1
        mem["best_nit"] = state.nit  # patience counts again from the return
        sigma = mem["sigma0"]
        if (local and mem.get("return_f") is not None and mem["best_f"] >= mem["return_f"]
                and mem.get("run_sigma0", sigma) == sigma):
            sigma = RETURN_SHRINK * mem["sigma0"]
        mem["return_f"], mem["run_sigma0"] = mem["best_f"], sigma
        return self._start(state, nets, mem["best_x"].copy(), sigma, fx=mem["best_f"])

    def diagnostics(self, state) -> dict[str, np.ndarray | float]:
        """The learned optimizer's view of a run, as NumPy copies (for analysis).

        Returns
        -------
        dict
            ``"sigma"`` (the step size), ``"query_std"`` (the QueryRNN's last
            per-coordinate standard deviations, ``None`` before the first ask),
            ``"normalized_estimate"`` (the last ``ĝ / RMS(ĝ)`` that the QueryRNN reads
            next) and ``"step"`` (the last step in units of σ).
        """
        import torch

        st = state.memory["core"]

        def arr(t):
            return None if t is None else t.detach().to("cpu", torch.float64).numpy()

        return {"sigma": float(st.sigma), "query_std": arr(st.query_std),
                "normalized_estimate": arr(st.a_prev), "step": arr(st.dxn_prev)}

    def extras(self, state):
        return {"sigma": float(state.memory["core"].sigma), "weights": str(self.weights),
                "networks": self._for_dim(state.x.size).name, "device": str(self.device),
                "restarts": state.memory.get("restarts"),
                "ruggedness": state.memory.get("ruggedness"),
                "walk": state.memory.get("walk_end") is not None,
                "noisy": bool(state.memory.get("noisy"))}

    def __repr__(self):
        parts = "".join(f", d={lo}..{'' if hi is None else hi}: {nets!r}"
                        for lo, hi, nets in self._parts)
        return (f"L2LZO(weights={self.weights!r}, q={self.q!r}, accept={self.accept!r}, "
                f"directions={self.directions!r}, sampler={self.sampler!r}, "
                f"update={self.update!r}, device={str(self.device)!r}{parts})")
