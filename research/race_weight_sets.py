"""Would racing weight sets at the start of a run pick the specialist where it wins?

An exploration after the fiftieth round (``docs/research.rst``): the ``"attack"``
networks win the paper's attack by far and lose everywhere else, and a user cannot be
expected to pick them. A *race* would run every set for its first ``R`` evaluations,
keep the set whose best value is lowest there, and give it the rest of the budget
(``B - (k - 1) R`` in all for the winner; the best point of every lane counts). This
script records each set's full run once (the best-so-far value and its noise-free log
gap at every improvement) and replays races of several lengths from those records: a
run with a smaller budget is the same run cut short, because from d = 50 no rule of the
default depends on the budget. Printed: each set alone and each race, paired with the
first set on the same draws (mean log10 of the final over the initial gap, 95 %
bootstrap interval, and the sets the races picked)::

    python -m research.race_weight_sets --family classification-train --n-general 0 \\
        --n-attack 8 --seed 3119
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np
from joblib import Parallel, delayed

from zominimize import minimize
from zominimize.learned.sigma0 import default_sigma0
from zominimize.problems import HELD_OUT_FAMILIES, noise_free

from ._common import box, box_arrays, draw_problems, mean_interval, relative_log_gap

#: the default's rules, which every set runs with from d = 600 (``"q": "auto"``: 20)
RULES = {"accept": "auto", "restarts": "auto", "sigma_down": "auto", "step_beta1": "auto",
         "q": "auto", "directions": "auto"}
SETS = {"D": {}, "A": {"weights": "attack", **RULES},
        "C": {"weights": "classification", **RULES}}


def record(problem, options: dict, seed: int, budget: int) -> np.ndarray:
    """``(evaluations, best value, log10 gap)`` rows, one per improvement of a run."""
    x0 = np.asarray(problem.x0, dtype=float)
    lb, ub = box_arrays(problem, x0)
    clean = noise_free(problem)
    f0 = float(clean(x0))
    rows, best, n = [], math.inf, 0

    def fun(x):
        nonlocal best, n
        v = float(problem(x))
        n += 1
        if v < best:
            best = v
            g = v if clean is problem else float(clean(x))
            rows.append((n, v, relative_log_gap(g, f0, problem.f_lower)))
        return v

    opts = {"sigma0": default_sigma0(x0, lb, ub), "maxfev": budget, **options}
    minimize(fun, x0, method="l2l-zo", bounds=box(problem), options=opts, rng=seed)
    return np.array(rows, dtype=float).reshape(-1, 3)


def at(rows: np.ndarray, n: int) -> tuple[float, float]:
    """The best value and its log gap after ``n`` evaluations (``inf, 0`` before any)."""
    done = rows[rows[:, 0] <= n]
    return (float(done[-1, 1]), float(done[-1, 2])) if len(done) else (math.inf, 0.0)


def race(records: list[np.ndarray], length: int, budget: int) -> tuple[float, int]:
    """The final log gap of a race of ``length`` evaluations per set, and the winner.

    The winner is the set with the lowest best value after ``length`` evaluations (the
    first on ties); it goes on to ``budget - (k - 1) length``, and the run's result is
    the best point of all sets (the winner's, unless a tie)."""
    early = [at(r, length) for r in records]
    w = int(np.argmin([e[0] for e in early]))
    k = len(records)
    final = [at(records[w], budget - (k - 1) * length)] + [e for j, e in enumerate(early)
                                                          if j != w]
    return min(final)[1], w


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", default="classification-train")
    ap.add_argument("--dims", type=int, nargs=2, default=(600, 1000))
    ap.add_argument("--n-general", type=int, default=16)
    ap.add_argument("--n-attack", type=int, default=0)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--sets", default="D,A,C",
                    help=f"comma-separated names of {sorted(SETS)}: D the default, A the "
                         "attack and C the classification networks, both with the "
                         "default's rules; the first is the reference")
    ap.add_argument("--races", default="D+A,D+C,D+A+C")
    ap.add_argument("--lengths", default="105,210,420,630",
                    help="evaluations per set in a race")
    ap.add_argument("--budget", type=int, default=4200)
    ap.add_argument("--jobs", type=int, default=1)
    argv = sys.argv[1:] if argv is None else list(argv)
    args = ap.parse_args(argv)
    if args.family in HELD_OUT_FAMILIES:
        ap.error(f"--family {args.family} is held out: never select on it")
    names = args.sets.split(",")
    if unknown := [s for s in names if s not in SETS]:
        ap.error(f"--sets: unknown {', '.join(unknown)}; valid: {', '.join(SETS)}")
    t0 = time.perf_counter()
    probs = draw_problems(args.n_general, tuple(args.dims), args.n_attack, args.seed,
                          args.family)
    flat = Parallel(n_jobs=args.jobs)(delayed(record)(p, SETS[s], i, args.budget)
                                      for i, (_, p) in enumerate(probs) for s in names)
    recs = {s: flat[j::len(names)] for j, s in enumerate(names)}
    ref = np.array([at(r, args.budget)[1] for r in recs[names[0]]])
    what = (f"{args.n_general} draws of {args.family} at d = {args.dims[0]}..{args.dims[1]}"
            if args.n_general else "")
    what += (", " if what and args.n_attack else "") + (
        f"{args.n_attack} attack-val images" if args.n_attack else "")
    print(f"{what}, seed {args.seed}, {args.budget} evaluations; "
          f"{names[0]} alone {ref.mean():.3f}")
    for s in names[1:]:
        alone = np.array([at(r, args.budget)[1] for r in recs[s]])
        print(f"  {s} alone: {mean_interval(alone - ref)}")
    for spec in args.races.split(","):
        lanes = spec.split("+")
        if not set(lanes) <= set(names):
            continue
        for length in map(int, args.lengths.split(",")):
            out = [race([recs[s][i] for s in lanes], length, args.budget)
                   for i in range(len(probs))]
            diff = np.array([o[0] for o in out]) - ref
            picks = "".join(lanes[o[1]] for o in out)
            print(f"  race {spec}, {length} each: {mean_interval(diff)}; picked {picks}")
    print(f"({time.perf_counter() - t0:.0f} s; python -m research.race_weight_sets "
          f"{' '.join(argv)})")


if __name__ == "__main__":
    main()
