"""Classic test functions with a shifted (and optionally rotated) optimum, and their families.

Every function is written once in canonical coordinates ``z`` and evaluated at
``z = R (x - x_opt) + z_opt``, where ``R`` is an optional random rotation
(:class:`~zominimize.problems._rotation.Rotation`) and ``z_opt`` the canonical
minimizer, so the minimizer in ``x`` is ``x_opt`` whatever the rotation. The start is
``x0 = 0`` unless given. Where the textbook minimizer is the origin, ``x_opt``
defaults to all ones so that the default start is not the optimum.
"""

from __future__ import annotations

import abc

import numpy as np

from ._base import Family, Problem, rms_distance
from ._random import Range, instance_seed, log_uniform, log_uniform_int
from ._rotation import Rotation
from ._xp import max_last, safe_sqrt, xp

__all__ = [
    "Ackley",
    "AckleyFamily",
    "Alpine",
    "AlpineFamily",
    "Levy",
    "LevyFamily",
    "Peaks",
    "PeaksFamily",
    "Quadratic",
    "QuadraticFamily",
    "Rastrigin",
    "RastriginFamily",
    "Rosenbrock",
    "RosenbrockFamily",
    "Salomon",
    "SalomonFamily",
    "Sphere",
    "StyblinskiTang",
    "StyblinskiTangFamily",
]


def _vector(value: np.ndarray | None, dim: int, default: float, what: str) -> np.ndarray:
    if value is None:
        return np.full(dim, float(default))
    value = np.array(value, dtype=np.float64)
    if value.shape != (dim,) or not np.all(np.isfinite(value)):
        raise ValueError(f"{what} must be a finite array of shape ({dim},)")
    return value


def _probability(p: bool | float, what: str) -> float:
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{what} must be a bool or a probability in [0, 1], got {p}")
    return p


class _Shifted(Problem):
    """Base of the classic functions: shift, optional rotation, canonical formula ``_g``."""

    _label = "shifted"
    _z_opt = 0.0  # canonical minimizer coordinate
    _default_x_opt = 1.0
    _min_dim = 1

    def __init__(
        self,
        dim: int,
        x_opt: np.ndarray | None = None,
        x0: np.ndarray | None = None,
        rotate: bool = False,
        rng: object = None,
    ) -> None:
        dim = int(dim)
        if dim < self._min_dim:
            raise ValueError(f"dim must be at least {self._min_dim}, got {dim}")
        self.dim = dim
        self.x_opt = _vector(x_opt, dim, self._default_x_opt, "x_opt")
        self.x0 = _vector(x0, dim, 0.0, "x0")
        self.rotation = Rotation(dim, np.random.default_rng(rng)) if rotate else None
        self.f_opt = self._g_opt(dim)
        self.f_lower = self.f_opt
        self.x_scale = rms_distance(self.x0, self.x_opt) or 1.0
        self.name = f"{self._label}(d={dim}{',rot' if rotate else ''})"

    @abc.abstractmethod
    def _g(self, Z):
        """The function of the shifted (and rotated) point ``Z``, batched over leading axes."""

    def _g_opt(self, dim: int) -> float:
        return 0.0

    def _value(self, X):
        D = X - self._const("x_opt", X)
        if self.rotation is not None:
            D = self.rotation(D)
        return self._g(D + self._z_opt if self._z_opt else D)

    def _torch(self, X):
        return self._value(X)

    def _numpy(self, X):
        return self._value(X)


class Sphere(_Shifted):
    """``f(x) = sum((x - x_opt)**2)``; ``f_opt = 0``.

    Parameters
    ----------
    dim : int
    x_opt : array_like, optional
        The minimizer (default: all ones).
    x0 : array_like, optional
        The start (default: zeros).
    """

    _label = "sphere"

    def __init__(
        self, dim: int, x_opt: np.ndarray | None = None, x0: np.ndarray | None = None
    ) -> None:
        super().__init__(dim, x_opt, x0)

    def _g(self, Z):
        return (Z * Z).sum(axis=-1)


