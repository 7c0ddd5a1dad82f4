"""Running benchmarks: :func:`run_benchmark`, the named suites, and learning-rate tuning."""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._machine import cpu_model, torch_kernels
from ._result import (
    TUNING_CRITERION,
    BenchResult,
    best_lrs,
    merge_results,
    ran_points,
    tuning_criterion,
)
from ._runner import RunRecord, check_method, check_problem, run_one
from ._spec import Spec, parse_spec

__all__ = ["SUITES", "Suite", "extend_lr_grid", "get_suite", "run_benchmark", "run_suite",
           "tune_lr"]


@dataclass(frozen=True)
class Suite:
    """A named benchmark configuration.

    Attributes
    ----------
    name : str
    description : str
    problems : tuple of str
        Problem specs.
    methods : tuple of str
        Method specs run on every problem.
    extra_methods : dict
        ``{problem: method specs}`` run on that problem only.
    budget : int
        Evaluations per run.
    seeds : int or tuple of int
        The default seeds: a count (``0 .. n-1``) or the seeds themselves (the BBOB
        suites run seeds 1..5: COCO's instances start at 1).
    time_limit : float or None
        Default per-run time limit in seconds.
    targets : dict
        ``{problem: target value}``; other problems use the default target.
    tune : tuple of str
        Methods whose learning rate is tuned per problem (:func:`tune_lr`).
    tune_grids : dict
        ``{method: (factor, exponents)}``: the grid ``lr0 * factor**k`` of a tuned
        method; others use ``(2, -3..3)``.
    tune_extend : int
        Grid points added beyond an end of a problem's grid where its best learning
        rate lies there (:func:`extend_lr_grid`), at most this many per end.
    """

    name: str
    description: str
    problems: tuple[str, ...]
    methods: tuple[str, ...]
    extra_methods: dict[str, tuple[str, ...]] = field(default_factory=dict)
    budget: int = 4200
    seeds: int | tuple[int, ...] = 5
    time_limit: float | None = 15.0
    targets: dict[str, float] = field(default_factory=dict)
    tune: tuple[str, ...] = ()
    tune_grids: dict[str, tuple[float, tuple[int, ...]]] = field(default_factory=dict)
    tune_extend: int = 0

    def grid(self, method: str) -> tuple[float, tuple[int, ...]]:
        """``(factor, exponents)`` of the learning-rate grid of ``method``."""
        return self.tune_grids.get(str(parse_spec(method)), (2.0, tuple(range(-3, 4))))

    def seed_list(self, n: int | None = None) -> list[int]:
        """The suite's seeds, or ``n`` seeds counted from its first one."""
        first = self.seeds[0] if isinstance(self.seeds, tuple) else 0
        if n is not None:
            return list(range(first, first + int(n)))
        return list(self.seeds) if isinstance(self.seeds, tuple) else list(range(self.seeds))


#: Points a suite's lr grid may grow beyond an end where a problem's best lies there:
#: at d = 500 and 1,000 the largest rate of the first BBOB grids was still ZO-Adam's
#: best on most functions, and ZO-SGD's on the paper's classification task.
GRID_EXTEND = 4

_BASELINES = ("zo-sgd", "zo-signsgd", "zo-adam", "l2l-zo", "nelder-mead", "powell", "cobyla",
              "cobyqa", "cma")

# HELD_OUT_FAMILIES of zominimize.problems, less the attack (spelled out so that
# importing this module does not import torch; a test checks they agree).
_HELD_OUT = ("ackley", "styblinski", "levy")


#: The named suites (see :class:`Suite`).
SUITES: dict[str, Suite] = {
    "paper": Suite(
        name="paper",
        description="The paper's tasks (Ruan et al., 2020): non-convex binary classification "
        "at d = 100 and 1000, and the black-box attack on digit images (d = 784); q = 20, "
        "4,200 evaluations (200 iterations); ZO baselines at the paper's learning rates, "
        "l2l-zo with its default weights (and the task's weights: attack, classification), "
        "SciPy's derivative-free methods and CMA-ES. COBYLA and COBYQA at d ~ 1000 are cut by the "
        "15 s per-run time limit, which keeps 5 seeds under 15 minutes on 2 cores.",
        problems=("classification-100", "classification-1000", "attack"),
        methods=_BASELINES,
        extra_methods={"attack": ("l2l-zo[weights=attack]",),
                       "classification-100": ("l2l-zo[weights=classification]",),
                       "classification-1000": ("l2l-zo[weights=classification]",)},
        tune_extend=GRID_EXTEND,
    ),
    "heldout": Suite(
        name="heldout",
        description="Generalization of the learned optimizer: the held-out families "
        "(Ackley, Styblinski-Tang, Levy; never trained or selected on) and Rastrigin and "
        "Rosenbrock instances, at d = 50 to 200 (Rastrigin and Rosenbrock are training "
        "families, other instances); seed s is instance s of each family.",
        problems=(*(f"{f}[dim=100]" for f in _HELD_OUT), "rastrigin[dim=50]",
                  "rosenbrock[dim=200]"),
        methods=_BASELINES,
        tune_extend=GRID_EXTEND,
    ),
}


