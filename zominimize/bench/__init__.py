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

>>> from zominimize.bench import run_benchmark
>>> result = run_benchmark(["sphere-10"], ["zo-adam", "nelder-mead"],
...                        budget=500, seeds=5)  # doctest: +SKIP
>>> print(result.table())  # doctest: +SKIP
>>> result.to_json("results.json"); result.plot("plots/")  # doctest: +SKIP

The command line ``zominimize bench`` wraps this module (``zominimize bench -h``).
"""

from ._bench import SUITES, Suite, get_suite, run_benchmark, run_suite, tune_lr
from ._overhead import measure_overhead
from ._result import BenchResult, Summary
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
    "SCIPY_METHODS",
    "SUITES",
    "BenchResult",
    "RunRecord",
    "Spec",
    "Suite",
    "Summary",
    "check_method",
    "check_problem",
    "get_suite",
    "make_problem",
    "measure_overhead",
    "method_kind",
    "parse_spec",
    "run_benchmark",
    "run_one",
    "run_suite",
    "split_specs",
    "tune_lr",
]
