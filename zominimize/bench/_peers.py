"""Drivers of the peers that are not zominimize methods: SciPy, pycma, nevergrad, evosax.

Each driver evaluates only through the runner's counting wrapper ``counted``, which
stops the run (by raising) at the budget or the time limit; a driver therefore loops
until it is stopped, or returns when its method ends by itself.

Initial steps: SciPy's methods take the bench option ``step`` (the initial change
per coordinate: COBYLA's ``rhobeg``, COBYQA's ``initial_tr_radius``, a Nelder-Mead
simplex ``x0 + step * e_i``, Powell directions ``step * e_i``); pycma, NGOpt and LES
take ``sigma0`` (default: the problem's ``x_scale``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._spec import Spec

__all__ = ["PEERS", "SCIPY_METHODS", "cma_seed", "check_peer", "run_peer"]

#: SciPy's derivative-free methods that the benchmark runs (through
#: :func:`scipy.optimize.minimize`), with the option that carries the budget.
SCIPY_METHODS = {"nelder-mead": "maxfev", "powell": "maxfev", "cobyla": "maxiter",
                 "cobyqa": "maxfev"}

#: Other peers: name -> (kind, the package and how to install it).
PEERS = {
    "cma": ("cma", "cma", "pip install cma"),
    "cma-es": ("cma", "cma", "pip install cma"),
    "ngopt": ("ngopt", "nevergrad", "pip install nevergrad"),
    "les": ("les", "evosax", "pip install evosax (CPU JAX)"),
}

_NGOPT_OPTIONS = ("sigma0", "optimizer")
_LES_OPTIONS = ("sigma0", "popsize")


def substitute(options: dict, problem: Any | None) -> dict:
    """Replace the value ``"x_scale"`` by the problem's ``x_scale`` (1 without one)."""
    scale = 1.0 if problem is None else float(problem.x_scale)
    return {k: (scale if v == "x_scale" else v) for k, v in options.items()}


def _import(kind: str):
    name, hint = {"cma": ("cma", "pip install cma"),
                  "ngopt": ("nevergrad", "pip install nevergrad"),
                  "les": ("evosax", "pip install evosax")}[kind]
    try:
        return __import__(name)
    except ImportError as exc:
        raise ImportError(f"method {kind!r} needs {name}: {hint} (or zominimize[bench])"
                          ) from exc


def check_peer(kind: str, spec: Spec) -> None:
    """Check that a non-zominimize method can run here with its options.

    Raises
    ------
    ImportError
        When its package is missing.
    TypeError
        For an unknown option.
    """
    if kind == "scipy":
        if spec.options:
            _check_scipy_options(spec)
        return
    _import(kind)
    allowed = {"ngopt": _NGOPT_OPTIONS, "les": _LES_OPTIONS}.get(kind)
    if allowed is not None:
        unknown = set(spec.options) - set(allowed)
        if unknown:
            raise TypeError(f"method {spec.name!r}: unknown option(s) "
                            f"{', '.join(sorted(unknown))}; it takes {', '.join(allowed)}")
    if kind == "ngopt":
        import nevergrad as ng

        name = spec.options.get("optimizer", "NGOpt")
        if name not in ng.optimizers.registry:
            raise TypeError(f"method 'ngopt': unknown nevergrad optimizer {name!r}")


def _check_scipy_options(spec: Spec) -> None:
    import scipy.optimize

    x0 = np.zeros(2)
    options = {**_scipy_options(spec, None, x0), SCIPY_METHODS[spec.name]: 10}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.filterwarnings("error", "Unknown solver options", scipy.optimize.OptimizeWarning)
        try:  # a short dry run on a constant: SciPy checks the option names
            scipy.optimize.minimize(lambda x: 0.0, x0, method=spec.name, options=options)
        except scipy.optimize.OptimizeWarning as exc:
            raise TypeError(f"method {spec.name!r}: {exc}") from None


