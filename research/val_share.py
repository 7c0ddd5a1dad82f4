"""The issue's first target on the validation set: the share of BBOB f1-f14 on which an
``l2l-zo`` variant's median final precision is at or below the stored tuned ZO-Adam's.

Runs each variant on the ``bbob-val`` problems of one dimension (instances 101-105,
seeds 1-5, 4,200 evaluations, ``sigma0=2``) and reads tuned ZO-Adam from the stored
validation result, so only the variants run. Prints the share, the functions lost and
the mean over functions of the mean ``log10`` precision (floored at 1e-8)::

    python -m research.val_share 20 '{}' '{"mu_rel": 0.3}'

Validation only: f15-f24 and the reported instances never enter it.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

from zominimize.bench import BenchResult, median_precisions, run_one

from .explore_bbob import spec

PEERS = Path(__file__).resolve().parents[1] / "docs" / "_generated" / "bbob_val_peers.json.gz"
ADAM = "zo-adam (tuned)"
FLOOR = 1e-8  # the selection scores' floor on a precision


def precision(options: dict, problem: str, seed: int, budget: int) -> float:
    return run_one(spec(options), problem, seed, budget, time_limit=None).precision


def lost(runs: dict[str, list[float]], adam: dict[str, float]) -> list[str]:
    """The problems of ``runs`` (precisions by problem) on which the median is above
    tuned ZO-Adam's; both floored at 1e-8, so that two solved runs tie."""
    return [p for p, r in runs.items()
            if max(float(np.median(r)), FLOOR) > max(adam[p], FLOOR)]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dim", type=int, choices=(5, 20, 100))
    ap.add_argument("variants", nargs="+", help="JSON objects of l2l-zo options")
    ap.add_argument("--peers", default=str(PEERS), help="stored validation result")
    ap.add_argument("--budget", type=int, default=4200)
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv)
    variants = [json.loads(v) for v in args.variants]
    adam = {p: m[ADAM] for p, m in median_precisions(BenchResult.from_json(args.peers)).items()
            if ADAM in m}
    problems = [f"bbob[fid={f},dim={args.dim},iid_offset=100]" for f in range(1, 15)]
    seeds = range(1, 6)
    tasks = [(i, p, s) for i in range(len(variants)) for p in problems for s in seeds]
    out = Parallel(n_jobs=args.jobs)(
        delayed(precision)(variants[i], p, s, args.budget) for i, p, s in tasks)
    runs: dict[tuple[int, str], list[float]] = {}
    for (i, p, _), value in zip(tasks, out):
        runs.setdefault((i, p), []).append(value)
    for i, v in enumerate(variants):
        lost_here = lost({p: runs[i, p] for p in problems}, adam)
        mean = np.mean([np.mean([math.log10(max(x, FLOOR)) for x in runs[i, p]])
                        for p in problems])
        share = 1 - len(lost_here) / len(problems)
        names = " ".join("f" + p.split("fid=")[1].split(",")[0] for p in lost_here)
        print(f"d={args.dim} {json.dumps(v)}: at or below tuned ZO-Adam on {share:.0%} "
              f"(lost {names or 'none'}); mean log10 precision {mean:.3f}",
              flush=True)


if __name__ == "__main__":
    main()
