"""Weights as data: round trip, manifest, checksum, tamper and malformed files."""

import json
import pickle
import struct

import numpy as np
import pytest
import torch
from conftest import with_parts

from zominimize._safetensors import SafetensorsError, load_file, save_file
from zominimize.learned import L2LNet, WeightsError, bundled_weights, load_weights, save_weights


@pytest.fixture
def weights_file(tmp_path):
    torch.manual_seed(0)
    net = L2LNet("scaled").double()
    path = tmp_path / "w.safetensors"
    save_weights(net, path, {"family": "test", "options": {"mu_rel": 0.2}})
    return net, path


def test_round_trip(weights_file):
    net, path = weights_file
    net2, manifest = load_weights(path)
    for (k, a), (k2, b) in zip(net.state_dict().items(), net2.state_dict().items()):
        assert k == k2
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert manifest["arch"] == {"variant": "scaled", "hidden": 10}
    assert manifest["options"]["mu_rel"] == 0.2
    assert len(manifest["sha256"]) == 64
    assert not any(p.requires_grad for p in net2.parameters())


def test_load_keeps_every_bit_of_float64_weights():
    """The stored float64 weights come back exactly (a fresh module is float32, and
    copying into it rounded every weight to float32)."""
    from zominimize._safetensors import load_file
    from zominimize.learned.weights import resolve_weights

    for name in ("default", "attack", "classification"):
        net, _ = load_weights(name, dtype=torch.float64)
        raw, _ = load_file(resolve_weights(name))
        for k, v in net.state_dict().items():
            assert np.array_equal(raw[k], v.numpy()), (name, k)


def test_paper_variant_round_trip(tmp_path):
    net = L2LNet("paper")
    assert all(m.bias is None for m in (net.update_rnn.head, net.query_rnn.head))
    save_weights(net, tmp_path / "p.safetensors", {})
    net2, manifest = load_weights(tmp_path / "p.safetensors")
    assert manifest["arch"]["variant"] == "paper"


def test_sigma_vote_bound_round_trips_and_lets_the_vote_overturn_the_shrink(tmp_path):
    """With a bound above the prior's shrink (0.4), a net voting "grow" makes σ grow
    even after f got worse; with the default 0.3 it only slows the shrink."""
    import math

    from zominimize.learned.core import init_state, update_step

    def sigma_after_deterioration(bound):
        net = L2LNet("scaled", sigma_vote_bound=bound).double().requires_grad_(False)
        with torch.no_grad():  # the σ vote saturates at +bound
            net.update_rnn.head.weight[1].zero_()
            net.update_rnn.head.bias[1].fill_(50.0)
        st = init_state(net, np.zeros(4), 1.0)
        st.f_prev = 0.0
        _, st = update_step(net, st, torch.ones(4, dtype=torch.float64), 1.0,
                            torch.zeros(4, dtype=torch.float64))
        return float(st.sigma.detach()), net

    s03, _ = sigma_after_deterioration(0.3)
    s06, net = sigma_after_deterioration(0.6)
    assert s03 == pytest.approx(math.exp(0.5 * math.tanh(-0.1))) and s03 < 1
    assert s06 == pytest.approx(math.exp(0.5 * math.tanh(0.2))) and s06 > 1
    save_weights(net, tmp_path / "b.safetensors", {})
    net2, manifest = load_weights(tmp_path / "b.safetensors")
    assert manifest["arch"]["sigma_vote_bound"] == 0.6 and net2.sigma_vote_bound == 0.6
    with pytest.raises(ValueError, match="sigma_vote_bound"):
        L2LNet("scaled", sigma_vote_bound=-1)


def test_extra_features_round_trip(tmp_path):
    net = L2LNet("scaled", features=("log_d", "success")).double()
    save_weights(net, tmp_path / "f.safetensors", {})
    net2, manifest = load_weights(tmp_path / "f.safetensors")
    assert manifest["arch"]["features"] == ["log_d", "success"]
    assert net2.features == ("log_d", "success")
    assert net2.update_rnn.cell.weight_ih.shape[1] == 8
    # a net without them keeps the manifest every bundled weight set has
    assert "features" not in L2LNet("scaled").arch


