"""Black-box adversarial attack on a digits CNN: the paper's practical task (§4.2).

Untargeted Carlini-Wagner-style loss of an additive perturbation ``delta`` (d = 784)
of a correctly classified 28x28 image ``x_img`` with label ``y``, as in the official
code (``optimizee/mnist.py`` ``MnistAttack``)::

    x_adv = clamp(x_img + delta, 0, 1)
    f(delta) = max(log p_y(x_adv) - max_{j != y} log p_j(x_adv), -kappa)
               + c * ||x_adv - x_img||_1

with ``c = 0.1`` and ``kappa = 0`` by default (``distortion="l2"`` uses the squared l2
norm instead, the official code's other option). Every attack starts from the
official ``delta_0 = 1e-4 N(0, I)`` drawn with torch seed 1234. ``f_lower = -kappa``.

MNIST cannot be downloaded here: the classifier is the official LeNet-style CNN
(fc width 500) trained on scikit-learn's digits upsampled to 28x28 by
``python -m research.train_digits_classifier`` (seed 0, 15 epochs, about 20 s on
one CPU thread), which measured a **held-out accuracy of 99.03 %** (712 of 719
images). The attacked images are correctly classified held-out images: 100
``train``, 50 ``val`` and 100 ``test`` images, disjoint (the paper: 100 to
meta-train, 100 to test; the official code has no validation set).

The CNN runs in the dtype of the batch (float64 for the numpy forms, as in the
official code, so finite differences with ``mu = 1e-6`` are meaningful) from
float32 weights; a batch of perturbations is one CNN forward pass.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from ._base import Family, Problem
from ._digits import SPLITS, cnn, load_bundle

__all__ = ["Attack", "AttackFamily", "attack_problem"]

_SIDE = 28
_X0_SEED = 1234  # the official code seeds torch with 1234 before drawing delta_0


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")


class Attack(Problem):
    """Untargeted black-box attack on one bundled digit image.

    Parameters
    ----------
    index : int, default 0
        Index of the image within ``split``.
    split : {"train", "val", "test"}, default "test"
        Attack image set (see the module notes).
    c : float, default 0.1
        Weight of the distortion term.
    kappa : float, default 0.0
        Confidence margin: the attack term is floored at ``-kappa``.
    distortion : {"l1", "l2"}, default "l1"
        ``||x_adv - x_img||_1``, or the squared l2 norm.

    Attributes
    ----------
    image : ndarray of shape (28, 28)
        The clean image, float64 in [0, 1].
    label : int
        Its true (and predicted) class.
    """

    def __init__(
        self,
        index: int = 0,
        split: str = "test",
        c: float = 0.1,
        kappa: float = 0.0,
        distortion: str = "l1",
    ) -> None:
        _check_split(split)
        if distortion not in ("l1", "l2"):
            raise ValueError(f"distortion must be 'l1' or 'l2', got {distortion!r}")
        if not (c >= 0 and kappa >= 0):
            raise ValueError("c and kappa must be non-negative")
        bundle = load_bundle()
        indices = bundle.splits[split]
        if not -len(indices) <= index < len(indices):
            raise IndexError(f"index {index} out of range for the {len(indices)} {split} images")
        self.index, self.split = int(index) % len(indices), split
        self.c, self.kappa, self.distortion = float(c), float(kappa), distortion
        self.image = bundle.images[indices[index]]
        self.label = int(bundle.labels[indices[index]])
        self.dim = _SIDE * _SIDE
        gen = torch.Generator().manual_seed(_X0_SEED)
        self.x0 = 1e-4 * torch.randn(self.dim, generator=gen, dtype=torch.float64).numpy()
        self.f_lower = 0.0 - self.kappa  # (not -0.0)
        self.f_opt = None
        # Successful attacks change a few dozen pixels by a few tenths: about 0.05 RMS.
        self.x_scale = 0.05
        self.name = f"attack({split}[{index}],label={self.label})"

    def __reduce__(self):
        # Rebuilt from the packaged data instead of copying the CNN to every worker.
        return type(self), (self.index, self.split, self.c, self.kappa, self.distortion)

    def _terms(self, X: Tensor) -> tuple[Tensor, Tensor]:
        """Margin ``log p_y - max_{j != y} log p_j`` and distortion, each of shape (...)."""
        lead = X.shape[:-1]
        image = self._const("image", X)
        adv = (image + X.reshape(-1, _SIDE, _SIDE)).clamp(0.0, 1.0)
        logp = cnn(X.dtype, X.device)(adv[:, None])
        true = logp[:, self.label]
        others = logp.clone()
        others[:, self.label] = -torch.inf
        margin = true - others.amax(dim=-1)
        change = adv - image
        if self.distortion == "l1":
            dist = change.abs().sum(dim=(-2, -1))
        else:
            dist = (change * change).sum(dim=(-2, -1))
        return margin.reshape(lead), dist.reshape(lead)

    def _torch(self, X: Tensor) -> Tensor:
        margin, dist = self._terms(X)
        return margin.clamp(min=-self.kappa) + self.c * dist

    def _margins(self, delta: np.ndarray) -> np.ndarray | float:
        D = np.asarray(delta, dtype=np.float64)
        if D.ndim not in (1, 2) or D.shape[-1] != self.dim:
            raise ValueError(f"delta must have shape ({self.dim},) or (m, {self.dim})")
        with torch.no_grad():
            margin = self._terms(torch.from_numpy(np.array(D, order="C")))[0].numpy()
        return float(margin) if D.ndim == 1 else margin

    def margin(self, delta: np.ndarray) -> float | np.ndarray:
        """The margin ``log p_y - max_{j != y} log p_j`` at ``clamp(image + delta, 0, 1)``.

        Parameters
        ----------
        delta : array_like of shape (784,) or (m, 784)

        Returns
        -------
        float or ndarray of shape (m,)
            Negative when the perturbed image is misclassified.
        """
        return self._margins(delta)

    def success(self, delta: np.ndarray) -> bool | np.ndarray:
        """Whether the attack succeeds: margin ``<= -kappa`` (misclassified).

        Parameters
        ----------
        delta : array_like of shape (784,) or (m, 784)

        Returns
        -------
        bool or ndarray of bool of shape (m,)
        """
        ok = np.asarray(self._margins(delta)) <= -self.kappa
        return bool(ok) if ok.ndim == 0 else ok


class AttackFamily(Family):
    """Attacks on a uniformly drawn image of one split.

    Parameters
    ----------
    split : {"train", "val", "test"}, default "train"
        Meta-train on ``"train"``, select checkpoints on ``"val"``, report on ``"test"``.
    c, kappa, distortion
        As in :class:`Attack`.
    """

    def __init__(
        self, split: str = "train", c: float = 0.1, kappa: float = 0.0, distortion: str = "l1"
    ) -> None:
        _check_split(split)
        self.split, self.c, self.kappa, self.distortion = split, c, kappa, distortion
        self.name = f"attack-{split}"

    def sample(self, rng: object = None) -> Attack:
        rng = np.random.default_rng(rng)
        index = int(rng.integers(len(load_bundle().splits[self.split])))
        return Attack(index, self.split, self.c, self.kappa, self.distortion)


def attack_problem(index: int = 0, split: str = "test", **options: object) -> Attack:
    """The attack on image ``index`` of ``split`` (options as in :class:`Attack`)."""
    return Attack(index, split, **options)