#: The BBOB peers, each with the initial step 2 per coordinate (x0 = 0); the ZO
#: baselines are tuned per problem instead, and l2l-zo starts with sigma0 = 2.
BBOB_PEERS = ("cma[sigma0=2]", "nelder-mead[step=2]", "powell[step=2]", "cobyla[step=2]",
              "cobyqa[step=2]", "ngopt[sigma0=2]", "les[sigma0=2]")
BBOB_L2L = "l2l-zo[sigma0=2]"
BBOB_TUNED = ("zo-sgd", "zo-signsgd", "zo-adam")


def _bbob(fids, dims, offset: int = 0) -> tuple[str, ...]:
    extra = f",iid_offset={offset}" if offset else ""
    return tuple(f"bbob[fid={f},dim={d}{extra}]" for d in dims for f in fids)


#: Learning-rate grids of the BBOB suites, lr0 * factor**k: wide enough that the best
#: lr of each method lay inside on a probe of BBOB f1-f14 (ZO-SGD's best lr spans
#: eight decades, as BBOB's function values do).
BBOB_GRIDS = {"zo-sgd": (4.0, tuple(range(-12, 4))),
              "zo-signsgd": (2.0, tuple(range(-8, 3))),
              "zo-adam": (2.0, tuple(range(-6, 5)))}

_BBOB_PROTOCOL = ("x0 = 0, unconstrained (COCO's [-5, 5]^d is the region of interest, "
                  "given to no solver), initial step 2 per coordinate (CMA-ES, NGOpt and "
                  "LES sigma0 = 2, l2l-zo sigma0 = 2, COBYLA rhobeg = 2, COBYQA initial "
                  "radius 2, a Nelder-Mead simplex of edge 2, Powell directions 2 e_i), "
                  "ZO-SGD, ZO-signSGD and ZO-Adam with the lr tuned per problem (the "
                  "lowest median final precision over the instances) on "
                  "lr0 * 4^k, k = -12..3 (ZO-SGD), lr0 * 2^k, k = -8..2 (ZO-signSGD) and "
                  "k = -6..4 (ZO-Adam), each carried up to 4 points further where a "
                  "problem's best lies at an end; 4,200 evaluations, seeds 1..5 (seed s is "
                  "instance s")


def _bbob_suite(name: str, description: str, problems: tuple[str, ...]) -> Suite:
    """A BBOB suite: every BBOB peer, the tuned ZO baselines and l2l-zo, seeds 1..5."""
    return Suite(name=name, description=description, problems=problems,
                 methods=(*BBOB_PEERS, BBOB_L2L), seeds=(1, 2, 3, 4, 5), tune=BBOB_TUNED,
                 tune_grids=BBOB_GRIDS, tune_extend=GRID_EXTEND)


