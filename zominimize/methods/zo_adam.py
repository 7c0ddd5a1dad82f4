"""ZO-Adam: Adam's moment estimates on the zeroth-order estimate."""

from __future__ import annotations

import numpy as np

from ._base import _check_positive
from .zo_sgd import ZOSGD

__all__ = ["ZOAdam"]


class ZOAdam(ZOSGD):
    r"""Zeroth-order Adam (Chen et al., 2019), with bias correction.

    .. math::

        m_t = \beta_1 m_{t-1} + (1-\beta_1)\hat g_t,\quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2)\hat g_t^2,\quad
        x_{t+1} = x_t - \frac{\mathrm{lr}}{d}\,
            \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    Options
    -------
    q : int, default 20
        Number of Gaussian query directions per iteration.
    mu : float, default 1e-6
        Smoothing radius of the finite differences.
    lr : float, default 8.0
        Learning rate in the paper's convention (divided by ``d``; 8 is the
        paper's value on the attack task).
    beta1, beta2 : float, default 0.9, 0.996
        Moment decay rates (the paper's values).
    eps : float, default 1e-8
        Added to the square root of the second moment.
    scale_lr_by_dim : bool, default True
        Divide ``lr`` by the dimension, as the paper does.
    estimator : {'forward', 'antithetic'}, default 'forward'
        Finite-difference scheme (see ``zo-sgd``).

    References
    ----------
    .. [1] X. Chen, S. Liu, K. Xu, X. Li, X. Lin, M. Hong and D. Cox, "ZO-AdaMM:
           Zeroth-Order Adaptive Momentum Method for Black-Box Optimization",
           Advances in Neural Information Processing Systems (NeurIPS), 2019.
    """

    name = "zo-adam"

    def __init__(
        self,
        q=20,
        mu=1e-6,
        lr=8.0,
        beta1=0.9,
        beta2=0.996,
        eps=1e-8,
        scale_lr_by_dim=True,
        estimator="forward",
    ):
        super().__init__(q=q, mu=mu, lr=lr, scale_lr_by_dim=scale_lr_by_dim, estimator=estimator)
        for name, b in (("beta1", beta1), ("beta2", beta2)):
            try:
                ok = 0.0 <= float(b) < 1.0
            except (TypeError, ValueError):
                raise TypeError(f"`{name}` must be a number in [0, 1), got {b!r}") from None
            if not ok:
                raise ValueError(f"`{name}` must lie in [0, 1), got {b!r}")
        self.beta1, self.beta2 = float(beta1), float(beta2)
        self.eps = _check_positive("eps", eps)

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
