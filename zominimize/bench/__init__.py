"""Benchmarks: every method on the paper's tasks and other problems, on equal budgets.

The protocol (design §6): budgets count every function evaluation, and each run is
cut exactly at its budget by a counting wrapper around the objective; every method
starts from the problem's ``x0``; seed ``s`` selects problem instance ``s`` where the
problem is a family member (classification instance ``s``, attack image ``s`` of the
test split) and seeds the method; the report gives the median and interquartile
range over seeds of the best-so-far value at fixed budgets, the evaluations needed
to reach a target, each method's own compute time (wall time minus time inside the
objective), and for the attack the success rate and evaluations to first success.

Default target of a problem: the median, over the seeds, of the final best value
of ``zo-adam`` at the paper's learning rate (or of the first method listed when
``zo-adam`` did not run), unless a target is given.

COCO's BBOB functions are problems ``bbob[fid=F,dim=D]`` (through ``ioh``), and the
suites ``bbob-val``, ``bbob``, ``bbob-large`` and ``bbob-1000`` run them against CMA-ES,
NGOpt, LES, SciPy's methods and the tuned ZO baselines; their reports (median precisions,
ranks, ECDFs, the validation score) are computed from stored results by
:func:`median_precisions`, :func:`ranks`, :func:`ecdf`, :func:`validation_score` and
:func:`paired_score`.

Results store each run compactly (:class:`RunRecord`: the best value at log-spaced
checkpoints, the final value, the evaluations to 51 precision targets, ``nfev``, how
it stopped, its times); :func:`merge_results` combines results, so that one method can
be re-run and merged with stored results of the others.

>>> from zominimize.bench import run_benchmark
>>> result = run_benchmark(["sphere-10"], ["zo-adam", "nelder-mead"],
...                        budget=500, seeds=5)  # doctest: +SKIP
>>> print(result.table())  # doctest: +SKIP
>>> result.to_json("results.json"); result.plot("plots/")  # doctest: +SKIP

The command line ``zominimize bench`` wraps this module (``zominimize bench -h``).
"""

from ._analysis import (
    ecdf,
    fraction_at_or_below,
    median_precisions,
    median_ranks,
    paired_score,
    ranks,
    solver_runs,
    validation_score,
)
from ._bbob import BBOB_GROUPS, BBOBProblem
from ._bench import (
    SUITES,
    Suite,
    environment,
    extend_lr_grid,
    get_suite,
    run_benchmark,
    run_suite,
    tune_lr,
)
from ._figures import save_figure
from ._overhead import measure_overhead
from ._record import ECDF_TARGETS, checkpoint_grid
from ._report import bbob_report, plot_ecdfs, score_table
from ._result import TUNING_CRITERION, BenchResult, Summary, merge_results, tuning_criterion
from ._runner import (
    SCIPY_METHODS,
    RunRecord,
    check_method,
    check_problem,
    make_problem,
    method_kind,
    run_one,
)
from ._spec import Spec, parse_spec, split_specs

__all__ = [
    "BBOB_GROUPS",
    "ECDF_TARGETS",
    "SCIPY_METHODS",
    "SUITES",
    "TUNING_CRITERION",
    "BBOBProblem",
    "BenchResult",
    "RunRecord",
    "Spec",
    "Suite",
    "Summary",
    "bbob_report",
    "check_method",
    "check_problem",
    "checkpoint_grid",
    "ecdf",
    "environment",
    "extend_lr_grid",
    "fraction_at_or_below",
    "get_suite",
    "make_problem",
    "measure_overhead",
    "median_precisions",
    "median_ranks",
    "merge_results",
    "method_kind",
    "parse_spec",
    "plot_ecdfs",
    "ranks",
    "run_benchmark",
    "run_one",
    "run_suite",
    "save_figure",
    "paired_score",
    "score_table",
    "solver_runs",
    "split_specs",
    "tune_lr",
    "tuning_criterion",
    "validation_score",
]