SUITES["bbob-val"] = _bbob_suite(
    "bbob-val",
    "The validation set of the fifth-round protocol: BBOB f1-f14 on instances "
    "101-105 at d = 5, 20 and 100; " + _BBOB_PROTOCOL + " + 100). The only BBOB "
    "problems on which weights and rules may be selected.",
    _bbob(range(1, 15), (5, 20, 100), offset=100),
)
SUITES["bbob"] = _bbob_suite(
    "bbob",
    "COCO's BBOB f1-f24 at d = 2, 5, 10, 20 and 40 on instances 1-5 (the "
    "reported instances; f15-f24 never trained or selected on); " + _BBOB_PROTOCOL + ").",
    _bbob(range(1, 25), (2, 5, 10, 20, 40)),
)
SUITES["bbob-large"] = _bbob_suite(
    "bbob-large",
    "The large-scale set: COCO's BBOB f1-f24 at d = 100 and every third "
    "function (f1, f4, ..., f22: every group) at d = 500, on instances 1-5 (d = 500 for "
    "all 24 would take about 6 hours of one core); " + _BBOB_PROTOCOL + ").",
    _bbob(range(1, 25), (100,)) + _bbob(range(1, 25, 3), (500,)),
)
SUITES["bbob-1000"] = _bbob_suite(
    "bbob-1000",
    "The largest set: COCO's BBOB at d = 1000, the same every third function "
    "(f1, f4, ..., f22) as bbob-large at d = 500, instances 1-5 (COBYLA and COBYQA are cut "
    "by the 15 s per-run time limit long before the budget); " + _BBOB_PROTOCOL + ").",
    _bbob(range(1, 25, 3), (1000,)),
)


SUITES["bbob-noisy"] = Suite(
    name="bbob-noisy",
    description="COCO's noisy BBOB functions f101-f130 (moderate noise f101-f106, severe "
    "f107-f130; Gaussian, uniform and Cauchy noise models) at d = 5, 20 and 40 through pycma's "
    "reference implementation, instances 1-5; every solver sees the noisy values and a run "
    "is scored, as COCO records noisy runs, on the noise-free values of the points it "
    "evaluated; l2l-zo also with accept='always'; " + _BBOB_PROTOCOL + ").",
    problems=tuple(f"bbob-noisy[fid={f},dim={d}]" for d in (5, 20, 40)
                   for f in range(101, 131)),
    methods=(*BBOB_PEERS, BBOB_L2L, "l2l-zo[sigma0=2,accept=always]"),
    seeds=(1, 2, 3, 4, 5), tune=BBOB_TUNED, tune_grids=BBOB_GRIDS, tune_extend=GRID_EXTEND,
)


def get_suite(name: str) -> Suite:
    """The suite called ``name`` (see :data:`SUITES`)."""
    try:
        return SUITES[name]
    except KeyError:
        raise ValueError(f"unknown suite {name!r}; known: {', '.join(SUITES)}") from None


def _seeds(seeds: int | Iterable[int]) -> list[int]:
    if isinstance(seeds, int | np.integer):
        if seeds < 1:
            raise ValueError(f"`seeds` must be at least 1, got {seeds}")
        return list(range(int(seeds)))
    out = [int(s) for s in seeds]
    if not out or any(s < 0 for s in out) or len(set(out)) != len(out):
        raise ValueError("`seeds` must be a count or distinct non-negative integers")
    return out


def _cost(method: Spec, problem_dim: int, time_limit: float | None) -> float:
    """A rough relative cost, to start the longest runs first."""
    weight = {"cobyla": 50.0, "cobyqa": 80.0, "cma": 5.0, "powell": 2.0}.get(method.name, 1.0)
    cost = weight * problem_dim
    if time_limit is not None:
        cost = min(cost, 1000.0 * time_limit)
    return cost


def _problem_dim(spec: Spec) -> int:
    dim = spec.options.get("dim")
    if isinstance(dim, int):
        return dim
    digits = spec.name.rsplit("-", 1)[-1]
    if digits.isdigit():
        return int(digits)
    return 784 if spec.name.startswith("attack") else 100


def environment() -> dict:
    """The versions and the machine that a result records (``meta["environment"]``).

    Returns
    -------
    dict
        ``zominimize``, ``python``, ``numpy``, ``platform``, ``cpu`` (the processor's
        model name), and where importable ``scipy``, ``torch`` and ``cma``, with
        ``torch_cpu``: the kernel set torch chose for this CPU (``"AVX2"``,
        ``"AVX512"``, ...). With the same versions, long runs at large d can differ by
        rounding between CPUs (see the FAQ).
    """
    from .. import __version__

    env = {"zominimize": __version__, "python": platform.python_version(),
           "numpy": np.__version__, "platform": platform.platform(), "cpu": cpu_model()}
    for mod in ("scipy", "torch", "cma"):
        m = sys.modules.get(mod)
        if m is None:
            try:
                m = __import__(mod)
            except ImportError:
                continue
        env[mod] = getattr(m, "__version__", "?")
    if "torch" in env:  # the kernels torch chose for this CPU round differently
        env["torch_cpu"] = torch_kernels()
    return env


