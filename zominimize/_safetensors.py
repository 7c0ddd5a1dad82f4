"""Read and write the safetensors format with numpy alone.

The format (https://huggingface.co/docs/safetensors) is an 8-byte little-endian
header length, a JSON header mapping each tensor name to its dtype, shape and
byte range, and the raw little-endian bytes. Files written here load with the
``safetensors`` package and vice versa. Nothing is ever unpickled, so a hostile
file can at worst fail to parse.
"""

from __future__ import annotations

import json
import math
import os
import struct
from collections.abc import Mapping

import numpy as np

__all__ = ["SafetensorsError", "load_file", "save_file", "read_metadata"]

_DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_NAMES = {v: k for k, v in _DTYPES.items()}
# A header larger than this is not a weights file of ours (guards against a huge allocation).
_MAX_HEADER = 100 * 1024 * 1024


class SafetensorsError(ValueError):
    """A file is not a well-formed safetensors file."""


def save_file(
    tensors: Mapping[str, np.ndarray],
    path: str | os.PathLike,
    metadata: Mapping[str, str] | None = None,
) -> None:
    """Write ``tensors`` (name -> array) and string ``metadata`` to ``path``."""
    header: dict[str, object] = {}
    if metadata:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError("metadata must map str to str")
        header["__metadata__"] = dict(metadata)
    blobs = []
    offset = 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name])
        dt = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
        if dt not in _NAMES:
            raise TypeError(f"tensor {name!r}: unsupported dtype {arr.dtype}")
        data = arr.astype(dt, copy=False).tobytes()
        header[name] = {
            "dtype": _NAMES[dt],
            "shape": list(arr.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # the spec pads the header to 8-byte alignment
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(raw)))
        fh.write(raw)
        for blob in blobs:
            fh.write(blob)


def _parse(buf: bytes) -> tuple[dict, int]:
    if len(buf) < 8:
        raise SafetensorsError("file is too short to be a safetensors file")
    (n,) = struct.unpack("<Q", buf[:8])
    if n > _MAX_HEADER or 8 + n > len(buf):
        raise SafetensorsError("header length is out of range (truncated or not safetensors)")
    try:
        header = json.loads(buf[8 : 8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SafetensorsError(f"header is not valid JSON: {exc}") from None
    if not isinstance(header, dict):
        raise SafetensorsError("header is not a JSON object")
    return header, 8 + n


def read_metadata(path: str | os.PathLike) -> dict[str, str]:
    """Return the ``__metadata__`` dict of a safetensors file without reading tensors."""
    with open(path, "rb") as fh:
        head = fh.read(8)
        if len(head) < 8:
            raise SafetensorsError("file is too short to be a safetensors file")
        (n,) = struct.unpack("<Q", head)
        if n > _MAX_HEADER:
            raise SafetensorsError("header length is out of range")
        header, _ = _parse(head + fh.read(n))
    meta = header.get("__metadata__", {})
    if not isinstance(meta, dict):
        raise SafetensorsError("__metadata__ is not an object")
    return {str(k): str(v) for k, v in meta.items()}


def load_file(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read a safetensors file; return ``(tensors, metadata)``.

    Raises
    ------
    SafetensorsError
        If the file is truncated, has a malformed header, an unknown dtype, or
        byte ranges that do not match the shapes.
    """
    with open(path, "rb") as fh:
        buf = fh.read()
    header, start = _parse(buf)
    body = memoryview(buf)[start:]
    meta = header.pop("__metadata__", {})
    if not isinstance(meta, dict):
        raise SafetensorsError("__metadata__ is not an object")
    out = {}
    for name, info in header.items():
        try:
            dtype = _DTYPES[info["dtype"]]
            shape = tuple(int(s) for s in info["shape"])
            begin, end = (int(o) for o in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise SafetensorsError(f"tensor {name!r}: malformed header entry") from None
        if any(s < 0 for s in shape) or not 0 <= begin <= end <= len(body):
            raise SafetensorsError(f"tensor {name!r}: byte range out of bounds")
        if (end - begin) != dtype.itemsize * math.prod(shape):
            raise SafetensorsError(f"tensor {name!r}: byte range does not match its shape")
        out[name] = np.frombuffer(body[begin:end], dtype=dtype).reshape(shape).copy()
    return out, {str(k): str(v) for k, v in meta.items()}
