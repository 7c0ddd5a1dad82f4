"""ZO-SGD: a plain gradient step on the zeroth-order estimate."""

from __future__ import annotations

from ._base import GaussianQueryMethod, _check_positive

__all__ = ["ZOSGD"]


class ZOSGD(GaussianQueryMethod):
    r"""Zeroth-order stochastic gradient descent.

    Each iteration estimates the gradient from ``q`` Gaussian queries (forward
    differences, ``q + 1`` evaluations) and steps

    .. math:: x_{t+1} = x_t - \frac{\mathrm{lr}}{d}\, \hat g_t

    as in the official code of Ruan et al. (2020), where every configured
    learning rate is divided by the dimension ``d``.

    Options
    -------
    q : int, default 20
        Number of Gaussian query directions per iteration.
    mu : float, default 1e-6
        Smoothing radius of the finite differences (in the units of ``x``).
    lr : float, default 4.0
        Learning rate in the paper's convention (the step is ``lr / d``
        times the estimate; 4 is the paper's value on the attack task).
    scale_lr_by_dim : bool, default True
        Divide ``lr`` by the dimension, as the paper does. With ``False`` the
        step is ``lr`` times the estimate.
    estimator : {'forward', 'antithetic'}, default 'forward'
        ``'antithetic'`` uses ``f(x + mu u) - f(x - mu u)`` (``2q`` evaluations
        per iteration; ``x0`` itself is evaluated once, in the first iteration).

    References
    ----------
    .. [1] S. Ghadimi and G. Lan, "Stochastic First- and Zeroth-Order Methods for
           Nonconvex Stochastic Programming", SIAM Journal on Optimization 23(4),
           2341-2368, 2013.
    .. [2] Y. Nesterov and V. Spokoiny, "Random Gradient-Free Minimization of
           Convex Functions", Foundations of Computational Mathematics 17, 527-566,
           2017.
    """

    name = "zo-sgd"

    def __init__(self, q=20, mu=1e-6, lr=4.0, scale_lr_by_dim=True, estimator="forward"):
        super().__init__(q=q, mu=mu, estimator=estimator)
        self.lr = _check_positive("lr", lr)
        self.scale_lr_by_dim = bool(scale_lr_by_dim)

    def _rate(self, n: int) -> float:
        return self.lr / n if self.scale_lr_by_dim else self.lr

    def _step(self, state, ghat):
        return -self._rate(ghat.size) * ghat
