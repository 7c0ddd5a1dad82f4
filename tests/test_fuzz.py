"""Bad input, tried on purpose, at the public API.

Property-based (hypothesis): malformed ``x0``, ``bounds``, options, objectives and
l2l-zo weights files go into :func:`zominimize.minimize`, and every outcome must be
either

* a clear exception: ``ValueError`` or ``TypeError`` whose message names the argument
  (``zominimize.learned.WeightsError``, a ``ValueError``, for weights files), raised
  before ``fun`` is called, or
* a correct result: an ``OptimizeResult`` whose ``x`` has the shape of the converted
  ``x0``, lies inside the bounds, and whose ``fun`` is ``fun(x)`` (finite), never above
  ``fun(x0)``; or status 3 when no value was finite,

never a crash of another type, a hang, or a silently wrong answer. The examples are
derandomized so the suite is reproducible; the inputs that once slipped through are
pinned by the explicit ``*_gaps`` tests at the end of each section (see
``docs/reliability.rst``).
"""

from __future__ import annotations

import json
import os
import pickle
import struct
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.optimize import Bounds, OptimizeResult, OptimizeWarning

import zominimize

CLEAR = (ValueError, TypeError)


def fuzz(n):
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture,
                                           HealthCheck.filter_too_much])


class Sphere:
    """The objective of every run; counts its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        with np.errstate(all="ignore"):
            return float(np.sum((np.asarray(x, dtype=np.float64) - 0.5) ** 2))


def minimize(x0, *, fun=None, bounds=None, options=None, method="zo-adam"):
    fun = fun or Sphere()
    opts = {"maxiter": 2, "q": 3, **(options or {})}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return zominimize.minimize(fun, x0, method=method, bounds=bounds, options=opts, rng=0)


def as_x0(x0):
    """The conversion a user may expect (SciPy's, minus complex truncation), or None."""
    if isinstance(x0, (str, bytes)):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            x = np.atleast_1d(np.asarray(x0, dtype=np.float64))
    except (ValueError, TypeError, OverflowError, Warning):
        return None
    if x.ndim != 1 or x.size == 0 or not np.all(np.isfinite(x)):
        return None
    return x


def check_result(res, fun, x0, bounds=None):
    """``res`` is a correct result for minimizing ``fun`` from ``x0``."""
    assert isinstance(res, OptimizeResult)
    assert res.x.shape == x0.shape and res.x.dtype == np.float64
    if bounds is not None:
        assert np.all(bounds[0] <= res.x) and np.all(res.x <= bounds[1])
    if np.isfinite(res.fun):
        assert res.fun == fun(res.x)
        assert res.fun <= fun(x0)
        assert res.status in (0, 1, 2)
    else:
        assert np.isnan(res.fun) and res.status == 3 and not res.success
    assert res.nfev >= 1


def check_clear(exc, *names):
    assert isinstance(exc, CLEAR), f"{type(exc).__name__}: {exc}"
    msg = str(exc)
    assert msg
    assert any(n in msg for n in names), f"message does not name {names}: {msg!r}"


# ----------------------------------------------------------------------------------------------
# x0
# ----------------------------------------------------------------------------------------------

_scalar_junk = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6),
    st.floats(width=64), st.floats(min_value=-1e300, max_value=1e300),
    st.sampled_from([np.nan, np.inf, -np.inf, 1e308, -1e308, 0.0, -0.0, 5e-324]),
)
_x0 = st.one_of(
    _scalar_junk,
    st.lists(_scalar_junk, max_size=4),
    st.lists(st.lists(st.floats(-10, 10), min_size=1, max_size=3), min_size=1, max_size=3)
    .filter(lambda v: len({len(r) for r in v}) == 1),  # nested, rectangular
    st.tuples(st.floats(-10, 10), st.floats(-10, 10)),
    hnp.arrays(
        dtype=st.sampled_from([np.float64, np.float32, np.float16, np.int64, np.int8,
                               np.uint8, np.bool_]),
        shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3),
    ),
    st.sampled_from([{}, {"a": 1}, {1, 2}, set(), object(), (i for i in range(2)), range(3),
                     np.array([1.0, None], dtype=object), np.array([], dtype=object),
                     np.array(2.0, dtype=object), np.array([[]]), [[]], [[1.0]], ()]),
)


