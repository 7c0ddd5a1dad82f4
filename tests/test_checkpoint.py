"""Checkpoint files (``zominimize._checkpoint``): every supported type round-trips,
unsupported ones fail at save time naming their place, nothing is ever executed
or imported on load, and any corruption is an error naming the file."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import struct
import sys

import numpy as np
import pytest

from zominimize import _checkpoint
from zominimize._checkpoint import CheckpointError, read, register_state_type, write

torch = pytest.importorskip("torch")


@dataclasses.dataclass
class _Box:
    a: np.ndarray
    b: dict
    c: object = None


@dataclasses.dataclass(frozen=True)
class _Frozen:
    n: int
    name: str


@dataclasses.dataclass
class _NotRegistered:
    v: int


register_state_type(_Box)
register_state_type(_Frozen)


def _tree():
    x = np.arange(5.0)
    gen = np.random.default_rng(3)
    gen.random(7)
    tgen = torch.Generator().manual_seed(11)
    torch.rand(3, generator=tgen)
    return {
        "scalars": [None, True, False, 0, -3, 2**100, 1.5, float("nan"), float("inf"),
                    -float("inf"), "text", ""],
        "tuple": (1, (2.5, "x"), []),
        "numpy": [np.float32(1.25), np.int64(-7), np.bool_(True), np.complex128(1 - 2j),
                  np.uint8(200), np.float16(0.5)],
        "arrays": {"f64": np.linspace(0, 1, 6).reshape(2, 3), "i32": np.arange(4, dtype=np.int32),
                   "bool": np.array([True, False]), "c64": np.ones(3, np.complex64) * 1j,
                   "empty": np.zeros((0, 4)), "zero_d": np.array(3.0),
                   "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
                   "big_endian": np.arange(3, dtype=">f8")},
        "alias": [x, x],  # one object referenced twice
        "rng": gen,
        "rng_mt": np.random.Generator(np.random.MT19937(5)),
        "rng_philox": np.random.Generator(np.random.Philox(5)),
        "tensors": {"f32": torch.arange(4, dtype=torch.float32).reshape(2, 2),
                    "bf16": torch.tensor([1.5, -2.0], dtype=torch.bfloat16),
                    "c64": torch.tensor([1 + 1j]), "i64": torch.tensor(7),
                    "grad": torch.ones(2, requires_grad=True),
                    "strided": torch.arange(6.0).reshape(2, 3).t()},
        "tgen": tgen,
        "torch_misc": [torch.device("cpu"), torch.float64],
        "path": __import__("pathlib").Path("/some/where.safetensors"),
        "box": _Box(x, {"k": _Frozen(2, "f")}, None),
    }


def _assert_equal(a, b):
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, np.ndarray):
        # same dtype, in little-endian byte order (the format's)
        assert a.dtype.newbyteorder("<") == b.dtype.newbyteorder("<") and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and a.device == b.device
        assert a.requires_grad == b.requires_grad
        assert torch.equal(a.detach(), b.detach())
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _assert_equal(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for u, v in zip(a, b):
            _assert_equal(u, v)
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            _assert_equal(getattr(a, f.name), getattr(b, f.name))
    elif isinstance(a, np.random.Generator):
        assert a.bit_generator.state.keys() == b.bit_generator.state.keys()
        np.testing.assert_array_equal(a.random(5), b.random(5))
    elif isinstance(a, torch.Generator):
        assert torch.equal(torch.rand(4, generator=a), torch.rand(4, generator=b))
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


def test_every_supported_type_round_trips(tmp_path):
    path = tmp_path / "c.ckpt"
    tree = _tree()
    write(path, "test", {"tree": tree})
    back = read(path, "test").part("tree")
    assert back["alias"][0] is back["alias"][1]  # shared objects stay shared
    assert isinstance(back["box"].b["k"], _Frozen)
    _assert_equal(_tree(), back)  # a fresh tree: the generators are compared from the start


@pytest.mark.parametrize("bad, where", [
    ({"f": lambda: 1}, "tree['f']"),
    ({"deep": [1, {"x": object()}]}, "tree['deep'][1]['x']"),
    ({1: 2}, "tree"),
    ({"s": np.array(["a"])}, "tree['s']"),
    ({"o": np.array([None], dtype=object)}, "tree['o']"),
    ({"d": _NotRegistered(1)}, "tree['d']"),
    ({"m": np.ma.masked_array([1.0])}, "tree['m']"),
    ({"set": {1, 2}}, "tree['set']"),
    ({"b": b"bytes"}, "tree['b']"),
    ({"sparse": "SPARSE"}, "tree['sparse']"),
])
def test_unsupported_objects_fail_at_save_time_naming_their_place(bad, where, tmp_path):
    if bad.get("sparse") == "SPARSE":
        bad = {"sparse": torch.eye(2).to_sparse()}
    path = tmp_path / "c.ckpt"
    write(path, "test", {"tree": {"ok": 1}})
    before = path.read_bytes()
    with pytest.raises(TypeError) as info:
        write(path, "test", {"tree": bad})
    assert where in str(info.value)
    assert path.read_bytes() == before  # the previous checkpoint is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.ckpt"]  # no temp file left


def test_a_cycle_fails_at_save_time(tmp_path):
    d = {}
    d["me"] = d
    with pytest.raises(TypeError, match="contains itself"):
        write(tmp_path / "c", "test", {"tree": d})


def test_register_state_type_needs_a_dataclass():
    with pytest.raises(TypeError):
        register_state_type(int)
    register_state_type(_Box)  # registering the same class again is harmless


# -- nothing is executed or imported on load ------------------------------------------------


class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_a_pickle_is_never_loaded(tmp_path):
    marker = tmp_path / "PWNED"
    path = tmp_path / "evil.ckpt"
    path.write_bytes(pickle.dumps(_Payload(str(marker)), protocol=4))
    with pytest.raises(CheckpointError, match="not a zominimize checkpoint") as info:
        read(path, "test")
    assert str(path) in str(info.value)
    assert not marker.exists()


def _resigned(path, edit):
    """Rewrite the checkpoint at ``path`` with its JSON document edited by ``edit`` and a
    valid checksum (what a forger would do)."""
    from zominimize._safetensors import load_file, save_file

    arrays, meta = load_file(path)
    doc = json.loads(meta["document"])
    edit(doc)
    meta["document"] = json.dumps(doc)
    meta["sha256"] = _checkpoint._digest(meta["document"], arrays)
    save_file(arrays, path, meta)


@pytest.mark.parametrize("cls", ["antigravity.Fly", "os.system", "subprocess.Popen",
                                 "builtins.eval"])
def test_a_forged_class_name_is_refused_and_nothing_is_imported(cls, tmp_path):
    path = tmp_path / "c.ckpt"
    write(path, "test", {"tree": _Box(np.zeros(2), {})})

    def edit(doc):
        doc["parts"]["tree"]["cls"] = cls

    _resigned(path, edit)
    module = cls.split(".")[0]
    was_imported = module in sys.modules
    with pytest.raises(CheckpointError, match="not registered"):
        read(path, "test").part("tree")
    assert (module in sys.modules) == was_imported


@pytest.mark.parametrize("node", [
    {"$": "nope"}, {"$": "ref", "id": 99}, {"$": "ndarray", "t": "missing", "id": 0},
    {"$": "np.Generator", "bit_generator": "RandomState", "state": None, "id": 0},
    {"$": "torch.dtype", "v": "onnx"},
    {"$": "torch", "dtype": "float32", "t": "0.0", "shape": [-1], "device": "cpu", "id": 0},
    {"$": "float", "v": "1e999"}, {"$": "dict", "v": [], "id": 0}, {"x": 1},
    {"$": "dataclass", "cls": f"{__name__}._Box", "v": {"a": 1}, "id": 0},
])
def test_forged_nodes_are_checkpoint_errors(node, tmp_path):
    path = tmp_path / "c.ckpt"
    write(path, "test", {"tree": {"a": np.zeros(2)}})

    def edit(doc):
        doc["parts"]["tree"] = node

    _resigned(path, edit)
    onnx_loaded = "torch.onnx" in sys.modules
    with pytest.raises(CheckpointError) as info:
        read(path, "test").part("tree")
    assert str(info.value).startswith(str(path))
    assert ("torch.onnx" in sys.modules) == onnx_loaded  # a name is never imported


def test_a_field_added_since_with_a_plain_default_may_be_missing(tmp_path):
    """A file of an older version lacks a field added since (``State.budget``): it loads
    with the field's default; a missing field without one, or an unknown field, fails."""
    path = tmp_path / "c.ckpt"
    write(path, "test", {"tree": _Box(np.zeros(2), {}, "kept")})

    def drop(name):
        def edit(doc):
            node = doc["parts"]["tree"]
            node["v"].pop(name)
        return edit

    _resigned(path, drop("c"))
    box = read(path, "test").part("tree")
    assert box.c is None and box.b == {}
    _resigned(path, drop("b"))
    with pytest.raises(CheckpointError, match="fields of"):
        read(path, "test").part("tree")

    def extra(doc):
        doc["parts"]["tree"]["v"]["z"] = {"$": "int", "v": 1}

    write(path, "test", {"tree": _Box(np.zeros(2), {}, "kept")})
    _resigned(path, extra)
    with pytest.raises(CheckpointError, match="fields of"):
        read(path, "test").part("tree")


