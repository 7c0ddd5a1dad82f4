"""The ``"auto"`` rules of the learned optimizer: how many query directions it draws
per iteration (``q``), which new iterates it keeps (``accept``) and how it draws the
directions of an iteration together (``directions``), by dimension.

Torch-free: the weights manifest reader checks options against these rules.

Few queries per iteration mean more iterations for the same evaluations, which pays
at small ``d``; at large ``d`` a noisy estimate costs more than the extra iterations
bring. The rule is ``q = min(Q_MIN, d)`` below ``AUTO_MAX_D`` coordinates and
``Q_MAX`` from there on (research log, tenth round: below 100 the fewer queries, with
the elitist ``accept="auto"``, won on every validation set; at 100 they lost on the
paper's classification task; twenty-fifth round: below d = 5, one query per
coordinate, a single complete orthogonal block, won on fresh sets). ``accept="auto"``
is the elitist rule below ``AUTO_MAX_D`` and the elitist rule until two improvements in
a row from there on (thirteenth and thirty-second rounds).
``directions="auto"`` draws orthogonal directions below ``DIRECTIONS_AUTO_MAX_D``
(seventeenth and fifty-seventh rounds). ``restarts="auto"`` starts the networks afresh
once the iterate stalls, below ``RESTARTS_AUTO_MAX_D`` (twenty-sixth round), and
returns to the best point once σ has collapsed, from ``RESTARTS_BOTH_MIN_D``
(twenty-ninth round; from ``RESTARTS_AUTO_MAX_D`` on alone, twenty-seventh round),
below it only from a plateau (thirty-first round), as also up to
``RESTARTS_AUTO_MAX_D`` with a budget of at least ``PLATEAU_BUDGET_PER_D`` evaluations
per coordinate (thirty-fifth round).
``speculative="auto"`` evaluates a new iterate alone while it may be undone from
``SPECULATIVE_AUTO_MIN_D`` to below ``AUTO_MAX_D`` (thirty-eighth round), and
``step_beta1="auto"`` has the step follow a shorter mean of the estimates than the one
the networks read from ``STEP_BETA1_SIGMA_MAX_D`` (fortieth round), and from
``STEP_BETA1_AUTO_MIN_D`` once σ is below ``STEP_BETA1_SIGMA_FRAC`` of its start
(forty-first and forty-second rounds). ``sigma_down="auto"`` shrinks σ harder after
a deterioration from ``SIGMA_DOWN_SIGMA_MID_MAX_D`` once σ is below
``SIGMA_DOWN_SIGMA_FRAC`` of its start (forty-fourth and forty-fifth rounds), and from
``SIGMA_DOWN_AUTO_MIN_D`` once σ is below ``SIGMA_DOWN_SIGMA_FRAC_MID`` of its start
(forty-sixth and forty-seventh rounds). ``covariance="auto"`` draws the queries from
a covariance adapted to the run below ``COVARIANCE_AUTO_MAX_D`` (fifty-first round).
``noisy="auto"`` evaluates ``x0`` twice below ``NOISE_CHECK_MAX_D``, and the run
differences over a wider radius where the two values differ (fifty-fifth and
fifty-sixth rounds). With a known
budget, :func:`budget_q` may raise ``q`` so that a run makes at most about
``BUDGET_ITERATIONS`` iterations (an option of ``l2l-zo``, off by default:
twenty-second round).
"""

from __future__ import annotations

import math

__all__ = [
    "BETA1",
    "STEP_BETA1_AUTO_MIN_D",
    "STEP_BETA1_LARGE_D",
    "STEP_BETA1_SIGMA_FRAC",
    "STEP_BETA1_SIGMA_MAX_D",
    "resolve_step_beta1",
    "resolve_step_beta1_sigma",
    "SIGMA_DOWN_AUTO_MIN_D",
    "SIGMA_DOWN_LARGE_D",
    "SIGMA_DOWN_TRAINED",
    "resolve_sigma_down",
    "SIGMA_DOWN_SIGMA_FRAC",
    "SIGMA_DOWN_SIGMA_FRAC_MID",
    "SIGMA_DOWN_SIGMA_MID_MAX_D",
    "resolve_sigma_down_sigma",
    "ACCEPT",
    "ACCEPT_AUTO_MAX_D",
    "AUTO_MAX_D",
    "BUDGET_ITERATIONS",
    "BUDGET_Q_MAX",
    "DIRECTIONS",
    "DIRECTIONS_AUTO_MAX_D",
    "Q_MAX",
    "Q_MIN",
    "budget_q",
    "default_q",
    "resolve_accept",
    "resolve_directions",
    "resolve_q",
    "resolve_restarts",
    "RESTARTS",
    "RESTART_KINDS",
    "RESTARTS_AUTO_MAX_D",
    "RESTARTS_BOTH_MIN_D",
    "RETURN_PATIENCE",
    "RETURN_SHRINK",
    "RETURN_SIGMA_FRAC",
    "PLATEAU_BUDGET_PER_D",
    "PLATEAU_FRAC",
    "START_STREAK",
    "SPECULATIVE_AUTO_MIN_D",
    "resolve_speculative",
    "COVARIANCE_AUTO_MAX_D",
    "resolve_covariance",
    "WALK_AUTO_MIN_D",
    "WALK_AUTO_MAX_D",
    "resolve_walk",
]