class Quadratic(_Shifted):
    """Ill-conditioned quadratic ``f(x) = 0.5 (x - x_opt)^T A (x - x_opt)``; ``f_opt = 0``.

    ``A = R^T diag(lam) R`` with eigenvalues ``lam`` from 1 to ``cond`` (randomly
    assigned to coordinates when ``rng`` is given) and ``R`` a random rotation when
    ``rotate`` is true (identity otherwise).

    Parameters
    ----------
    dim : int
    cond : float, default 1.0
        Condition number of ``A``.
    rotate : bool, default False
        Apply a random rotation (dense below 500 dimensions, structured above).
    x_opt : array_like, optional
        The minimizer (default: all ones).
    x0 : array_like, optional
        The start (default: zeros).
    rng : seed or Generator, optional
        Randomness for the eigenvalue order and the rotation.
    spectrum : {"log", "one-large", "one-small"}, default "log"
        Eigenvalues log-spaced from 1 to ``cond``; or all 1 but one equal to ``cond``
        (one steep direction); or all ``cond`` but one equal to 1 (one flat
        direction).
    """

    _label = "quadratic"
    SPECTRA = ("log", "one-large", "one-small")

    def __init__(
        self,
        dim: int,
        cond: float = 1.0,
        rotate: bool = False,
        x_opt: np.ndarray | None = None,
        x0: np.ndarray | None = None,
        rng: object = None,
        spectrum: str = "log",
    ) -> None:
        cond = float(cond)
        if not (np.isfinite(cond) and cond >= 1.0):
            raise ValueError(f"cond must be a finite number >= 1, got {cond}")
        if spectrum not in self.SPECTRA:
            raise ValueError(f"spectrum must be one of {self.SPECTRA}, got {spectrum!r}")
        gen = np.random.default_rng(rng) if (rotate or rng is not None) else None
        super().__init__(dim, x_opt, x0, rotate=rotate, rng=gen)
        self.cond, self.spectrum = cond, spectrum
        if self.dim == 1:
            eigvals = np.ones(1)
        elif spectrum == "log":
            eigvals = cond ** np.linspace(0.0, 1.0, self.dim)
        elif spectrum == "one-large":
            eigvals = np.r_[cond, np.ones(self.dim - 1)]
        else:
            eigvals = np.r_[1.0, np.full(self.dim - 1, cond)]
        self.eigvals = gen.permutation(eigvals) if gen is not None else eigvals
        shape = "" if spectrum == "log" else f",{spectrum}"
        self.name = (f"quadratic(d={self.dim},cond={cond:.3g}{shape}"
                     f"{',rot' if rotate else ''})")

    def _g(self, Z):
        return 0.5 * (self._const("eigvals", Z) * Z * Z).sum(axis=-1)


class Rosenbrock(_Shifted):
    """Chained Rosenbrock ``sum(100 (z[i+1] - z[i]^2)^2 + (1 - z[i])^2)``, ``z = x - x_opt + 1``.

    ``f_opt = 0`` at ``x_opt`` (default all ones, the textbook minimizer).

    Parameters
    ----------
    dim : int
        At least 2.
    x_opt : array_like, optional
    x0 : array_like, optional
        The start (default: zeros, where ``f = dim - 1`` unshifted).
    """

    _label = "rosenbrock"
    _z_opt = 1.0
    _min_dim = 2

    def __init__(
        self, dim: int, x_opt: np.ndarray | None = None, x0: np.ndarray | None = None
    ) -> None:
        super().__init__(dim, x_opt, x0)

    def _g(self, Z):
        head, tail = Z[..., :-1], Z[..., 1:]
        return (100.0 * (tail - head * head) ** 2 + (1.0 - head) ** 2).sum(axis=-1)


