"""The problem library: the paper's tasks, classic test functions, and problem families.

Every :class:`Problem` has a numpy form that users and optimizers call
(``problem(x)``, ``problem.batch(X)`` for rows, ``problem.vectorized(X)`` for SciPy's
columns), a differentiable batched torch form ``problem.torch(X)`` used for
meta-training, a start ``x0``, a step-size hint ``x_scale`` and a known lower bound
``f_lower``. A :class:`Family` samples random problems reproducibly from a seed.

Named problems (fixed instances, for benchmarks) come from :func:`get_problem`, named
families from :func:`get_family`::

    >>> from zominimize.problems import get_problem, get_family
    >>> problem = get_problem("rosenbrock-10")
    >>> problem.dim, problem.f_opt
    (10, 0.0)
    >>> family = get_family("general")
    >>> instance = family.sample(0)

Which families are for training, validation and held-out reporting is recorded in
``TRAINING_FAMILIES``, ``VALIDATION_FAMILIES`` and ``HELD_OUT_FAMILIES``.
"""

from ._attack import Attack, AttackFamily, attack_problem
from ._base import Family, Problem
from ._classic import (
    Ackley,
    AckleyFamily,
    Alpine,
    AlpineFamily,
    Levy,
    LevyFamily,
    Peaks,
    PeaksFamily,
    Quadratic,
    QuadraticFamily,
    Rastrigin,
    RastriginFamily,
    Rosenbrock,
    RosenbrockFamily,
    Salomon,
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
from ._cnn import DigitsCNN
from ._digits import digits_data_path
from ._digits import tensor_sha256 as digits_sha256
from ._registry import (
    HELD_OUT_FAMILIES,
    TRAINING_FAMILIES,
    VALIDATION_FAMILIES,
    bbob_like_family,
    general_family,
    get_family,
    get_problem,
    list_families,
    list_problems,
)
from ._smallnet import SmallNet, SmallNetFamily
from ._transforms import (
    MixtureFamily,
    Noisy,
    NoisyFamily,
    RandomScaleFamily,
    Scaled,
    Warped,
    WarpFamily,
    noise_free,
)

__all__ = [
    "HELD_OUT_FAMILIES",
    "TRAINING_FAMILIES",
    "VALIDATION_FAMILIES",
    "Ackley",
    "AckleyFamily",
    "Alpine",
    "AlpineFamily",
    "Attack",
    "AttackFamily",
    "BinaryClassification",
    "ClassificationFamily",
    "DigitsCNN",
    "Family",
    "Levy",
    "LevyFamily",
    "LogisticRegression",
    "LogisticRegressionFamily",
    "MixtureFamily",
    "Noisy",
    "NoisyFamily",
    "Peaks",
    "PeaksFamily",
    "Problem",
    "Quadratic",
    "QuadraticFamily",
    "RandomScaleFamily",
    "Rastrigin",
    "RastriginFamily",
    "Rosenbrock",
    "RosenbrockFamily",
    "Salomon",
    "SalomonFamily",
    "Scaled",
    "Warped",
    "WarpFamily",
    "noise_free",
    "SmallNet",
    "SmallNetFamily",
    "Sphere",
    "StyblinskiTang",
    "StyblinskiTangFamily",
    "attack_problem",
    "digits_data_path",
    "digits_sha256",
    "bbob_like_family",
    "general_family",
    "get_family",
    "get_problem",
    "list_families",
    "list_problems",
]
