"""Helpers shared by the research scripts: timing, and scoring on validation problems."""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from pathlib import Path

import numpy as np

import zominimize
import zominimize.bench
import zominimize.learned
from zominimize.problems import general_family, get_family, noise_free

Q = 20  # query directions per iteration in every timing table


#: Manifest fields that ``save_weights`` writes itself.
_WRITTEN = ("sha256", "arch", "format_version", "torch_version")


def weights_dir() -> Path:
    """The package's folder of bundled weight files (written by the scripts that
    re-write a bundled manifest)."""
    return Path(zominimize.learned.__file__).resolve().parent / "weights"


def unwritten(manifest: dict) -> dict:
    """``manifest`` without the fields that ``save_weights`` writes itself."""
    return {k: v for k, v in manifest.items() if k not in _WRITTEN}


def fmt_time(t: float) -> str:
    """``t`` seconds in µs, ms or s."""
    if t < 1e-3:
        return f"{t * 1e6:.0f} µs"
    if t < 1.0:
        return f"{t * 1e3:.1f} ms"
    return f"{t:.2f} s"


def iteration_overhead(method: str, d: int, iterations: int, sync=None, **options) -> float:
    """Median seconds of one iteration on the driver's path (objective excluded), over
    ``iterations`` iterations after a first untimed one; ``sync`` is called before the
    clock is read (``torch.cuda.synchronize`` for work that runs asynchronously on a
    GPU); ``options`` go to the method."""
    times = zominimize.bench.measure_overhead(d, [method], q=Q, rounds=iterations,
                                               per_round=1, sync=sync,
                                               options={method: options})
    return times[method]




def draw_problems(n_general: int, dims: tuple[int, int] | None, n_attack: int, seed: int,
                  family: str = "general"):
    """``(label, problem)`` pairs: draws of ``family`` (at ``dims``; ``None``: the
    family's own dimensions, d = 10..200 for ``general``), then ``attack-val``."""
    rng = np.random.default_rng(seed)
    if family == "general":
        fam = general_family(dim=dims or (10, 200))
    else:
        fam = get_family(family, **({"dim": dims} if dims else {}))
    probs = [("general", fam.sample(rng)) for _ in range(n_general)]
    att = get_family("attack-val")
    probs += [("attack-val", att.sample(rng)) for _ in range(n_attack)]
    return probs


def box(problem) -> list | None:
    """The problem's bounds as ``(lo, hi)`` pairs, or ``None``."""
    bounds = getattr(problem, "bounds", None)
    if bounds is None:
        return None
    d = np.size(problem.x0)
    return list(zip(np.broadcast_to(bounds[0], (d,)), np.broadcast_to(bounds[1], (d,))))


def box_arrays(problem, x0) -> tuple[np.ndarray, np.ndarray]:
    """The problem's bounds as ``(lb, ub)`` arrays like ``x0`` (infinite if unbounded)."""
    bounds = box(problem)
    if bounds is None:
        return np.full_like(x0, -np.inf), np.full_like(x0, np.inf)
    lb, ub = np.array(bounds, dtype=float).T
    return lb, ub


def log_gap(problem, x0, x) -> float:
    """``log10`` of the noise-free gap at ``x`` relative to the gap at ``x0`` (floor 1e-10)."""
    clean = noise_free(problem)
    return relative_log_gap(float(clean(x)), float(clean(x0)), problem.f_lower)


def relative_log_gap(f: float, f0: float, f_lower: float) -> float:
    """``log10((f - f_lower) / (f0 - f_lower))``, floored at 1e-10 (and the initial gap
    at 1e-12): the score of :func:`log_gap` from values already computed."""
    gap0 = max(f0 - f_lower, 1e-12)
    return math.log10(max(f - f_lower, 1e-10 * gap0) / gap0)


def mean_interval(values, n_boot: int = 2000) -> str:
    """``"mean [lo, hi]"``: the mean of ``values`` with a 95 % bootstrap interval (the
    values resampled with a fixed seed, so that the same values print the same)."""
    v = np.asarray(values, dtype=float)
    idx = np.random.default_rng(0).integers(0, v.size, size=(n_boot, v.size))
    lo, hi = np.percentile(v[idx].mean(axis=1), [2.5, 97.5])
    return f"{v.mean():+.3f} [{lo:+.3f}, {hi:+.3f}]"


def write_report(lines: list[str], out: str | None) -> None:
    """Print the markdown report and write it to ``out`` if given."""
    text = "\n".join(lines) + "\n"
    print(text)
    if out:
        with open(out, "w") as fh:
            fh.write(text)


def training_parser(description: str) -> argparse.ArgumentParser:
    """The arguments every training script takes: ``--out``, ``--checkpoint``,
    ``--resume`` and ``--seed``."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--out", required=True)
    ap.add_argument("--checkpoint")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    return ap


def run_training(module: str, parser: argparse.ArgumentParser, config, argv=None) -> None:
    """Train ``config(argv)`` to ``--out``, recording ``python -m research.<module>
    ARGV`` as the weights' command."""
    from zominimize.meta import train

    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    command = f"python -m research.{module} " + shlex.join(argv)
    train(config(argv), args.out, checkpoint=args.checkpoint, resume=args.resume,
          command=command)