def run_benchmark(
    problems: Sequence[str | Spec],
    methods: Sequence[str | Spec],
    budget: int = 4200,
    seeds: int | Iterable[int] = 5,
    *,
    extra_methods: Mapping[str, Sequence[str | Spec]] | None = None,
    targets: Mapping[str, float] | None = None,
    target_method: str = "zo-adam",
    time_limit: float | None = 60.0,
    workers: int = 1,
    vectorized: bool = True,
    fractions: Sequence[float] = (0.25, 0.5, 1.0),
    skip_unavailable: bool = False,
    progress: bool | Callable[[int, int, RunRecord], None] = False,
    meta: Mapping | None = None,
    journal: str | os.PathLike | None = None,
    keep_traces: bool = False,
) -> BenchResult:
    """Run every method on every problem for every seed, each held to ``budget``.

    Protocol: budgets count every function evaluation (runs are cut exactly at
    ``budget`` by the counting wrapper); every method starts from the problem's
    ``x0``; seed ``s`` selects problem instance ``s`` (see
    :func:`~zominimize.bench.make_problem`) and the method's ``rng``; the report
    gives the median and interquartile range of the best-so-far value at
    ``fractions`` of the budget and the evaluations needed to reach a target.

    Parameters
    ----------
    problems : sequence of str
        Problem specs: names from :func:`zominimize.problems.list_problems` or
        families from :func:`~zominimize.problems.list_families`, with options
        (``"rastrigin[dim=100]"``).
    methods : sequence of str
        Method specs ``name[key=value,...]``: registered zominimize methods
        (``"zo-adam[lr=2]"``, ``"l2l-zo[weights=attack]"``), SciPy's
        ``"nelder-mead"``, ``"powell"``, ``"cobyla"``, ``"cobyqa"`` (options go to
        SciPy), and ``"cma"`` (pycma ask/tell; ``sigma0`` defaults to the problem's
        ``x_scale``; other options go to pycma). The value ``x_scale`` stands for
        the problem's ``x_scale``.
    budget : int, default 4200
        Function evaluations per run.
    seeds : int or iterable of int, default 5
        A count (seeds ``0 .. n-1``) or the seeds themselves. Use at least 5.
    extra_methods : mapping, optional
        ``{problem: method specs}`` run on that problem only.
    targets : mapping, optional
        ``{problem: value}``. Problems without one get the median final value of
        ``target_method`` over the seeds (see :meth:`BenchResult.target`).
    target_method : str, default "zo-adam"
        Reference method of the default targets.
    time_limit : float or None, default 60
        Per-run limit in seconds; a run stops at its first evaluation after it and
        is marked ``†`` in the table. ``None``: run to the budget.
    workers : int, default 1
        Runs in parallel (joblib processes; ``-1``: all cores). Each run caps torch
        and BLAS to one thread.
    vectorized : bool, default True
        Evaluate batches (zominimize methods, CMA-ES) with one vectorized call.
    fractions : sequence of float, default (0.25, 0.5, 1.0)
        Budget fractions at which the table reports the best value.
    skip_unavailable : bool, default False
        Drop methods that cannot run here (``cma`` not installed, missing
        ``l2l-zo`` weights) with a warning instead of raising; they are listed in
        ``result.meta["skipped"]``.
    progress : bool or callable, default False
        Print a line per finished run to stderr, or call
        ``progress(done, total, record)``.
    meta : mapping, optional
        Extra information stored in ``result.meta``.
    journal : path, optional
        A file that records every finished run as it arrives (JSON lines). If it
        exists, its runs are not run again: an interrupted benchmark resumes where
        it stopped when called again with the same journal and settings.
    keep_traces : bool, default False
        Keep every improvement of every run (``RunRecord.full_trace``), for
        debugging; results store them only when written with ``keep_traces``.

    Returns
    -------
    BenchResult

    Examples
    --------
    >>> from zominimize.bench import run_benchmark
    >>> res = run_benchmark(["sphere-10"], ["zo-adam", "nelder-mead"], budget=200,
    ...                     seeds=2)  # doctest: +SKIP
    >>> print(res.table())  # doctest: +SKIP
    """
    budget = int(budget)
    if budget < 1:
        raise ValueError(f"`budget` must be a positive number of evaluations, got {budget}")
    if time_limit is not None and not time_limit > 0:
        raise ValueError(f"`time_limit` must be positive or None, got {time_limit}")
    fractions = tuple(float(f) for f in fractions)
    if not fractions or any(not 0 < f <= 1 for f in fractions):
        raise ValueError("`fractions` must lie in (0, 1]")
    seed_list = _seeds(seeds)
    problem_specs = [check_problem(p) for p in problems]
    if not problem_specs:
        raise ValueError("no problems given")
    skipped: dict[str, str] = {}
    checked: dict[str, Spec | None] = {}

    def usable(spec: str | Spec) -> Spec | None:
        key = str(parse_spec(spec))
        if key not in checked:
            try:
                checked[key] = check_method(spec)
            except (ImportError, ValueError, TypeError, OSError) as exc:
                if not skip_unavailable:
                    raise
                checked[key] = None
                skipped[key] = f"{type(exc).__name__}: {exc}"
                warnings.warn(f"skipping method {key}: {exc}", RuntimeWarning, stacklevel=3)
        return checked[key]

    extra = {str(check_problem(p)): list(ms) for p, ms in (extra_methods or {}).items()}
    jobs: list[tuple[Spec, Spec, int]] = []
    for problem in problem_specs:
        specs = list(methods) + extra.get(str(problem), [])
        if not specs:
            raise ValueError("no methods given")
        for spec in dict.fromkeys(str(parse_spec(m)) for m in specs):
            method = usable(spec)
            if method is None:
                continue
            jobs += [(method, problem, s) for s in seed_list]
    order = {id(j): i for i, j in enumerate(jobs)}
    if workers != 1:  # longest first, so that the tail is short
        jobs.sort(key=lambda j: -_cost(j[0], _problem_dim(j[1]), time_limit))
    else:  # LES (JAX) last: SciPy's runs before it can run in a killable fork
        jobs.sort(key=lambda j: j[0].name == "les")

    report = _progress_printer(progress)
    t0 = time.perf_counter()
    records: list[tuple[int, RunRecord]] = []
    kwargs = dict(budget=budget, time_limit=time_limit, vectorized=vectorized,
                  keep_trace=keep_traces)
    log = _Journal(journal, kwargs) if journal is not None else None
    if log is not None:
        todo = []
        for job in jobs:
            done = log.done.get((str(job[0]), str(job[1]), int(job[2])))
            if done is None:
                todo.append(job)
            else:
                records.append((order[id(job)], done))
        if records and report:
            print(f"resuming from {journal}: {len(records)} of {len(jobs)} runs done",
                  file=sys.stderr, flush=True)
    else:
        todo = jobs

    def finished(idx: int, rec: RunRecord) -> None:
        records.append((idx, rec))
        if log is not None:
            log.add(rec)
        if report:
            report(len(records), len(jobs), rec)

    if workers == 1:
        for job in todo:
            finished(order[id(job)], run_one(*job, **kwargs))
    else:
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=workers, return_as="generator_unordered")
        tagged = parallel(delayed(_run_tagged)(order[id(j)], *j, **kwargs) for j in todo)
        for idx, rec in tagged:
            finished(idx, rec)
    records.sort(key=lambda t: t[0])
    info = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "wall_time": time.perf_counter() - t0,
        "workers": workers,
        "seeds": seed_list,
        "vectorized": vectorized,
        "environment": environment(),
    }
    if skipped:
        info["skipped"] = skipped
    info.update(meta or {})
    return BenchResult(
        runs=[r for _, r in records], budget=budget, time_limit=time_limit,
        fractions=fractions, targets={str(check_problem(k)): float(v)
                                      for k, v in (targets or {}).items()},
        target_method=str(parse_spec(target_method)), meta=info,
    )


