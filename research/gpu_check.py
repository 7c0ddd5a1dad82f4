"""Check and time the GPU path of ``l2l-zo`` (``device="cuda"``, ``vectorized="torch"``).

Three parts, each printed as a markdown table:

(a) agreement: the same ``l2l-zo`` run (same ``rng``) with the networks on the CPU and on
    the GPU, on a rotated Ackley and a Levy instance, d = 1,000, 100 iterations:
    relative difference of the final values and RMS distance of the final points. The
    networks run in float32 on both, so the two runs differ by rounding only, and a
    chaotic objective amplifies that over iterations (the test suite checks d = 50);
(b) optimizer overhead per iteration (``Optimizer.ask`` + ``Optimizer.tell``, objective
    excluded, q = 20) with the networks on each device, at d = 1e4 .. 1e6;
(c) a whole ``minimize`` call on a GPU objective (``vectorized="torch"``,
    ``eval_device="cuda"``), against the same call on the CPU, at d = 1e5 and 1e6.

Run from the repository root on a machine with a CUDA GPU::

    python -m research.gpu_check
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np
import torch

import zominimize
from zominimize.problems import Ackley, Levy

from ._common import Q, fmt_time, iteration_overhead


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def agreement(gpu: str, dim: int, iterations: int) -> None:
    print(f"\n### (a) CPU and GPU networks, same rng: d = {dim}, {iterations} iterations\n")
    print("| problem | f (cpu) | f (cuda) | relative difference | RMS distance of x |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for problem in (Ackley(dim, rotate=True, rng=0), Levy(dim)):
        res = {}
        for device in ("cpu", gpu):
            res[device] = zominimize.minimize(
                problem.vectorized, problem.x0, method="l2l-zo", rng=0,
                options={"q": Q, "maxiter": iterations, "vectorized": True, "device": device})
        a, b = res["cpu"], res[gpu]
        rel = abs(a.fun - b.fun) / max(abs(a.fun), 1e-300)
        dist = float(np.sqrt(np.mean((a.x - b.x) ** 2)))
        print(f"| {problem.name} | {a.fun:.6g} | {b.fun:.6g} | {rel:.1e} | {dist:.1e} |",
              flush=True)


def overhead(gpu: str, dims: list[int]) -> None:
    print("\n### (b) l2l-zo overhead per iteration (ask + tell, objective excluded, q = 20)\n")
    print("| d | networks on cpu | networks on cuda | cpu / cuda |")
    print("| ---: | ---: | ---: | ---: |")
    for d in dims:
        its = 3 if d >= 10_000_000 else 7 if d >= 1_000_000 else 30
        # the first iteration (lazy imports, CUDA initialisation) is left out
        cells = [iteration_overhead("l2l-zo", d, its, sync=lambda dev=device: sync(dev),
                                    device=device) for device in ("cpu", gpu)]
        print(f"| {d:.0e} | {fmt_time(cells[0])} | {fmt_time(cells[1])} | "
              f"{cells[0] / cells[1]:.1f}x |", flush=True)


def end_to_end(gpu: str, dims: list[int], iterations: int) -> None:
    print(f"\n### (c) whole minimize, Levy in torch, vectorized='torch', q = 20, "
          f"{iterations} iterations\n")
    print("| d | all on cpu | all on cuda | cpu / cuda | f (cpu) | f (cuda) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for d in dims:
        problem = Levy(d)
        row = {}
        for device in ("cpu", gpu):
            def fun(X, problem=problem):
                return problem.torch(X.T)  # SciPy's (n, S) columns -> rows

            opts = {"q": Q, "maxiter": iterations, "vectorized": "torch",
                    "eval_device": device, "device": device}
            zominimize.minimize(fun, problem.x0, method="l2l-zo", rng=0,
                                options=dict(opts, maxiter=2))  # warm-up
            sync(device)
            t0 = time.perf_counter()
            res = zominimize.minimize(fun, problem.x0, method="l2l-zo", rng=0, options=opts)
            sync(device)
            row[device] = (time.perf_counter() - t0, res.fun)
        (tc, fc), (tg, fg) = row["cpu"], row[gpu]
        print(f"| {d:.0e} | {fmt_time(tc)} | {fmt_time(tg)} | {tc / tg:.1f}x | {fc:.6g} | "
              f"{fg:.6g} |", flush=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    ap.add_argument("--device", default="cuda",
                    help="the device compared with the CPU ('cpu' smoke-tests the script)")
    args = ap.parse_args(argv)
    gpu = args.device
    if gpu.startswith("cuda") and not torch.cuda.is_available():
        sys.exit("research.gpu_check needs a CUDA GPU (torch.cuda.is_available() is False)")
    print(f"zominimize {zominimize.__version__}, torch {torch.__version__}, numpy "
          f"{np.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"torch threads {torch.get_num_threads()}, GPU "
          f"{torch.cuda.get_device_name() if torch.cuda.is_available() else 'none'}")
    if args.quick:
        agreement(gpu, 100, 20)
        overhead(gpu, [10_000])
        end_to_end(gpu, [10_000], 5)
    else:
        agreement(gpu, 1_000, 100)
        overhead(gpu, [10_000, 100_000, 1_000_000])
        end_to_end(gpu, [100_000, 1_000_000], 20)


if __name__ == "__main__":
    main()
