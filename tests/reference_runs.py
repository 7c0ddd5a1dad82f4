"""Short reference runs of every registered method, pinned for a fixed ``rng``.

``tests/test_reference_runs.py`` re-runs each case below and compares it with
``tests/data/reference_runs.json``: the evaluation counts exactly, the values (the
best-so-far value after every iteration, the final best point and iterate) to a
relative tolerance that absorbs floating-point rounding across NumPy, BLAS and torch
builds but not a changed algorithm.

When a change is *meant* to alter trajectories (a new estimator, a retrained weight
set, another order of random draws), regenerate the file deliberately, from the
repository root, and commit it with the change that explains it::

    python tests/reference_runs.py            # rewrite tests/data/reference_runs.json
    python tests/reference_runs.py --check    # only report which cases differ

A new registered method must get a case here: the test fails for a method without one.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data" / "reference_runs.json"
#: Relative tolerance of the values (evaluation counts are compared exactly).
RTOL = 1e-6
#: Relative tolerance of runs whose networks compute in float32 (l2l-zo's default):
#: the CPU's vector kernels round float32 sums differently (1e-5 apart between an
#: Intel and an AMD EPYC machine), while a changed rule or draw moves values by far more.
RTOL_FLOAT32 = 1e-4
#: Absolute tolerance, for values that should be zero.
ATOL = 1e-12


class RotatedQuadratic:
    """``f(x) = sum(w * (R (x - c))**2) + 0.1 * sum(|x|)``: ill-conditioned (1 to 100),
    rotated, with an L1 term, so that no method's trajectory is trivial."""

    def __init__(self, n: int = 10, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.R, _ = np.linalg.qr(rng.standard_normal((n, n)))
        self.w = np.logspace(0.0, 2.0, n)
        self.c = rng.uniform(-1.0, 1.0, n)

    def __call__(self, x) -> float:
        z = self.R @ (np.asarray(x, dtype=np.float64) - self.c)
        return float(np.sum(self.w * z * z) + 0.1 * np.sum(np.abs(x)))


def rosenbrock(x) -> float:
    x = np.asarray(x, dtype=np.float64)
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2))


def rosenbrock_nan(x) -> float:
    """Rosenbrock that fails (``NaN``) once ``x[0] > 0.1``: pins the undo rule."""
    return math.nan if x[0] > 0.1 else rosenbrock(x)


def rastrigin(x) -> float:
    x = np.asarray(x, dtype=np.float64)
    return float(10 * x.size + np.sum(x * x - 10 * np.cos(2 * np.pi * x)))


PROBLEMS = {
    "quadratic-10": (RotatedQuadratic(10), np.full(10, 0.5), None),
    "rosenbrock-5-bounded": (rosenbrock, np.zeros(5), [(-0.5, 0.8)] * 5),
    "rosenbrock-5-nan": (rosenbrock_nan, np.zeros(5), None),
}

# name -> (method, options, problem). Budgets are short (a dozen iterations): enough for
# every part of a method (moments, the learned features and step-size rule, the QueryRNN
# coin) to act, short enough that float rounding stays far below RTOL. No case may
# diverge: a growing iterate amplifies last-bit differences between NumPy builds.
CASES: dict[str, tuple[str, dict, str]] = {}
for _p in PROBLEMS:
    for _m in ("zo-sgd", "zo-signsgd", "zo-adam", "l2l-zo"):
        if (_m, _p) != ("zo-sgd", "quadratic-10"):  # diverges: rounding would decide
            CASES[f"{_m}/{_p}"] = (_m, {"maxfev": 260}, _p)
# the paper's learning rates barely move on these problems: tuned ones exercise the steps
_TUNED = {"zo-sgd": {"lr": 0.002, "scale_lr_by_dim": False},
          "zo-signsgd": {"lr": 0.05, "scale_lr_by_dim": False},
          "zo-adam": {"lr": 0.05, "scale_lr_by_dim": False}}
for _p in PROBLEMS:
    for _m, _o in _TUNED.items():
        CASES[f"{_m}-tuned/{_p}"] = (_m, {"maxfev": 260, **_o}, _p)
CASES.update({
    "zo-sgd-antithetic/quadratic-10": (
        "zo-sgd", {"maxfev": 260, "estimator": "antithetic", "q": 6, **_TUNED["zo-sgd"]},
        "quadratic-10"),
    "zo-adam-q5/quadratic-10": (
        "zo-adam", {"maxfev": 260, "lr": 0.05, "scale_lr_by_dim": False, "q": 5},
        "quadratic-10"),
    "l2l-zo-attack/quadratic-10": ("l2l-zo", {"maxfev": 260, "weights": "attack"},
                                   "quadratic-10"),
    "l2l-zo-classification/quadratic-10": (
        "l2l-zo", {"maxfev": 260, "weights": "classification"}, "quadratic-10"),
    "l2l-zo-gaussian/quadratic-10": ("l2l-zo", {"maxfev": 260, "sampler": "gaussian"},
                                     "quadratic-10"),
    "l2l-zo-guided-es/quadratic-10": ("l2l-zo", {"maxfev": 260, "sampler": "guided-es"},
                                      "quadratic-10"),
    "l2l-zo-sgd-update/quadratic-10": (
        "l2l-zo", {"maxfev": 260, "update": "sgd", "lr": 0.02}, "quadratic-10"),
    "l2l-zo-always-query/quadratic-10": ("l2l-zo", {"maxfev": 260, "pred_ratio": 1.0},
                                         "quadratic-10"),
    "l2l-zo-float64/quadratic-10": ("l2l-zo", {"maxfev": 260, "dtype": "float64"},
                                    "quadratic-10"),
    # the paper's rules, the default before the tenth round (its trajectory is the
    # old default's, to the bit)
    "l2l-zo-paper-rules/quadratic-10": (
        "l2l-zo", {"maxfev": 260, "q": 20, "accept": "always", "directions": "independent",
                   "covariance": False},
        "quadratic-10"),
    "l2l-zo-sigma0/quadratic-10": ("l2l-zo", {"maxfev": 260, "sigma0": 0.2, "q": 8},
                                   "quadratic-10"),
    # the ruggedness probe finds Rastrigin rugged at steps of 4: the walk (option walk)
    "l2l-zo-walk/rastrigin-6": ("l2l-zo", {"maxfev": 260, "sigma0": 4.0, "walk": True},
                                "rastrigin-6"),
})