class Rastrigin(_Shifted):
    """Rastrigin ``10 d + sum(z^2 - 10 cos(2 pi z))``, ``z = R (x - x_opt)``; ``f_opt = 0``.

    Parameters
    ----------
    dim : int
    x_opt : array_like, optional
        The minimizer (default: all ones).
    x0 : array_like, optional
        The start (default: zeros).
    rotate : bool, default False
    rng : seed or Generator, optional
        Randomness for the rotation.
    """

    _label = "rastrigin"

    def _g(self, Z):
        m = xp(Z)
        return 10.0 * Z.shape[-1] + (Z * Z - 10.0 * m.cos(2.0 * np.pi * Z)).sum(axis=-1)


class Ackley(_Shifted):
    """Ackley ``-20 exp(-0.2 rms(z)) - exp(mean(cos(2 pi z))) + 20 + e``; ``f_opt = 0``.

    ``z = R (x - x_opt)``. The torch gradient at ``x_opt`` is taken as 0.

    Parameters
    ----------
    dim : int
    x_opt : array_like, optional
        The minimizer (default: all ones).
    x0 : array_like, optional
        The start (default: zeros).
    rotate : bool, default False
    rng : seed or Generator, optional
        Randomness for the rotation.
    """

    _label = "ackley"

    def _g(self, Z):
        m = xp(Z)
        rms = safe_sqrt((Z * Z).mean(axis=-1))
        wave = m.cos(2.0 * np.pi * Z).mean(axis=-1)
        return -20.0 * m.exp(-0.2 * rms) - m.exp(wave) + (20.0 + np.e)


class Salomon(_Shifted):
    """Salomon ``1 - cos(2 pi ||z||) + 0.1 ||z||``, ``z = R (x - x_opt)``; ``f_opt = 0``.

    A radial funnel with concentric ripples (a training cousin of Ackley's global
    structure, which is held out). The torch gradient at ``x_opt`` is taken as 0.

    Parameters
    ----------
    dim : int
    x_opt : array_like, optional
        The minimizer (default: all ones).
    x0 : array_like, optional
        The start (default: zeros).
    rotate : bool, default False
        (The function is radial: a rotation changes nothing but the cost.)
    rng : seed or Generator, optional
        Randomness for the rotation.
    """

    _label = "salomon"

    def _g(self, Z):
        m = xp(Z)
        r = safe_sqrt((Z * Z).sum(axis=-1))
        return 1.0 - m.cos(2.0 * np.pi * r) + 0.1 * r


class Peaks(_Shifted):
    """Random Gaussian peaks, as COCO's Gallagher functions are built:
    ``10 - max_i w_i exp(-sum_j c_ij (z_j - y_ij)^2 / (2 d))``, ``z = R (x - x_opt)``;
    ``f_opt = 0``.

    The global peak (``w = 10``) sits at ``z = 0``, that is at ``x_opt``; the others
    (heights from 1.1 to 9.1) at ``y_i ~ U(-spread, spread)^d``. Each peak has its own
    axis-parallel conditioning ``c_i``: the coordinate scales ``a^(k/(d-1))`` for a
    random permutation ``k`` of ``0..d-1``, divided by ``sqrt(a)``, with ``a = 1000``
    for the global peak and ``a = 1000^(2u)``, ``u ~ U(0, 1)``, for the others. Far
    from every peak the function is flat at 10.

    Parameters
    ----------
    dim : int
    x_opt : array_like, optional
        The global peak (default: all ones).
    x0 : array_like, optional
        The start (default: zeros).
    rotate : bool, default False
    rng : seed or Generator, optional
        Randomness for the peaks and the rotation.
    peaks : int, default 21
        Number of peaks, the global one included.
    spread : float, default 4.0
    """

    _label = "peaks"

    def __init__(self, dim: int, x_opt: np.ndarray | None = None,
                 x0: np.ndarray | None = None, rotate: bool = False, rng: object = None,
                 peaks: int = 21, spread: float = 4.0) -> None:
        peaks = int(peaks)
        if peaks < 1:
            raise ValueError(f"peaks must be at least 1, got {peaks}")
        if not float(spread) > 0:
            raise ValueError(f"spread must be positive, got {spread}")
        rng = np.random.default_rng(rng)
        super().__init__(dim, x_opt, x0, rotate, rng)
        d = self.dim
        self.centers = np.vstack([np.zeros((1, d)),
                                  rng.uniform(-spread, spread, (peaks - 1, d))])
        self.heights = np.concatenate([[10.0], np.linspace(1.1, 9.1, peaks - 1)])
        conds = np.concatenate([[1000.0], 1000.0 ** (2 * rng.random(peaks - 1))])
        k = np.array([rng.permutation(d) for _ in range(peaks)]) / max(d - 1, 1)
        self.scales = conds[:, None] ** k / np.sqrt(conds)[:, None]
        self.name = f"peaks(d={d},n={peaks}{',rot' if rotate else ''})"

    def _g(self, Z):
        m = xp(Z)
        diff = Z[..., None, :] - self._const("centers", Z)
        q = (self._const("scales", Z) * diff * diff).sum(axis=-1) / (2.0 * self.dim)
        return 10.0 - max_last(self._const("heights", Z) * m.exp(-q))