@fuzz(120)
@given(x0=_x0)
def test_fuzz_x0(x0):
    fun = Sphere()
    expected = as_x0(x0)
    try:
        res = minimize(x0, fun=fun)
    except CLEAR as exc:
        assert expected is None, f"valid x0 {x0!r} rejected: {exc!r}"
        check_clear(exc, "x0")
        assert fun.calls == 0
        return
    assert expected is not None, f"malformed x0 {x0!r} accepted"
    check_result(res, fun, expected)


X0_GAPS = {
    # value, what is wrong today
    "string": ("abc", "ValueError from numpy that does not name x0"),
    "bytes": (b"12", "ValueError from numpy that does not name x0"),
    "list of strings": (["a", "b"], "ValueError from numpy that does not name x0"),
    "ragged": ([[1.0, 2.0], [3.0]], "numpy's 'inhomogeneous shape' ValueError, x0 unnamed"),
    "object array holding a list": (np.array([1.0, [1, 2]], dtype=object),
                                    "numpy's ValueError, x0 unnamed"),
    "huge int": ([10**400, 1], "OverflowError"),
    "complex ndarray": (np.array([1 + 2j, 0j]),
                        "accepted: the imaginary part is dropped with a ComplexWarning"),
    "complex64 ndarray, zero imaginary part": (np.zeros(2, np.complex64),
                                               "accepted silently (complex must be a TypeError)"),
    "datetime64": (np.array(["2020-01-01"], dtype="datetime64[D]"),
                   "accepted: days since 1970 are optimized"),
    "timedelta64": (np.array([1, 2], dtype="timedelta64[s]"), "accepted as floats"),
}


@pytest.mark.parametrize("x0", [v for v, _ in X0_GAPS.values()], ids=list(X0_GAPS))
def test_x0_gaps(x0):
    fun = Sphere()
    with pytest.raises(CLEAR) as info:
        minimize(x0, fun=fun)
    check_clear(info.value, "x0")
    assert fun.calls == 0


@pytest.mark.parametrize("x0, expected", [
    (np.float64(2.0), [2.0]),  # 0-d: one coordinate, as SciPy's atleast_1d
    (np.array(3), [3.0]),
    ([True, False], [1.0, 0.0]),
    (np.arange(3, dtype=np.int8), [0.0, 1.0, 2.0]),
    ((1, 2), [1.0, 2.0]),
    (range(3), [0.0, 1.0, 2.0]),
])
def test_x0_accepted_conversions(x0, expected):
    fun = Sphere()
    res = minimize(x0, fun=fun)
    check_result(res, fun, np.asarray(expected, dtype=np.float64))
    assert not isinstance(x0, np.ndarray) or x0.dtype != np.float64 or x0.ndim == 0


# ----------------------------------------------------------------------------------------------
# bounds
# ----------------------------------------------------------------------------------------------

N = 3
X0 = np.zeros(N)
_bnum = st.one_of(st.none(), st.floats(-5, 5), st.sampled_from([np.nan, np.inf, -np.inf, 0.0]),
                  st.integers(-5, 5))
_pair = st.tuples(_bnum, _bnum)
_bounds = st.one_of(
    st.lists(_pair, min_size=0, max_size=5),  # wrong length, NaN, lb > ub, None
    st.lists(st.tuples(_bnum, _bnum, _bnum), min_size=N, max_size=N),  # triples
    _pair,  # one pair (broadcast), or scalars
    _bnum,  # a scalar
    st.tuples(st.lists(_bnum, min_size=0, max_size=4), st.lists(_bnum, min_size=0, max_size=4))
    # SciPy >= 1.18 refuses an empty Bounds itself; empty lists stay a plain tuple
    .map(lambda t: Bounds(*[np.array([np.nan if v is None else v for v in a], dtype=float)
                             for a in t]) if len(t[0]) == len(t[1]) > 0 else t),
    st.sampled_from(["ab", "", b"xy", [("a", "b")] * N, {"a": (0, 1)}, [[(0, 1)]] * N,
                     [(0j, 1)] * N, [object()] * N, object(), np.zeros((N, 3)), np.zeros((N, 2))]),
)