class _Journal:
    """Append-only JSON lines of finished runs, so that a long benchmark resumes.

    The first line records the settings; a journal of other settings is an error.
    """

    def __init__(self, path: str | os.PathLike, settings: dict):
        self.path = Path(path)
        self.settings = {k: settings[k] for k in ("budget", "time_limit", "vectorized")}
        self.done: dict[tuple[str, str, int], RunRecord] = {}
        if self.path.exists() and self.path.stat().st_size:
            with self.path.open(encoding="utf-8") as fh:
                lines = fh.read().splitlines()
            head = json.loads(lines[0])
            if head.get("settings") != self.settings:
                raise ValueError(
                    f"journal {self.path} was written with other settings "
                    f"({head.get('settings')}, now {self.settings}): remove it to start over")
            for line in lines[1:]:
                try:
                    rec = RunRecord.from_dict(json.loads(line))
                except (ValueError, KeyError, TypeError):  # a line cut by a kill
                    continue
                self.done[(rec.method, rec.problem, rec.seed)] = rec
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps({"settings": self.settings}) + "\n",
                                 encoding="utf-8")

    def add(self, rec: RunRecord) -> None:
        from ._result import _jsonable

        line = json.dumps(_jsonable(rec.to_dict(improvements=True)), allow_nan=False,
                          separators=(",", ":"))
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def _run_tagged(idx: int, *args, **kwargs) -> tuple[int, RunRecord]:
    return idx, run_one(*args, **kwargs)