class Alpine(_Shifted):
    """Alpine N.1 ``sum |z sin(z) + 0.1 z|``, ``z = R (x - x_opt)``; ``f_opt = 0``.

    Separable (without rotation), non-smooth and multimodal.

    Parameters
    ----------
    dim : int
    x_opt : array_like, optional
        The minimizer (default: all ones).
    x0 : array_like, optional
        The start (default: zeros).
    rotate : bool, default False
    rng : seed or Generator, optional
        Randomness for the rotation.
    """

    _label = "alpine"

    def _g(self, Z):
        m = xp(Z)
        return m.abs(Z * m.sin(Z) + 0.1 * Z).sum(axis=-1)


# Minimizer of the Styblinski-Tang term 0.5 (z^4 - 16 z^2 + 5 z): the root of its
# derivative 2 z^3 - 16 z + 2.5 near -2.9035.
_ST_Z = float(min(r.real for r in np.roots([2.0, 0.0, -16.0, 2.5]) if abs(r.imag) < 1e-12))
_ST_MIN = 0.5 * (_ST_Z**4 - 16.0 * _ST_Z**2 + 5.0 * _ST_Z)


class StyblinskiTang(_Shifted):
    """Styblinski-Tang ``0.5 sum(z^4 - 16 z^2 + 5 z)`` on the box ``z in [-5, 5]^d``.

    ``z = x - x_opt + z*`` with ``z* = -2.9035...``; ``f_opt = -39.166... d``. Multimodal
    (``2^d`` local minima); the only classic function here with bounds.

    Parameters
    ----------
    dim : int
    x_opt : array_like, optional
        The minimizer (default: the textbook one, ``z*`` in every coordinate).
    x0 : array_like, optional
        The start (default: zeros).
    """

    _label = "styblinski-tang"
    _z_opt = _ST_Z
    _default_x_opt = _ST_Z

    def __init__(
        self, dim: int, x_opt: np.ndarray | None = None, x0: np.ndarray | None = None
    ) -> None:
        super().__init__(dim, x_opt, x0)
        center = self.x_opt - _ST_Z
        self.bounds = (center - 5.0, center + 5.0)

    def _g_opt(self, dim: int) -> float:
        return _ST_MIN * dim

    def _g(self, Z):
        Z2 = Z * Z
        return 0.5 * (Z2 * Z2 - 16.0 * Z2 + 5.0 * Z).sum(axis=-1)


class Levy(_Shifted):
    """Levy function, with ``w = 1 + (z - 1) / 4`` and ``z = x - x_opt + 1``; ``f_opt = 0``.

    ``sin^2(pi w_1) + sum_{i<d} (w_i - 1)^2 (1 + 10 sin^2(pi w_i + 1))
    + (w_d - 1)^2 (1 + sin^2(2 pi w_d))``.

    Parameters
    ----------
    dim : int
    x_opt : array_like, optional
        The minimizer (default: all ones, the textbook one).
    x0 : array_like, optional
        The start (default: zeros).
    """

    _label = "levy"
    _z_opt = 1.0

    def __init__(
        self, dim: int, x_opt: np.ndarray | None = None, x0: np.ndarray | None = None
    ) -> None:
        super().__init__(dim, x_opt, x0)

    def _g(self, Z):
        m = xp(Z)
        W = 1.0 + (Z - 1.0) / 4.0
        head, last = W[..., :-1], W[..., -1]
        first = m.sin(np.pi * W[..., 0]) ** 2
        middle = ((head - 1.0) ** 2 * (1.0 + 10.0 * m.sin(np.pi * head + 1.0) ** 2)).sum(axis=-1)
        end = (last - 1.0) ** 2 * (1.0 + m.sin(2.0 * np.pi * last) ** 2)
        return first + middle + end


