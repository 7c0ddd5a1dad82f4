"""Every registered method against its pinned reference runs, and ``rng`` alone fixes a run.

The reference runs (``tests/reference_runs.py``, stored in
``tests/data/reference_runs.json``) catch a change of any method's trajectory -- a
dropped bias correction, a reordered random draw, another step-size rule -- that the
behavioural tests let through. When a trajectory is *meant* to change, regenerate the
file with ``python tests/reference_runs.py`` and commit it with the change.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import reference_runs as ref
from conftest import METHODS, Quadratic, method_options

import zominimize

STORED = json.loads(ref.DATA.read_text(encoding="utf-8"))["cases"]
REGEN = "regenerate with `python tests/reference_runs.py` if the change is intended"


def test_every_registered_method_has_a_reference_run():
    pinned = {method for method, _, _ in ref.CASES.values()}
    missing = sorted(set(METHODS) - pinned)
    assert not missing, f"add reference cases for {missing} in tests/reference_runs.py"


def test_the_stored_file_holds_exactly_the_cases():
    assert sorted(STORED) == sorted(ref.CASES), f"stored cases differ from the code: {REGEN}"


@pytest.mark.parametrize("name", sorted(ref.CASES))
def test_reference_run(name):
    if name not in STORED:
        pytest.fail(f"{name} has no stored reference: {REGEN}")
    diffs = ref.compare(STORED[name], ref.run_case(name))
    assert not diffs, f"{name} left its reference run ({REGEN}):\n  " + "\n  ".join(diffs)


def test_compare_sees_a_small_change():
    """The comparison is not vacuous: a relative change of 1e-4 in one value is seen."""
    name = "zo-adam-tuned/quadratic-10"
    changed = json.loads(json.dumps(STORED[name]))
    changed["trace"][5][1] *= 1 + 1e-4
    assert ref.compare(STORED[name], changed)
    changed = json.loads(json.dumps(STORED[name]))
    changed["nfev"] += 1
    assert ref.compare(STORED[name], changed)
    assert not ref.compare(STORED[name], json.loads(json.dumps(STORED[name])))


def test_compare_sees_a_change_of_a_float32_run():
    """The wider float32 tolerance of l2l-zo still sees a relative change of 1e-3, and a
    float64 l2l-zo case keeps the tight one."""
    name = "l2l-zo/quadratic-10"
    changed = json.loads(json.dumps(STORED[name]))
    changed["x"][0] *= 1 + 1e-3
    assert ref.compare(STORED[name], changed)
    changed["x"][0] = STORED[name]["x"][0] * (1 + 1e-5)
    assert not ref.compare(STORED[name], changed)
    name = "l2l-zo-float64/quadratic-10"
    changed = json.loads(json.dumps(STORED[name]))
    changed["x"][0] *= 1 + 1e-5
    assert ref.compare(STORED[name], changed)


def _perturb_global_random_state(seed: int) -> None:
    np.random.seed(seed)  # noqa: NPY002 - the legacy global state, on purpose
    torch = pytest.importorskip("torch")
    torch.manual_seed(seed)


def _recorder(trace: list):
    def callback(intermediate_result):  # SciPy's new-style callback
        trace.append(intermediate_result.x_iterate.copy())

    return callback


@pytest.mark.parametrize("method", METHODS)
def test_same_rng_same_run_whatever_the_global_state(method):
    """SPEC 7: the run depends on ``rng`` only. 30 iterations: a draw from the global
    NumPy or torch generator, or from a fresh unseeded one (the ``pred_ratio`` coin of
    ``l2l-zo``, say), would change some of them."""
    f = Quadratic(7, seed=3)
    opts = method_options(method, maxiter=30)
    runs = []
    for seed in (1, 2):
        _perturb_global_random_state(seed)
        trace: list = []
        res = zominimize.minimize(f, np.linspace(-1, 1, 7), method=method, options=opts,
                                  rng=np.random.default_rng(11), callback=_recorder(trace))
        runs.append((res, np.array(trace)))
    (a, ta), (b, tb) = runs
    np.testing.assert_array_equal(ta, tb)
    np.testing.assert_array_equal(a.x_iterate, b.x_iterate)
    assert (a.fun, a.nfev, a.nit) == (b.fun, b.nfev, b.nit)
