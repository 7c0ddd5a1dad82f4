"""What the documentation says in words, checked against the code.

Each test pins one qualitative claim of a page (named in its docstring). When a
change makes one fail, the page is wrong now: fix the text with the code.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import METHODS
from scipy.optimize import OptimizeWarning

import zominimize
from zominimize import minimize


def rosenbrock(x):
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2))


def test_quickstart_comparison_on_rosenbrock():
    """quickstart.rst and the gallery's plot_quickstart.py: at 4200 evaluations on
    the 10-d Rosenbrock function Powell and COBYQA reach the minimum to many digits,
    COBYQA stops with success inside the budget, the zeroth-order methods are far
    behind, and l2l-zo ends ahead of ZO-Adam with lr=1.0, itself ahead of ZO-Adam at
    the paper's rate; with independent directions and no adapted covariance (the
    default before the seventeenth research round) l2l-zo ends behind lr=1.0."""
    x0 = np.zeros(10)
    fun = {}
    for label, method, opts in [("l2l-zo", "l2l-zo", {}), ("zo-adam", "zo-adam", {}),
                                ("zo-adam-1", "zo-adam", {"lr": 1.0}),
                                ("independent", "l2l-zo", {"directions": "independent",
                                                            "covariance": False})]:
        fun[label] = minimize(rosenbrock, x0, method=method, options={"maxfev": 4200, **opts},
                              rng=0).fun
    powell = minimize(rosenbrock, x0, method="powell", options={"maxfev": 4200})
    cobyqa = minimize(rosenbrock, x0, method="cobyqa", options={"maxfev": 4200})
    assert powell.fun < 1e-6 and cobyqa.fun < 1e-6
    assert cobyqa.success and cobyqa.nfev < 4200
    assert min(fun.values()) > 1e3 * max(powell.fun, cobyqa.fun)
    assert fun["l2l-zo"] < fun["zo-adam-1"] < fun["independent"] < fun["zo-adam"]


def test_l2l_zo_leaves_the_global_generators_alone():
    """quickstart.rst (Reproducibility): neither torch's nor NumPy's global random
    state is touched (building the networks included)."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    t0 = torch.get_rng_state().clone()
    n0 = np.random.get_state()[1].copy()  # noqa: NPY002 - the legacy global state
    minimize(rosenbrock, np.zeros(4), method="l2l-zo", options={"maxiter": 2}, rng=0)
    assert torch.equal(t0, torch.get_rng_state())
    assert np.array_equal(n0, np.random.get_state()[1])  # noqa: NPY002


@pytest.mark.parametrize("method", METHODS)
def test_nan_at_x0(method):
    """failures.rst (A non-finite value at the start): a non-finite f(x0) is survived
    (status 1 at the end of the budget, each evaluation of x0 counted non-finite: one,
    or two where l2l-zo's probe checks for noise); status 3 only when the whole first
    iteration is non-finite, with fun nan and x = x0."""
    x0 = np.full(5, 0.25)

    def nan_at_start(x):
        return np.nan if np.array_equal(x, x0) else float(np.sum((x - 1.0) ** 2))

    # the first batch: x0 and q queries (l2l-zo's ruggedness probe, with a budget, and
    # x0 once more)
    batch = zominimize.Optimizer(method, x0, rng=0, budget=420).ask()
    first, at_x0 = len(batch), sum(np.array_equal(x, x0) for x in batch)
    assert at_x0 == (2 if method == "l2l-zo" else 1)
    res = minimize(nan_at_start, x0, method=method, options={"maxfev": 420}, rng=0)
    assert res.status == 1 and res.nfev_nonfinite == at_x0 and np.isfinite(res.fun)
    assert res.fun < nan_at_start(np.full(5, 0.2))
    res = minimize(lambda x: np.nan, x0, method=method, options={"maxfev": 420}, rng=0)
    assert res.status == 3 and res.nit == 1 and res.nfev == first
    assert np.isnan(res.fun) and np.array_equal(res.x, x0)


def test_faq_wide_bounds_do_not_ruin_the_default_start():
    """faq.rst (wide bounds): with a box of ±1e6 the default start of l2l-zo is the one
    of a box of ±10, and both short runs solve the problem."""
    def fun(x):
        return float(np.sum((x - 1.0) ** 2))

    x0 = np.zeros(5)
    out = {}
    for hw in (10.0, 1e6):
        res = minimize(fun, x0, bounds=[(-hw, hw)] * 5, options={"maxfev": 2100}, rng=0)
        out[hw] = res.fun
    assert out[10.0] < 1e-3 and out[1e6] < 1e-3


def test_faq_misspelled_option_only_warns():
    """faq.rst (misspelled option): minimize warns with OptimizeWarning naming the
    option and runs the default budget; Optimizer raises TypeError."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = minimize(rosenbrock, np.zeros(3), method="zo-adam", options={"maxfevs": 420},
                       rng=0)
    assert any(issubclass(w.category, OptimizeWarning) and "maxfevs" in str(w.message)
               for w in caught)
    assert res.nfev > 420
    with pytest.raises(TypeError, match="maxfevs"):
        zominimize.Optimizer("zo-adam", np.zeros(3), maxfevs=420)


def test_training_guide_lists_every_train_config_field_with_its_default():
    """user_guide/training.rst: the table of TrainConfig's fields has a row for every
    field, and the row's default is the dataclass's."""
    import dataclasses
    import re
    from pathlib import Path

    from zominimize.meta import TrainConfig

    text = (Path(__file__).parents[1] / "docs" / "user_guide" / "training.rst").read_text()
    text = text[:text.index("From Python")]  # the fields' table, not the manifest's
    rows = {}  # field name -> its default, from rows of one field or several
    for names, default in re.findall(r"   \* - (``\w+``(?:, ``\w+``)*)\n     - (.+)\n", text):
        for i, name in enumerate(re.findall(r"``(\w+)``", names)):
            rows[name] = default.split(", ")[i] if "," in names else default
    defaults = TrainConfig()
    for f in dataclasses.fields(TrainConfig):
        assert f.name in rows, f"no row for TrainConfig.{f.name}"
        value = getattr(defaults, f.name)
        shown = rows[f.name].strip("`")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert float(shown) == value, (f.name, shown, value)
        else:
            assert shown in (repr(value), f'"{value}"'), (f.name, shown, value)