# -- corruption ------------------------------------------------------------------------------


@pytest.fixture
def small_checkpoint(tmp_path):
    path = tmp_path / "c.ckpt"
    write(path, "test", {"tree": {"x": np.arange(4.0), "rng": np.random.default_rng(0),
                                  "f": 1.5, "t": torch.ones(2)}})
    return path


def test_every_flipped_byte_is_detected_or_harmless(small_checkpoint, tmp_path):
    raw = small_checkpoint.read_bytes()
    ref = read(small_checkpoint, "test").part("tree")
    bad = tmp_path / "bad.ckpt"
    for i in range(len(raw)):
        flipped = raw[:i] + bytes([raw[i] ^ 0x10]) + raw[i + 1:]
        bad.write_bytes(flipped)
        try:
            out = read(bad, "test").part("tree")
        except CheckpointError as exc:
            assert str(exc).startswith(str(bad)), str(exc)
            continue
        # only a flip that leaves the content the same (e.g. JSON whitespace) may load
        np.testing.assert_array_equal(out["x"], ref["x"])
        assert out["f"] == ref["f"] and torch.equal(out["t"], ref["t"])
        assert out["rng"].bit_generator.state == ref["rng"].bit_generator.state


@pytest.mark.parametrize("cut", [0, 4, 8, 100, -1])
def test_truncated_checkpoint(small_checkpoint, cut):
    raw = small_checkpoint.read_bytes()
    small_checkpoint.write_bytes(raw[:cut])
    with pytest.raises(CheckpointError) as info:
        read(small_checkpoint, "test")
    assert str(info.value).startswith(str(small_checkpoint))