# -- families ---------------------------------------------------------------------------


class QuadraticFamily(Family):
    """Random :class:`Quadratic` instances.

    Parameters
    ----------
    dim : int or (int, int), default (10, 1000)
        Dimension, or a range sampled log-uniformly.
    cond : float or (float, float), default (1, 1e4)
        Condition number, or a range sampled log-uniformly.
    rotate : bool or float, default True
        Whether to rotate, or the probability of a rotated instance.
    shift : float, default 1.0
        ``x_opt ~ N(0, shift^2 I)``; the start is ``x0 = 0``.
    spectra : tuple of str, default ("log",)
        Eigenvalue shapes to draw from (see :class:`Quadratic`).
    """

    name = "quadratic"

    def __init__(
        self,
        dim: Range = (10, 1000),
        cond: Range = (1.0, 1e4),
        rotate: bool | float = True,
        shift: float = 1.0,
        spectra: tuple[str, ...] = ("log",),
    ) -> None:
        self.dim, self.cond, self.shift = dim, cond, float(shift)
        self.rotate = _probability(rotate, "rotate")
        bad = [s for s in spectra if s not in Quadratic.SPECTRA]
        if not spectra or bad:
            raise ValueError(f"spectra must be a non-empty subset of {Quadratic.SPECTRA}")
        self.spectra = tuple(spectra)

    def sample(self, rng: object = None) -> Quadratic:
        rng = np.random.default_rng(rng)
        dim = log_uniform_int(rng, self.dim, "dim")
        cond = log_uniform(rng, self.cond, "cond")
        rotate = bool(rng.random() < self.rotate)
        x_opt = self.shift * rng.standard_normal(dim)
        # drawn only when there is a choice: one-spectrum families keep their streams
        spectrum = (self.spectra[int(rng.integers(len(self.spectra)))]
                    if len(self.spectra) > 1 else self.spectra[0])
        return Quadratic(dim, cond, rotate=rotate, x_opt=x_opt, rng=instance_seed(rng),
                         spectrum=spectrum)


class RosenbrockFamily(Family):
    """Random :class:`Rosenbrock` instances: ``x_opt ~ 1 + N(0, shift^2 I)``, ``x0 = 0``.

    Parameters
    ----------
    dim : int or (int, int), default (10, 200)
        Dimension (at least 2), or a range sampled log-uniformly.
    shift : float, default 0.5
    """

    name = "rosenbrock"

    def __init__(self, dim: Range = (10, 200), shift: float = 0.5) -> None:
        self.dim, self.shift = dim, float(shift)

    def sample(self, rng: object = None) -> Rosenbrock:
        rng = np.random.default_rng(rng)
        dim = log_uniform_int(rng, self.dim, "dim")
        return Rosenbrock(dim, x_opt=1.0 + self.shift * rng.standard_normal(dim))


class _MultimodalFamily(Family):
    """Random instances of a shifted, optionally rotated multimodal function."""

    problem: type[_Shifted]

    def __init__(
        self, dim: Range = (10, 200), shift: float = 3.0, rotate: bool | float = 0.5
    ) -> None:
        self.dim, self.shift = dim, float(shift)
        self.rotate = _probability(rotate, "rotate")

    def sample(self, rng: object = None) -> Problem:
        rng = np.random.default_rng(rng)
        dim = log_uniform_int(rng, self.dim, "dim")
        rotate = bool(rng.random() < self.rotate)
        x_opt = rng.uniform(-self.shift, self.shift, dim)
        return self.problem(dim, x_opt=x_opt, rotate=rotate, rng=instance_seed(rng))


