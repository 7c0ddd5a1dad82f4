"""The learned zeroth-order optimizer: networks, their step rule and bundled weights."""

from .nets import ARCH_VARIANTS, L2LNet
from .weights import (
    WeightPart,
    WeightsError,
    bundled_weights,
    load_weight_parts,
    load_weights,
    save_weights,
)

__all__ = [
    "ARCH_VARIANTS",
    "L2LNet",
    "WeightPart",
    "WeightsError",
    "bundled_weights",
    "load_weight_parts",
    "load_weights",
    "save_weights",
]
