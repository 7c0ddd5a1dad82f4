"""Select the dimension rule of l2l-zo's default ``sigma0`` on validation problems.

The bundled weights were meta-trained at d = 10..200 with ``sigma0 = 0.1 * scale``
(jittered by up to 3x). The Adam-like step has about unit size per coordinate, so
at fixed ``sigma0`` the first steps grow like ``sqrt(d)``: beyond the training
dimensions the iterate random-walks away before the step-size rule catches up.
The candidate rules are ``sigma0 = 0.1 * scale * min(1, D / d) ** p``, which leave
every training dimension untouched when ``D >= 200``; ``D = inf`` is the old rule.

Selection uses only validation problems (never the reported tasks): fresh draws
of the ``general`` family at d = 300..1500 and the ``attack-val`` images. Score:
mean over problems of ``log10`` of the final best gap relative to the initial gap
(noise-free values), lower is better.

    python scripts/sigma0_selection.py --weights docs/_generated/weights/default-v1.safetensors \
        --out docs/_generated/sigma0_selection.md

(``default-v1`` is the ``"default"`` weight set bundled when the rule was selected.)
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from joblib import Parallel, delayed

from zominimize import minimize
from zominimize.problems import general_family, get_family, noise_free

CANDIDATES = ((math.inf, 0.5), (400.0, 0.5), (200.0, 0.5), (100.0, 0.5), (200.0, 1.0),
              (100.0, 1.0))


def _problems(n_general: int, n_attack: int, seed: int):
    rng = np.random.default_rng(seed)
    fam = general_family(dim=(300, 1500))
    probs = [("general", fam.sample(rng)) for _ in range(n_general)]
    att = get_family("attack-val")
    probs += [("attack-val", att.sample(rng)) for _ in range(n_attack)]
    return probs


def _score(label, problem, rule, seed, budget, weights):
    D, p = rule
    x0 = np.asarray(problem.x0, dtype=float)
    d = x0.size
    bounds = getattr(problem, "bounds", None)
    lb = np.full(d, -np.inf) if bounds is None else np.broadcast_to(bounds[0], (d,)).astype(float)
    ub = np.full(d, np.inf) if bounds is None else np.broadcast_to(bounds[1], (d,)).astype(float)
    # the rule as it was before this selection (no dimension factor)
    width = ub - lb
    if np.all(np.isfinite(width)):
        base = 0.1 * float(np.mean(width))
    else:
        base = 0.1 * max(1.0, float(np.sqrt(np.mean(x0**2))))
    sigma0 = base * min(1.0, D / d) ** p
    box = None if bounds is None else list(zip(lb, ub))
    res = minimize(problem, x0, method="l2l-zo", bounds=box,
                   options={"maxfev": budget, "sigma0": sigma0, "weights": weights}, rng=seed)
    clean = noise_free(problem)
    f0, fb = float(clean(x0)), float(clean(res.x))
    gap0 = max(f0 - problem.f_lower, 1e-12)
    rel = max(fb - problem.f_lower, 1e-10 * gap0) / gap0
    return label, d, rule, math.log10(rel)


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
    probs = _problems(args.n_general, args.n_attack, args.seed)
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
    lines += ["", f"Produced by `python scripts/sigma0_selection.py --weights {args.weights}` "
              f"({wall:.0f} s)."]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