def _as_bounds(b):
    """(lb, ub) arrays for ``b`` in a documented form, or None for a malformed one: a
    ``Bounds``; ``n`` pairs ``(min, max)``, ``None`` meaning unbounded; one pair for every
    coordinate; or ``(lb_array, ub_array)`` of length ``n``."""
    if b is None:
        return np.full(N, -np.inf), np.full(N, np.inf)
    try:
        if isinstance(b, Bounds):
            lb, ub = np.asarray(b.lb, float), np.asarray(b.ub, float)
        else:
            pairs = list(b)
            if len(pairs) == 2 and all(np.ndim(p) == 1 and len(p) == N for p in pairs):
                lb, ub = (np.asarray([np.nan if v is None else v for v in p], dtype=float)
                          for p in pairs)
            else:
                pairs = [(-np.inf if lo is None else lo, np.inf if hi is None else hi)
                         for lo, hi in pairs]
                lb, ub = (np.array(a, dtype=float) for a in zip(*pairs))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            lb, ub = (np.broadcast_to(v, (N,)) for v in (lb, ub))
    except (TypeError, ValueError, Warning):
        return None
    if np.isnan(lb).any() or np.isnan(ub).any() or np.any(lb > ub):
        return None
    return lb, ub


@fuzz(120)
@given(bounds=_bounds)
def test_fuzz_bounds(bounds):
    fun = Sphere()
    try:
        res = minimize(X0, fun=fun, bounds=bounds)
    except CLEAR as exc:
        check_clear(exc, "bounds", "bound")
        assert fun.calls == 0
        expected = _as_bounds(bounds)
        if expected is not None:  # rejected although valid: only x0 outside may do that
            assert np.any((X0 < expected[0]) | (X0 > expected[1])), f"{bounds!r}: {exc!r}"
        return
    expected = _as_bounds(bounds)
    assert expected is not None, f"malformed bounds {bounds!r} accepted"
    check_result(res, fun, X0, expected)


def test_bounds_with_a_huge_int():
    with pytest.raises(ValueError, match="bounds"):
        minimize(X0, bounds=[(-10**400, 1)] * N)


# ----------------------------------------------------------------------------------------------
# options
# ----------------------------------------------------------------------------------------------

_JUNK = ["a", "", None, [], [1], {}, 1j, np.nan, np.inf, -np.inf, -1, 0, -0.5, 0.5, 1.5, True,
         False, np.array([1.0]), b"x", 1e300, -1e300, np.int64(3), np.float32(2.0)]
_small = st.one_of(st.sampled_from(_JUNK), st.integers(-3, 4), st.floats(-3, 4))

#: option -> values to try. Budgets stay small so an accepted value ends quickly.
OPTION_VALUES = {
    "maxiter": _small,
    "maxfev": _small,
    "ftol": st.one_of(_small, st.floats()),
    "tol": _small,
    "patience": st.one_of(st.sampled_from([v for v in _JUNK if v is not None and not (
        isinstance(v, float) and abs(v) > 1e6)]), st.integers(-3, 4)),  # gaps: see below
    "f_target": st.one_of(st.floats(), st.integers(-10**6, 10**6)),
    "q": st.one_of(st.sampled_from(_JUNK), st.integers(-3, 30), st.floats(-3, 30)),
    "mu": st.one_of(_small, st.floats()),
    "lr": st.one_of(_small, st.floats()),
    "beta1": _small,
    "beta2": _small,
    "eps": _small,
    "estimator": st.one_of(st.sampled_from(_JUNK), st.text(max_size=10),
                           st.sampled_from(["forward", "antithetic"])),
    # workers > 1 would start process pools: covered by test_faults.py / test_evaluate.py
    "workers": st.one_of(st.sampled_from([v for v in _JUNK if not (
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and (v > 1 or v == -1))]),
        st.sampled_from([0, -2, 1, 2.0, "2"])),
    "timeout": st.one_of(st.floats(), st.integers(-3, 10)),  # no effect with workers=1
    "checkpoint_every": _small,
}


def _run_option(name, value, method="zo-adam"):
    fun = Sphere()
    options = {name: value}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", OptimizeWarning)
            res = minimize(X0, fun=fun, options=options, method=method)
    except CLEAR as exc:
        check_clear(exc, name if name != "tol" else "tol")
        assert fun.calls == 0, "the option was checked only after evaluations"
        return None
    check_result(res, fun, X0)
    return res