# a problem of one case only (the loops above would give every method a run on it)
PROBLEMS["rastrigin-6"] = (rastrigin, np.full(6, 2.2), None)

#: The ``rng`` of every case.
SEED = 20240607


def run_case(name: str) -> dict:
    """Run one case; return what the reference file stores for it."""
    import zominimize

    method, options, problem = CASES[name]
    fun, x0, bounds = PROBLEMS[problem]
    trace: list[list] = []

    def callback(intermediate_result):
        trace.append([int(intermediate_result.nfev), float(intermediate_result.fun)])

    res = zominimize.minimize(fun, x0.copy(), method=method, bounds=bounds,
                              options=dict(options), rng=SEED, callback=callback)
    out = {
        "method": method,
        "options": options,
        "problem": problem,
        "rng": SEED,
        "nfev": int(res.nfev),
        "nit": int(res.nit),
        "nfev_nonfinite": int(res.nfev_nonfinite),
        "status": int(res.status),
        "fun": float(res.fun),
        "x": [float(v) for v in res.x],
        "x_iterate": [float(v) for v in res.x_iterate],
        "trace": trace,  # [nfev, best-so-far value] after every iteration
    }
    if "sigma" in res:
        out["sigma"] = float(res.sigma)
    return out


def run_all() -> dict:
    return {name: run_case(name) for name in CASES}


def compare(expected: dict, got: dict) -> list[str]:
    """What differs between a stored case and a new run (empty when they agree)."""
    diffs = []
    for key in ("method", "options", "problem", "rng", "nfev", "nit", "nfev_nonfinite",
                "status"):
        if expected.get(key) != got.get(key):
            diffs.append(f"{key}: stored {expected.get(key)!r}, now {got.get(key)!r}")
    if [n for n, _ in expected["trace"]] != [n for n, _ in got["trace"]]:
        diffs.append("evaluation counts per iteration differ")
    options = expected.get("options", {})
    float32 = (expected.get("method") == "l2l-zo"
               and options.get("dtype", "float32") == "float32")
    rtol = RTOL_FLOAT32 if float32 else RTOL
    for key in ("fun", "sigma", "x", "x_iterate", "trace"):
        if key not in expected and key not in got:
            continue
        a = np.asarray(expected.get(key, np.nan), dtype=np.float64)
        b = np.asarray(got.get(key, np.nan), dtype=np.float64)
        if a.shape != b.shape or not np.allclose(b, a, rtol=rtol, atol=ATOL, equal_nan=True):
            if a.shape == b.shape:
                with np.errstate(divide="ignore", invalid="ignore"):
                    rel = np.abs(b - a) / np.maximum(np.abs(a), ATOL)
                diffs.append(f"{key}: largest relative difference {np.nanmax(rel):.3g}")
            else:
                diffs.append(f"{key}: shape {a.shape} stored, {b.shape} now")
    return diffs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the stored file instead of rewriting it")
    args = parser.parse_args(argv)
    got = run_all()
    if args.check:
        stored = json.loads(DATA.read_text(encoding="utf-8"))["cases"]
        bad = 0
        for name in sorted(set(stored) | set(got)):
            if name not in stored or name not in got:
                print(f"{name}: {'new' if name in got else 'no longer a case'}")
                bad += 1
                continue
            diffs = compare(stored[name], got[name])
            bad += bool(diffs)
            for d in diffs:
                print(f"{name}: {d}")
        print(f"{len(got) - bad} of {len(got)} cases agree with {DATA.name}")
        return int(bad > 0)
    import scipy
    import torch

    import zominimize

    doc = {
        "about": "Reference runs of tests/reference_runs.py; regenerate with "
                 "`python tests/reference_runs.py` only when a change is meant to alter "
                 "trajectories.",
        "generated_with": {"zominimize": zominimize.__version__, "numpy": np.__version__,
                           "scipy": scipy.__version__, "torch": torch.__version__,
                           "python": sys.version.split()[0]},
        "cases": got,
    }
    DATA.parent.mkdir(parents=True, exist_ok=True)
    DATA.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(got)} cases to {DATA}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's package
    raise SystemExit(main())
