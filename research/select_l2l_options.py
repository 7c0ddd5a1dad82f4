"""Compare l2l-zo inference options on validation problems (never on reported tasks).

Each candidate is a JSON object of ``l2l-zo`` options; every candidate runs on the
same validation problems with the same ``rng``: fresh draws of the ``general``
family (the default weights' training family; other seeds than training and
checkpoint selection), or of another training family with ``--family`` (e.g.
``classification-train`` for the classification weights), and ``attack-val`` images.
Score: mean over problems of ``log10`` of the final best gap relative to the initial
gap (noise-free values), lower is better (the median over the first set is reported
beside it). Held-out families (``HELD_OUT_FAMILIES``) are never used here.

Besides ``l2l-zo``'s options, a candidate may hold ``"sigma0_factor": k``: the run
starts from ``sigma0 = k`` times the default rule (``default_sigma0``) of its problem,
whose constant is ``--sigma0-rel`` (default: ``l2l-zo``'s; every table records the
constant it was made with). Every candidate without ``"sigma0"`` starts from that rule,
so a weight set's own ``options.sigma0_rel`` (``"classification"``) is not used here:
candidates are explicit.

    python -m research.select_l2l_options --candidates '[{}, {"mu_rel": 0.3}]' \\
        --out docs/_generated/option_selection.md
"""

from __future__ import annotations

import argparse
import inspect
import json
import time

import numpy as np
from joblib import Parallel, delayed

from zominimize import minimize
from zominimize.learned.sigma0 import default_sigma0
from zominimize.problems import HELD_OUT_FAMILIES

from ._common import box, box_arrays, draw_problems, log_gap, mean_interval, write_report

# l2l-zo's own constant of the rule; each table records the constant it used, so it
# stays reproducible when the default changes
SIGMA0_REL = inspect.signature(default_sigma0).parameters["rel"].default


def _score(label, problem, options, seed, budget, weights, sigma0_rel):
    x0 = np.asarray(problem.x0, dtype=float)
    bounds = box(problem)
    key = json.dumps(options, sort_keys=True)
    options = dict(options)
    if "sigma0" not in options:
        lb, ub = box_arrays(problem, x0)
        factor = options.pop("sigma0_factor", 1.0)
        options["sigma0"] = factor * default_sigma0(x0, lb, ub, rel=sigma0_rel)
    res = minimize(problem, x0, method="l2l-zo", bounds=bounds,
                   options={"maxfev": budget, "weights": weights, **options}, rng=seed)
    return label, key, log_gap(problem, x0, res.x)


#: Bound of a draw's paired difference in the clipped mean (one decade of the final gap;
#: research log, thirty-eighth round).
CLIP = 1.0


def _mean(values) -> str:
    return f"{np.mean(values):.3f}" if values else "-"


def paired(ref, cand, *, margin: float = 0.05, n_boot: int = 2000,
           clip: float | None = None) -> str:
    """``cand - ref`` over the same draws: the mean difference with a 95 % bootstrap
    interval (draws resampled, a fixed seed), and how many draws either is ahead on
    by more than ``margin``; a heavy-tailed family's mean says little without them.
    With ``clip``, the same mean and interval of the differences clipped to
    ``[-clip, clip]`` follow (one draw's plateau against the floor counts as ``clip``)."""
    diff = np.asarray(cand, dtype=float) - np.asarray(ref, dtype=float)
    if diff.size == 0:
        return "-"
    better, worse = int(np.sum(diff < -margin)), int(np.sum(diff > margin))
    text = f"{mean_interval(diff, n_boot)}; {better} better, {worse} worse"
    if clip is not None:
        text += f"; clipped to ±{clip:g}: {mean_interval(np.clip(diff, -clip, clip), n_boot)}"
    return text