def _scipy_options(spec: Spec, problem, x0: np.ndarray) -> dict:
    """SciPy's options of ``spec``, with the bench option ``step`` translated."""
    options = substitute(spec.options, problem)
    step = options.pop("step", None)
    if step is None:
        return options
    step = float(step)
    if not step > 0:
        raise ValueError(f"method {spec}: `step` must be positive, got {step}")
    n = x0.size
    translated = {
        "cobyla": ("rhobeg", lambda: step),
        "cobyqa": ("initial_tr_radius", lambda: step),
        "nelder-mead": ("initial_simplex", lambda: np.vstack([x0, x0 + step * np.eye(n)])),
        "powell": ("direc", lambda: step * np.eye(n)),
    }[spec.name]
    key, value = translated
    if key in options:
        raise TypeError(f"method {spec}: give `step` or `{key}`, not both")
    options[key] = value()
    return options


def run_peer(kind: str, spec: Spec, problem, counted, seed: int, vectorized: bool) -> None:
    """Run a non-zominimize method on ``problem`` through ``counted``."""
    if kind == "scipy":
        run_scipy(spec, problem, counted)
    elif kind == "cma":
        run_cma(spec, problem, counted, seed, vectorized)
    elif kind == "ngopt":
        run_ngopt(spec, problem, counted, seed)
    elif kind == "les":
        run_les(spec, problem, counted, seed, vectorized)
    else:
        raise ValueError(f"unknown kind of method {kind!r}")


def _bounds(problem):
    if problem.bounds is None:
        return None
    from scipy.optimize import Bounds

    return Bounds(*problem.bounds)