@fuzz(250)
@given(data=st.data(), name=st.sampled_from(sorted(OPTION_VALUES)))
def test_fuzz_options(data, name):
    value = data.draw(OPTION_VALUES[name], label=name)
    if name in ("maxiter", "maxfev"):
        # a valid huge budget is a legitimate long run; keep accepted values small
        assume(not (isinstance(value, float) and np.isfinite(value) and abs(value) > 10))
    res = _run_option(name, value)
    if res is None:
        return
    # what an accepted value must mean
    if name == "maxiter" and value is not None and np.isfinite(float(value)):
        assert res.nit == int(value)
    if name == "maxfev" and value is not None and np.isfinite(float(value)):
        assert res.nfev <= int(value)
    if name == "f_target" and res.status == 0:
        assert res.fun <= value


@fuzz(40)
@given(name=st.text(min_size=1, max_size=12).filter(
    lambda s: s not in set(OPTION_VALUES) | {"rng", "disp", "return_all", "vectorized",
                                            "checkpoint", "resume", "scale_lr_by_dim"}),
       value=st.sampled_from(_JUNK))
def test_fuzz_unknown_options_warn_and_are_ignored(name, value):
    ref = minimize(X0)
    with pytest.warns(OptimizeWarning, match="Unknown solver options"):
        res = minimize(X0, options={name: value})
    np.testing.assert_array_equal(res.x, ref.x)
    assert (res.fun, res.nfev) == (ref.fun, ref.nfev)


OPTION_GAPS = [
    # (option, value, the patch it needs)
    ("f_target", "a", "check f_target like ftol: a real number, TypeError/ValueError naming it"),
    ("f_target", [1.0, 2.0], "same"),
    ("f_target", np.array([1.0]), "same (numpy raises an unnamed TypeError)"),
    ("f_target", 10**400, "same (OverflowError today)"),
    ("f_target", 1j, "same"),
    ("timeout", "a", "Evaluator: float(timeout) errors re-raised naming `timeout`"),
    ("timeout", [1.0], "same"),
    ("patience", None, "patience: None/inf rejected by name (TypeError from deque today)"),
    ("patience", np.inf, "same"),
    ("patience", 1e300, "same (OverflowError from deque today)"),
    ("rng", "a", "rng: numpy's SeedSequence errors re-raised naming `rng`"),
    ("rng", -1, "same"),
    ("weights", 123, "resolve_weights: TypeError naming `weights` for non-path types"),
    ("weights", None, "same"),
]


@pytest.mark.parametrize("name, value, patch", OPTION_GAPS,
                         ids=[f"{n}={v!r}"[:30] for n, v, _ in OPTION_GAPS])
def test_option_gaps(name, value, patch):
    fun = Sphere()
    method, options = "zo-adam", {name: value}
    if name == "rng":
        with pytest.raises(CLEAR) as info:
            zominimize.minimize(fun, X0, method=method, options={"maxiter": 1}, rng=value)
    else:
        if name == "weights":
            method = "l2l-zo"
        with pytest.raises(CLEAR) as info:
            minimize(X0, fun=fun, options=options, method=method)
    check_clear(info.value, name)
    assert fun.calls == 0


@pytest.mark.parametrize("every", [None, np.inf])
def test_checkpoint_every_none_or_inf_with_a_checkpoint(every, tmp_path):
    fun = Sphere()
    with pytest.raises(CLEAR) as info:
        minimize(X0, fun=fun, options={"checkpoint": str(tmp_path / "c"),
                                       "checkpoint_every": every})
    check_clear(info.value, "checkpoint_every")
    assert fun.calls == 0


@pytest.mark.parametrize("path", [123, "/nonexistent-dir/x.ckpt", "", "DIR"])
def test_bad_checkpoint_path_is_rejected_before_any_evaluation(path, tmp_path):
    if path == "DIR":
        path = str(tmp_path)
    fun = Sphere()
    with pytest.raises(CLEAR) as info:
        minimize(X0, fun=fun, options={"checkpoint": path, "checkpoint_every": 1})
    check_clear(info.value, "checkpoint")
    assert fun.calls == 0


