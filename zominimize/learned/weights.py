"""Weights as data: safetensors files with a manifest, checked on every load.

A weights file holds the state dict of an :class:`~zominimize.learned.L2LNet`
and, in the safetensors metadata under ``"zominimize"``, a JSON manifest:
format version, architecture, the options the optimizer was trained with, the
training family and seeds, the command that reproduces the file, wall time,
library versions and the SHA-256 of the tensors. Nothing is unpickled.

A manifest may also name, under ``"by_dim"``, other bundled weight sets whose
networks and options run instead in a range of dimensions (a weight set built from
networks trained for different dimensions), each entry optionally with rules of
inference of its own over the part's (see :func:`load_weight_parts`).
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .._safetensors import SafetensorsError, load_file, read_header, save_file
from .rules import ACCEPT, DIRECTIONS, RESTARTS

__all__ = [
    "WeightPart",
    "WeightsError",
    "bundled_weights",
    "load_weight_parts",
    "load_weights",
    "save_weights",
    "tensor_sha256",
    "resolve_weights",
]

FORMAT_VERSION = "1"
_META_KEY = "zominimize"
# A weights header names about a dozen tensors and holds a manifest of a few KiB;
# anything far larger is refused before it is parsed.
_MAX_HEADER = 1024 * 1024
# The networks' tensors are floating point (safetensors dtype names).
_FLOAT_DTYPES = ("F16", "F32", "F64")
# Manifest options that l2l-zo reads as defaults: positive finite numbers.
_POSITIVE_OPTIONS = ("mu", "mu_rel", "sigma0_rel", "sigma_down", "walk_mu")
# Of those, the ones that may also be "auto" (a rule of the dimension).
_AUTO_OPTIONS = ("sigma_down",)
# A "by_dim" part names a bundled set, never a path: a file cannot make l2l-zo read
# other files from wherever it says.
_PART_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_PART_KEYS = {"min_d", "weights"}
# Keys an entry may add: the end of its range (none: every d from min_d on), and rules.
_PART_OPTIONAL = {"max_d", "options"}
# The rules of inference that a "by_dim" entry may set over its part's manifest.
_PART_OPTIONS = ("q", "accept", "directions", "mu_rel", "sigma0_rel", "restarts",
                 "sigma_down", "beta1", "step_beta1", "covariance", "local_returns", "walk",
                 "walk_mu", "noisy")


class WeightsError(ValueError):
    """A weights file is missing, malformed, or fails its checksum."""


def tensor_sha256(tensors: dict[str, np.ndarray]) -> str:
    """SHA-256 over the tensors' names, dtypes, shapes and bytes, in name order."""
    h = hashlib.sha256()
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name])
        h.update(f"{name}|{arr.dtype.str}|{arr.shape}|".encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def _bundled_dir():
    return resources.files("zominimize.learned") / "weights"


def bundled_weights() -> dict[str, dict]:
    """Names of the bundled weight sets and their manifests."""
    out = {}
    for entry in sorted(_bundled_dir().iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".safetensors"):
            with resources.as_file(entry) as path:
                out[entry.name[: -len(".safetensors")]] = _manifest(_header(path)[1], path)
    return out


def resolve_weights(weights: str | os.PathLike) -> Path:
    """Map a bundled name or a path to a file path; unknown names are a ``ValueError``."""
    if isinstance(weights, str) and os.sep not in weights and not weights.endswith(
        ".safetensors"
    ):
        entry = _bundled_dir() / f"{weights}.safetensors"
        if entry.is_file():
            return Path(str(entry))
        names = ", ".join(repr(n) for n in bundled_weights()) or "none"
        raise ValueError(
            f"Unknown weights {weights!r}. Bundled weights: {names}; or pass the path of a "
            ".safetensors file written by zominimize.learned.save_weights."
        )
    if not isinstance(weights, (str, os.PathLike)):
        raise TypeError(f"`weights` must be a bundled name or a path, got {type(weights).__name__}")
    path = Path(weights)
    if not path.is_file():
        raise WeightsError(f"weights file {str(path)!r} does not exist")
    return path


def _header(path) -> tuple[dict, dict[str, str]]:
    """The file's tensor entries and metadata, checked, without reading the tensors."""
    try:
        return read_header(path, max_header=_MAX_HEADER)
    except SafetensorsError as exc:
        raise WeightsError(f"{path}: not a valid safetensors file ({exc})") from None


def _manifest(meta: dict[str, str], path) -> dict:
    if _META_KEY not in meta:
        raise WeightsError(f"{path}: no zominimize manifest in the file's metadata")
    try:
        manifest = json.loads(meta[_META_KEY])
    except json.JSONDecodeError as exc:
        raise WeightsError(f"{path}: the manifest is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or "arch" not in manifest or "sha256" not in manifest:
        raise WeightsError(f"{path}: the manifest lacks 'arch' or 'sha256'")
    arch, options = manifest["arch"], manifest.get("options", {})
    hidden = arch.get("hidden", 10) if isinstance(arch, dict) else None
    if (not isinstance(arch, dict) or arch.get("variant", "scaled") not in ("scaled", "paper")
            or isinstance(hidden, bool) or not isinstance(hidden, int)
            or not 1 <= hidden <= 1024):
        raise WeightsError(f"{path}: bad architecture in the manifest: {arch!r}")
    if not isinstance(options, dict):
        raise WeightsError(f"{path}: the manifest's 'options' is not an object")
    _check_options(options, f"{path}: the manifest's")
    if "by_dim" in manifest:
        _check_parts(manifest["by_dim"], path)
    if str(manifest.get("format_version")) != FORMAT_VERSION:
        raise WeightsError(
            f"{path}: weights format {manifest.get('format_version')!r} is not supported "
            f"(this version reads {FORMAT_VERSION!r})"
        )
    return manifest


def _check_options(options: dict, prefix: str) -> None:
    """Options that l2l-zo reads from a manifest (or from a ``"by_dim"`` entry)."""
    for key in _POSITIVE_OPTIONS:
        value = options.get(key)
        if value is not None and not (key in _AUTO_OPTIONS and value == "auto") and not (
            isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(value) and value > 0
        ):
            raise WeightsError(f"{prefix} option {key!r} must be a positive finite number"
                               f"{' or auto' if key in _AUTO_OPTIONS else ''}, got {value!r}")
    q = options.get("q")
    if q is not None and q != "auto" and (isinstance(q, bool) or not isinstance(q, int) or q < 1):
        raise WeightsError(f"{prefix} option 'q' must be an integer >= 1 or 'auto', got {q!r}")
    restarts = options.get("restarts")
    if restarts is not None and not (isinstance(restarts, bool)
                                     or (isinstance(restarts, str) and restarts in RESTARTS)):
        raise WeightsError(f"{prefix} option 'restarts' must be one of {RESTARTS}, "
                           f"got {restarts!r}")
    for key, auto in (("beta1", False), ("step_beta1", True)):
        value = options.get(key)
        if value is not None and not (auto and value == "auto") and not (
            isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 <= value < 1
        ):
            raise WeightsError(f"{prefix} option {key!r} must be a number in [0, 1)"
                               f"{' or auto' if auto else ''}, got {value!r}")
    for key, auto in (("covariance", True), ("local_returns", False), ("walk", True),
                      ("noisy", True)):
        value = options.get(key)
        if value is not None and not (isinstance(value, bool) or (auto and value == "auto")):
            raise WeightsError(f"{prefix} option {key!r} must be true, false"
                               f"{' or auto' if auto else ''}, got {value!r}")
    for key, allowed in (("accept", ACCEPT), ("directions", DIRECTIONS)):
        value = options.get(key)
        if value is not None and value not in allowed:
            raise WeightsError(f"{prefix} option {key!r} must be one of {allowed}, "
                               f"got {value!r}")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_parts(parts, path) -> None:
    """A manifest's ``"by_dim"``: a list of ``{"min_d", "max_d", "weights"}`` objects
    (``"max_d"`` left out: no upper end), each with optional ``"options"``, with
    disjoint ranges of dimensions and bundled names."""
    if not isinstance(parts, list):
        raise WeightsError(f"{path}: the manifest's 'by_dim' is not a list")
    ranges = []
    for part in parts:
        if (not isinstance(part, dict) or not _PART_KEYS <= set(part) <= _PART_KEYS | _PART_OPTIONAL
                or not _is_int(part["min_d"]) or not 1 <= part["min_d"]
                or not _is_int(part.get("max_d", part["min_d"]))
                or not part["min_d"] <= part.get("max_d", math.inf)):
            raise WeightsError(f"{path}: a 'by_dim' entry must be an object with integers "
                               f"1 <= min_d <= max_d (max_d optional), 'weights' and "
                               f"optionally 'options', got {part!r}")
        if not isinstance(part["weights"], str) or not _PART_NAME.fullmatch(part["weights"]):
            raise WeightsError(f"{path}: a 'by_dim' entry names a bundled weight set, not a "
                               f"path, got {part['weights']!r}")
        options = part.get("options", {})
        if not isinstance(options, dict) or not set(options) <= set(_PART_OPTIONS):
            raise WeightsError(f"{path}: a 'by_dim' entry's 'options' is an object that sets "
                               f"only {', '.join(_PART_OPTIONS)}, got {options!r}")
        _check_options(options, f"{path}: a 'by_dim' entry's")
        ranges.append((part["min_d"], part.get("max_d", math.inf)))
    ranges.sort()
    for (_, hi), (lo, _) in zip(ranges, ranges[1:]):
        if lo <= hi:
            raise WeightsError(f"{path}: the ranges of 'by_dim' overlap at d = {lo}")


def save_weights(net, path: str | os.PathLike, manifest: dict) -> dict:
    """Write ``net``'s weights and ``manifest`` (plus arch, format and SHA-256) to ``path``."""
    import torch

    tensors = {k: v.detach().cpu().to(torch.float64).numpy() for k, v in net.state_dict().items()}
    full = dict(manifest)
    full.update(
        format_version=FORMAT_VERSION,
        arch=net.arch,
        sha256=tensor_sha256(tensors),
        torch_version=torch.__version__,
    )
    save_file(tensors, path, metadata={_META_KEY: json.dumps(full, sort_keys=True)})
    return full


def load_weights(weights: str | os.PathLike = "default", *, device="cpu", dtype=None):
    """Load a bundled weight set by name, or a file by path.

    Returns
    -------
    net : L2LNet
        In eval mode, on ``device``, with ``requires_grad`` off.
    manifest : dict

    Raises
    ------
    ValueError
        Unknown bundled name.
    WeightsError
        Missing, truncated, padded or malformed file, an oversized header,
        unsupported format, a malformed manifest, a checksum mismatch, or
        tensors that do not fit the architecture or are not floating point.
        The message starts with the file's path.
    """
    import torch

    from .nets import L2LNet

    path = resolve_weights(weights)
    # Everything the header says is checked before a tensor byte is read.
    entries, meta = _header(path)
    manifest = _manifest(meta, path)
    try:
        # built on the meta device: no memory, and torch's global RNG is not consumed
        # by an initialisation that the loaded tensors replace anyway
        with torch.device("meta"):
            net = L2LNet(**manifest["arch"])
    except (TypeError, ValueError) as exc:
        raise WeightsError(f"{path}: bad architecture in the manifest ({exc})") from None
    expected = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    got = {k: shape for k, (_, shape) in entries.items()}
    if expected != got:
        raise WeightsError(f"{path}: tensors do not match the architecture {manifest['arch']}")
    bad = sorted(k for k, (dtype, _) in entries.items() if dtype not in _FLOAT_DTYPES)
    if bad:
        raise WeightsError(f"{path}: tensor {bad[0]!r} has dtype {entries[bad[0]][0]}; "
                           f"weights are floating point ({', '.join(_FLOAT_DTYPES)})")
    try:
        tensors, _ = load_file(path, max_header=_MAX_HEADER)
    except SafetensorsError as exc:
        raise WeightsError(f"{path}: not a valid safetensors file ({exc})") from None
    if tensor_sha256(tensors) != manifest["sha256"]:
        raise WeightsError(f"{path}: SHA-256 of the weights does not match the manifest")
    if not all(np.isfinite(t).all() for t in tensors.values()):
        raise WeightsError(f"{path}: the weights contain NaN or inf")
    # float64 before the copy: load_state_dict keeps the parameters' dtype, and the
    # float32 of a fresh module would round every weight
    net = net.to_empty(device="cpu").to(torch.float64)
    net.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()})
    net = net.to(device=device, dtype=dtype or torch.float64).eval()
    net.requires_grad_(False)
    return net, manifest


