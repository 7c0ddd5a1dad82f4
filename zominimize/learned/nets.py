"""UpdateRNN and QueryRNN: coordinate-wise LSTMs (Ruan et al., ICLR 2020).

Both networks are applied to every coordinate independently, with the ``d``
coordinates as the batch, so one set of weights serves any dimension and the
cost is one batched LSTM step over ``d`` rows per iteration.

Two architecture variants share the code:

``"paper"``
    As the official code: the UpdateRNN reads the raw estimate ``ĝ`` and
    emits ``Δx``; the QueryRNN reads the raw ``(ĝ_{t-1}, Δx_{t-1})``; no biases.
``"scaled"``
    The package default, invariant to the scale of ``f`` and of ``x``: the
    UpdateRNN reads normalised features (see :mod:`zominimize.learned.core`)
    and emits a step in units of a step size ``σ`` and a vote on ``log σ``
    (pooled over coordinates); the QueryRNN reads normalised ``ĝ_{t-1}`` and
    ``Δx_{t-1}/σ``.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["L2LNet", "ARCH_VARIANTS", "N_UPDATE_FEATURES", "EXTRA_FEATURES"]

ARCH_VARIANTS = ("scaled", "paper")
#: Inputs per coordinate of the UpdateRNN in the "scaled" variant.
N_UPDATE_FEATURES = 6
#: Optional further inputs of the "scaled" UpdateRNN (see
#: :func:`zominimize.learned.core.update_step`): ``"log_d"``, the problem's dimension
#: (``log10(d) / 3``), and ``"success"``, a running rate of improving steps (centred).
EXTRA_FEATURES = ("log_d", "success")
# Coordinates per block at inference on a CPU: the (4H, block) gates stay in cache
# through the gate arithmetic, about 2.5x faster than one pass over d = 1e6 columns.
_BLOCK = 16384


class CoordLSTM(nn.Module):
    """A one-layer LSTM cell plus a linear head, applied to every coordinate.

    The parameters are those of :class:`torch.nn.LSTMCell` and :class:`torch.nn.Linear`,
    but the computation is laid out with the ``d`` coordinates along the *last*
    axis: inputs ``(k, d)``, hidden state ``(H, d)``, outputs ``(n_out, d)``. One
    ``(4H, k + H) @ (k + H, d)`` product is several times faster than the
    row-wise ``(d, k + H) @ (k + H, 4H)`` that ``LSTMCell`` does when ``d`` is large.
    """

    def __init__(self, n_in: int, hidden: int, n_out: int, bias: bool, head_scale: float = 0.1):
        super().__init__()
        self.cell = nn.LSTMCell(n_in, hidden, bias=bias)
        self.head = nn.Linear(hidden, n_out, bias=bias)
        with torch.no_grad():  # small first outputs, as the official code (×0.1)
            self.head.weight.mul_(head_scale)
            if bias:
                self.head.bias.zero_()

    def forward(self, inputs, hc):
        h, c = hc
        cell = self.cell
        bias = None if cell.bias_ih is None else (cell.bias_ih + cell.bias_hh)[:, None]
        if torch.is_grad_enabled():
            gates = cell.weight_ih @ inputs + cell.weight_hh @ h
            if bias is not None:
                gates = gates + bias
            i, f, g, o = gates.chunk(4, dim=0)  # LSTMCell's gate order
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        else:  # inference: the same arithmetic in place, in cache-sized column blocks
            d = inputs.shape[1]
            if d <= _BLOCK or inputs.device.type != "cpu":
                return self._infer(inputs, h, c, bias)
            out = inputs.new_empty((self.head.out_features, d))
            h_new, c_new = torch.empty_like(h), torch.empty_like(c)
            for j in range(0, d, _BLOCK):
                cols = slice(j, j + _BLOCK)
                o_, (h_, c_) = self._infer(inputs[:, cols], h[:, cols], c[:, cols], bias)
                out[:, cols], h_new[:, cols], c_new[:, cols] = o_, h_, c_
            return out, (h_new, c_new)
        return self._head(h), (h, c)

    def _infer(self, inputs, h, c, bias):
        cell = self.cell
        gates = cell.weight_ih @ inputs
        gates.addmm_(cell.weight_hh, h)
        if bias is not None:
            gates.add_(bias)
        i, f, g, o = gates.chunk(4, dim=0)
        i.sigmoid_()
        f.sigmoid_()
        g.tanh_()
        o.sigmoid_()
        c = torch.mul(f, c).addcmul_(i, g)  # a fresh tensor: the gates can be freed
        h = torch.tanh(c).mul_(o)
        return self._head(h), (h, c)

    def _head(self, h):
        out = self.head.weight @ h
        if self.head.bias is not None:
            out = out + self.head.bias[:, None]
        return out


class L2LNet(nn.Module):
    """The two networks of the learned optimizer.

    Parameters
    ----------
    variant : {"scaled", "paper"}
        Input/output convention (module docstring).
    hidden : int, default 10
        LSTM hidden size (the paper's value).
    sigma_vote_bound : float, default 0.3
        "scaled" only: bound of the learned vote on ``log σ`` (tanh units). Below
        the prior's shrink after a deterioration (0.4), the net can slow that shrink
        but never turn it into growth; above it, it can.
    features : sequence of str, default ()
        "scaled" only: further UpdateRNN inputs, among ``"log_d"`` (the dimension)
        and ``"success"`` (a running rate of improving steps), kept in that order;
        the bundled weights use none.
    """

    def __init__(self, variant: str = "scaled", hidden: int = 10,
                 sigma_vote_bound: float = 0.3, features=()):
        super().__init__()
        if variant not in ARCH_VARIANTS:
            raise ValueError(f"`variant` must be one of {ARCH_VARIANTS}, got {variant!r}")
        if (isinstance(sigma_vote_bound, bool) or not isinstance(sigma_vote_bound, (int, float))
                or not 0 <= sigma_vote_bound <= 2):
            raise ValueError(f"`sigma_vote_bound` must be a number in [0, 2], "
                             f"got {sigma_vote_bound!r}")
        self.variant = variant
        self.hidden = int(hidden)
        self.sigma_vote_bound = float(sigma_vote_bound)
        if isinstance(features, str) or not all(f in EXTRA_FEATURES for f in features):
            raise ValueError(f"`features` must be a sequence of names from {EXTRA_FEATURES}, "
                             f"got {features!r}")
        features = tuple(f for f in EXTRA_FEATURES if f in features)
        if features and variant == "paper":
            raise ValueError("`features` needs variant='scaled': the paper's UpdateRNN reads "
                             "the raw estimate only")
        self.features = features
        bias = variant != "paper"
        n_in = 1 if variant == "paper" else N_UPDATE_FEATURES + len(features)
        n_out = 1 if variant == "paper" else 2
        self.update_rnn = CoordLSTM(n_in, self.hidden, n_out, bias)
        if n_out == 2:  # the σ vote starts at zero: the hand-designed prior rules at first
            with torch.no_grad():
                self.update_rnn.head.weight[1].zero_()
        self.query_rnn = CoordLSTM(2, self.hidden, 1, bias)

    @property
    def arch(self) -> dict:
        """What is needed to rebuild the module (stored in the weights manifest)."""
        arch = {"variant": self.variant, "hidden": self.hidden}
        if self.sigma_vote_bound != 0.3:  # older manifests lack it: they mean 0.3
            arch["sigma_vote_bound"] = self.sigma_vote_bound
        if self.features:
            arch["features"] = list(self.features)
        return arch