def test_format_version_and_kind_are_checked(small_checkpoint):
    from zominimize._safetensors import load_file, save_file

    with pytest.raises(CheckpointError, match="not of 'other'"):
        read(small_checkpoint, "other")
    arrays, meta = load_file(small_checkpoint)
    meta["format_version"] = "999"
    save_file(arrays, small_checkpoint, meta)
    with pytest.raises(CheckpointError, match="format '999' is not supported"):
        read(small_checkpoint, "test")


def test_a_weights_file_is_not_a_checkpoint(tmp_path):
    from zominimize.learned.weights import resolve_weights

    with pytest.raises(CheckpointError, match="without the checkpoint metadata"):
        read(resolve_weights("default"), "test")


def test_header_length_beyond_the_file(tmp_path):
    p = tmp_path / "c.ckpt"
    p.write_bytes(struct.pack("<Q", 2**40) + b"{}")
    with pytest.raises(CheckpointError, match="out of range"):
        read(p, "test")


# -- devices ---------------------------------------------------------------------------------


def test_a_tensor_of_an_unavailable_device_comes_back_on_the_cpu(tmp_path):
    path = tmp_path / "c.ckpt"
    write(path, "test", {"tree": {"t": torch.arange(3.0)}})

    def edit(doc):
        doc["parts"]["tree"]["v"]["t"]["device"] = "cuda:99"

    _resigned(path, edit)
    t = read(path, "test").part("tree")["t"]
    assert t.device.type == "cpu" and torch.equal(t, torch.arange(3.0))


def test_a_generator_of_an_unavailable_device_is_an_error(tmp_path):
    path = tmp_path / "c.ckpt"
    write(path, "test", {"tree": {"g": torch.Generator()}})

    def edit(doc):
        doc["parts"]["tree"]["v"]["g"]["device"] = "cuda:99"

    _resigned(path, edit)
    with pytest.raises(CheckpointError, match="not available"):
        read(path, "test").part("tree")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_tensors_and_generators_round_trip(tmp_path):
    gen = torch.Generator(device="cuda").manual_seed(3)
    tree = {"t": torch.arange(4.0, device="cuda"), "g": gen,
            "h": torch.ones(2, dtype=torch.bfloat16, device="cuda")}
    write(tmp_path / "c.ckpt", "test", {"tree": tree})
    back = read(tmp_path / "c.ckpt", "test").part("tree")
    assert back["t"].device.type == "cuda" and torch.equal(back["t"], tree["t"])
    assert back["h"].device.type == "cuda" and back["h"].dtype == torch.bfloat16
    assert torch.equal(torch.rand(3, device="cuda", generator=back["g"]),
                       torch.rand(3, device="cuda", generator=gen))