class WeightPart(NamedTuple):
    """A part of a weight set: networks that run instead in a range of dimensions."""

    min_d: int
    max_d: int | None  # None: every d from min_d on
    name: str
    net: Any
    manifest: dict
    options: dict


def load_weight_parts(manifest: dict, *, device="cpu", dtype=None) -> list[WeightPart]:
    """The networks that a weight set's ``"by_dim"`` names, loaded and checked.

    Parameters
    ----------
    manifest : dict
        A manifest returned by :func:`load_weights`.

    Returns
    -------
    list of WeightPart
        Named tuples ``(min_d, max_d, name, net, manifest, options)``: from ``min_d``
        to ``max_d`` coordinates (inclusive; ``max_d`` None: every ``d`` from
        ``min_d`` on), the networks and the manifest of the
        bundled set ``name`` run instead, with the entry's ``options`` (rules of
        inference: ``q``, ``accept``, ``directions``, ``mu_rel``, ``sigma0_rel``) over
        those of the part's manifest; empty when the manifest names none.

    Raises
    ------
    WeightsError
        A part that cannot be loaded, or that names parts itself.
    """
    out, loaded = [], {}
    for part in manifest.get("by_dim", ()):
        name = part["weights"]
        if name not in loaded:  # entries naming one set share its (read-only) networks
            try:
                loaded[name] = load_weights(name, device=device, dtype=dtype)
            except ValueError as exc:  # an unknown name is a ValueError, not a WeightsError
                raise WeightsError(f"'by_dim' part {name!r}: {exc}") from None
        net, sub = loaded[name]
        if sub.get("by_dim"):
            raise WeightsError(f"'by_dim' part {name!r} names parts itself; parts do not nest")
        out.append(WeightPart(part["min_d"], part.get("max_d"), name, net, sub,
                              dict(part.get("options", {}))))
    return out
