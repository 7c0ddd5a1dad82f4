"""The attacked classifier: the LeNet-style CNN of the paper's MNIST attack.

conv(1->20, 5x5) -> ReLU -> maxpool 2 -> conv(20->50, 5x5) -> ReLU -> maxpool 2 ->
fc(800->hidden) -> ReLU -> fc(hidden->10) -> log_softmax, as in the official code
(``optimizee/mnist.py`` ``MnistConvModel``, ``hidden = 500``). Inputs are images in
[0, 1]; the network normalizes them with the MNIST constants of the official code.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["MNIST_MEAN", "MNIST_STD", "DigitsCNN"]

MNIST_MEAN = 0.1307
MNIST_STD = 0.3081


class DigitsCNN(nn.Module):
    """LeNet-style classifier of 28x28 grey images into 10 classes.

    Parameters
    ----------
    hidden : int, default 500
        Width of the first fully connected layer.
    """

    def __init__(self, hidden: int = 500) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)
        self.conv2 = nn.Conv2d(20, 50, 5)
        self.fc1 = nn.Linear(800, hidden)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, images: Tensor) -> Tensor:
        """Log-probabilities, shape (B, 10), of images of shape (B, 1, 28, 28) in [0, 1]."""
        h = (images - MNIST_MEAN) / MNIST_STD
        h = F.max_pool2d(F.relu(self.conv1(h)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        h = F.relu(self.fc1(torch.flatten(h, 1)))
        return F.log_softmax(self.fc2(h), dim=-1)
