"""The paper's analysis of the learned optimizer, reproduced on our tasks.

Writes, under ``--out`` (default ``docs/_generated``):

* ``analysis_ablations.md`` — the full method next to its ablations (no QueryRNN,
  no UpdateRNN, Guided-ES sampling) at q = 20 and 4,200 evaluations;
* ``analysis_q.md`` — the effect of q (5, 10, 20, 40) at the same evaluation budget;
* ``analysis_horizon.md`` — a horizon three times longer than trained on (600
  iterations) against ZO-Adam;
* ``analysis_query_variance.png`` — the QueryRNN's predicted standard deviation
  against the magnitude of the previous normalised gradient estimate, on the attack.

Every table reports the median (and interquartile range) over seeds of the best value
found. Run: ``python -m research.l2l_analysis --seeds 5``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from zominimize import Optimizer, minimize
from zominimize.bench import save_figure
from zominimize.problems import get_family

TASKS = {  # name -> (family, weights)
    "classification-100": ("classification", "default"),
    "attack": ("attack-test", "attack"),
}


def instance(task: str, seed: int):
    if task == "attack":
        from zominimize.problems import attack_problem

        return attack_problem(seed, split="test")
    return get_family(TASKS[task][0]).sample(seed)


def run(problem, method, seed, budget, **opts):
    return minimize(problem.vectorized, problem.x0, method=method,
                    options=dict(maxfev=budget, vectorized=True, **opts), rng=seed)


def best_value(problem, method, seed, budget, **opts) -> float:
    return float(run(problem, method, seed, budget, **opts).fun)


def summarize(values) -> str:
    v = np.asarray(values)
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    return f"{med:.4g} [{q1:.4g}, {q3:.4g}]"


def table(title, rows, header) -> str:
    out = [f"**{title}**", "", "| " + " | ".join(header) + " |",
           "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def ablations(seeds, budget) -> str:
    variants = [
        ("l2l-zo (full)", {}),
        ("no QueryRNN (sampler=gaussian)", {"sampler": "gaussian"}),
        ("no UpdateRNN (update=sgd)", {"update": "sgd"}),
        ("Guided-ES sampling (sampler=guided-es)", {"sampler": "guided-es"}),
        ("QueryRNN always on (pred_ratio=1)", {"pred_ratio": 1.0}),
    ]
    rows = []
    for label, opts in variants:
        row = [label]
        for task, (_, weights) in TASKS.items():
            vals = [best_value(instance(task, s), "l2l-zo", s, budget, weights=weights, **opts)
                    for s in seeds]
            row.append(summarize(vals))
        rows.append(row)
    row = ["ZO-Adam (paper lr)"]
    for task in TASKS:
        row.append(summarize([best_value(instance(task, s), "zo-adam", s, budget)
                              for s in seeds]))
    rows.append(row)
    return table(f"Ablations: median [IQR] best value after {budget} evaluations, q = 20, "
                 f"{len(seeds)} seeds", rows, ["variant", *TASKS])


def q_effect(seeds, budget) -> str:
    rows = []
    for q in (5, 10, 20, 40):
        row = [str(q)]
        for task, (_, weights) in TASKS.items():
            l2l = [best_value(instance(task, s), "l2l-zo", s, budget, weights=weights, q=q)
                   for s in seeds]
            adam = [best_value(instance(task, s), "zo-adam", s, budget, q=q) for s in seeds]
            row += [summarize(l2l), summarize(adam)]
        rows.append(row)
    header = ["q"] + [f"{t} {m}" for t in TASKS for m in ("l2l-zo", "zo-adam")]
    return table(f"Effect of q at a fixed budget of {budget} evaluations "
                 f"(median [IQR], {len(seeds)} seeds)", rows, header)


def horizon(seeds, budget) -> str:
    rows = []
    for mult in (1, 3):
        row = [f"{mult * budget} evaluations"]
        for task, (_, weights) in TASKS.items():
            l2l = [run(instance(task, s), "l2l-zo", s, mult * budget, weights=weights)
                   for s in seeds]
            adam = [best_value(instance(task, s), "zo-adam", s, mult * budget) for s in seeds]
            # the iterations l2l-zo made: its query rule, not 21 evaluations, sets them
            its = int(np.median([r.nit for r in l2l]))
            row += [f"{summarize([r.fun for r in l2l])}, {its} iterations", summarize(adam)]
        rows.append(row)
    header = ["budget"] + [f"{t} {m}" for t in TASKS for m in ("l2l-zo", "zo-adam")]
    return table("Trained on 200-iteration unrolls, run with 3x the evaluations "
                 "(median [IQR])", rows, header)


def query_variance(path: Path, seed: int = 0, iters: int = 200) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    problem = instance("attack", seed)
    opt = Optimizer("l2l-zo", problem.x0, rng=seed, weights="attack")
    G, S = [], []
    for _ in range(iters):
        a_prev = opt.method.diagnostics(opt.state)["normalized_estimate"]
        X = opt.ask()
        G.append(np.abs(a_prev))
        S.append(opt.method.diagnostics(opt.state)["query_std"])
        opt.tell(X, problem.batch(X))
    G, S = np.concatenate(G[1:]), np.concatenate(S[1:])
    fig, ax = plt.subplots(figsize=(5.5, 4), layout="constrained")
    ax.hexbin(G, S, gridsize=60, bins="log", cmap="viridis", mincnt=1)
    edges = np.quantile(G, np.linspace(0, 1, 21))
    idx = np.clip(np.digitize(G, edges) - 1, 0, 19)
    ax.plot([G[idx == i].mean() for i in range(20)], [S[idx == i].mean() for i in range(20)],
            "w-o", ms=3, label="binned mean")
    ax.set_xlabel(r"$|\hat g_{t-1}|$ / RMS (normalised estimate)")
    ax.set_ylabel("QueryRNN standard deviation $s_i$")
    ax.set_title("Attack: sampling std vs gradient-estimate magnitude")
    ax.legend()
    save_figure(fig, path, dpi=110)  # a 256-colour PNG: committed under docs/_generated
    plt.close(fig)
    from scipy.stats import spearmanr

    rho = spearmanr(G, S).statistic
    path.with_suffix(".md").write_text(
        f"QueryRNN standard deviation against the previous normalised estimate, "
        f"attack test image {seed}, {iters} iterations of `l2l-zo` (attack weights): "
        f"Spearman correlation {rho:.3f} over {G.size} coordinate-iterations.\n\n"
        f"Produced by `python -m research.l2l_analysis --only variance`.\n")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--budget", type=int, default=4200)
    p.add_argument("--out", default="docs/_generated")
    p.add_argument("--only", default="ablations,q,horizon,variance")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    seeds = list(range(args.seeds))
    cmd = f"python -m research.l2l_analysis --seeds {args.seeds}"
    parts = {"ablations": ablations, "q": q_effect, "horizon": horizon}
    for name in args.only.split(","):
        t0 = time.perf_counter()
        if name == "variance":
            query_variance(out / "analysis_query_variance.png")
        else:
            text = parts[name](seeds, args.budget)
            text += f"\nProduced by `{cmd}` ({time.perf_counter() - t0:.0f} s).\n"
            (out / f"analysis_{name}.md").write_text(text)
            print(text, flush=True)
        print(f"{name}: {time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