def test_safetensors_reader_rejects_garbage(tmp_path):
    p = tmp_path / "x.safetensors"
    p.write_bytes(b"\x01\x02")
    with pytest.raises(SafetensorsError, match="too short"):
        load_file(p)
    p.write_bytes(struct.pack("<Q", 10**12) + b"{}")
    with pytest.raises(SafetensorsError, match="out of range"):
        load_file(p)
    p.write_bytes(struct.pack("<Q", 4) + b"nope")
    with pytest.raises(SafetensorsError, match="header"):
        load_file(p)
    header = json.dumps({"a": {"dtype": "F64", "shape": [3], "data_offsets": [0, 8]}}).encode()
    p.write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * 8)
    with pytest.raises(SafetensorsError, match="header"):
        load_file(p)


# -- hostile weights files (issue 15, defect 7) -------------------------------------------


def _entries(path):
    """(header entries in file order, metadata, body) of a safetensors file."""
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__")
    order = sorted(header, key=lambda k: header[k]["data_offsets"][0])
    return [(k, header[k]) for k in order], meta, raw[8 + n :]


def _write_raw(path, entries, meta, body):
    header = {"__metadata__": meta, **dict(entries)}
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    path.write_bytes(struct.pack("<Q", len(h)) + h + body)


def _resigned(tensors, meta):
    """``meta`` with the manifest's checksum recomputed for ``tensors`` (what an
    attacker who edits a file would do)."""
    from zominimize.learned.weights import tensor_sha256

    manifest = json.loads(meta["zominimize"])
    manifest["sha256"] = tensor_sha256(tensors)
    return {"zominimize": json.dumps(manifest)}


def _same_size_pair(entries):
    sizes = {}
    for k, info in entries:
        sizes.setdefault(tuple(info["shape"]), []).append(k)
    return next(v for v in sizes.values() if len(v) >= 2)[:2]


@pytest.mark.parametrize("case", ["overlapping offsets", "float shape", "string shape",
                                  "trailing bytes", "integer tensor"])
def test_malformed_but_self_consistent_weights_are_refused(case, tmp_path):
    """Each file carries a manifest whose checksum matches the tensors a lax reader
    would return, so only the reader's own checks can refuse it."""
    torch.manual_seed(0)
    net = L2LNet("scaled").double()
    src = tmp_path / "src.safetensors"
    save_weights(net, src, {"family": "test"})
    entries, meta, body = _entries(src)
    bad = tmp_path / "bad.safetensors"
    if case == "overlapping offsets":
        # two tensors of the same shape; the second points at the first one's bytes
        a, b = _same_size_pair(entries)
        info = dict(entries)
        new_entries, new_body, off = [], b"", 0
        for k, e in entries:
            if k == b:
                continue
            lo, hi = e["data_offsets"]
            new_entries.append((k, {**e, "data_offsets": [off, off + hi - lo]}))
            new_body += body[lo:hi]
            off += hi - lo
        a_off = dict(new_entries)[a]["data_offsets"]
        new_entries.append((b, {**info[b], "data_offsets": list(a_off)}))
        tensors = {k: np.frombuffer(new_body[e["data_offsets"][0]:e["data_offsets"][1]],
                                    dtype="<f8").reshape(e["shape"]) for k, e in new_entries}
        _write_raw(bad, new_entries, _resigned(tensors, meta), new_body)
    elif case in ("float shape", "string shape"):
        conv = float if case == "float shape" else str
        new_entries = [(k, {**e, "shape": [conv(s) for s in e["shape"]]}) for k, e in entries]
        _write_raw(bad, new_entries, meta, body)
    elif case == "trailing bytes":
        bad.write_bytes(src.read_bytes() + b"\0" * 64)
    else:  # one tensor stored as int64 (its values are integers: a lax reader converts)
        tensors, _ = load_file(src)
        name = sorted(tensors)[0]
        tensors[name] = np.round(tensors[name] * 10).astype(np.int64)
        save_file(tensors, bad, _resigned(tensors, meta))
    with pytest.raises(WeightsError) as info:
        load_weights(bad)
    assert str(info.value).startswith(str(bad))


