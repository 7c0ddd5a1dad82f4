"""Zeroth-order methods: each a :class:`ZOMethod` (ask/tell over an explicit state)."""

from ._base import GaussianQueryMethod, State, ZOMethod
from .zo_adam import ZOAdam
from .zo_sgd import ZOSGD
from .zo_signsgd import ZOSignSGD

__all__ = ["State", "ZOMethod", "GaussianQueryMethod", "ZOSGD", "ZOSignSGD", "ZOAdam"]