#: Below this dimension the ``"auto"`` rules choose few queries and the elitist rule.
AUTO_MAX_D = 100
#: Directions per iteration below (at most; ``d`` when fewer) and from ``AUTO_MAX_D``.
Q_MIN, Q_MAX = 5, 20

#: Which new iterates are kept: every one (the paper), only those not worse than the
#: previous iterate (an elitist rule, as in (1+1) evolution strategies), the elitist
#: rule until the first improvement on the start and every one after it
#: ("elitist-start"), the same until START_STREAK kept iterates in a row have improved
#: ("elitist-streak"), or "auto": "improving" below ACCEPT_AUTO_MAX_D coordinates and
#: "elitist-streak" from there on.
ACCEPT = ("always", "improving", "elitist-start", "elitist-streak", "auto")
#: accept="elitist-streak": improving iterates in a row that end the elitist start. One
#: lucky improvement while σ is still far too large let the momentum of the first
#: steps carry the iterate away (BBOB at d = 500: a sixth of the budget spent coming
#: back); two in a row won on fresh BBOB instances from d = 100 to 1,000 and changed
#: no classification run (research log, thirty-second round).
START_STREAK = 2
#: From this dimension on, accept="auto" keeps every iterate once the start is left
#: behind: in validation the elitist rule paid on BBOB and on the classification task
#: below d = 100 and cost on the classification task from d = 100 on (research log,
#: fifth and tenth rounds); the elitist start won there (thirteenth round), ended by
#: two improvements in a row rather than one (thirty-second round).
ACCEPT_AUTO_MAX_D = AUTO_MAX_D

#: How the directions of one iteration are drawn together: independently (the paper),
#: or "orthogonal": each block of up to d directions orthonormal, scaled to length
#: √d (orthogonal evolution strategies; no cross-talk between the directions of a
#: block), or "auto".
DIRECTIONS = ("independent", "orthogonal", "auto")
#: Below this dimension directions="auto" draws orthogonal directions: below d = 20
#: from the seventeenth round; from 20 to 49, with the query covariance that runs there,
#: they won on fresh BBOB instances and the families (fifty-seventh round); from d = 50,
#: without it, they did not in exploration (research log).
DIRECTIONS_AUTO_MAX_D = 50


#: speculative="auto" evaluates a new iterate alone while the elitist rule may undo it
#: from this dimension to below AUTO_MAX_D (one evaluation for an undone iterate rather
#: than q + 1): it converged faster there on fresh BBOB instances, and on the training
#: families, by per-draw differences clipped to one decade, it did no worse (a few
#: classification-like draws more ended on a plateau); below, its gain was chance, and
#: from AUTO_MAX_D only the start can undo an iterate (research log, thirty-sixth to
#: thirty-eighth rounds).
SPECULATIVE_AUTO_MIN_D = 40

#: Decay of the first moment of the normalised estimate the UpdateRNN reads (Adam's
#: beta1): the value every bundled set was trained with.
BETA1 = 0.9
#: step_beta1="auto": from this dimension on, the step follows a running mean of the
#: normalised estimates of decay STEP_BETA1_LARGE_D, while the networks read the trained
#: one: at large d an estimate from 10 or 20 queries is mostly noise, and a step that
#: follows the latest ones more closely converged faster (research log, thirty-ninth to
#: forty-second rounds). Below STEP_BETA1_SIGMA_MAX_D it does so only once σ is below
#: STEP_BETA1_SIGMA_FRAC of its start: the classification problems that a run takes deep
#: there accelerate along the longer memory while σ is large. Below STEP_BETA1_AUTO_MIN_D
#: the shorter mean did not pay.
STEP_BETA1_AUTO_MIN_D = 60
STEP_BETA1_SIGMA_MAX_D = 300
STEP_BETA1_SIGMA_FRAC = 0.5
STEP_BETA1_LARGE_D = 0.7