def test_padded_weights_file_is_refused_without_reading_it(weights_file, tmp_path):
    """A valid file followed by 256 MiB (sparse: no disk use) is refused, and the
    padding is never read into memory."""
    import time
    import tracemalloc

    _, path = weights_file
    bad = tmp_path / "padded.safetensors"
    bad.write_bytes(path.read_bytes())
    with open(bad, "r+b") as fh:
        fh.truncate(bad.stat().st_size + 256 * 2**20)
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(WeightsError, match="not a valid safetensors"):
            load_weights(bad)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20
    assert time.perf_counter() - t0 < 10


def test_huge_header_is_refused_before_it_is_parsed(weights_file, tmp_path):
    """A header of 100,000 entries (about 6 MiB of JSON) costs neither the time nor the
    memory of parsing it."""
    import tracemalloc

    _, path = weights_file
    entries, meta, body = _entries(path)
    k0, e0 = entries[0]
    many = entries + [(f"x{i}", {**e0}) for i in range(100_000)]
    bad = tmp_path / "huge.safetensors"
    _write_raw(bad, many, meta, body)
    assert bad.stat().st_size > 4 * 2**20
    tracemalloc.start()
    try:
        with pytest.raises(WeightsError, match="header length .* out of range"):
            load_weights(bad)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20


@pytest.mark.parametrize("key, value", [("mu_rel", "x"), ("mu_rel", -0.1), ("mu_rel", True),
                                        ("sigma0_rel", [0.1]), ("mu", 0), ("q", 2.5),
                                        ("sigma_down", -1), ("sigma_down", "hard"),
                                        ("beta1", 1.0), ("beta1", -0.5), ("beta1", "auto"),
                                        ("beta1", True), ("step_beta1", 1.5),
                                        ("step_beta1", "often")])
def test_bad_option_in_the_manifest_is_a_weights_error_naming_the_file(
        key, value, weights_file, tmp_path):
    _, path = weights_file
    tensors, meta = load_file(path)
    manifest = json.loads(meta["zominimize"])
    manifest["options"] = {**manifest.get("options", {}), key: value}
    bad = tmp_path / "opt.safetensors"
    save_file(tensors, bad, {"zominimize": json.dumps(manifest)})
    with pytest.raises(WeightsError, match=key) as info:
        load_weights(bad)
    assert str(info.value).startswith(str(bad))


def test_safetensors_round_trip_dtypes(tmp_path):
    arrs = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([1, -2], np.int64)}
    save_file(arrs, tmp_path / "t.safetensors", {"k": "v"})
    out, meta = load_file(tmp_path / "t.safetensors")
    assert meta == {"k": "v"}
    for k in arrs:
        np.testing.assert_array_equal(out[k], arrs[k])
        assert out[k].dtype == arrs[k].dtype


def test_truncated_file(weights_file, tmp_path):
    _, path = weights_file
    data = path.read_bytes()
    bad = tmp_path / "trunc.safetensors"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(WeightsError, match="not a valid safetensors"):
        load_weights(bad)


def test_tampered_weights_fail_checksum(weights_file, tmp_path):
    _, path = weights_file
    tensors, meta = load_file(path)
    name = sorted(tensors)[0]
    tensors[name] = tensors[name] + 1e-3
    bad = tmp_path / "tampered.safetensors"
    save_file(tensors, bad, meta)
    with pytest.raises(WeightsError, match="SHA-256"):
        load_weights(bad)


def test_wrong_shapes_rejected(weights_file, tmp_path):
    _, path = weights_file
    tensors, meta = load_file(path)
    manifest = json.loads(meta["zominimize"])
    manifest["arch"]["hidden"] = 12  # claims another architecture
    bad = tmp_path / "shape.safetensors"
    save_file(tensors, bad, {"zominimize": json.dumps(manifest)})
    with pytest.raises(WeightsError, match="do not match the architecture"):
        load_weights(bad)