def _progress_printer(progress):
    if callable(progress):
        return progress
    if not progress:
        return None

    def report(done: int, total: int, rec: RunRecord) -> None:
        mark = {"time": " (time limit)", "error": f" ERROR {rec.error}"}.get(rec.stop, "")
        print(f"[{done}/{total}] {rec.method} on {rec.problem} seed {rec.seed}: "
              f"f = {rec.fun:.4g} after {rec.nfev} evaluations, {rec.wall_time:.1f} s{mark}",
              file=sys.stderr, flush=True)

    return report


def run_suite(
    suite: str | Suite,
    *,
    seeds: int | Iterable[int] | None = None,
    budget: int | None = None,
    time_limit: float | None | str = "suite",
    methods: Sequence[str | Spec] | None = None,
    tune: Sequence[str | Spec] | None = None,
    exclude: Sequence[str | Spec] = (),
    **kwargs,
) -> BenchResult:
    """Run a named suite (:data:`SUITES`); methods that cannot run here are skipped.

    Parameters
    ----------
    suite : str or Suite
        A name of :data:`SUITES` (``"paper"``, ``"heldout"``, ``"bbob-val"``,
        ``"bbob"``, ``"bbob-large"``, ``"bbob-1000"``, ``"bbob-noisy"``) or a
        :class:`Suite`.
    seeds, budget : optional
        Override the suite's defaults; an int ``n`` of seeds counts from the suite's
        first seed.
    time_limit : float, None or "suite"
        The per-run time limit; ``"suite"`` keeps the suite's (15 s).
    methods, tune : sequence of str, optional
        Run these methods (and tune these) instead of the suite's, on its problems:
        e.g. one new method, to merge with stored results of the others
        (:func:`~zominimize.bench.merge_results`).
    exclude : sequence of str, optional
        Method specs of the suite not to run (e.g. ``["l2l-zo[sigma0=2]"]``: the
        peers only).
    **kwargs
        Passed to :func:`run_benchmark` (``workers``, ``progress``, ...).
    """
    s = get_suite(suite) if isinstance(suite, str) else suite
    kwargs.setdefault("skip_unavailable", True)
    meta = dict(kwargs.pop("meta", None) or {})
    meta.setdefault("suite", s.name)
    methods = s.methods if methods is None else tuple(methods)
    skip = {str(parse_spec(m)) for m in exclude}
    methods = tuple(m for m in methods if str(parse_spec(m)) not in skip)
    tune = tuple(m for m in (s.tune if tune is None else tune) if str(parse_spec(m)) not in skip)
    if isinstance(seeds, int | np.integer):
        seeds = s.seed_list(int(seeds))
    common = dict(
        budget=s.budget if budget is None else budget,
        seeds=s.seed_list() if seeds is None else seeds,
        extra_methods={p: tuple(m for m in ms if str(parse_spec(m)) not in skip)
                       for p, ms in s.extra_methods.items()},
        targets={**s.targets, **dict(kwargs.pop("targets", None) or {})},
        time_limit=s.time_limit if time_limit == "suite" else time_limit, meta=meta,
    )
    if not tune:
        return run_benchmark(s.problems, methods, **common, **kwargs)
    kwargs.pop("target_method", None)
    grids: dict[tuple, list] = {}
    for m in tune:
        factor, exps = s.grid(m)
        grids.setdefault((factor, tuple(exps)), []).append(m)
    parts = []
    for i, ((factor, exps), group) in enumerate(grids.items()):
        parts.append(tune_lr(group, s.problems, compare=methods if i == 0 else (),
                             factor=factor, exponents=exps, extend=s.tune_extend,
                             **common, **kwargs))
    return merge_results(parts) if len(parts) > 1 else parts[0]


