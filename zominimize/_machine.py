"""The machine a run is made on: beyond the library versions, what decides how its
floating-point sums round (the kernels chosen for the CPU's instruction set)."""

from __future__ import annotations

import platform

__all__ = ["cpu_model", "torch_kernels"]


def cpu_model() -> str:
    """The processor's model name (``/proc/cpuinfo`` on Linux), else what
    :func:`platform.processor` says; ``"?"`` where neither knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def torch_kernels() -> str:
    """The kernel set torch chose for this CPU (``"AVX2"``, ``"AVX512"``, ...)."""
    import torch

    return torch.backends.cpu.get_cpu_capability()
