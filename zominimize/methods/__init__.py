"""Zeroth-order methods: each a :class:`ZOMethod` (ask/tell over an explicit state)."""

from .._options import (
    Option,
    boolean,
    choice,
    fraction,
    optional,
    positive,
    positive_int,
    unit_interval,
)
from ._base import ESTIMATOR_OPTION, MU_OPTION, Q_OPTION, GaussianQueryMethod, State, ZOMethod
from .zo_adam import ZOAdam
from .zo_sgd import ZOSGD
from .zo_signsgd import ZOSignSGD

__all__ = [
    "State", "ZOMethod", "GaussianQueryMethod", "ZOSGD", "ZOSignSGD", "ZOAdam",
    # declaring options
    "Option", "Q_OPTION", "MU_OPTION", "ESTIMATOR_OPTION", "boolean", "choice", "fraction",
    "optional", "positive", "positive_int", "unit_interval",
]