def per_draw_table(probs, cands, rows) -> list[str]:
    """Markdown lines: every draw's dimension, problem and score per candidate, with the
    difference of each later candidate to the first (rows in the order of ``probs``,
    ``len(cands)`` rows per draw)."""
    keys = [json.dumps(c, sort_keys=True) for c in cands]
    head = " | ".join(f"`{k}`" for k in keys)
    diffs = " | ".join(f"`{k}` − first" for k in keys[1:])
    lines = ["", "Every draw (log10 of final/initial gap):", "",
             f"| draw | d | problem | {head}{' | ' + diffs if diffs else ''} |",
             "|" + "---|" * (3 + 2 * len(keys) - 1)]
    k = len(cands)
    for i, (label, problem) in enumerate(probs):
        vals = [rows[i * k + j][2] for j in range(k)]
        name = str(getattr(problem, "name", type(problem).__name__)).replace("|", "/")
        cells = [f"{v:.3f}" for v in vals] + [f"{v - vals[0]:+.3f}" for v in vals[1:]]
        lines.append(f"| {i} | {np.size(problem.x0)} | {label}: {name} | " + " | ".join(cells)
                     + " |")
    return lines


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidates", required=True, help="JSON list of option objects")
    ap.add_argument("--family", default="general",
                    help="family of the first problem set (a training family, never held out)")
    ap.add_argument("--n-general", type=int, default=24, help="draws of --family")
    ap.add_argument("--dims", type=int, nargs=2, default=None,
                    help="range of dimensions of the draws (default: the family's own; "
                         "10 200 for general)")
    ap.add_argument("--n-attack", type=int, default=4)
    ap.add_argument("--weights", default="default", help="weights of every candidate")
    ap.add_argument("--sigma0-rel", type=float, default=SIGMA0_REL,
                    help="constant of the default sigma0 rule (default: l2l-zo's, %(default)s)")
    ap.add_argument("--seed", type=int, default=2027)
    ap.add_argument("--budget", type=int, default=4200)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out")
    ap.add_argument("--per-draw", action="store_true",
                    help="list every draw's scores too (which draws decide a mean)")
    args = ap.parse_args(argv)
    if args.family in HELD_OUT_FAMILIES:
        ap.error(f"--family {args.family} is held out: never select on it")
    cands = json.loads(args.candidates)
    t0 = time.perf_counter()
    dims = tuple(args.dims) if args.dims else None
    probs = draw_problems(args.n_general, dims, args.n_attack, args.seed, args.family)
    rows = Parallel(n_jobs=args.jobs)(
        delayed(_score)(lab, p, c, i, args.budget, args.weights, args.sigma0_rel)
        for i, (lab, p) in enumerate(probs) for c in cands
    )
    if dims is None and args.family == "general":
        dims = (10, 200)
    where = f"at d = {dims[0]}..{dims[1]}" if dims else "(its own dimensions)"
    fam_opt = "" if args.family == "general" else f" --family {args.family}"
    dims_opt = f" --dims {dims[0]} {dims[1]}" if dims else ""
    lines = [
        f"**l2l-zo options, weights `{args.weights}`, on validation problems** (mean log10 "
        f"of final/initial gap, lower is better; {args.n_general} draws of `{args.family}` "
        f"{where}, {args.n_attack} `attack-val` images; {args.budget} evaluations)",
        "",
        f"| options | {args.family} | {args.family} (median) | attack-val | all |",
        "|---|---|---|---|---|",
    ]
    for c in cands:
        key = json.dumps(c, sort_keys=True)
        g = [r[2] for r in rows if r[1] == key and r[0] == "general"]
        a = [r[2] for r in rows if r[1] == key and r[0] == "attack-val"]
        med = f"{np.median(g):.3f}" if g else "-"
        lines.append(f"| `{key}` | {_mean(g)} | {med} | {_mean(a)} | {_mean(g + a)} |")
    if len(cands) > 1:  # paired with the first candidate, problem by problem
        def scores(c):
            key = json.dumps(c, sort_keys=True)
            return [r[2] for r in rows if r[1] == key]

        lines += ["", f"Paired with `{json.dumps(cands[0], sort_keys=True)}` on the same "
                  "problems (negative: better): mean difference [95 % bootstrap interval]; "
                  "problems where either is ahead by more than 0.05; the same mean with each "
                  f"difference clipped to ±{CLIP:g}.", "",
                  "| options | difference |", "|---|---|"]
        lines += [f"| `{json.dumps(c, sort_keys=True)}` | "
                  f"{paired(scores(cands[0]), scores(c), clip=CLIP)} |" for c in cands[1:]]
    if args.per_draw:
        lines += per_draw_table(probs, cands, rows)
    wall = time.perf_counter() - t0
    lines += ["", f"Produced by `python -m research.select_l2l_options --candidates "
              f"'{args.candidates}'{fam_opt}{dims_opt} --n-general {args.n_general} "
              f"--n-attack {args.n_attack} --weights {args.weights} --sigma0-rel {args.sigma0_rel} "
              f"--seed {args.seed} "
              f"--budget {args.budget}{' --per-draw' if args.per_draw else ''}` "
              f"({wall:.0f} s)."]
    write_report(lines, args.out)


if __name__ == "__main__":
    main()
