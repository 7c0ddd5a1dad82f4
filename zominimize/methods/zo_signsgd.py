"""ZO-signSGD: a step along the sign of the zeroth-order estimate."""

from __future__ import annotations

import numpy as np

from ._base import ESTIMATOR_OPTION, MU_OPTION, Q_OPTION
from .zo_sgd import SCALE_LR_OPTION, ZOSGD, lr_option

__all__ = ["ZOSignSGD"]


class ZOSignSGD(ZOSGD):
    r"""Zeroth-order sign-SGD (Liu et al., 2019).

    .. math:: x_{t+1} = x_t - \frac{\mathrm{lr}}{d}\, \operatorname{sign}(\hat g_t)


    References
    ----------
    .. [1] S. Liu, P.-Y. Chen, X. Chen and M. Hong, "signSGD via Zeroth-Order
           Oracle", International Conference on Learning Representations (ICLR),
           2019.
    """

    name = "zo-signsgd"
    OPTIONS = (Q_OPTION, MU_OPTION, lr_option(8.0, "8 is the paper's value on the attack task"),
               SCALE_LR_OPTION, ESTIMATOR_OPTION)

    def _step(self, state, ghat):
        return -self._rate(ghat.size) * np.sign(ghat)
