"""``zominimize demo``: the black-box attack on a built-in digit, l2l-zo against ZO-Adam.

Runs with no download: the digits classifier and its images ship with the
package. Prints progress and a table, and writes a PNG (with matplotlib, the
``plot`` extra): the original digit, each method's adversarial digit and
perturbation, and both convergence curves, under a title that names the task,
the budget and the loss. Without matplotlib it says how to get the picture.
"""

from __future__ import annotations

import time

import numpy as np

__all__ = ["add_parser", "run", "run_demo"]

_METHODS = (("l2l-zo", "l2l-zo"), ("zo-adam", "ZO-Adam"))


def add_parser(sub) -> None:
    p = sub.add_parser(
        "demo",
        help="attack a built-in digit with l2l-zo and ZO-Adam and plot the result",
        description="Untargeted black-box attack (the paper's practical task) on one "
        "built-in digit: l2l-zo and ZO-Adam at the same evaluation budget.",
    )
    p.add_argument("--image", type=int, default=0, help="index of the test digit (0-99)")
    p.add_argument("--budget", type=int, default=4200, help="function evaluations per method")
    p.add_argument("--weights", default="attack", help="l2l-zo weights (default: attack)")
    p.add_argument("--seed", type=int, default=0, help="rng seed")
    p.add_argument("--out", default="zominimize-demo.png", help="PNG file to write")
    p.add_argument("--no-plot", action="store_true", help="do not write the PNG")


def _predict(problem, delta: np.ndarray) -> int:
    import torch

    from .problems._digits import cnn

    adv = np.clip(problem.image + delta.reshape(28, 28), 0.0, 1.0)
    with torch.no_grad():
        logp = cnn(torch.float64)(torch.from_numpy(adv)[None, None])
    return int(logp.argmax())


class _Recorder:
    """A new-style callback: best value after each iteration, and the first success."""

    def __init__(self, problem):
        self.problem = problem
        self.nfev: list[int] = []
        self.fun: list[float] = []
        self.first_success: int | None = None

    def __call__(self, intermediate_result) -> None:
        self.nfev.append(intermediate_result.nfev)
        self.fun.append(intermediate_result.fun)
        if self.first_success is None and self.problem.success(intermediate_result.x):
            self.first_success = intermediate_result.nfev


def run_demo(image: int = 0, budget: int = 4200, weights: str = "attack", seed: int = 0,
             out: str | None = "zominimize-demo.png", disp: bool = True) -> dict:
    """Run the demo; return a dict with one entry per method (and the problem)."""
    from . import minimize
    from .problems import attack_problem

    problem = attack_problem(image, split="test")
    runs = {}
    for method, label in _METHODS:
        record = _Recorder(problem)

        options = {"maxfev": budget, "vectorized": True, "disp": disp}
        if method == "l2l-zo":
            options["weights"] = weights
        if disp:
            print(f"{label}:", flush=True)
        t0 = time.perf_counter()
        res = minimize(problem.vectorized, problem.x0, method=method, options=options, rng=seed,
                       callback=record)
        elapsed = time.perf_counter() - t0
        runs[label] = {
            "result": res, "time": elapsed, "nfev": np.array(record.nfev),
            "best": np.array(record.fun), "first_success": record.first_success,
            "margin": problem.margin(res.x), "success": bool(problem.success(res.x)),
            "predicted": _predict(problem, res.x),
        }
    if disp:
        print(_table(problem, runs))
    if out:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print(f"No picture: matplotlib is not installed. Install it with "
                  f"pip install 'zominimize[plot]' (or pip install matplotlib) and run "
                  f"again to get {out}.")
        else:
            _plot(problem, runs, out, budget)
            if disp:
                print(f"wrote {out}")
    runs["problem"] = problem
    return runs


def _table(problem, runs) -> str:
    lines = [
        f"Black-box attack on test digit {problem.index} (label {problem.label}), "
        f"d = {problem.dim}",
        "",
        "| method | loss | margin | attack succeeded | evals to success | evals | time (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, r in runs.items():
        fs = "-" if r["first_success"] is None else str(r["first_success"])
        ok = f"yes ({problem.label} -> {r['predicted']})" if r["success"] else "no"
        lines.append(
            f"| {label} | {r['result'].fun:.4f} | {r['margin']:.3f} | {ok} | {fs} | "
            f"{r['result'].nfev} | {r['time']:.1f} |"
        )
    return "\n".join(lines + ["", _machine()])


def _machine() -> str:
    """Where the runs were made: at d = 784 another CPU's kernels round differently."""
    import torch

    from ._machine import cpu_model, torch_kernels

    return (f"Made with torch {torch.__version__} ({torch_kernels()} kernels) on "
            f"{cpu_model()}; another CPU can give other digits (FAQ: the same result on "
            "another machine).")


def _plot(problem, runs, path, budget) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from .bench._figures import save_figure
    from .plotting import plot_convergence

    labels = [k for k in runs]
    fig = plt.figure(figsize=(13, 6.2), layout="constrained")
    grid = fig.add_gridspec(2, 2 + len(labels), width_ratios=[1.2] + [1] * len(labels) + [2.2])
    dist = "||x_adv - x||_1" if problem.distortion == "l1" else "||x_adv - x||_2^2"
    fig.suptitle(
        f"Untargeted black-box attack on test digit {problem.index} (a {problem.label}), "
        f"d = {problem.dim} pixels, {budget} function evaluations per method\n"
        f"loss = max(margin, {0.0 - problem.kappa:g}) + {problem.c:g} * {dist}, where margin = "
        f"log p(true class) - max log p(other class): the attack succeeds once margin < 0",
        fontsize=10.5,
    )
    ax = fig.add_subplot(grid[:, 0])
    ax.imshow(problem.image, cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"original: classified {problem.label}")
    ax.set_xticks([])
    ax.set_yticks([])
    lim = max(1e-12, max(float(np.abs(np.clip(problem.image + r["result"].x.reshape(28, 28),
                                                      0, 1) - problem.image).max())
                         for r in runs.values()))
    for j, label in enumerate(labels, start=1):
        r = runs[label]
        adv = np.clip(problem.image + r["result"].x.reshape(28, 28), 0.0, 1.0)
        top, bottom = fig.add_subplot(grid[0, j]), fig.add_subplot(grid[1, j])
        top.imshow(adv, cmap="gray", vmin=0, vmax=1)
        verdict = "attack succeeded" if r["success"] else "attack failed"
        top.set_title(f"{label}: classified {r['predicted']}\n({verdict})", fontsize=10)
        im = bottom.imshow(adv - problem.image, cmap="RdBu_r", vmin=-lim, vmax=lim)
        bottom.set_title(f"{label}: perturbation", fontsize=10)
        for a in (top, bottom):
            a.set_xticks([])
            a.set_yticks([])
    fig.colorbar(im, ax=bottom, shrink=0.8)
    ax = fig.add_subplot(grid[:, -1])
    plot_convergence({label: runs[label]["result"] for label in labels}, ax=ax, band=None,
                     max_nfev=budget)
    for line, label in zip(ax.get_lines(), labels):
        first = runs[label]["first_success"]
        if first is not None:
            ax.axvline(first, ls=":", lw=1, color=line.get_color())
    ax.set_xlabel("function evaluations")
    ax.set_ylabel("best loss so far")
    ax.set_title("convergence (dotted: first success)", fontsize=10)
    save_figure(fig, path, dpi=110)  # a 256-colour PNG, as the benchmarks' figures
    plt.close(fig)


def run(args) -> int:
    run_demo(args.image, args.budget, args.weights, args.seed,
             None if args.no_plot else args.out)
    return 0
