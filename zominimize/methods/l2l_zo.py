"""``l2l-zo``: the learned zeroth-order optimizer of Ruan et al. (ICLR 2020)."""

from __future__ import annotations

import numpy as np

from ._base import GaussianQueryMethod, _check_positive

__all__ = ["L2LZO", "default_sigma0", "resolve_device"]


# Beyond this dimension the default sigma0 shrinks like 1/d (selected on validation
# problems by scripts/sigma0_selection.py): the first bundled networks were
# meta-trained at d <= 200, and their Adam-like steps are about sigma per
# coordinate, so a fixed sigma0 made the first steps grow like sqrt(d).
# Meta-training uses the same rule (TrainConfig.sigma0_dim_ref).
SIGMA0_DIM_REF = 200
# The constant of the rule: sigma0 is this fraction of the problem's scale. 0.03
# was selected on validation problems (docs/research.rst, fourth round); meta-training
# keeps SIGMA0_REL_TRAIN (TrainConfig.sigma0_rel), with which every bundled weight set
# was trained (its starts are jittered by a factor up to 3, so 0.03 is within what
# they saw).
SIGMA0_REL = 0.03
SIGMA0_REL_TRAIN = 0.1


def default_sigma0(
    x0: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    dim_ref: float = SIGMA0_DIM_REF,
    rel: float = SIGMA0_REL,
) -> float:
    """Initial step size: ``rel`` times the mean box width when the box is finite,
    otherwise ``rel * max(1, rms(x0))``, times ``min(1, dim_ref / d)`` (the learned
    σ-adaptation takes it from there). ``dim_ref=inf`` is the rule without the
    dimension factor, with which the ``"attack"`` weights were trained."""
    d = max(1, np.size(x0))
    shrink = min(1.0, dim_ref / d)
    width = ub - lb
    if np.all(np.isfinite(width)) and np.all(width > 0):
        return float(rel * np.mean(width) * shrink)
    return float(rel * max(1.0, np.sqrt(np.mean(x0**2))) * shrink)


def resolve_device(device):
    """A ``torch.device`` from a string or device; unavailable devices are a ``ValueError``."""
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"`device` must be 'cpu', 'cuda', 'cuda:N', 'mps' or a torch.device, got {device!r}"
        ) from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"`device` {device!r} is not available: torch finds no CUDA device")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(
                f"`device` {device!r} is not available: torch sees "
                f"{torch.cuda.device_count()} CUDA device(s)"
            )
    elif dev.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"`device` {device!r} is not available")
    elif dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"`device` {device!r} is not supported (use cpu, cuda or mps)")
    return dev


def _resolve_dtype(dtype):
    import torch

    table = {"float64": torch.float64, "float32": torch.float32, "double": torch.float64,
             "float": torch.float32}
    if isinstance(dtype, torch.dtype) and dtype in (torch.float32, torch.float64):
        return dtype
    if isinstance(dtype, str) and dtype in table:
        return table[dtype]
    raise ValueError(f"`dtype` must be 'float32' or 'float64', got {dtype!r}")


