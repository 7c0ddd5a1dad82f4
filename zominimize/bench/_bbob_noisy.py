"""COCO's noisy BBOB functions (f101--f130, the ``bbob-noisy`` suite), read through
pycma's reference implementation (``cma.bbobbenchmarks``), as benchmark problems.

A problem spec ``bbob-noisy[fid=F,dim=D]`` names function ``F`` (101..130) in
dimension ``D``; seed ``s`` selects instance ``s + iid_offset``, and ``instance=I``
pins one, as for :mod:`zominimize.bench._bbob`. Every solver starts from ``x0 = 0``
with the initial step 2 and sees only the noisy values.

Each function is a noise-free BBOB function (sphere, Rosenbrock, step ellipsoid,
ellipsoid, sum of different powers, Schaffer F7, Griewank--Rosenbrock, Gallagher)
under one of COCO's three noise models (Gaussian, uniform, Cauchy with outliers);
f101--f106 have moderate noise, f107--f130 severe. As in COCO's own recording, a run
is scored on the *noise-free* values of the points it evaluated
(:meth:`BBOBNoisyProblem.evaluate_full`): the precision is the best noise-free value
found minus ``f_opt``.

pycma draws the noise from NumPy's global generator and from module-level counters.
So that a run is reproducible whatever else uses that generator (CMA-ES does), each
problem keeps its own noise stream, seeded from ``(fid, dim, instance)``, and swaps it
in around each evaluation, restoring the global state after: the noise of a run
depends only on the instance and on the sequence of points evaluated. Evaluate a
problem from one thread at a time.
"""

from __future__ import annotations

import numpy as np

from ._bbob import BBOB_STEP, check_options, instance_of
from ._spec import Spec

__all__ = ["BBOB_NOISY_NAMES", "BBOBNoisyProblem", "check_bbob_noisy", "make_bbob_noisy"]

_BASES = ("Sphere", "Rosenbrock", "Step-ellipsoid", "Ellipsoid", "Sum of different powers",
          "Schaffer F7", "Griewank-Rosenbrock", "Gallagher 101 peaks")
_MODELS = ("Gauss", "uniform", "Cauchy")

#: Short names of f101--f130, as COCO lists them (function, noise model, level).
BBOB_NOISY_NAMES: dict[int, str] = {
    **{101 + 3 * b + m: f"{_BASES[b]}, moderate {_MODELS[m]}"
       for b in range(2) for m in range(3)},
    **{107 + 3 * b + m: f"{_BASES[b]}, {_MODELS[m]}" for b in range(8) for m in range(3)},
}


def _import_bbobbenchmarks():
    try:
        from cma import bbobbenchmarks
    except ImportError as exc:
        raise ImportError(
            "noisy BBOB problems need the 'cma' package (pycma): pip install cma "
            "(or zominimize[bench])") from exc
    if not hasattr(bbobbenchmarks, "F101"):
        raise ImportError("this version of 'cma' has no noisy BBOB functions; "
                          "pip install -U cma")
    return bbobbenchmarks


def check_bbob_noisy(spec: Spec) -> Spec:
    """Check a ``bbob-noisy[...]`` spec's options (and that pycma is importable).

    Raises
    ------
    ValueError
        For a missing ``fid`` or ``dim``, an unknown option, or a value out of range.
    ImportError
        When ``cma`` is not installed.
    """
    check_options(spec, (101, 130), "bbob-noisy[fid=101,dim=10]")
    _import_bbobbenchmarks()
    return spec


def make_bbob_noisy(spec: Spec, seed: int) -> BBOBNoisyProblem:
    """The instance of ``spec`` that benchmark seed ``seed`` selects."""
    check_bbob_noisy(spec)
    o = spec.options
    return BBOBNoisyProblem(int(o["fid"]), int(o["dim"]), instance_of(spec, seed))