#: The prior shrink of σ after a deterioration that every bundled set was trained with
#: (in tanh units; ``zominimize.learned.core.SIGMA_DOWN``).
SIGMA_DOWN_TRAINED = 0.4
#: sigma_down="auto": from this dimension on, the harder shrink SIGMA_DOWN_LARGE_D once
#: σ is below a share of its start: it won on fresh BBOB instances at d = 100 to 1,000
#: with the classification draws level; from the start it lost the linear slope's race
#: to its boundary and cost the classification draws (research log, thirty-third,
#: thirty-fourth and forty-third to forty-sixth rounds).
SIGMA_DOWN_AUTO_MIN_D = 100
SIGMA_DOWN_LARGE_D = 1.0
#: ... the share from SIGMA_DOWN_SIGMA_MID_MAX_D on (forty-fourth and forty-fifth rounds);
SIGMA_DOWN_SIGMA_FRAC = 0.5
#: ... and below it, once σ is below its start: a tenth (forty-sixth round) left the
#: classification draws as they were and most of the gain on the table (forty-seventh).
SIGMA_DOWN_SIGMA_MID_MAX_D = 300
SIGMA_DOWN_SIGMA_FRAC_MID = 1.0

#: Whether a run starts afresh once it stalls: never (False), from a new point around x0
#: once its iterate stalls (True), from its best point once σ has collapsed and the
#: best has stalled ("best"), either of the two, whichever comes first ("both"), the
#: same with the return only on a plateau ("plateau"; PLATEAU_FRAC), or "auto".
RESTARTS = (False, True, "best", "both", "plateau", "auto")
#: Below this dimension restarts="auto" restarts from a new point: on fresh BBOB
#: instances it paid at d = 2 and 5, by little at 10 and 20, and never triggered at 40
#: within 4,200 evaluations (research log, twenty-sixth round). From it on, "auto"
#: returns to the best point ("best"): it paid at every d from 50 to 1,000, most at 50
#: and 100, and left the training families level (twenty-seventh round).
RESTARTS_AUTO_MAX_D = 50
#: From this dimension up to RESTARTS_AUTO_MAX_D, restarts="auto" does both ("both"):
#: the return paid there on the step ellipsoid; below it, it cut slowly converging runs
#: (f6 at d = 4 and 5), so there "auto" returns only from a plateau ("plateau"), which
#: kept the gain on the step ellipsoid and spared them (research log, twenty-eighth to
#: thirty-first rounds).
RESTARTS_BOTH_MIN_D = 10


#: restarts="best": a run returns to its best point once σ is below this fraction of
#: sigma0 and the best value has not improved for RETURN_PATIENCE iterations; a
#: collapsed σ alone also stops converging runs (explored after the twenty-sixth round).
RETURN_SIGMA_FRAC = 1e-2
RETURN_PATIENCE = 30
#: local_returns: a return to a best point that has not improved since the previous
#: return, which started at sigma0, starts at this multiple of sigma0 unless the last
#: queries tie with the iterate (a plateau). At RETURN_SIGMA_FRAC it goes on from the
#: step size whose collapse set it off, instead of repeating a cycle whose large steps
#: all missed a narrow basin around the best point (research log, fifty-second round);
#: the return after it starts at sigma0 again.
RETURN_SHRINK = RETURN_SIGMA_FRAC
#: restarts="plateau": the return needs, besides, at least this fraction of the last
#: iteration's queries to have returned exactly the iterate's value (a flat region, as
#: on a step function), so that a run still converging is never sent back to sigma0.
PLATEAU_FRAC = 0.5
#: restarts="auto" from RESTARTS_BOTH_MIN_D to below RESTARTS_AUTO_MAX_D is "plateau"
#: when the run's budget is at least this many evaluations per coordinate: a long run
#: otherwise sends a slowly converging iterate back to sigma0 again and again (the
#: attractive sector at 20,000 evaluations; research log, thirty-fifth round).
PLATEAU_BUDGET_PER_D = 1000


#: What each resolved restart rule does once it fires: (start afresh around x0 once the
#: iterate stalls, return to the best point once σ has collapsed).
RESTART_KINDS = {False: (False, False), True: (True, False), "best": (False, True),
                 "both": (True, True), "plateau": (True, True)}


