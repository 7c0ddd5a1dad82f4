"""ZO-Adam: Adam's moment estimates on the zeroth-order estimate."""

from __future__ import annotations

import numpy as np

from .._options import Option, fraction, positive
from ._base import ESTIMATOR_OPTION, MU_OPTION, Q_OPTION
from .zo_sgd import SCALE_LR_OPTION, ZOSGD, lr_option

__all__ = ["ZOAdam"]


class ZOAdam(ZOSGD):
    r"""Zeroth-order Adam (Chen et al., 2019), with bias correction.

    .. math::

        m_t = \beta_1 m_{t-1} + (1-\beta_1)\hat g_t,\quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2)\hat g_t^2,\quad
        x_{t+1} = x_t - \frac{\mathrm{lr}}{d}\,
            \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    References
    ----------
    .. [1] X. Chen, S. Liu, K. Xu, X. Li, X. Lin, M. Hong and D. Cox, "ZO-AdaMM:
           Zeroth-Order Adaptive Momentum Method for Black-Box Optimization",
           Advances in Neural Information Processing Systems (NeurIPS), 2019.
    """

    name = "zo-adam"
    OPTIONS = (
        Q_OPTION, MU_OPTION, lr_option(8.0, "8 is the paper's value on the attack task"),
        Option("beta1", 0.9, "float", "Decay rate of the first moment (the paper's value).",
               fraction),
        Option("beta2", 0.996, "float", "Decay rate of the second moment (the paper's value).",
               fraction),
        Option("eps", 1e-8, "float", "Added to the square root of the second moment.",
               positive),
        SCALE_LR_OPTION, ESTIMATOR_OPTION,
    )

    def _setup(self, state):
        n = state.x.size
        state.memory.update(m=np.zeros(n), v=np.zeros(n), t=0)

    def _step(self, state, ghat):
        mem = state.memory
        mem["t"] += 1
        t = mem["t"]
        m, v = mem["m"], mem["v"]
        m *= self.beta1
        m += (1.0 - self.beta1) * ghat
        v *= self.beta2
        v += (1.0 - self.beta2) * ghat * ghat
        m_hat = m / (1.0 - self.beta1**t)
        v_hat = v / (1.0 - self.beta2**t)
        return -self._rate(ghat.size) * m_hat / (np.sqrt(v_hat) + self.eps)
