"""Named problems (for benchmarks) and named families (for meta-training and evaluation).

Every named problem is one fixed instance: its randomness comes from a fixed seed,
so a name means the same function on every machine and in every run.

Families are split by purpose. Weight sets are trained on ``TRAINING_FAMILIES``,
checkpoints are selected on ``VALIDATION_FAMILIES`` (and on fresh seeds of the
training families, never on the families a result is reported on), and
``HELD_OUT_FAMILIES`` are only for reporting how a learned optimizer generalizes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._attack import AttackFamily, attack_problem
from ._base import Family, Problem
from ._classic import (
    Ackley,
    AckleyFamily,
    AlpineFamily,
    Levy,
    LevyFamily,
    PeaksFamily,
    Quadratic,
    QuadraticFamily,
    Rastrigin,
    RastriginFamily,
    Rosenbrock,
    RosenbrockFamily,
    SalomonFamily,
    Sphere,
    StyblinskiTang,
    StyblinskiTangFamily,
)
from ._classification import (
    BinaryClassification,
    ClassificationFamily,
    LogisticRegression,
    LogisticRegressionFamily,
)
from ._random import Range
from ._smallnet import SmallNet, SmallNetFamily
from ._transforms import MixtureFamily, NoisyFamily, RandomScaleFamily, WarpFamily

__all__ = [
    "HELD_OUT_FAMILIES",
    "TRAINING_FAMILIES",
    "VALIDATION_FAMILIES",
    "general_family",
    "get_family",
    "get_problem",
    "list_families",
    "list_problems",
]

_SEED = 2020  # instance seed of the named problems


def _preset(build: Callable[..., Problem], **defaults: object) -> Callable[..., Problem]:
    """A factory calling ``build`` with ``defaults``, overridden by its keyword arguments."""

    def factory(**options: object) -> Problem:
        return build(**{**defaults, **options})

    return factory


def _uniform(dim: int, low: float, high: float) -> np.ndarray:
    return np.random.default_rng(_SEED).uniform(low, high, dim)


# The textbook Rosenbrock start (-1.2, 1, -1.2, 1, ...).
_ROSENBROCK_X0 = {d: np.where(np.arange(d) % 2 == 0, -1.2, 1.0) for d in (10, 100)}

# name -> factory; the keyword arguments of get_problem override the defaults.
_PROBLEMS: dict[str, Callable[..., Problem]] = {
    "classification-100": _preset(BinaryClassification, dim=100, rng=_SEED),
    "classification-1000": _preset(BinaryClassification, dim=1000, rng=_SEED),
    "attack": _preset(attack_problem, index=0, split="test"),
    "rosenbrock-10": _preset(Rosenbrock, dim=10, x0=_ROSENBROCK_X0[10]),
    "rosenbrock-100": _preset(Rosenbrock, dim=100, x0=_ROSENBROCK_X0[100]),
    "sphere-10": _preset(Sphere, dim=10),
    "quadratic-100": _preset(Quadratic, dim=100, rng=_SEED),
    "quadratic-ill-100": _preset(Quadratic, dim=100, cond=1e4, rotate=True, rng=_SEED),
    "quadratic-ill-1000": _preset(Quadratic, dim=1000, cond=1e4, rotate=True, rng=_SEED),
    "rastrigin-10": _preset(Rastrigin, dim=10, x_opt=_uniform(10, -3.0, 3.0)),
    "ackley-10": _preset(Ackley, dim=10, x_opt=_uniform(10, -3.0, 3.0)),
    "styblinski-10": _preset(StyblinskiTang, dim=10),
    "levy-10": _preset(Levy, dim=10, x_opt=1.0 + _uniform(10, -2.0, 2.0)),
    "logistic-100": _preset(LogisticRegression, dim=100, reg=1e-3, cond=10.0, rng=_SEED),
    "smallnet-100": _preset(SmallNet, in_dim=7, hidden=11, rng=_SEED),  # d = 11 * 9 + 1
}


def list_problems() -> list[str]:
    """Names accepted by :func:`get_problem`, sorted."""
    return sorted(_PROBLEMS)


def get_problem(name: str, **options: object) -> Problem:
    """Build a named problem.

    Parameters
    ----------
    name : str
        One of :func:`list_problems`, e.g. ``"classification-100"``, ``"attack"``,
        ``"rosenbrock-10"``, ``"quadratic-ill-100"``, ``"rastrigin-10"``.
    **options
        Override the named instance's parameters where its constructor takes them
        (e.g. ``get_problem("attack", index=3)``).

    Returns
    -------
    Problem
    """
    try:
        factory = _PROBLEMS[name]
    except KeyError:
        raise ValueError(f"unknown problem {name!r}; known: {', '.join(list_problems())}") from None
    return factory(**options)


def general_family(dim: Range = (10, 200), multimodal: bool = False) -> Family:
    """The broad, randomly scaled training family of the default weights
    (``"general-wide"``: this mixture at ``dim=(10, 1000)``).

    A :class:`MixtureFamily` under :class:`RandomScaleFamily` (``f`` scaled by
    1e-3..1e3, ``x`` by 1e-2..1e2): well- and ill-conditioned quadratics (half
    rotated), Rosenbrock valleys, the paper's classification losses, logistic
    regression, small-network losses, Rastrigin, and noisy quadratics and
    classification losses. Ackley, Styblinski-Tang, Levy and the attack are left out
    (see ``HELD_OUT_FAMILIES``).

    Parameters
    ----------
    dim : int or (int, int), default (10, 200)
        Dimension range of the components (the small networks keep their own
        41..301); the default is modest because meta-training runs on CPUs.
    multimodal : bool, default False
        Add two more multimodal components, Salomon (a rippled radial funnel) and
        Alpine N.1 (non-smooth, separable), each with Rastrigin's weight
        (``"general-wide-mm"``).
    """
    quadratic = QuadraticFamily(dim=dim, cond=(1.0, 1e4), rotate=0.5)
    classification = ClassificationFamily(dim=dim)
    mixture = MixtureFamily(
        [
            (QuadraticFamily(dim=dim, cond=(1.0, 10.0), rotate=0.5), 1.0),
            (quadratic, 2.0),
            (RosenbrockFamily(dim=dim), 1.0),
            (classification, 2.0),
            (LogisticRegressionFamily(dim=dim), 1.0),
            (SmallNetFamily(), 1.0),
            (RastriginFamily(dim=dim), 0.5),
            (NoisyFamily(quadratic), 0.5),
            (NoisyFamily(classification), 0.5),
            *([(SalomonFamily(dim=dim), 0.5), (AlpineFamily(dim=dim), 0.5)]
              if multimodal else []),
        ],
        name="general-mixture-mm" if multimodal else "general-mixture",
    )
    family = RandomScaleFamily(mixture)
    family.name = "general"
    return family


def bbob_like_family(dim: Range = (2, 500)) -> Family:
    """A training family shaped like the difficulties of the BBOB suite, built only from
    this package's own problems (no BBOB function is in it).

    The mixture of :func:`general_family` from ``d = 2``, with conditioning up to 1e6
    and three eigenvalue shapes (log-spaced, one steep direction, one flat direction),
    optima two units from the start, more multimodal components (Rastrigin, Salomon,
    Alpine N.1), half of every problem's values passed through a random monotone
    power (:class:`~zominimize.problems.Warped`), and random scales of ``f`` and ``x``.

    Parameters
    ----------
    dim : int or (int, int), default (2, 500)
        Dimension range (the classification losses start at 10, the small networks
        keep their own 41..301).
    """
    lo, hi = (dim, dim) if isinstance(dim, int) else dim
    wide = QuadraticFamily(dim=dim, cond=(1.0, 1e6), rotate=0.5, shift=2.0,
                           spectra=("log", "one-large", "one-small"))
    classification = ClassificationFamily(dim=(max(10, lo), max(10, hi)))
    mixture = MixtureFamily(
        [
            (QuadraticFamily(dim=dim, cond=(1.0, 10.0), rotate=0.5, shift=2.0), 1.0),
            (wide, 3.0),
            (RosenbrockFamily(dim=(max(2, lo), max(2, hi))), 1.0),
            (classification, 1.0),
            (LogisticRegressionFamily(dim=(max(10, lo), max(10, hi))), 0.5),
            (SmallNetFamily(), 0.5),
            (RastriginFamily(dim=dim), 0.5),
            (SalomonFamily(dim=dim), 0.5),
            (AlpineFamily(dim=dim), 0.5),
            (NoisyFamily(wide), 0.5),
            (NoisyFamily(classification), 0.5),
        ],
        name="bbob-like-mixture",
    )
    family = RandomScaleFamily(MixtureFamily([(mixture, 1.0), (WarpFamily(mixture), 1.0)],
                                             name="bbob-like-warped"))
    family.name = "bbob-like"
    return family


_FAMILIES: dict[str, Callable[..., Family]] = {
    "general": general_family,
    # the same mixture up to d = 1000 (meta-training beyond the default's 10..200)
    "general-wide": lambda **kw: _renamed(general_family(**{"dim": (10, 1000), **kw}),
                                          "general-wide"),
    # with more multimodal components (Salomon, Alpine), none of them held out
    "general-wide-mm": lambda **kw: _renamed(
        general_family(**{"dim": (10, 1000), "multimodal": True, **kw}), "general-wide-mm"),
    # the difficulties of BBOB from the package's own problems (bbob_like_family)
    "bbob-like": bbob_like_family,
    "classification": ClassificationFamily,
    # the paper's task over a range of dimensions (the "classification" weights)
    "classification-train": lambda **kw: ClassificationFamily(**{"dim": (50, 1000), **kw}),
    "quadratic": QuadraticFamily,
    "rosenbrock": RosenbrockFamily,
    "rastrigin": RastriginFamily,
    "salomon": SalomonFamily,
    # random Gaussian peaks, as COCO's Gallagher functions are built
    "peaks": PeaksFamily,
    "alpine": AlpineFamily,
    "logistic": LogisticRegressionFamily,
    "smallnet": SmallNetFamily,
    "attack-train": lambda **kw: AttackFamily("train", **kw),
    "attack-val": lambda **kw: AttackFamily("val", **kw),
    "attack-test": lambda **kw: AttackFamily("test", **kw),
    "ackley": AckleyFamily,
    "styblinski": StyblinskiTangFamily,
    "levy": LevyFamily,
}

# Meta-train on these ("general-wide" for the default weights, "attack-train" for the
# attack weights, the others for specialised weights or curricula).
TRAINING_FAMILIES = (
    "bbob-like",
    "general",
    "general-wide",
    "general-wide-mm",
    "attack-train",
    "classification-train",
    "classification",
    "quadratic",
    "rosenbrock",
    "rastrigin",
    "salomon",
    "peaks",
    "alpine",
    "logistic",
    "smallnet",
)
# Select checkpoints on these, and on fresh seeds of the training family.
VALIDATION_FAMILIES = ("attack-val",)
# Never trained or selected on, and none is a component of "general": report
# generalization on them (multimodal functions of other shapes, and unseen images).
HELD_OUT_FAMILIES = ("ackley", "styblinski", "levy", "attack-test")


def _renamed(family: Family, name: str) -> Family:
    family.name = name
    return family


def list_families() -> list[str]:
    """Names accepted by :func:`get_family`, sorted."""
    return sorted(_FAMILIES)


def get_family(name: str, **options: object) -> Family:
    """Build a named problem family.

    Parameters
    ----------
    name : str
        One of :func:`list_families`: ``"general"``, ``"classification"``,
        ``"attack-train"``, ``"attack-val"``, ``"attack-test"``, ``"quadratic"``,
        ``"rosenbrock"``, ``"rastrigin"``, ``"salomon"``, ``"alpine"``, ``"ackley"``,
        ``"logistic"``, ``"smallnet"``, ``"styblinski"``, ``"levy"``, ``"general-wide"``,
        ``"general-wide-mm"``, ``"classification-train"``.
    **options
        Constructor arguments of the family (e.g. ``get_family("quadratic", dim=50)``).

    Returns
    -------
    Family
    """
    try:
        factory = _FAMILIES[name]
    except KeyError:
        raise ValueError(f"unknown family {name!r}; known: {', '.join(list_families())}") from None
    return factory(**options)