def resolve_restarts(restarts: bool | str, d: int, budget: int | None = None) -> bool | str:
    """The restart rule a ``d``-dimensional run of ``budget`` evaluations (``None``:
    unknown) follows: ``False``, ``True``, ``"best"``, ``"both"`` or ``"plateau"``;
    ``"auto"`` is ``"plateau"`` below ``RESTARTS_BOTH_MIN_D``, ``"both"`` from there to
    below ``RESTARTS_AUTO_MAX_D`` (``"plateau"`` there too with a budget of at least
    ``PLATEAU_BUDGET_PER_D * d``), ``"best"`` from there."""
    if restarts == "auto":
        if d >= RESTARTS_AUTO_MAX_D:
            return "best"
        if d < RESTARTS_BOTH_MIN_D or (budget is not None
                                       and budget >= PLATEAU_BUDGET_PER_D * d):
            return "plateau"
        return "both"
    return restarts if restarts in ("best", "both", "plateau") else bool(restarts)


def default_q(d: int) -> int:
    """Query directions per iteration for a ``d``-dimensional problem: ``min(Q_MIN, d)``
    below ``AUTO_MAX_D`` (below d = 5 one per coordinate, so that an iteration is one
    complete block of orthogonal directions), ``Q_MAX`` from there on."""
    return min(Q_MIN, d) if d < AUTO_MAX_D else Q_MAX


def resolve_q(q: int | str, d: int) -> int:
    """``q`` itself, or :func:`default_q` of ``d`` when ``q`` is ``"auto"``."""
    return default_q(d) if q == "auto" else int(q)


#: l2l-zo's q_budget: with a known budget, below AUTO_MAX_D, enough queries per
#: iteration to make at most about BUDGET_ITERATIONS iterations, up to BUDGET_Q_MAX. On
#: training draws at 10,000 and 20,000 evaluations 9 or 10 queries did better than the
#: default's 5; on fresh BBOB instances at d = 5 they lost, so it is off by default
#: (research log, twenty-second round).
BUDGET_ITERATIONS = 1000
BUDGET_Q_MAX = 10


def budget_q(q: int, budget: int | None, d: int) -> int:
    """``q`` raised so that ``budget`` evaluations make at most about
    ``BUDGET_ITERATIONS`` iterations of ``q + 1``, up to ``BUDGET_Q_MAX`` and never
    below ``q``; ``q`` itself when the budget is unknown or ``d >= AUTO_MAX_D``."""
    if budget is None or d >= AUTO_MAX_D:
        return int(q)
    return max(int(q), min(BUDGET_Q_MAX, math.ceil(budget / BUDGET_ITERATIONS) - 1))


def resolve_directions(directions: str, d: int) -> str:
    """``directions`` itself, or the rule ``"auto"`` picks for ``d`` coordinates."""
    if directions == "auto":
        return "orthogonal" if d < DIRECTIONS_AUTO_MAX_D else "independent"
    return directions


#: covariance="auto" adapts the query covariance below this dimension, where the
#: default's own networks run: it won on fresh BBOB instances at every d from 2 to 40,
#: by most at 2 and 5, with the training families' draws level (research log,
#: fifty-first round); the eigendecomposition costs O(d³) a step.
COVARIANCE_AUTO_MAX_D = 50


def resolve_covariance(covariance: bool | str, d: int) -> bool:
    """``covariance`` itself, or the rule ``"auto"`` picks for ``d`` coordinates:
    ``True`` below ``COVARIANCE_AUTO_MAX_D``."""
    if covariance == "auto":
        return d < COVARIANCE_AUTO_MAX_D
    return bool(covariance)


#: walk="auto" probes for ruggedness from WALK_AUTO_MIN_D to below WALK_AUTO_MAX_D: on
#: BBOB at d = 2 the default's restarts already solve the skew Rastrigin f4, which a walk
#: lost; from d = 50 other networks run (research log, fifty-third round).
WALK_AUTO_MIN_D = 5
WALK_AUTO_MAX_D = COVARIANCE_AUTO_MAX_D


def resolve_walk(walk: bool | str, d: int) -> bool:
    """``walk`` itself, or the rule ``"auto"`` picks for ``d`` coordinates: ``True``
    from ``WALK_AUTO_MIN_D`` to below ``WALK_AUTO_MAX_D``."""
    if walk == "auto":
        return WALK_AUTO_MIN_D <= d < WALK_AUTO_MAX_D
    return bool(walk)


