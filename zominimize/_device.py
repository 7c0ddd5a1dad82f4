"""Torch devices and dtypes from user input, checked once for every module that needs them."""

from __future__ import annotations

__all__ = ["resolve_device", "resolve_dtype"]


def resolve_device(device, name: str = "device"):
    """A ``torch.device`` from a string or device; an unavailable one is a ``ValueError``
    naming the option ``name``."""
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"`{name}` must be 'cpu', 'cuda', 'cuda:N', 'mps' or a torch.device, got {device!r}"
        ) from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"`{name}` {device!r} is not available: torch finds no CUDA device")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(
                f"`{name}` {device!r} is not available: torch sees "
                f"{torch.cuda.device_count()} CUDA device(s)"
            )
    elif dev.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"`{name}` {device!r} is not available")
    elif dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"`{name}` {device!r} is not supported (use cpu, cuda or mps)")
    return dev


def resolve_dtype(dtype, name: str = "dtype"):
    """``torch.float32`` or ``torch.float64`` from a name or a torch dtype."""
    import torch

    table = {"float64": torch.float64, "float32": torch.float32, "double": torch.float64,
             "float": torch.float32}
    if isinstance(dtype, torch.dtype) and dtype in (torch.float32, torch.float64):
        return dtype
    if isinstance(dtype, str) and dtype in table:
        return table[dtype]
    raise ValueError(f"`{name}` must be 'float32' or 'float64', got {dtype!r}")
