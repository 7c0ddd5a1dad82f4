"""Select the dimension rule of l2l-zo's default ``sigma0`` on validation problems.

The bundled weights were meta-trained at d = 10..200 with ``sigma0 = 0.1 * scale``
(jittered by up to 3x). The Adam-like step has about unit size per coordinate, so
at fixed ``sigma0`` the first steps grow like ``sqrt(d)``: beyond the training
dimensions the iterate random-walks away before the step-size rule catches up.
The candidate rules are ``sigma0 = 0.1 * scale * min(1, D / d) ** p``, which leave
every training dimension untouched when ``D >= 200``; ``D = inf`` is the rule without
a dimension factor.

Selection uses only validation problems (never the reported tasks): fresh draws
of the ``general`` family at d = 300..1500 and the ``attack-val`` images. Score:
mean over problems of ``log10`` of the final best gap relative to the initial gap
(noise-free values), lower is better.

    python -m research.sigma0_selection --weights docs/_generated/weights/default-v1.safetensors \
        --out docs/_generated/sigma0_selection.md

(``default-v1`` is a weight file of the research log, not in git: ``docs/research.rst``
gives the command that regenerates it.)
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from joblib import Parallel, delayed

from zominimize import minimize
from zominimize.learned.sigma0 import default_sigma0

from ._common import box, box_arrays, draw_problems, log_gap, write_report

CANDIDATES = ((math.inf, 0.5), (400.0, 0.5), (200.0, 0.5), (100.0, 0.5), (200.0, 1.0),
              (100.0, 1.0))


def _score(label, problem, rule, seed, budget, weights):
    D, p = rule
    x0 = np.asarray(problem.x0, dtype=float)
    d = x0.size
    bounds = box(problem)
    lo, hi = box_arrays(problem, x0)
    # the candidates scale the rule without a dimension factor, at constant 0.1
    sigma0 = default_sigma0(x0, lo, hi, dim_ref=math.inf, rel=0.1) * min(1.0, D / d) ** p
    res = minimize(problem, x0, method="l2l-zo", bounds=bounds,
                   options={"maxfev": budget, "sigma0": sigma0, "weights": weights}, rng=seed)
    return label, d, rule, log_gap(problem, x0, res.x)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-general", type=int, default=16)
    ap.add_argument("--n-attack", type=int, default=4)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--budget", type=int, default=4200)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--weights", default="default")
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    probs = draw_problems(args.n_general, (300, 1500), args.n_attack, args.seed)
    rows = Parallel(n_jobs=args.jobs)(
        delayed(_score)(lab, p, D, i, args.budget, args.weights)
        for i, (lab, p) in enumerate(probs) for D in CANDIDATES
    )
    lines = [
        "**Default `sigma0` rule `0.1 * scale * min(1, D/d)**p`, selected on validation "
        "problems** (mean log10 of final/initial gap, lower is better; "
        f"{args.n_general} draws of `general` at d = 300..1500, {args.n_attack} `attack-val` "
        f"images; {args.budget} evaluations, q = 20)",
        "",
        "| D | p | general | attack-val | all |",
        "|---|---|---|---|---|",
    ]
    for D in CANDIDATES:
        g = [r[3] for r in rows if r[2] == D and r[0] == "general"]
        a = [r[3] for r in rows if r[2] == D and r[0] == "attack-val"]
        lines.append(f"| {D[0]:g} | {D[1]:g} | {np.mean(g):.3f} | {np.mean(a):.3f} "
                     f"| {np.mean(g + a):.3f} |")
    wall = time.perf_counter() - t0
    lines += ["", f"Produced by `python -m research.sigma0_selection --weights {args.weights}` "
              f"({wall:.0f} s)."]
    write_report(lines, args.out)


if __name__ == "__main__":
    main()