def test_missing_manifest_and_bad_format(weights_file, tmp_path):
    _, path = weights_file
    tensors, meta = load_file(path)
    bad = tmp_path / "nomanifest.safetensors"
    save_file(tensors, bad, {})
    with pytest.raises(WeightsError, match="no zominimize manifest"):
        load_weights(bad)
    manifest = json.loads(meta["zominimize"])
    manifest["format_version"] = "99"
    save_file(tensors, bad, {"zominimize": json.dumps(manifest)})
    with pytest.raises(WeightsError, match="not supported"):
        load_weights(bad)


class _Boom:
    def __reduce__(self):
        return (open, ("/tmp/zominimize-pwned", "w"))


def test_pickle_is_never_executed(tmp_path):
    bad = tmp_path / "evil.safetensors"
    bad.write_bytes(pickle.dumps({"w": _Boom()}))
    with pytest.raises(WeightsError):
        load_weights(bad)
    import os

    assert not os.path.exists("/tmp/zominimize-pwned")


def test_unknown_name_and_missing_path():
    with pytest.raises(ValueError, match="Unknown weights 'nope'"):
        load_weights("nope")
    with pytest.raises(WeightsError, match="does not exist"):
        load_weights("/nonexistent/w.safetensors")


def test_bundled_weights_have_manifests():
    bundled = bundled_weights()
    assert {"default", "attack", "classification"} <= set(bundled)
    for name in bundled:
        net, m = load_weights(name)  # verifies the checksum
        assert m["command"].startswith(("zominimize train", "python -m research.")), name
        assert m["wall_time_s"] > 0
        assert m["family"]


def test_bundled_weights_commands_give_their_recorded_configs():
    """Each bundled manifest's command, parsed by today's CLI, gives exactly the training
    configuration recorded with the weights (so the command still reproduces them)."""
    import argparse
    import dataclasses
    import shlex

    from zominimize._cli import _add_train
    from zominimize.meta import TrainConfig

    parser = argparse.ArgumentParser()
    _add_train(parser.add_subparsers(dest="cmd"))
    defaults = dataclasses.asdict(TrainConfig())
    for name in bundled_weights():
        _, m = load_weights(name)
        words = shlex.split(m["command"])
        if words[:2] == ["python", "-m"]:  # a research script, as run from the repository
            import importlib

            from zominimize.meta.train import _config_record

            config = importlib.import_module(words[2]).config(words[3:])
            cfg = _config_record(config)
        else:
            args = parser.parse_args(words[1:])
            cfg = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)}
        # a field added after the weights were trained defaults to the old behaviour
        assert cfg == {**{k: defaults[k] for k in cfg if k not in m["config"]},
                       **m["config"]}, name


