"""The exploration check of the research log: ``l2l-zo`` variants on BBOB instances that
no selection set uses (``iid_offset=200``: instances 201, 202, ... for seeds 1, 2, ...).

Prints, per variant, the mean over functions of the mean over seeds of ``log10`` of the
final precision (floored at 1e-8, as the selection scores), and the same per function.
An exploration decides which candidate a round declares, never a default::

    python -m research.explore_bbob 40 '{}' '{"speculative": false}'
    python -m research.explore_bbob 100 '{}' '{"sigma_down": 1}' --fids 1,2,10 --seeds 1,2

Each variant is a JSON object of ``l2l-zo`` options (``sigma0`` defaults to 2, COCO's
initial step); ``--jobs`` runs that many processes. ``--noisy`` runs COCO's noisy
functions instead (``bbob-noisy[...]``, scored on noise-free values), by default those
whose noise-free function is one of f1--f14 (f101--f121)::

    python -m research.explore_bbob 20 '{}' '{"accept": "always"}' --noisy

A variant that is a JSON string is a method spec of its own, for a baseline beside
the variants; ``--at`` prints the same score of the best value within the first
``N`` evaluations too, for each ``N`` listed (where in a run a gap opens)::

    python -m research.explore_bbob 1000 '{}' '"zo-adam[lr=128]"' --fids 1 --at 1000,2000
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np
from joblib import Parallel, delayed

from zominimize.bench import run_one

#: BBOB f1-f14 without the linear slope f5 (every method solves it at once).
DEFAULT_FIDS = (1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14)
#: The noisy functions on f1--f14's functions: sphere, Rosenbrock, step ellipsoid,
#: ellipsoid and sum of different powers under each noise model (f122--f130 are noisy
#: Schaffer, Griewank--Rosenbrock and Gallagher functions, test-only f17, f19 and f21).
NOISY_FIDS = tuple(range(101, 122))


def spec(options: dict | str) -> str:
    """The ``l2l-zo[...]`` spec of a variant (``sigma0=2`` unless it says otherwise),
    or the variant itself where it is a spec."""
    if isinstance(options, str):
        return options
    options = {"sigma0": 2, **options}
    return "l2l-zo[" + ",".join(f"{k}={v}" for k, v in options.items()) + "]"


def log_precision(options: dict | str, fid: int, dim: int, seed: int, offset: int,
                  budget: int, suite: str = "bbob", at: tuple[int, ...] = ()) -> list[float]:
    """``log10`` of the precision within the first ``n`` evaluations for each ``n`` of
    ``at``, then of the final one, floored at 1e-8."""
    run = run_one(spec(options), f"{suite}[fid={fid},dim={dim},iid_offset={offset}]", seed,
                  budget, time_limit=None)
    gaps = np.asarray(run.best_at(np.asarray(at, dtype=np.int64)), dtype=float) - run.f_opt
    return [math.log10(max(g, 1e-8)) for g in [*gaps, run.precision]]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dim", type=int)
    ap.add_argument("variants", nargs="+", help="JSON objects of l2l-zo options")
    ap.add_argument("--fids", default=None, help="default: f1-f14 without f5 (--noisy: "
                    "f101-f121)")
    ap.add_argument("--noisy", action="store_true", help="COCO's noisy functions")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--offset", type=int, default=200, help="iid_offset (200: 201, ...)")
    ap.add_argument("--budget", type=int, default=4200)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--at", default="", help="evaluation counts N,N,...: also print the "
                    "score within the first N evaluations")
    args = ap.parse_args(argv)
    at = tuple(int(n) for n in args.at.split(",") if n)
    variants = [json.loads(v) for v in args.variants]
    suite = "bbob-noisy" if args.noisy else "bbob"
    fids = ([int(f) for f in args.fids.split(",")] if args.fids else
            list(NOISY_FIDS if args.noisy else DEFAULT_FIDS))
    if any((f > 100) != args.noisy for f in fids):
        ap.error("--fids: f1-f24 without --noisy, f101-f130 with it")
    seeds = [int(s) for s in args.seeds.split(",")]
    tasks = [(i, f, s) for i in range(len(variants)) for f in fids for s in seeds]
    t0 = time.perf_counter()
    out = Parallel(n_jobs=args.jobs)(
        delayed(log_precision)(variants[i], f, args.dim, s, args.offset, args.budget, suite, at)
        for i, f, s in tasks)
    scores: dict[tuple[int, int], list[list[float]]] = {}
    for (i, f, _), value in zip(tasks, out):
        scores.setdefault((i, f), []).append(value)
    for i, v in enumerate(variants):
        # per function: the mean over seeds (at each of --at, then the final score)
        per = {f: np.mean(scores[i, f], axis=0) for f in fids}
        final = {f: float(per[f][-1]) for f in fids}
        print(f"d={args.dim} {json.dumps(v)}: {np.mean(list(final.values())):.3f}  "
              + " ".join(f"f{f}:{final[f]:.2f}" for f in fids), flush=True)
        if at:
            means = np.mean([per[f][:-1] for f in fids], axis=0)
            print("    within " + " ".join(f"{n}:{m:.3f}" for n, m in zip(at, means)),
                  flush=True)
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