def run_scipy(spec: Spec, problem, counted) -> None:
    import scipy.optimize

    x0 = np.asarray(problem.x0, dtype=np.float64)
    options = {SCIPY_METHODS[spec.name]: counted.budget}
    options.update(_scipy_options(spec, problem, x0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scipy.optimize.OptimizeWarning)
        warnings.filterwarnings("ignore", ".*Invalid MAXFUN", UserWarning)  # tiny budgets
        scipy.optimize.minimize(counted, x0, method=spec.name, bounds=_bounds(problem),
                                options=options)


def cma_seed(seed: int) -> int:
    """pycma's ``seed`` option for benchmark seed ``seed`` (never 0, which pycma
    reads as "seed from the clock")."""
    return int(np.random.SeedSequence(int(seed)).generate_state(1)[0]) % (2**31 - 1) + 1


def _evaluate(counted, X: np.ndarray, vectorized: bool) -> np.ndarray:
    if vectorized:
        return counted.vectorized(np.asarray(X, dtype=np.float64).T)
    return np.array([counted(x) for x in X])


def run_cma(spec: Spec, problem, counted, seed: int, vectorized: bool) -> None:
    import cma

    options = substitute(spec.options, problem)
    sigma0 = float(options.pop("sigma0", problem.x_scale))
    inopts = {"seed": cma_seed(seed), "verbose": -9, "maxfevals": counted.budget}
    if problem.bounds is not None:
        inopts["bounds"] = [list(problem.bounds[0]), list(problem.bounds[1])]
    inopts.update(options)
    vec = bool(vectorized and hasattr(problem, "vectorized"))
    counted(problem.x0)  # the shared start is evaluated first, as by every other method
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pycma's notes on large dimensions and flat fitness
        es = cma.CMAEvolutionStrategy(problem.x0, sigma0, inopts)
        while not es.stop():
            X = es.ask()
            F = _evaluate(counted, np.asarray(X), vec)
            es.tell(X, list(F))


def _scalar(value) -> float:
    """``float`` that also takes a one-element array (NumPy >= 2.3 refuses that)."""
    arr = np.asarray(value)
    return float(arr.reshape(-1)[0]) if arr.size == 1 else float(value)


def _nevergrad_numpy_compat() -> None:
    """nevergrad 1.0's MetaModel (which NGOpt selects on small budgets) calls
    ``float()`` on one-element arrays; shadow ``float`` in that module only."""
    from nevergrad.optimization import metamodel

    if getattr(metamodel, "float", None) is not _scalar:
        metamodel.float = _scalar


def run_ngopt(spec: Spec, problem, counted, seed: int) -> None:
    """nevergrad's NGOpt (or ``optimizer=NAME``), one candidate at a time; the start
    is ``x0`` with mutation scale ``sigma0``, unbounded unless the problem has bounds."""
    import nevergrad as ng

    _nevergrad_numpy_compat()

    options = substitute(spec.options, problem)
    sigma0 = float(options.pop("sigma0", problem.x_scale))
    name = options.pop("optimizer", "NGOpt")
    x0 = np.asarray(problem.x0, dtype=np.float64)
    param = ng.p.Array(init=x0.copy()).set_mutation(sigma=sigma0)
    if problem.bounds is not None:
        param.set_bounds(*problem.bounds)
    param.random_state = np.random.RandomState(cma_seed(seed))
    counted(x0)  # the shared start first, as for every method
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nevergrad's notes on budgets and bounds
        opt = ng.optimizers.registry[name](parametrization=param, budget=counted.budget,
                                           num_workers=1)
        worst = None
        while True:
            cand = opt.ask()
            f = counted(np.asarray(cand.value, dtype=np.float64))
            if np.isfinite(f):
                worst = f if worst is None else max(worst, f)
            else:  # never tell a NaN: the worst value seen (or a large one) instead
                f = 1e300 if worst is None else worst
            opt.tell(cand, f)


_LES_CACHE: dict[tuple[int, int], Any] = {}


def les_popsize(dim: int) -> int:
    """LES's default population: CMA-ES's ``4 + floor(3 ln d)``."""
    return 4 + int(3 * np.log(dim))


def _les(pop: int, dim: int):
    """The LES object of a population size and dimension (its jitted functions are
    compiled once per process); call with JAX's x64 mode on."""
    import jax.numpy as jnp
    from evosax.algorithms import LearnedES

    key = (pop, dim)
    if key not in _LES_CACHE:
        _LES_CACHE[key] = LearnedES(population_size=pop, solution=jnp.zeros(dim))
    return _LES_CACHE[key]


class _WarmupDone(Exception):
    pass


def warm_les(spec: Spec, problem) -> None:
    """Compile LES's functions for this problem's dimension: two generations of the
    same loop on a constant function."""
    dim = int(np.asarray(problem.x0).size)
    pop = int(spec.options.get("popsize", les_popsize(dim)))
    calls = []

    def evaluate(X):
        calls.append(1)
        if len(calls) > 2:
            raise _WarmupDone
        return np.zeros(len(X))

    try:
        _les_loop(pop, np.zeros(dim), 1.0, 0, evaluate)
    except _WarmupDone:
        pass


def _les_loop(pop: int, x0: np.ndarray, sigma0: float, seed: int, evaluate) -> None:
    import jax
    import jax.numpy as jnp

    x64 = getattr(jax, "enable_x64", None)  # older JAX: jax.experimental.enable_x64()
    with x64(True) if x64 is not None else jax.experimental.enable_x64():
        es = _les(pop, x0.size)
        params = es.default_params.replace(std_init=sigma0)
        rng = jax.random.key(int(seed))
        rng, k0 = jax.random.split(rng)
        state = es.init(k0, jnp.asarray(x0), params)
        while True:
            rng, k_ask, k_tell = jax.random.split(rng, 3)
            X, state = es.ask(k_ask, state, params)
            F = evaluate(np.asarray(X, dtype=np.float64))
            finite = np.isfinite(F)
            if not finite.all():  # rank-based features: non-finite values rank last
                F = np.where(finite, F, F[finite].max() if finite.any() else 0.0)
            state, _ = es.tell(k_tell, X, jnp.asarray(F), state, params)


def run_les(spec: Spec, problem, counted, seed: int, vectorized: bool) -> None:
    """The learned evolution strategy LES (Lange et al., 2023) of evosax, with the
    meta-trained parameters evosax bundles (its default checkpoint), on CPU JAX in
    float64 (JAX's x64 mode for this run only: in float32, values that differ by less
    than 1e-7 relative tie, and LES could not reach COCO's 1e-8 precisions). Mean
    ``x0``, initial standard deviation ``sigma0``, population ``popsize``."""
    options = substitute(spec.options, problem)
    sigma0 = float(options.pop("sigma0", problem.x_scale))
    x0 = np.asarray(problem.x0, dtype=np.float64)
    pop = int(options.pop("popsize", les_popsize(x0.size)))
    vec = bool(vectorized and hasattr(problem, "vectorized"))
    counted(x0)  # the shared start first, as for every method
    _les_loop(pop, x0, sigma0, seed, lambda X: _evaluate(counted, X, vec))