def _default_lr(spec: Spec) -> float:
    from .._registry import build_method
    from ._runner import method_kind

    if method_kind(spec.name) != "zo":
        raise ValueError(f"method {spec.name!r} has no `lr` option to tune "
                         "(tune_lr tunes zominimize methods)")
    if "lr" in spec.options:
        return float(spec.options["lr"])

    method, _ = build_method(spec.name, spec.options, strict=True)
    lr = getattr(method, "lr", None)
    if lr is None:
        raise ValueError(f"method {spec.name!r} has no `lr` option to tune")
    return float(lr)


def tune_lr(
    methods: Sequence[str | Spec],
    problems: Sequence[str | Spec],
    budget: int = 4200,
    seeds: int | Iterable[int] = 5,
    *,
    exponents: Iterable[int] = range(-3, 4),
    factor: float = 2.0,
    compare: Sequence[str | Spec] = (),
    extend: int = 0,
    **kwargs,
) -> BenchResult:
    """Tune the learning rate of zominimize baselines on a log-grid, per problem.

    Each method runs with ``lr = lr0 * factor**k`` for ``k`` in ``exponents``
    (default 7 values, ``lr0 / 8 .. 8 lr0``, ``lr0`` the method's default or the
    spec's ``lr``) on every problem and seed. The best learning rate of a problem
    is the one with the lowest median final precision over the seeds, the final
    value minus ``f_opt`` (minus ``f_lower`` where the optimum is unknown; the value
    where neither is known): on BBOB, where each seed is an instance with its own
    ``f_opt``, the median of the values would follow one instance. Ties: the
    smaller ``lr``.
    With ``extend``, a problem whose best lies at an end of the grid runs further
    points beyond that end (:func:`extend_lr_grid`).

    Parameters
    ----------
    methods : sequence of str
        Method specs with an ``lr`` option (``"zo-adam"``, ``"zo-sgd[q=10]"``).
    problems : sequence of str
    budget, seeds
        As in :func:`run_benchmark`.
    exponents : iterable of int, default range(-3, 4)
    factor : float, default 2
    compare : sequence of str, optional
        Methods run alongside, untuned (e.g. ``["l2l-zo"]``), for the comparison
        with the tuned baselines.
    extend : int, default 0
        At most this many grid points added beyond each end, on the problems whose
        best learning rate lies there (see :func:`extend_lr_grid`).
    **kwargs
        Passed to :func:`run_benchmark`.

    Returns
    -------
    BenchResult
        All runs. ``result.meta["tuning"][method]`` holds ``"lrs"``, ``"specs"``,
        ``"factor"`` and ``"best"`` (``{problem: lr}``); :meth:`BenchResult.table`
        shows the best grid point per problem, marked ``(tuned)``, and
        :meth:`BenchResult.tuning_table` the whole grid.
    """
    exponents = list(exponents)
    if len(exponents) < 2:
        raise ValueError("give at least two grid exponents")
    if not factor > 1:
        raise ValueError(f"`factor` must exceed 1, got {factor}")
    grid_specs: dict[str, list[str]] = {}
    lrs: dict[str, list[float]] = {}
    for m in methods:
        # the lr check first: a method without one is the error to report, also where
        # the method's package (pycma) is not installed
        lr0 = _default_lr(parse_spec(m))
        spec = check_method(m)
        base = Spec(spec.name, {k: v for k, v in spec.options.items() if k != "lr"})
        lrs[str(spec)] = [float(lr0 * factor**k) for k in exponents]
        grid_specs[str(spec)] = [str(base.with_options(lr=lr)) for lr in lrs[str(spec)]]
    all_methods = [s for specs in grid_specs.values() for s in specs] + [str(c) for c in compare]
    meta = dict(kwargs.pop("meta", None) or {})
    first = next(iter(grid_specs))
    kwargs.setdefault("target_method", grid_specs[first][exponents.index(0)]
                      if 0 in exponents else grid_specs[first][0])
    result = run_benchmark(problems, all_methods, budget, seeds, meta=meta, **kwargs)
    tuning = {key: {"lrs": lrs[key], "specs": specs, "factor": float(factor),
                    "criterion": TUNING_CRITERION, "best": {}}
              for key, specs in grid_specs.items()}
    for info in tuning.values():
        info["best"] = best_lrs(result, info)
    result.meta["tuning"] = tuning
    if extend:
        kwargs.pop("target_method", None)
        result = extend_lr_grid(result, extend, budget=budget, seeds=seeds, **kwargs)
    return result