#: noisy="auto" checks for noise (x0 evaluated twice) below NOISE_CHECK_MAX_D: a
#: noisy run's wider radius gained on COCO's noisy functions up to d = 200 and was
#: level at 300 and worse at 500 (research log, fifty-sixth round).
NOISE_CHECK_MAX_D = 300


def resolve_noise_check(noisy: bool | str, d: int) -> bool:
    """Whether a run checks its values for noise (``noisy="auto"`` below
    ``NOISE_CHECK_MAX_D``): ``x0`` evaluated a second time."""
    return noisy == "auto" and d < NOISE_CHECK_MAX_D


def resolve_speculative(speculative: bool | str, d: int) -> bool:
    """``speculative`` itself, or the rule ``"auto"`` picks for ``d`` coordinates:
    ``False`` (a new iterate evaluated alone while it may be undone) from
    ``SPECULATIVE_AUTO_MIN_D`` to below ``AUTO_MAX_D``, ``True`` elsewhere."""
    if speculative == "auto":
        return not SPECULATIVE_AUTO_MIN_D <= d < AUTO_MAX_D
    return bool(speculative)


def resolve_step_beta1(step_beta1: float | str | None, d: int) -> float | None:
    """``step_beta1`` itself (``None``: the step follows the networks' mean), or the
    rule ``"auto"`` picks for ``d`` coordinates: ``STEP_BETA1_LARGE_D`` from
    ``STEP_BETA1_AUTO_MIN_D`` on, ``None`` below."""
    if step_beta1 == "auto":
        return STEP_BETA1_LARGE_D if d >= STEP_BETA1_AUTO_MIN_D else None
    return None if step_beta1 is None else float(step_beta1)


def resolve_step_beta1_sigma(step_beta1: float | str | None,
                             step_beta1_sigma: float | None, d: int) -> float | None:
    """``step_beta1_sigma`` where given; else the share of its start that σ must be
    below for the step to follow the second mean under ``step_beta1="auto"``:
    ``STEP_BETA1_SIGMA_FRAC`` from ``STEP_BETA1_AUTO_MIN_D`` to below
    ``STEP_BETA1_SIGMA_MAX_D``, ``None`` (always) elsewhere."""
    if step_beta1_sigma is not None:
        return float(step_beta1_sigma)
    if step_beta1 == "auto" and STEP_BETA1_AUTO_MIN_D <= d < STEP_BETA1_SIGMA_MAX_D:
        return STEP_BETA1_SIGMA_FRAC
    return None


def resolve_sigma_down(sigma_down: float | str, d: int) -> float:
    """``sigma_down`` itself, or the shrink ``"auto"`` picks for ``d`` coordinates:
    ``SIGMA_DOWN_LARGE_D`` from ``SIGMA_DOWN_AUTO_MIN_D`` on, ``SIGMA_DOWN_TRAINED``
    below."""
    if sigma_down == "auto":
        return SIGMA_DOWN_LARGE_D if d >= SIGMA_DOWN_AUTO_MIN_D else SIGMA_DOWN_TRAINED
    return float(sigma_down)


def resolve_sigma_down_sigma(sigma_down: float | str, sigma_down_sigma: float | None,
                             d: int) -> float | None:
    """``sigma_down_sigma`` where given; else the share of its start that σ must be
    below for the harder shrink under ``sigma_down="auto"``: ``SIGMA_DOWN_SIGMA_FRAC``
    from ``SIGMA_DOWN_SIGMA_MID_MAX_D`` on, ``SIGMA_DOWN_SIGMA_FRAC_MID`` from
    ``SIGMA_DOWN_AUTO_MIN_D`` to below it, ``None`` (always) elsewhere."""
    if sigma_down_sigma is not None:
        return float(sigma_down_sigma)
    if sigma_down == "auto" and d >= SIGMA_DOWN_SIGMA_MID_MAX_D:
        return SIGMA_DOWN_SIGMA_FRAC
    if sigma_down == "auto" and d >= SIGMA_DOWN_AUTO_MIN_D:
        return SIGMA_DOWN_SIGMA_FRAC_MID
    return None


def resolve_accept(accept: str, d: int) -> str:
    """``accept`` itself, or the rule ``"auto"`` picks for ``d`` coordinates."""
    if accept == "auto":
        return "improving" if d < ACCEPT_AUTO_MAX_D else "elitist-streak"
    return accept