class PeaksFamily(_MultimodalFamily):
    """Random :class:`Peaks` instances (Gallagher-like): ``x_opt ~ U(-shift, shift)^d``,
    ``x0 = 0``, 21 peaks spread over ``U(-4, 4)^d`` around it.

    Parameters
    ----------
    dim : int or (int, int), default (10, 200)
    shift : float, default 3.0
    rotate : bool or float, default 0.5
        Whether to rotate, or the probability of a rotated instance.
    """

    name = "peaks"
    problem = Peaks


class RastriginFamily(_MultimodalFamily):
    """Random :class:`Rastrigin` instances: ``x_opt ~ U(-shift, shift)^d``, ``x0 = 0``.

    Parameters
    ----------
    dim : int or (int, int), default (10, 200)
    shift : float, default 3.0
    rotate : bool or float, default 0.5
        Whether to rotate, or the probability of a rotated instance.
    """

    name = "rastrigin"
    problem = Rastrigin


class AckleyFamily(_MultimodalFamily):
    """Random :class:`Ackley` instances: ``x_opt ~ U(-shift, shift)^d``, ``x0 = 0``.

    Parameters
    ----------
    dim : int or (int, int), default (10, 200)
    shift : float, default 3.0
    rotate : bool or float, default 0.5
        Whether to rotate, or the probability of a rotated instance.
    """

    name = "ackley"
    problem = Ackley


class SalomonFamily(_MultimodalFamily):
    """Random :class:`Salomon` instances: ``x_opt ~ U(-shift, shift)^d``, ``x0 = 0``.

    Parameters
    ----------
    dim : int or (int, int), default (10, 200)
    shift : float, default 3.0
    rotate : bool or float, default 0
        Whether to rotate, or the probability of a rotated instance (a radial
        function: rotation only costs time).
    """

    name = "salomon"
    problem = Salomon

    def __init__(self, dim: Range = (10, 200), shift: float = 3.0,
                 rotate: bool | float = 0.0) -> None:
        super().__init__(dim, shift, rotate)


class AlpineFamily(_MultimodalFamily):
    """Random :class:`Alpine` instances: ``x_opt ~ U(-shift, shift)^d``, ``x0 = 0``.

    Parameters
    ----------
    dim : int or (int, int), default (10, 200)
    shift : float, default 3.0
    rotate : bool or float, default 0.5
        Whether to rotate, or the probability of a rotated instance.
    """

    name = "alpine"
    problem = Alpine


class StyblinskiTangFamily(Family):
    """Random :class:`StyblinskiTang` instances: ``x_opt ~ z* + U(-shift, shift)^d``, ``x0 = 0``.

    Parameters
    ----------
    dim : int or (int, int), default (10, 200)
    shift : float, default 1.0
    """

    name = "styblinski"

    def __init__(self, dim: Range = (10, 200), shift: float = 1.0) -> None:
        self.dim, self.shift = dim, float(shift)

    def sample(self, rng: object = None) -> StyblinskiTang:
        rng = np.random.default_rng(rng)
        dim = log_uniform_int(rng, self.dim, "dim")
        return StyblinskiTang(dim, x_opt=_ST_Z + rng.uniform(-self.shift, self.shift, dim))


class LevyFamily(Family):
    """Random :class:`Levy` instances: ``x_opt ~ 1 + U(-shift, shift)^d``, ``x0 = 0``.

    Parameters
    ----------
    dim : int or (int, int), default (10, 200)
    shift : float, default 2.0
    """

    name = "levy"

    def __init__(self, dim: Range = (10, 200), shift: float = 2.0) -> None:
        self.dim, self.shift = dim, float(shift)

    def sample(self, rng: object = None) -> Levy:
        rng = np.random.default_rng(rng)
        dim = log_uniform_int(rng, self.dim, "dim")
        return Levy(dim, x_opt=1.0 + rng.uniform(-self.shift, self.shift, dim))
