"""COCO's BBOB functions (Hansen et al.), read through ``ioh``, as benchmark problems.

A problem spec ``bbob[fid=F,dim=D]`` names function ``F`` (1..24) in dimension
``D``; seed ``s`` of a benchmark selects instance ``s + iid_offset`` (COCO numbers
instances from 1, so the reported suites run seeds 1..5; ``iid_offset=100`` gives the
validation instances 101..105). ``instance=I`` pins one instance for every seed.

Every solver starts from ``x0 = 0`` (COCO's initial point) and is unconstrained:
COCO's ``[-5, 5]^d`` is the region of interest, not a constraint, and no solver is
told about it. The step-size hint ``x_scale`` is 2, the initial step per coordinate
the BBOB suites give every solver that takes one. The optimum ``f_opt`` is known,
so results are precisions ``f - f_opt``.
"""

from __future__ import annotations

import functools

import numpy as np

from ._spec import Spec

__all__ = ["BBOB_GROUPS", "BBOB_NAMES", "BBOBProblem", "bbob_info", "check_bbob", "check_options",
           "instance_of", "make_bbob"]

#: COCO's five function groups of BBOB.
BBOB_GROUPS: dict[str, tuple[int, ...]] = {
    "separable": (1, 2, 3, 4, 5),
    "moderate": (6, 7, 8, 9),
    "ill-conditioned": (10, 11, 12, 13, 14),
    "multimodal": (15, 16, 17, 18, 19),
    "weakly structured": (20, 21, 22, 23, 24),
}

#: Short names of the 24 functions, as COCO lists them.
BBOB_NAMES: dict[int, str] = {
    1: "Sphere", 2: "Ellipsoid separable", 3: "Rastrigin separable",
    4: "Skew Rastrigin-Bueche", 5: "Linear slope", 6: "Attractive sector",
    7: "Step-ellipsoid", 8: "Rosenbrock", 9: "Rosenbrock rotated", 10: "Ellipsoid",
    11: "Discus", 12: "Bent cigar", 13: "Sharp ridge", 14: "Sum of different powers",
    15: "Rastrigin", 16: "Weierstrass", 17: "Schaffer F7", 18: "Schaffer F7 ill-cond.",
    19: "Griewank-Rosenbrock", 20: "Schwefel x*sin(x)", 21: "Gallagher 101 peaks",
    22: "Gallagher 21 peaks", 23: "Katsuura", 24: "Lunacek bi-Rastrigin",
}

_OPTIONS = ("fid", "dim", "iid_offset", "instance")

#: The spec names of COCO's testbeds here: the noiseless functions and the noisy ones
#: (``zominimize.bench._bbob_noisy``); both report as BBOB.
BBOB_TESTBEDS = ("bbob", "bbob-noisy")
#: The initial step per coordinate of the BBOB suites (and ``x_scale``).
BBOB_STEP = 2.0


def _import_ioh():
    try:
        import ioh
    except ImportError as exc:
        raise ImportError(
            "BBOB problems need the 'ioh' package: pip install ioh (or zominimize[bench])"
        ) from exc
    return ioh


def _int_option(spec: Spec, key: str, low: int, high: int | None = None) -> int:
    value = spec.options[key]
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low or (
            high is not None and value > high):
        valid = f"an integer in {low}..{high}" if high is not None else f"an integer >= {low}"
        raise ValueError(f"problem {spec}: option {key!r} must be {valid}, got {value!r}")
    return int(value)


def check_options(spec: Spec, fids: tuple[int, int], example: str) -> None:
    """Check the options of a BBOB-style spec (this testbed's or the noisy one's):
    ``fid`` in ``fids``, ``dim`` at least 2, and the optional ``iid_offset`` and
    ``instance``; ``example`` is a valid spec for the error messages."""
    unknown = set(spec.options) - set(_OPTIONS)
    if unknown:
        raise ValueError(f"problem {spec}: unknown option(s) {', '.join(sorted(unknown))}; "
                         f"{spec.name} takes {', '.join(_OPTIONS)}")
    for key in ("fid", "dim"):
        if key not in spec.options:
            raise ValueError(f"problem {spec}: give {key!r}, e.g. '{example}'")
    _int_option(spec, "fid", *fids)
    _int_option(spec, "dim", 2)
    if "iid_offset" in spec.options:
        _int_option(spec, "iid_offset", 0)
    if "instance" in spec.options:
        _int_option(spec, "instance", 1)


