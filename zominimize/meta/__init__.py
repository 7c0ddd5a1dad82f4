"""Meta-training of the learned optimizer (first-order, truncated BPTT).

Inference code never imports this package.
"""

from .train import TrainConfig, evaluate_net, train
from .unroll import unroll, unroll_batch

__all__ = ["TrainConfig", "train", "unroll", "unroll_batch", "evaluate_net"]