@pytest.mark.parametrize("path", [123, "/nonexistent-dir/x.ckpt"])
def test_bad_checkpoint_path_never_loses_the_best_point(path):
    # until the patch above: the error of the first write, with the best point attached
    fun = Sphere()
    with pytest.raises((TypeError, ValueError, OSError)) as info:
        minimize(X0, fun=fun, options={"checkpoint": path, "checkpoint_every": 1})
    if fun.calls:
        assert info.value.best_result.nit == 1 and np.isfinite(info.value.best_result.fun)
    else:  # rejected up front
        check_clear(info.value, "checkpoint")


# ----------------------------------------------------------------------------------------------
# objectives
# ----------------------------------------------------------------------------------------------


class Returns:
    """Returns the scripted values in turn (then the last one forever); an exception
    instance in the script is raised instead. ``log`` holds what each call did."""

    def __init__(self, script):
        self.script, self.log = list(script), []

    def __call__(self, x):
        v = self.script[min(len(self.log), len(self.script) - 1)]
        self.log.append((v, np.array(x)))
        if isinstance(v, BaseException):
            raise v
        return v


class Boom(Exception):
    pass


_SCALARS = st.one_of(st.floats(-1e6, 1e6), st.integers(-10**6, 10**6),
                     st.sampled_from([np.nan, np.inf, -np.inf, np.float32(1.5), np.int64(2),
                                      np.array(3.0), np.array([4.0]), [5.0], True,
                                      np.float64(-1.0)]))
_NON_SCALARS = st.sampled_from([None, "1.0", "abc", b"1", np.zeros(2), [1.0, 2.0], [], {},
                                (1.0, 2.0), 1 + 1j, 0j, np.zeros((1, 2)), np.array([]),
                                object(), {1.0}])
_RETURN = st.one_of(_SCALARS, _NON_SCALARS, st.builds(Boom, st.text(max_size=5)))


def _is_scalar(v):
    if isinstance(v, (complex, str, bytes)) or v is None:
        return False
    try:
        return np.asarray(v, dtype=float).size == 1
    except (TypeError, ValueError):
        return False


@fuzz(150)
@given(script=st.lists(_RETURN, min_size=1, max_size=8))
def test_fuzz_objective_returns(script):
    fun = Returns(script)
    try:
        res = minimize(X0, fun=fun)
    except Boom as exc:
        raised, best = Boom, exc.best_result
    except ValueError as exc:
        assert "must return a scalar value" in str(exc), repr(exc)
        raised, best = ValueError, exc.best_result
    else:
        raised, best = None, res
    calls = [v for v, _ in fun.log]
    bad = [i for i, v in enumerate(calls) if isinstance(v, BaseException) or not _is_scalar(v)]
    if raised is None:
        assert not bad, f"{calls[bad[0]]!r} was accepted"
        done = fun.log
    else:  # the run stopped at the first bad call, and because of it
        assert bad and bad[0] == len(calls) - 1, calls
        assert (raised is Boom) == isinstance(calls[-1], Boom), calls[-1]
        done = fun.log[:-1]
    # the best point so far is the best finite value returned before the failure
    finite = [(float(np.asarray(v, dtype=float).reshape(())), x) for v, x in done]
    finite = [(f, x) for f, x in finite if np.isfinite(f)]
    if finite:
        f_best, x_best = min(finite, key=lambda t: t[0])
        assert best.fun == f_best
        np.testing.assert_array_equal(best.x, x_best)
    else:
        assert np.isnan(best.fun)
    assert best.nfev == len(done)


RETURN_GAPS = {
    "numpy complex scalar": (np.complex128(1 + 1j),
                             "accepted: the imaginary part is dropped (Python complex is "
                             "rejected)"),
    "complex 1-element array": (np.array([2 + 3j]), "accepted: imaginary part dropped"),
    "masked value": (np.ma.masked, "accepted as 0.0: a missing value becomes the optimum"),
    "datetime64": (np.datetime64("2020"), "accepted as 50.0 (years since 1970)"),
    "huge int": (10**400, "OverflowError"),
}


@pytest.mark.parametrize("value", [v for v, _ in RETURN_GAPS.values()], ids=list(RETURN_GAPS))
def test_objective_return_gaps(value):
    with pytest.raises(ValueError, match="must return a scalar value"):
        minimize(X0, fun=lambda x: value)