def instance_of(spec: Spec, seed: int) -> int:
    """The instance that benchmark seed ``seed`` selects: ``instance`` where the spec
    pins one, else ``seed + iid_offset`` (COCO numbers instances from 1)."""
    instance = spec.options.get("instance")
    if instance is None:
        instance = int(seed) + int(spec.options.get("iid_offset", 0))
        if instance < 1:
            raise ValueError(
                f"problem {spec}: seed {seed} selects instance {instance}, but BBOB "
                "instances start at 1: use seeds 1..N (--seeds 1-5) or iid_offset")
    return int(instance)


def check_bbob(spec: Spec) -> Spec:
    """Check a ``bbob[...]`` spec's options (and that ``ioh`` is importable).

    Raises
    ------
    ValueError
        For a missing ``fid`` or ``dim``, an unknown option, or a value out of range.
    ImportError
        When ``ioh`` is not installed.
    """
    check_options(spec, (1, 24), "bbob[fid=1,dim=10]")
    _import_ioh()
    return spec


def bbob_info(spec: Spec) -> tuple[int, int, int]:
    """``(fid, dim, iid_offset)`` of a ``bbob[...]`` spec."""
    o = spec.options
    return int(o["fid"]), int(o["dim"]), int(o.get("iid_offset", 0))


def make_bbob(spec: Spec, seed: int) -> BBOBProblem:
    """The instance of ``spec`` that benchmark seed ``seed`` selects."""
    check_bbob(spec)
    fid, dim, _ = bbob_info(spec)
    return BBOBProblem(fid, dim, instance_of(spec, seed))


@functools.lru_cache(maxsize=48)
def _ioh_problem(fid: int, instance: int, dim: int):
    """The ``ioh`` problem, built once per process: building one takes 30-40 s at
    d = 1000 (its rotations), and a suite runs each instance dozens of times (48 fit the
    largest suite's 40 instances; up to about 16 MB each at d = 1000)."""
    ioh = _import_ioh()
    return ioh.get_problem(fid, instance, dim, ioh.ProblemClass.BBOB)


class BBOBProblem:
    """Instance ``instance`` of BBOB function ``fid`` in dimension ``dim`` (via ``ioh``).

    Has the attributes and calling conventions of
    :class:`zominimize.problems.Problem` that benchmarks use (no torch form).

    Parameters
    ----------
    fid : int
        The function, 1..24.
    dim : int
    instance : int
        COCO's instance number (1, 2, ...): the shift, rotation and ``f_opt``.
    """

    noisy = False
    bounds = None
    x_scale = BBOB_STEP

    def __init__(self, fid: int, dim: int, instance: int):
        self.fid, self.dim, self.instance = int(fid), int(dim), int(instance)
        self._build()
        self.name = f"bbob_f{self.fid}_i{self.instance}_d{self.dim}"
        self.x0 = np.zeros(self.dim)
        self.f_opt = float(self._p.optimum.y)
        self.f_lower = self.f_opt
        self.x_opt = np.asarray(self._p.optimum.x, dtype=np.float64)

    def _build(self) -> None:
        self._p = _ioh_problem(self.fid, self.instance, self.dim)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["_p"]  # rebuilt from (fid, instance, dim) after unpickling
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._build()

    def __call__(self, x: np.ndarray) -> float:
        x = np.asarray(x, dtype=np.float64)
        if x.shape != (self.dim,):
            raise ValueError(f"x must have shape ({self.dim},), got {x.shape}")
        return float(self._p(x))

    def batch(self, X: np.ndarray) -> np.ndarray:
        """Values of the rows of ``X`` (shape ``(m, dim)``)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.dim:
            raise ValueError(f"X must have shape (m, {self.dim}), got {X.shape}")
        if X.shape[0] == 0:
            return np.zeros(0)
        return np.asarray(self._p(np.ascontiguousarray(X)), dtype=np.float64).reshape(-1)

    def vectorized(self, X: np.ndarray) -> np.ndarray:
        """Values of the columns of ``X`` (SciPy's ``vectorized`` convention)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] != self.dim:
            raise ValueError(f"X must have shape ({self.dim}, S), got {X.shape}")
        return self.batch(X.T)

    def __repr__(self) -> str:
        return f"<BBOBProblem {self.name!r} ({BBOB_NAMES[self.fid]})>"