class BBOBNoisyProblem:
    """Instance ``instance`` of noisy BBOB function ``fid`` in dimension ``dim``.

    Has the attributes and calling conventions of
    :class:`zominimize.problems.Problem` that benchmarks use (no torch form): calls
    return noisy values; :meth:`evaluate_full` also returns the noise-free ones, which
    a benchmark records.

    Parameters
    ----------
    fid : int
        The function, 101..130.
    dim : int
    instance : int
        The instance number (1, 2, ...): the shift, rotation and ``f_opt``.
    """

    noisy = True
    bounds = None
    x_scale = BBOB_STEP

    def __init__(self, fid: int, dim: int, instance: int):
        self.fid, self.dim, self.instance = int(fid), int(dim), int(instance)
        self.name = f"bbob_noisy_f{self.fid}_i{self.instance}_d{self.dim}"
        self.x0 = np.zeros(self.dim)
        # the noise stream: NumPy's legacy generator (pycma's Gaussian noise) and the
        # seeds of pycma's own generators (its uniform and Cauchy noise)
        words = np.random.SeedSequence([self.fid, self.dim, self.instance]).generate_state(3)
        self._np_state = np.random.RandomState(int(words[0])).get_state()
        self._seeds = (float(1 + words[1] % 999_999_999), int(1 + words[2] % 999_999_999))
        self._build()
        self.f_opt = float(self._f.fopt)
        self.f_lower = self.f_opt

    def _build(self) -> None:
        bbob = _import_bbobbenchmarks()
        self._bbob = bbob
        self._f = getattr(bbob, f"F{self.fid}")(self.instance)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["_f"], state["_bbob"]  # rebuilt from (fid, instance) after unpickling
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._build()

    def evaluate_full(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The noisy and the noise-free values of the rows of ``X`` (shape ``(m, dim)``).

        Each call draws fresh noise from the problem's own stream (the global NumPy
        state is left as it was).
        """
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.dim:
            raise ValueError(f"X must have shape (m, {self.dim}), got {X.shape}")
        if X.shape[0] == 0:
            return np.zeros(0), np.zeros(0)
        # pycma's noise comes from the legacy global state: this problem's stream is
        # swapped in for the call and the caller's state put back
        bbob, saved = self._bbob, np.random.get_state()  # noqa: NPY002
        np.random.set_state(self._np_state)  # noqa: NPY002
        bbob._randomnseed, bbob._randomseed = self._seeds
        try:
            noisy, true = self._f._evalfull(np.array(X))  # pycma: (noisy, noise-free)
        finally:
            self._np_state = np.random.get_state()  # noqa: NPY002
            self._seeds = (bbob._randomnseed, bbob._randomseed)
            np.random.set_state(saved)  # noqa: NPY002
        return (np.asarray(noisy, dtype=np.float64).reshape(-1),
                np.asarray(true, dtype=np.float64).reshape(-1))

    def __call__(self, x: np.ndarray) -> float:
        x = np.asarray(x, dtype=np.float64)
        if x.shape != (self.dim,):
            raise ValueError(f"x must have shape ({self.dim},), got {x.shape}")
        return float(self.evaluate_full(x[None, :])[0][0])

    def batch(self, X: np.ndarray) -> np.ndarray:
        """Noisy values of the rows of ``X`` (shape ``(m, dim)``)."""
        return self.evaluate_full(X)[0]

    def vectorized(self, X: np.ndarray) -> np.ndarray:
        """Noisy values of the columns of ``X`` (SciPy's ``vectorized`` convention)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] != self.dim:
            raise ValueError(f"X must have shape ({self.dim}, S), got {X.shape}")
        return self.batch(X.T)

    def noise_free(self, x: np.ndarray) -> float:
        """The noise-free value at ``x`` (draws no noise)."""
        x = np.asarray(x, dtype=np.float64)
        if x.shape != (self.dim,):
            raise ValueError(f"x must have shape ({self.dim},), got {x.shape}")
        stream = self._np_state, self._seeds
        try:
            return float(self.evaluate_full(x[None, :])[1][0])
        finally:
            self._np_state, self._seeds = stream

    def __repr__(self) -> str:
        return f"<BBOBNoisyProblem {self.name!r} ({BBOB_NOISY_NAMES[self.fid]})>"