def extend_lr_grid(result: BenchResult, extend: int = 4, **kwargs) -> BenchResult:
    """Carry the learning-rate grids of a tuned result past their ends where the
    best value lies there.

    A grid whose best point is at its end may have cut the tuning short: the tuned
    baseline would do better outside it. On each problem where a tuned method's best
    learning rate is the lowest (highest) of the grid points run there and strictly
    better than its neighbour, the next point below (above), ``lr / factor``
    (``lr * factor``), runs on that problem with the result's seeds; this repeats
    until the best lies inside, the end stops improving, or ``extend`` points have
    been added on that side. A best at the end that only ties its neighbour (a
    learning rate too small to move the iterate, as on a plateau) is not extended.

    Parameters
    ----------
    result : BenchResult
        A result of :func:`tune_lr` (or of a suite with tuned methods), also one
        read back from a file (a compact one keeps the grid's medians).
    extend : int, default 4
        At most this many points added beyond each end of each problem's grid.
    **kwargs
        Passed to :func:`run_benchmark` (``workers``, ``progress``, ``time_limit``,
        ...); ``budget`` and ``seeds`` default to the result's.

    Returns
    -------
    BenchResult
        ``result`` with the new runs merged (:func:`merge_results`): the tuning
        records hold the union of the grid points, and each problem's best learning
        rate is chosen again over all the points that ran there.
    """
    if int(extend) != extend or extend < 0:
        raise ValueError(f"`extend` must be a non-negative integer, got {extend!r}")
    tuning = result.meta.get("tuning") or {}
    if not tuning:
        raise ValueError("the result has no learning-rate tuning to extend")
    kwargs.setdefault("budget", result.budget)
    kwargs.setdefault("seeds", sorted({r.seed for r in result.runs}))
    kwargs.setdefault("time_limit", result.time_limit)
    kwargs.pop("target_method", None)
    added: dict[tuple[str, str, int], int] = {}
    for _ in range(int(extend)):
        todo: dict[str, list[str]] = {}  # new grid spec -> its problems
        new_points: dict[str, tuple[str, float]] = {}
        for base, info in result.meta["tuning"].items():
            factor = float(info.get("factor") or info["lrs"][1] / info["lrs"][0])
            medians = result._grid_medians(info)
            for problem, meds in medians.items():
                meds = np.asarray(meds, dtype=np.float64)
                ran = ran_points(meds)
                if ran.size < 2 or problem not in info["best"]:
                    continue
                i = info["lrs"].index(info["best"][problem])
                if i == ran[0] and meds[i] < meds[ran[1]]:
                    side, lr = -1, info["lrs"][i] / factor
                elif i == ran[-1] and meds[i] < meds[ran[-2]]:
                    side, lr = 1, info["lrs"][i] * factor
                else:
                    continue
                if added.get((base, problem, side), 0) >= extend:
                    continue
                added[(base, problem, side)] = added.get((base, problem, side), 0) + 1
                lr = _grid_lr(info["lrs"], lr)
                spec = str(parse_spec(base).with_options(lr=lr))
                todo.setdefault(spec, []).append(problem)
                new_points[spec] = (base, lr)
        if not todo:
            break
        parts = [result]
        for spec, problems in todo.items():
            part = run_benchmark(problems, [spec], **kwargs)
            base, lr = new_points[spec]
            part.meta["tuning"] = {base: {
                "lrs": [lr], "specs": [spec], "best": {},
                "criterion": tuning_criterion(result.meta["tuning"][base])}}
            parts.append(part)
        merged = merge_results(parts)
        # the first result's meta, not a merge record: the extension is part of its run
        merged.meta = {**result.meta, "tuning": merged.meta["tuning"]}
        result = merged
    return result


def _grid_lr(lrs: list[float], lr: float) -> float:
    """``lr`` as the grid already spells it where it is there to rounding."""
    for known in lrs:
        if math.isclose(known, lr, rel_tol=1e-9):
            return known
    return float(lr)
