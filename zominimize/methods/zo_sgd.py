"""ZO-SGD: a plain gradient step on the zeroth-order estimate."""

from __future__ import annotations

from .._options import Option, boolean, positive
from ._base import ESTIMATOR_OPTION, MU_OPTION, Q_OPTION, GaussianQueryMethod

__all__ = ["ZOSGD", "lr_option", "SCALE_LR_OPTION"]


def lr_option(default: float, note: str) -> Option:
    """The learning rate, in the paper's convention (divided by ``d``)."""
    return Option("lr", default, "float", f"""
        Learning rate in the paper's convention (the step is ``lr / d`` times the
        update; {note}).""", positive)


SCALE_LR_OPTION = Option("scale_lr_by_dim", True, "bool", """
    Divide ``lr`` by the dimension, as the paper does. With ``False`` the step is
    ``lr`` times the update.""", boolean)


class ZOSGD(GaussianQueryMethod):
    r"""Zeroth-order stochastic gradient descent.

    Each iteration estimates the gradient from ``q`` Gaussian queries (forward
    differences, ``q + 1`` evaluations) and steps

    .. math:: x_{t+1} = x_t - \frac{\mathrm{lr}}{d}\, \hat g_t

    as in the official code of Ruan et al. (2020), where every configured
    learning rate is divided by the dimension ``d``.


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
    OPTIONS = (Q_OPTION, MU_OPTION, lr_option(4.0, "4 is the paper's value on the attack task"),
               SCALE_LR_OPTION, ESTIMATOR_OPTION)

    def _rate(self, n: int) -> float:
        return self.lr / n if self.scale_lr_by_dim else self.lr

    def _step(self, state, ghat):
        return -self._rate(ghat.size) * ghat