class L2LZO(GaussianQueryMethod):
    r"""Learned zeroth-order optimizer (L2L-ZO; Ruan et al., ICLR 2020).

    Each iteration draws ``q`` Gaussian query directions whose diagonal
    covariance is predicted by a coordinate-wise LSTM (the QueryRNN), forms
    the forward-difference estimate ``ĝ`` (``q + 1`` evaluations), and a second
    coordinate-wise LSTM (the UpdateRNN) turns ``ĝ`` into the step. The
    networks run in torch, batched over coordinates, on ``device``; any
    dimension works. With the bundled weights (``"scaled"`` architecture) the
    inputs are normalised so that minimizing ``a*f + b`` (``a > 0``) follows
    the same iterates as ``f``, steps are in units of an adaptive step size
    ``σ`` that starts at ``sigma0``, and the smoothing radius is
    ``mu_rel * σ``. At test time the predicted covariance is used with
    probability ``pred_ratio`` per iteration, otherwise the identity, as in the
    paper's code. Which weights -- or which other method -- suits which problem is
    the subject of the documentation's guide *Which method, which weights*.

    Options
    -------
    weights : str or path, default "default"
        A bundled weight set (``"default"``, trained on a broad family of
        randomly scaled problems; ``"attack"``, trained on the black-box
        adversarial attack family; ``"classification"``, fine-tuned on the
        paper's non-convex classification task, with a smaller start and
        smoothing radius selected for it) or the path of a ``.safetensors`` file
        written by ``zominimize.meta.train``. See
        ``zominimize.learned.bundled_weights()``.
    q : int, default 20
        Number of query directions per iteration.
    sigma0 : float, optional
        Initial step size, in the units of ``x`` (like CMA-ES's ``sigma0``).
        Default: 0.03 times the mean box width with finite bounds, else
        ``0.03 * max(1, rms(x0))``; above ``d = 200`` times ``200 / d``, so that
        the first steps do not grow with ``d``. Set it when bounds are much wider
        than the region you search. A weight set may record its own constant instead of 0.03
        (``options.sigma0_rel`` in its manifest: 0.01 for ``"classification"``).
    mu_rel : float, optional
        Smoothing radius relative to the current step size. Default: the weight
        set's value in its manifest (the value it was trained with, or one selected
        for it at inference: 0.01 for ``"classification"``).
    mu : float, optional
        A fixed absolute smoothing radius instead (the ``"paper"`` architecture
        uses ``1e-6``, as the official code).
    pred_ratio : float, default 0.5
        Probability, per iteration, of sampling with the QueryRNN's covariance
        instead of the identity.
    sampler : {"rnn", "gaussian", "guided-es"}, default "rnn"
        Ablations of the paper: ``"gaussian"`` drops the QueryRNN
        (ZO-LSTM-no-query); ``"guided-es"`` samples in a Guided-ES fashion from
        the subspace of the previous estimate and step (``alpha = 0.5``).
    update : {"rnn", "sgd"}, default "rnn"
        ``"sgd"`` replaces the UpdateRNN by the ZO-SGD step ``-(lr/d) ĝ``
        (ZO-LSTM-no-update).
    lr : float, default 4.0
        Learning rate of ``update="sgd"`` (paper convention, divided by ``d``).
    device : str or torch.device, default "cpu"
        Where the networks run (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...). Random
        directions are always drawn from ``rng`` in NumPy, so results agree
        across devices to floating-point tolerance.
    dtype : {"float32", "float64"}, default "float32"
        Precision of the networks, their features and the step size ``σ`` (the
        iterate and the estimate stay float64). ``"float64"`` (the paper's code)
        costs about 1.5 times more at large ``d``; results agree to within float32
        rounding of the networks' outputs.

    See Also
    --------
    zominimize.meta.train : Meta-train weights for your own family of problems.
    zominimize.learned.bundled_weights : The bundled weight sets and their manifests.

    Notes
    -----
    The method is described, with its mathematics and its differences from the
    paper, on the documentation's page *The method*.

    References
    ----------
    .. [1] Y. Ruan, Y. Xiong, S. Reddi, S. Kumar and C.-J. Hsieh, "Learning to
           Learn by Zeroth-Order Oracle", International Conference on Learning
           Representations (ICLR), 2020. https://arxiv.org/abs/1910.09464
    """

    name = "l2l-zo"

    def __init__(
        self,
        weights="default",
        q=20,
        sigma0=None,
        mu_rel=None,
        mu=None,
        pred_ratio=0.5,
        sampler="rnn",
        update="rnn",
        lr=4.0,
        device="cpu",
        dtype="float32",
    ):
        from ..learned.weights import load_weights

        super().__init__(q=q, mu=1e-6 if mu is None else mu)
        self.device = resolve_device(device)
        self.dtype = _resolve_dtype(dtype)
        self.weights = weights
        self.net, self.manifest = load_weights(weights, device=self.device, dtype=self.dtype)
        self.variant = self.net.variant
        trained = self.manifest.get("options", {})
        self.sigma0 = None if sigma0 is None else _check_positive("sigma0", sigma0)
        self.sigma0_rel = _check_positive("sigma0_rel", trained.get("sigma0_rel", SIGMA0_REL))
        self.mu_rel = _check_positive(
            "mu_rel", trained.get("mu_rel", 0.1) if mu_rel is None else mu_rel
        )
        self.mu_fixed = None if mu is None else self.mu
        if not 0.0 <= float(pred_ratio) <= 1.0:
            raise ValueError(f"`pred_ratio` must lie in [0, 1], got {pred_ratio!r}")
        self.pred_ratio = float(pred_ratio)
        if sampler not in ("rnn", "gaussian", "guided-es"):
            raise ValueError(f"`sampler` must be 'rnn', 'gaussian' or 'guided-es', got {sampler!r}")
        if update not in ("rnn", "sgd"):
            raise ValueError(f"`update` must be 'rnn' or 'sgd', got {update!r}")
        self.sampler, self.update = sampler, update
        self.lr = _check_positive("lr", lr)

    # -- hooks of GaussianQueryMethod ---------------------------------------------------
    def _setup(self, state):
        from ..learned.core import init_state

        sigma0 = self.sigma0 or default_sigma0(state.x, state.lb, state.ub, rel=self.sigma0_rel)
        n = state.x.size
        state.memory.update(
            net=init_state(self.net, state.x, sigma0, dtype=self.dtype, device=self.device),
            sigma0=sigma0,
            g_prev=np.zeros(n),
            dx_prev=np.zeros(n),
        )

    def _sigma(self, state) -> float:
        return float(state.memory["net"]["sigma"])

    def _mu(self, state):
        if self.mu_fixed is not None or self.variant == "paper":
            return self.mu
        return self.mu_rel * self._sigma(state)

    def _directions(self, state):
        import torch

        from ..learned.core import query_std

        rng, n = state.rng, state.x.size
        if self.sampler == "guided-es":
            return self._guided_es(state)
        U = rng.standard_normal((self.q, n))
        if self.sampler == "rnn":
            # The QueryRNN advances every iteration; the coin only picks which
            # covariance this iteration's queries use (paper's test-time rule).
            with torch.no_grad():
                s, state.memory["net"] = query_std(self.net, state.memory["net"])
            s = s.to(torch.float64).cpu().numpy()
            state.memory["query_std"] = s  # kept for analysis (the QueryRNN's prediction)
            if rng.random() < self.pred_ratio:
                U *= s
        return U

    def _guided_es(self, state, alpha: float = 0.5) -> np.ndarray:
        rng, n = state.rng, state.x.size
        E = rng.standard_normal((self.q, n))
        basis = np.stack([state.memory["g_prev"], state.memory["dx_prev"]], axis=1)
        if not np.any(basis) or n < 2:
            return E
        Q, _ = np.linalg.qr(basis)
        U = np.sqrt(alpha) * E + np.sqrt(1 - alpha) * rng.standard_normal((self.q, 2)) @ Q.T
        # rescaled to the norm of the isotropic sample, as in the official code
        U *= np.linalg.norm(E, axis=1, keepdims=True) / np.linalg.norm(U, axis=1, keepdims=True)
        return U

    def _step(self, state, ghat):
        import torch

        from ..learned.core import update_step

        mem = state.memory
        with torch.no_grad():
            g = torch.as_tensor(ghat, dtype=self.dtype, device=self.device)
            x = torch.as_tensor(state.x, dtype=self.dtype, device=self.device)
            dx_t, mem["net"] = update_step(self.net, mem["net"], g, state.fx, x)
        if self.update == "sgd":
            dx = -(self.lr / ghat.size) * ghat
            sigma = self._sigma(state)
            mem["net"]["dxn_prev"] = torch.as_tensor(
                dx / sigma if self.variant != "paper" else dx, dtype=self.dtype, device=self.device
            )
        else:
            dx = dx_t.to(torch.float64).cpu().numpy()
        mem["g_prev"], mem["dx_prev"] = ghat, dx
        return dx

    def _on_undo(self, state):
        # The step size is what went wrong: shrink σ rather than every later step.
        st = state.memory["net"]
        st["sigma"] = st["sigma"] * 0.5
        state.backtrack = 1.0

    def extras(self, state):
        return {"sigma": self._sigma(state), "weights": str(self.weights),
                "device": str(self.device)}

    def __repr__(self):
        return (f"L2LZO(weights={self.weights!r}, q={self.q}, sampler={self.sampler!r}, "
                f"update={self.update!r}, device={str(self.device)!r})")
