"""Checkpoint files that never run code on load: arrays in safetensors, the rest JSON.

A checkpoint holds named *parts*, each a tree of plain values:

- ``None``, ``bool``, ``int``, ``float`` (also NaN and infinities), ``str``;
- ``list``, ``tuple`` and ``dict`` with ``str`` keys;
- NumPy arrays (numeric, boolean and complex dtypes) and NumPy scalars;
- torch tensors of any dtype and device (stored as CPU data with their dtype and
  device, restored to that device when it is available, else to the CPU);
- ``numpy.random.Generator`` (its bit generator's state) and ``torch.Generator``
  (its ``get_state()`` bytes and device);
- ``torch.device``, ``torch.dtype`` and paths;
- instances of dataclasses registered with :func:`register_state_type`.

Arrays go into the tensors of a safetensors file; the tree, with references to the
tensors, goes into its metadata as JSON, with a format version and a SHA-256 over
the JSON and every tensor. Loading parses JSON and reads arrays, nothing else:
classes are looked up only in the registry, never imported by name from the file.
An object of any other type fails when the checkpoint is *written*, with an error
naming its place in the tree. Objects that appear several times in one part
(an array referenced twice) are restored as one object; arrays come back in
little-endian byte order (the format's).

This module knows nothing about optimizers or methods.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import pathlib
import sys
import tempfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._safetensors import SafetensorsError, contiguous, load_file, save_file

__all__ = ["CheckpointError", "register_state_type", "write", "read", "check", "Checkpoint",
           "FORMAT_VERSION"]

FORMAT = "zominimize-checkpoint"
FORMAT_VERSION = "1"
# The JSON tree is small (arrays are tensors); a far larger header is not ours.
_MAX_HEADER = 256 * 1024 * 1024

_STATE_TYPES: dict[str, type] = {}

# Bit generators a numpy Generator may be restored with (looked up in numpy.random).
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
# NumPy dtypes stored natively in safetensors; complex arrays are stored as real views.
_NATIVE_KINDS = "biuf"
_TORCH_DTYPES = (
    "float64", "float32", "float16", "bfloat16", "complex128", "complex64", "complex32",
    "int64", "int32", "int16", "int8", "uint8", "uint16", "uint32", "uint64", "bool",
    "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz",
)
# torch dtypes with a NumPy twin are stored as such; the others as raw bytes.
_TORCH_NUMPY = {"float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8",
                "bool"}


class CheckpointError(ValueError):
    """A checkpoint file is malformed, corrupted, of another format, or refused."""


def register_state_type(cls: type) -> type:
    """Allow instances of the dataclass ``cls`` in checkpoints (usable as a decorator).

    Only registered classes are ever created when a checkpoint is read; the file
    names the class, the registry supplies it.
    """
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise TypeError(f"register_state_type needs a dataclass, got {cls!r}")
    key = _class_key(cls)
    if _STATE_TYPES.get(key, cls) is not cls:
        raise ValueError(f"another class is already registered as {key!r}")
    _STATE_TYPES[key] = cls
    return cls


def _class_key(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


# -- encoding -------------------------------------------------------------------------


def _torch():
    """The torch module if it is imported (a tree cannot hold tensors otherwise)."""
    return sys.modules.get("torch")


class _Encoder:
    """Turn one part into JSON, collecting its arrays under ``prefix``."""

    def __init__(self, arrays: dict[str, np.ndarray], prefix: str):
        self.arrays, self.prefix = arrays, prefix
        self.memo: dict[int, int] = {}  # id(object) -> reference number
        self.keep: list[Any] = []  # keeps memoised objects alive (ids stay unique)
        self.active: set[int] = set()

    def _array(self, arr: np.ndarray) -> str:
        name = f"{self.prefix}{len(self.arrays)}"
        if arr.dtype.byteorder == ">":  # stored, and checksummed, as little-endian
            arr = arr.astype(arr.dtype.newbyteorder("<"))
        self.arrays[name] = contiguous(arr)
        return name

    def encode(self, obj: Any, where: str) -> Any:
        t = type(obj)
        if obj is None or t is bool or t is str or t is int:
            return obj
        if t is float:
            return obj if math.isfinite(obj) else {"$": "float", "v": repr(obj)}
        if t is list:
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        if t is tuple:
            return {"$": "tuple", "v": [self.encode(v, f"{where}[{i}]") for i, v in
                                        enumerate(obj)]}
        if isinstance(obj, np.generic) and t.__module__ == "numpy":
            return {"$": "npscalar", **self._ndarray(np.asarray(obj), where)}
        if isinstance(obj, pathlib.PurePath):
            return {"$": "path", "v": str(obj)}
        torch = _torch()
        if torch is not None:
            if t is torch.device:
                return {"$": "torch.device", "v": str(obj)}
            if t is torch.dtype:
                return {"$": "torch.dtype", "v": str(obj).removeprefix("torch.")}
        memoisable = t is dict or t is np.ndarray or t is np.random.Generator or (
            dataclasses.is_dataclass(obj) and not isinstance(obj, type)
        ) or (torch is not None and t in (torch.Tensor, torch.Generator))
        if not memoisable:
            raise TypeError(
                f"cannot checkpoint {where}: objects of type {t.__module__}.{t.__qualname__} "
                "are not supported (see zominimize._checkpoint)"
            )
        key = id(obj)
        if key in self.active:
            raise TypeError(f"cannot checkpoint {where}: it contains itself")
        if key in self.memo:
            return {"$": "ref", "id": self.memo[key]}
        self.memo[key] = ref = len(self.memo)
        self.keep.append(obj)
        self.active.add(key)
        try:
            node = self._compound(obj, where, torch)
        finally:
            self.active.discard(key)
        node["id"] = ref
        return node

    def _compound(self, obj: Any, where: str, torch) -> dict:
        t = type(obj)
        if t is dict:
            items = {}
            for k, v in obj.items():
                if type(k) is not str:
                    raise TypeError(f"cannot checkpoint {where}: dict keys must be str, got "
                                    f"{type(k).__name__} {k!r}")
                items[k] = self.encode(v, f"{where}[{k!r}]")
            return {"$": "dict", "v": items}
        if t is np.ndarray:
            return {"$": "ndarray", **self._ndarray(obj, where)}
        if t is np.random.Generator:
            bg = obj.bit_generator
            name = type(bg).__name__
            if name not in _BIT_GENERATORS or type(bg).__module__.split(".")[0] != "numpy":
                raise TypeError(f"cannot checkpoint {where}: bit generator {name} is not one "
                                f"of {', '.join(_BIT_GENERATORS)}")
            return {"$": "np.Generator", "bit_generator": name,
                    "state": self.encode(bg.state, f"{where}.bit_generator.state")}
        if dataclasses.is_dataclass(obj):
            key = _class_key(t)
            if _STATE_TYPES.get(key) is not t:
                raise TypeError(f"cannot checkpoint {where}: dataclass {key} is not registered "
                                "(zominimize._checkpoint.register_state_type)")
            return {"$": "dataclass", "cls": key, "v": {
                f.name: self.encode(getattr(obj, f.name), f"{where}.{f.name}")
                for f in dataclasses.fields(obj)}}
        if t is torch.Generator:
            state = obj.get_state().cpu().numpy()
            return {"$": "torch.Generator", "t": self._array(state), "device": str(obj.device)}
        return self._tensor(obj, where, torch)

    def _ndarray(self, arr: np.ndarray, where: str) -> dict:
        kind, size = arr.dtype.kind, arr.dtype.itemsize
        if not (kind in _NATIVE_KINDS and size <= 8) and not (kind == "c" and size in (8, 16)):
            raise TypeError(f"cannot checkpoint {where}: arrays of dtype {arr.dtype} are not "
                            "supported (numbers and booleans are)")
        if kind == "c":  # stored as its real and imaginary parts
            real = contiguous(arr).reshape(-1).view(arr.real.dtype).reshape(arr.shape + (2,))
            return {"t": self._array(real), "complex": True}
        return {"t": self._array(arr)}

    def _tensor(self, t, where: str, torch) -> dict:
        if t.layout != torch.strided or t.is_quantized or t.device.type == "meta":
            raise TypeError(f"cannot checkpoint {where}: only dense tensors with data are "
                            f"supported (layout {t.layout}, device {t.device})")
        dtype = str(t.dtype).removeprefix("torch.")
        if dtype not in _TORCH_DTYPES:
            raise TypeError(f"cannot checkpoint {where}: tensors of dtype {dtype} are not "
                            "supported")
        data = t.detach().cpu().contiguous()
        node = {"$": "torch", "dtype": dtype, "device": str(t.device),
                "grad": bool(t.requires_grad), "shape": list(data.shape)}
        if dtype in _TORCH_NUMPY:
            node["t"] = self._array(data.numpy())
        else:  # no NumPy twin (bfloat16, complex, float8): the raw bytes
            node["t"] = self._array(data.reshape(-1).view(torch.uint8).numpy())
            node["raw"] = True
        return node


# -- decoding -------------------------------------------------------------------------


class _Decoder:
    def __init__(self, arrays: Mapping[str, np.ndarray]):
        self.arrays = arrays
        self.refs: dict[int, Any] = {}

    def array(self, name: Any) -> np.ndarray:
        if type(name) is not str or name not in self.arrays:
            raise CheckpointError(f"reference to a missing array {name!r}")
        return self.arrays[name]

    def decode(self, node: Any) -> Any:
        t = type(node)
        if node is None or t in (bool, int, float, str):
            return node
        if t is list:
            return [self.decode(v) for v in node]
        if t is not dict or type(node.get("$")) is not str:
            raise CheckpointError(f"malformed node {str(node)[:80]!r}")
        tag = node["$"]
        if tag == "ref":
            if node.get("id") not in self.refs:
                raise CheckpointError(f"dangling reference {node.get('id')!r}")
            return self.refs[node["id"]]
        if tag == "float":
            if node.get("v") not in ("nan", "inf", "-inf"):
                raise CheckpointError(f"malformed float {node.get('v')!r}")
            return float(node["v"])
        if tag == "tuple":
            return tuple(self.decode(v) for v in _list(node.get("v")))
        if tag == "npscalar":
            return self._ndarray(node)[()]
        if tag == "path":
            return pathlib.Path(_str(node.get("v")))
        if tag in ("torch.device", "torch.dtype"):
            return _torch_value(tag, _str(node.get("v")))
        ref = node.get("id")
        if type(ref) is not int or ref in self.refs:
            raise CheckpointError(f"malformed node id {ref!r}")
        return self._compound(tag, node, ref)

    def _compound(self, tag: str, node: dict, ref: int) -> Any:
        if tag == "dict":
            items = node.get("v")
            if type(items) is not dict:
                raise CheckpointError("malformed dict node")
            out: dict = {}
            self.refs[ref] = out
            for k, v in items.items():
                out[k] = self.decode(v)
            return out
        if tag == "ndarray":
            arr = self.refs[ref] = self._ndarray(node)
            return arr
        if tag == "np.Generator":
            name = node.get("bit_generator")
            if name not in _BIT_GENERATORS:
                raise CheckpointError(f"unsupported bit generator {name!r}")
            bg = getattr(np.random, name)()
            bg.state = self.decode(node.get("state"))
            gen = np.random.Generator(bg)
            self.refs[ref] = gen
            return gen
        if tag == "dataclass":
            key = node.get("cls")
            cls = _STATE_TYPES.get(key) if type(key) is str else None
            if cls is None:
                raise CheckpointError(
                    f"class {key!r} is not registered for checkpoints (import the module that "
                    "defines it first)"
                )
            fields = node.get("v")
            known = dataclasses.fields(cls)
            names = [f.name for f in known]
            # a file of an older version may lack a field added since with a plain default
            defaults = {f.name: f.default for f in known
                        if f.default is None or type(f.default) in (bool, int, float, str)}
            if type(fields) is not dict or not set(fields) <= set(names) \
                    or not set(names) - set(fields) <= defaults.keys():
                raise CheckpointError(f"the fields of {key} in the file differ from the class's")
            obj = cls.__new__(cls)
            self.refs[ref] = obj
            for name in names:  # object.__setattr__: frozen dataclasses too, no __init__
                value = self.decode(fields[name]) if name in fields else defaults[name]
                object.__setattr__(obj, name, value)
            return obj
        if tag == "torch.Generator":
            torch = _import_torch()
            dev = _device(torch, _str(node.get("device")))
            if not _device_available(torch, dev):
                raise CheckpointError(f"a torch.Generator on {dev}, which is not available")
            gen = torch.Generator(device=dev)
            gen.set_state(torch.from_numpy(self.array(node.get("t")).copy()))
            self.refs[ref] = gen
            return gen
        if tag == "torch":
            tensor = self._tensor(node)
            self.refs[ref] = tensor
            return tensor
        raise CheckpointError(f"unknown node type {tag!r}")

    def _ndarray(self, node: dict) -> np.ndarray:
        arr = self.array(node.get("t"))
        if node.get("complex"):
            if arr.dtype not in (np.float32, np.float64) or arr.ndim == 0 or arr.shape[-1] != 2:
                raise CheckpointError("malformed complex array")
            cdtype = np.complex128 if arr.dtype == np.float64 else np.complex64
            arr = contiguous(arr).reshape(-1).view(cdtype).reshape(arr.shape[:-1])
        return arr

    def _tensor(self, node: dict):
        torch = _import_torch()
        dtype = _torch_value("torch.dtype", _str(node.get("dtype")))
        shape = _list(node.get("shape"))
        if not all(type(s) is int and s >= 0 for s in shape):
            raise CheckpointError(f"malformed tensor shape {shape!r}")
        data = torch.from_numpy(self.array(node.get("t")))
        if node.get("raw"):
            data = data.view(dtype)
        if data.dtype != dtype or data.numel() != math.prod(shape):
            raise CheckpointError("tensor data do not match its dtype and shape")
        data = data.reshape(shape)
        dev = _device(torch, _str(node.get("device")))
        if _device_available(torch, dev):
            data = data.to(dev)
        if node.get("grad"):
            data.requires_grad_(True)
        return data


def _list(v: Any) -> list:
    if type(v) is not list:
        raise CheckpointError(f"expected a list, got {type(v).__name__}")
    return v


def _str(v: Any) -> str:
    if type(v) is not str:
        raise CheckpointError(f"expected a string, got {type(v).__name__}")
    return v


def _import_torch():
    import torch

    return torch


def _torch_value(tag: str, v: str):
    torch = _import_torch()
    if tag == "torch.device":
        return _device(torch, v)
    if v not in _TORCH_DTYPES or not isinstance(getattr(torch, v, None), torch.dtype):
        raise CheckpointError(f"unsupported torch dtype {v!r}")
    return getattr(torch, v)


def _device(torch, v: str):
    try:
        return torch.device(v)
    except (RuntimeError, TypeError, ValueError):
        raise CheckpointError(f"malformed torch device {v!r}") from None


def _device_available(torch, dev) -> bool:
    if dev.type == "cpu":
        return True
    if dev.type == "cuda":
        return torch.cuda.is_available() and (dev.index or 0) < torch.cuda.device_count()
    if dev.type == "mps":
        return bool(torch.backends.mps.is_available())
    return False


# -- files ----------------------------------------------------------------------------


def _digest(document: str, arrays: Mapping[str, np.ndarray]) -> str:
    h = hashlib.sha256(document.encode())
    for name in sorted(arrays):
        arr = contiguous(arrays[name])
        h.update(f"\n{name}|{arr.dtype.str}|{arr.shape}|".encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def _encode(kind: str, parts: Mapping[str, Any]) -> tuple[str, dict[str, np.ndarray]]:
    arrays: dict[str, np.ndarray] = {}
    encoded = {name: _Encoder(arrays, f"{i}.").encode(tree, name)
               for i, (name, tree) in enumerate(parts.items())}
    document = json.dumps({"kind": kind, "parts": encoded}, allow_nan=False,
                          separators=(",", ":"))
    return document, arrays


def check(kind: str, parts: Mapping[str, Any]) -> None:
    """Raise the ``TypeError`` that :func:`write` would raise for ``parts``, writing
    nothing (to refuse an unsupported state before a run starts)."""
    _encode(kind, parts)


def write(path: str | os.PathLike, kind: str, parts: Mapping[str, Any]) -> None:
    """Write ``parts`` (name -> tree) as a checkpoint of ``kind`` to ``path``, atomically.

    Raises
    ------
    TypeError
        If a tree holds an unsupported object (the message names where), before
        anything is written.
    OSError
        If the file cannot be written (the previous file, if any, is intact).
    """
    document, arrays = _encode(kind, parts)
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION, "document": document,
                "sha256": _digest(document, arrays)}
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)),
                               prefix=".zominimize-ckpt-")
    os.close(fd)
    try:
        save_file(arrays, tmp, metadata)
        with open(tmp, "rb+") as fh:  # on disk before it replaces the previous checkpoint
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class Checkpoint:
    """A checkpoint read and verified by :func:`read`; :meth:`part` decodes one part."""

    def __init__(self, path: str, kind: str, parts: dict, arrays: dict):
        self.path, self.kind = path, kind
        self._parts, self._arrays = parts, arrays

    def __contains__(self, name: str) -> bool:
        return name in self._parts

    def part(self, name: str) -> Any:
        """Decode the part ``name`` (registered dataclasses it holds must be registered
        by now)."""
        if name not in self._parts:
            raise CheckpointError(f"{self.path}: the checkpoint has no part {name!r}")
        try:
            return _Decoder(self._arrays).decode(self._parts[name])
        except CheckpointError as exc:
            raise CheckpointError(f"{self.path}: {exc}") from None
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, RuntimeError,
                OverflowError) as exc:
            raise CheckpointError(f"{self.path}: malformed {name!r} ({type(exc).__name__}: "
                                  f"{exc})") from None


def read(path: str | os.PathLike, kind: str) -> Checkpoint:
    """Read ``path``, check its format, version, kind and checksum.

    Raises
    ------
    CheckpointError
        For anything but a well-formed, intact checkpoint of ``kind``; the message
        starts with the path.
    OSError
        If the file cannot be read.
    """
    path = os.fspath(path)
    try:
        arrays, meta = load_file(path, max_header=_MAX_HEADER)
    except SafetensorsError as exc:
        raise CheckpointError(
            f"{path}: not a zominimize checkpoint ({exc}). Checkpoints are safetensors "
            "files; pickled checkpoints of earlier versions are not read, since loading a "
            "pickle can run code."
        ) from None
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a zominimize checkpoint (a safetensors file "
                              "without the checkpoint metadata)")
    if meta.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"{path}: checkpoint format {meta.get('format_version')!r} is "
                              f"not supported (this version reads {FORMAT_VERSION!r})")
    document = meta.get("document", "")
    if _digest(document, arrays) != meta.get("sha256"):
        raise CheckpointError(f"{path}: the content does not match its SHA-256 checksum "
                              "(the file is corrupted or was modified)")
    try:
        doc = json.loads(document)
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{path}: malformed document ({exc})") from None
    if type(doc) is not dict or type(doc.get("parts")) is not dict:
        raise CheckpointError(f"{path}: malformed document")
    if doc.get("kind") != kind:
        raise CheckpointError(f"{path}: a checkpoint of {doc.get('kind')!r}, not of {kind!r}")
    return Checkpoint(path, kind, doc["parts"], arrays)