@pytest.mark.parametrize("parts, match", [
    ({"min_d": 1}, "not a list"),
    ([{"min_d": 5, "max_d": 8}], "must be an object"),
    ([{"min_d": 9, "max_d": 8, "weights": "attack"}], "min_d <= max_d"),
    ([{"min_d": 0, "max_d": 8, "weights": "attack"}], "min_d <= max_d"),
    ([{"min_d": True, "max_d": 8, "weights": "attack"}], "integers"),
    ([{"min_d": 5, "max_d": 8.0, "weights": "attack"}], "integers"),
    ([{"min_d": 5, "max_d": 8, "weights": "attack", "q": 5}], "must be an object"),
    ([{"min_d": 5, "max_d": 8, "weights": "attack", "options": [5]}], "sets only q, accept"),
    ([{"min_d": 5, "max_d": 8, "weights": "attack", "options": {"weights": "default"}}],
     "sets only q, accept"),
    ([{"min_d": 5, "max_d": 8, "weights": "attack", "options": {"q": 0}}],
     "entry's option 'q' must be an integer >= 1"),
    ([{"min_d": 5, "max_d": 8, "weights": "attack", "options": {"accept": "maybe"}}],
     "entry's option 'accept' must be one of"),
    ([{"min_d": 5, "max_d": 8, "weights": "attack", "options": {"restarts": "often"}}],
     "entry's option 'restarts' must be one of"),
    ([{"min_d": 5, "max_d": 8, "weights": "attack", "options": {"beta1": 2}}],
     "entry's option 'beta1' must be a number in"),
    ([{"min_d": 5, "max_d": 8, "weights": "attack", "options": {"step_beta1": "x"}}],
     "entry's option 'step_beta1' must be a number in"),
    ([{"min_d": 5, "max_d": 8, "weights": "attack", "options": {"mu_rel": float("nan")}}],
     "entry's option 'mu_rel' must be a positive finite number"),
    ([{"min_d": 5, "max_d": 8, "weights": "attack", "options": {"sigma_down": "often"}}],
     "entry's option 'sigma_down' must be a positive finite number or auto"),
    ([{"min_d": 5, "max_d": 8, "weights": "attack", "options": {"mu_rel": "auto"}}],
     "entry's option 'mu_rel' must be a positive finite number, got 'auto'"),
    ([{"min_d": 5, "max_d": 8, "weights": "../attack"}], "not a path"),
    ([{"min_d": 5, "max_d": 8, "weights": "/tmp/w.safetensors"}], "not a path"),
    ([{"min_d": 5, "max_d": 8, "weights": 3}], "not a path"),
    ([{"min_d": 5, "max_d": 8, "weights": "attack"},
      {"min_d": 8, "max_d": 9, "weights": "classification"}], "overlap at d = 8"),
    # an entry without max_d reaches every d from min_d on
    ([{"min_d": 5, "weights": "attack"},
      {"min_d": 900, "max_d": 1000, "weights": "classification"}], "overlap at d = 900"),
    ([{"min_d": 5, "max_d": None, "weights": "attack"}], "integers"),
    ([{"min_d": 0, "weights": "attack"}], "min_d <= max_d"),
])
def test_bad_by_dim_parts_are_refused(parts, match, weights_file, tmp_path):
    _, path = weights_file
    bad = with_parts(path, tmp_path / "parts.safetensors", parts)
    with pytest.raises(WeightsError, match=match) as info:
        load_weights(bad)
    assert str(info.value).startswith(str(bad))


def test_load_weight_parts(weights_file, tmp_path):
    """Parts load as the bundled sets they name; an unknown name and a part that has
    parts itself are refused."""
    from zominimize.learned import load_weight_parts

    _, path = weights_file
    good = with_parts(path, tmp_path / "good.safetensors", [
        {"min_d": 30, "max_d": 40, "weights": "classification"},
        {"min_d": 5, "max_d": 8, "weights": "attack", "options": {"q": 3, "mu_rel": 0.2}},
        {"min_d": 9, "max_d": 9, "weights": "attack"},
        {"min_d": 41, "weights": "attack"}])
    _, manifest = load_weights(good)
    parts = load_weight_parts(manifest)
    assert [(p.min_d, p.max_d, p.name, p.options) for p in parts] == [
        (30, 40, "classification", {}), (5, 8, "attack", {"q": 3, "mu_rel": 0.2}),
        (9, 9, "attack", {}), (41, None, "attack", {})]
    # the part's own manifest, unchanged: the entry's options are beside it
    assert parts[1].manifest == bundled_weights()["attack"]
    assert parts[1].net is parts[2].net  # one set named twice is loaded once
    assert load_weight_parts(load_weights(path)[1]) == []
    _, manifest = load_weights(with_parts(path, tmp_path / "unknown.safetensors",
                                           [{"min_d": 5, "max_d": 8, "weights": "nope"}]))
    with pytest.raises(WeightsError, match="'nope'.*Unknown weights"):
        load_weight_parts(manifest)
    nested = with_parts(path, tmp_path / "nested.safetensors",
                         [{"min_d": 5, "max_d": 8, "weights": "default"}])
    with pytest.raises(WeightsError, match="do not nest"):
        load_weight_parts(load_weights(nested)[1])
