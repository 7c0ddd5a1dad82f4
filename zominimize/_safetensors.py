"""Read and write safetensors files through the ``safetensors`` library, strictly.

The format (https://huggingface.co/docs/safetensors) is an 8-byte little-endian
header length, a JSON header mapping each tensor name to its dtype, shape and
byte range, and the raw little-endian bytes. The reference implementation checks
the header against the spec (unknown dtypes, non-integer shapes, overlapping or
out-of-order byte ranges, bytes after the last tensor are all refused) and reads
through a memory map, so a tensor is only read when it is asked for. On top of
it this module refuses headers larger than ``max_header`` before parsing them,
and raises one exception type. Nothing is ever unpickled.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Mapping

import numpy as np

__all__ = ["SafetensorsError", "load_file", "save_file", "read_header", "read_metadata",
           "contiguous", "MAX_HEADER"]

#: Default cap on the JSON header, in bytes (the bundled files have headers of a few KiB).
MAX_HEADER = 16 * 1024 * 1024


class SafetensorsError(ValueError):
    """A file is not a well-formed safetensors file."""


def contiguous(arr) -> np.ndarray:
    """``arr`` as a C-contiguous array of the same shape (``np.ascontiguousarray``
    would turn a 0-d array into shape ``(1,)``)."""
    arr = np.asarray(arr)
    return arr if arr.flags.c_contiguous else arr.copy(order="C")


def save_file(
    tensors: Mapping[str, np.ndarray],
    path: str | os.PathLike,
    metadata: Mapping[str, str] | None = None,
) -> None:
    """Write ``tensors`` (name -> array) and string ``metadata`` to ``path``."""
    from safetensors import SafetensorError
    from safetensors.numpy import save_file as _save

    if metadata is not None and not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise TypeError("metadata must map str to str")
    arrays = {}
    for name, arr in tensors.items():
        arr = contiguous(arr)
        if arr.dtype.byteorder == ">":  # the format is little-endian
            arr = arr.astype(arr.dtype.newbyteorder("<"))
        arrays[name] = arr
    try:
        _save(arrays, os.fspath(path), metadata=dict(metadata) if metadata else None)
    except (SafetensorError, ValueError) as exc:
        raise TypeError(f"cannot write {os.fspath(path)!r} as safetensors: {exc}") from None


def _check_header_length(path: str | os.PathLike, max_header: int) -> None:
    """Refuse a file whose declared header is larger than ``max_header`` or than the
    file, before anything else is read."""
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        head = fh.read(8)
    if len(head) < 8:
        raise SafetensorsError("file is too short to be a safetensors file")
    (n,) = struct.unpack("<Q", head)
    if n > max_header:
        raise SafetensorsError(
            f"header length {n} is out of range (more than {max_header} bytes)"
        )
    if 8 + n > size:
        raise SafetensorsError(f"header length {n} is out of range (the file has {size} bytes)")


def _open(path: str | os.PathLike, max_header: int):
    from safetensors import SafetensorError, safe_open

    _check_header_length(path, max_header)
    try:
        return safe_open(os.fspath(path), framework="numpy")
    except SafetensorError as exc:
        raise SafetensorsError(str(exc)) from None


def read_header(
    path: str | os.PathLike, *, max_header: int = MAX_HEADER
) -> tuple[dict[str, tuple[str, tuple[int, ...]]], dict[str, str]]:
    """Check a file's header and return ``({name: (dtype, shape)}, metadata)``
    without reading any tensor data. ``dtype`` is the format's name (``"F64"``, ...)."""
    with _open(path, max_header) as fh:
        entries = {}
        for name in fh.keys():
            sl = fh.get_slice(name)
            entries[name] = (str(sl.get_dtype()), tuple(int(s) for s in sl.get_shape()))
        meta = fh.metadata() or {}
    return entries, dict(meta)


def read_metadata(path: str | os.PathLike, *, max_header: int = MAX_HEADER) -> dict[str, str]:
    """Return the ``__metadata__`` dict of a safetensors file without reading tensors."""
    return read_header(path, max_header=max_header)[1]


def load_file(
    path: str | os.PathLike, *, max_header: int = MAX_HEADER
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read a safetensors file; return ``(tensors, metadata)``.

    Raises
    ------
    SafetensorsError
        If the file is truncated or padded, has a malformed or oversized header,
        an unknown dtype, or byte ranges that do not match the shapes.
    """
    from safetensors import SafetensorError

    with _open(path, max_header) as fh:
        try:
            out = {name: np.array(fh.get_tensor(name)) for name in fh.keys()}
        except (SafetensorError, TypeError, ValueError) as exc:  # e.g. bfloat16: no numpy type
            raise SafetensorsError(str(exc)) from None
        meta = fh.metadata() or {}
    return out, dict(meta)
