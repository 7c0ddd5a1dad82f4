"""The bundled digits data: a trained CNN and the images it classifies correctly.

``data/digits_cnn.safetensors`` is written by ``python -m research.train_digits_classifier``
(its metadata holds the exact command, seed, torch version and test accuracy). It
holds the CNN weights (float32, names ``cnn.*``), 28x28 ``images`` (uint8) with their
``labels``, and disjoint index sets ``split_train``, ``split_val``, ``split_test``.
Its ``sha256`` metadata entry is :func:`tensor_sha256` of the tensors, checked on
every load. Nothing is unpickled and scikit-learn is not needed at run time.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import os
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch

from .._safetensors import load_file
from ._cnn import DigitsCNN

__all__ = ["DATA_FILE", "SPLITS", "DigitsBundle", "cnn", "digits_data_path", "load_bundle",
           "tensor_sha256"]

DATA_FILE = "digits_cnn.safetensors"
SPLITS = ("train", "val", "test")
_WEIGHT_PREFIX = "cnn."


def digits_data_path() -> str:
    """Where the bundled digits data file lives (inside the installed package)."""
    return str(importlib.resources.files("zominimize.problems") / "data" / DATA_FILE)


def tensor_sha256(tensors: Mapping[str, np.ndarray]) -> str:
    """SHA-256 of named tensors: name, dtype, shape and little-endian bytes, by name."""
    digest = hashlib.sha256()
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        array = array.astype(array.dtype.newbyteorder("<"), copy=False)
        digest.update(f"{name}|{array.dtype.str}|{tuple(array.shape)}\n".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class DigitsBundle:
    """Contents of the digits data file.

    Attributes
    ----------
    weights : dict of str to ndarray
        CNN state dict (float32), keys as in :class:`~._cnn.DigitsCNN`.
    images : ndarray of shape (N, 28, 28)
        float64 in [0, 1].
    labels : ndarray of shape (N,)
        int64 classes.
    splits : dict of str to ndarray
        ``"train"``, ``"val"``, ``"test"``: disjoint indices into ``images``.
    metadata : dict of str to str
    """

    weights: dict[str, np.ndarray]
    images: np.ndarray
    labels: np.ndarray
    splits: dict[str, np.ndarray]
    metadata: dict[str, str]


def _read(path: str | os.PathLike | None) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    if path is not None:
        return load_file(path)
    resource = importlib.resources.files(__package__).joinpath("data").joinpath(DATA_FILE)
    with importlib.resources.as_file(resource) as file:
        return load_file(file)


@functools.lru_cache(maxsize=4)
def load_bundle(path: str | os.PathLike | None = None) -> DigitsBundle:
    """Load and check the digits data file (the packaged one by default).

    Raises
    ------
    ValueError
        If the file fails its checksum or lacks a tensor.
    """
    tensors, metadata = _read(path)
    expected = metadata.get("sha256")
    if expected is None or tensor_sha256(tensors) != expected:
        raise ValueError(f"digits data file {path or DATA_FILE!r} failed its SHA-256 checksum")
    try:
        images = tensors["images"].astype(np.float64) / 255.0
        labels = tensors["labels"].astype(np.int64)
        splits = {name: tensors[f"split_{name}"].astype(np.int64) for name in SPLITS}
    except KeyError as exc:
        raise ValueError(f"digits data file lacks tensor {exc}") from None
    weights = {
        key[len(_WEIGHT_PREFIX) :]: value
        for key, value in tensors.items()
        if key.startswith(_WEIGHT_PREFIX)
    }
    return DigitsBundle(weights, images, labels, splits, metadata)


@functools.lru_cache(maxsize=8)
def cnn(dtype: torch.dtype = torch.float32, device: str | torch.device = "cpu") -> DigitsCNN:
    """The bundled classifier, frozen, in eval mode, with the given dtype and device.

    One instance per ``(dtype, device)`` is shared by all attack problems.
    """
    weights = load_bundle().weights
    model = DigitsCNN(hidden=weights["fc1.weight"].shape[0])
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    model.eval().requires_grad_(False)
    return model.to(dtype=dtype, device=device)