# ----------------------------------------------------------------------------------------------
# l2l-zo weights files
# ----------------------------------------------------------------------------------------------


class _Base(tuple):
    """(path, bytes, tensors) of the base weights file, with a short repr for hypothesis."""

    def __new__(cls, *items):
        return super().__new__(cls, items)

    def __repr__(self):
        return f"<weights {self[0].name}>"


@pytest.fixture(scope="session")
def l2l_weights(random_weights):
    """A valid (random, untrained) weights file, its bytes and its tensors."""
    from pathlib import Path

    from zominimize._safetensors import load_file

    path = Path(random_weights)

    return _Base(path, path.read_bytes(), load_file(path)[0])


def _load_or_run(path):
    """Run l2l-zo with the weights at ``path``: the result, or the exception."""
    fun = Sphere()
    try:
        res = minimize(X0, fun=fun, method="l2l-zo", options={"weights": str(path)})
    except Exception as exc:  # noqa: BLE001 - the test classifies it
        return exc, fun
    return res, fun


def _check_weights_outcome(out, fun, base_tensors, path):
    from zominimize._safetensors import load_file
    from zominimize.learned import WeightsError

    if isinstance(out, Exception):
        assert isinstance(out, WeightsError), f"{type(out).__name__}: {out}"
        assert str(path) in str(out) or "weights" in str(out)
        assert fun.calls == 0
        return
    # it loaded: then it must be the very same weights (nothing silently different)
    tensors = load_file(path)[0]
    assert set(tensors) == set(base_tensors)
    for k in tensors:
        np.testing.assert_array_equal(tensors[k], base_tensors[k])
    check_result(out, fun, X0)


def _header(raw):
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8 : 8 + n]), raw[8 + n :]


def _write(path, header, body):
    h = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(h)) + h + body)


@fuzz(60)
@given(data=st.data())
def test_fuzz_weights_files(l2l_weights, tmp_path_factory, data):
    base_path, raw, base_tensors = l2l_weights
    path = tmp_path_factory.mktemp("fz") / "w.safetensors"
    kind = data.draw(st.sampled_from(["truncate", "flip", "append", "random", "header",
                                      "entry", "manifest"]), label="kind")
    if kind == "truncate":
        path.write_bytes(raw[: data.draw(st.integers(0, len(raw) - 1), label="len")])
    elif kind == "flip":
        i = data.draw(st.integers(0, len(raw) - 1), label="at")
        b = data.draw(st.integers(0, 255).filter(lambda v: v != raw[i]), label="byte")
        path.write_bytes(raw[:i] + bytes([b]) + raw[i + 1 :])
    elif kind == "append":
        path.write_bytes(raw + data.draw(st.binary(min_size=1, max_size=64), label="tail"))
    elif kind == "random":
        path.write_bytes(data.draw(st.binary(max_size=256), label="bytes"))
    elif kind == "header":  # a header length that claims anything
        n = data.draw(st.one_of(st.integers(0, 2**64 - 1), st.integers(0, 2 * len(raw))),
                      label="n")
        path.write_bytes(struct.pack("<Q", n) + raw[8:])
    elif kind == "entry":  # one tensor entry replaced by arbitrary (bounded) JSON
        header, body = _header(raw)
        name = data.draw(st.sampled_from(sorted(k for k in header if k != "__metadata__")))
        dims = st.integers(-2, 2**31)
        header[name] = data.draw(st.one_of(
            st.fixed_dictionaries({
                "dtype": st.sampled_from(["F64", "F32", "F16", "I64", "U8", "BOOL", "X", 3]),
                "shape": st.one_of(st.lists(dims, max_size=2), dims, st.none()),
                "data_offsets": st.one_of(st.lists(st.integers(-2, 2**63), max_size=3),
                                          st.text(max_size=3)),
            }),
            st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2),
        ), label="entry")
        _write(path, header, body)
    else:  # the manifest, with tensors intact (keys dropped or given junk values)
        header, body = _header(raw)
        manifest = json.loads(header["__metadata__"]["zominimize"])
        key = data.draw(st.sampled_from(["sha256", "format_version", "arch", "options",
                                         "family", "__whole__"]), label="key")
        junk = st.one_of(st.none(), st.integers(-3, 3), st.text(max_size=8),
                         st.lists(st.integers(0, 3), max_size=2),
                         st.just({"variant": "paper", "hidden": 10}),
                         st.just({"variant": "nope"}), st.just({}))
        if key == "__whole__":
            header["__metadata__"] = {"zominimize": data.draw(st.text(max_size=20))}
        else:
            if data.draw(st.booleans(), label="drop"):
                manifest.pop(key, None)
            else:
                manifest[key] = data.draw(junk, label="value")
            assume(not (key == "options" and not isinstance(manifest.get(key, {}), dict)))
            header["__metadata__"] = {"zominimize": json.dumps(manifest)}
        _write(path, header, body)
    out, fun = _load_or_run(path)
    _check_weights_outcome(out, fun, base_tensors, path)


