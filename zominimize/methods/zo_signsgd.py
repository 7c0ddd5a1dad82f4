"""ZO-signSGD: a step along the sign of the zeroth-order estimate."""

from __future__ import annotations

import numpy as np

from .zo_sgd import ZOSGD

__all__ = ["ZOSignSGD"]


class ZOSignSGD(ZOSGD):
    r"""Zeroth-order sign-SGD (Liu et al., 2019).

    .. math:: x_{t+1} = x_t - \frac{\mathrm{lr}}{d}\, \operatorname{sign}(\hat g_t)

    Options
    -------
    q : int, default 20
        Number of Gaussian query directions per iteration.
    mu : float, default 1e-6
        Smoothing radius of the finite differences.
    lr : float, default 8.0
        Learning rate in the paper's convention (divided by ``d``; 8 is the
        paper's value on the attack task).
    scale_lr_by_dim : bool, default True
        Divide ``lr`` by the dimension, as the paper does.
    estimator : {'forward', 'antithetic'}, default 'forward'
        Finite-difference scheme (see ``zo-sgd``).

    References
    ----------
    .. [1] S. Liu, P.-Y. Chen, X. Chen and M. Hong, "signSGD via Zeroth-Order
           Oracle", International Conference on Learning Representations (ICLR),
           2019.
    """

    name = "zo-signsgd"

    def __init__(self, q=20, mu=1e-6, lr=8.0, scale_lr_by_dim=True, estimator="forward"):
        super().__init__(q=q, mu=mu, lr=lr, scale_lr_by_dim=scale_lr_by_dim, estimator=estimator)

    def _step(self, state, ghat):
        return -self._rate(ghat.size) * np.sign(ghat)