def test_pickle_weights_file_is_never_executed(tmp_path):
    from zominimize.learned import WeightsError

    marker = tmp_path / "PWNED"

    class Payload:
        def __reduce__(self):
            return (os.mkdir, (str(marker),))

    for name in ["evil.safetensors", "evil.pt", "evil.pkl"]:
        p = tmp_path / name
        p.write_bytes(pickle.dumps(Payload(), protocol=4))
        fun = Sphere()
        with pytest.raises(WeightsError, match="not a valid safetensors file"):
            minimize(X0, fun=fun, method="l2l-zo", options={"weights": str(p)})
        assert fun.calls == 0
    assert not marker.exists()


def test_torch_save_file_is_rejected(tmp_path):
    torch = pytest.importorskip("torch")
    from zominimize.learned import L2LNet, WeightsError

    p = tmp_path / "net.safetensors"
    torch.save(L2LNet().state_dict(), p)
    with pytest.raises(WeightsError):
        minimize(X0, method="l2l-zo", options={"weights": str(p)})


@pytest.mark.parametrize("weights, exc", [
    ("no-such-bundled-name", ValueError),
    ("/no/such/file.safetensors", "WeightsError"),
    ("DIR", "WeightsError"),
])
def test_weights_names_and_paths(weights, exc, tmp_path):
    from zominimize.learned import WeightsError

    exc = WeightsError if exc == "WeightsError" else exc
    weights = str(tmp_path) if weights == "DIR" else weights
    with pytest.raises(exc):
        minimize(X0, method="l2l-zo", options={"weights": weights})


def _manifest_edit(l2l_weights, tmp_path, **changes):
    path, raw, _ = l2l_weights
    header, body = _header(raw)
    manifest = json.loads(header["__metadata__"]["zominimize"])
    manifest.update(changes)
    header["__metadata__"] = {"zominimize": json.dumps(manifest)}
    p = tmp_path / "edited.safetensors"
    _write(p, header, body)
    return p


@pytest.mark.parametrize("case", ["arch hidden -1", "arch hidden 10**12", "options not a dict",
                                  "shape product overflows int64", "NaN weights"])
def test_weights_gaps(case, l2l_weights, tmp_path):
    from zominimize.learned import WeightsError

    if case == "arch hidden -1":
        p = _manifest_edit(l2l_weights, tmp_path, arch={"variant": "scaled", "hidden": -1})
    elif case == "arch hidden 10**12":  # torch fails at once; a moderate value would allocate
        p = _manifest_edit(l2l_weights, tmp_path, arch={"variant": "scaled", "hidden": 10**12})
    elif case == "options not a dict":
        p = _manifest_edit(l2l_weights, tmp_path, options="fast")
    elif case == "shape product overflows int64":
        header, body = _header(l2l_weights[1])
        name = sorted(k for k in header if k != "__metadata__")[0]
        header[name] = {"dtype": "F64", "shape": [2**32, 2**32], "data_offsets": [0, 0]}
        p = tmp_path / "overflow.safetensors"
        _write(p, header, body)
    else:
        torch = pytest.importorskip("torch")
        from zominimize.learned import L2LNet, save_weights

        net = L2LNet()
        with torch.no_grad():
            next(net.parameters()).fill_(float("nan"))
        p = tmp_path / "nan.safetensors"
        save_weights(net, p, {})
    fun = Sphere()
    with pytest.raises(WeightsError):
        minimize(X0, fun=fun, method="l2l-zo", options={"weights": str(p)})
    assert fun.calls == 0
