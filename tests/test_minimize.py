"""``zominimize.minimize``: the front door (options, routing, stopping rules)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
from conftest import Quadratic, Recorder, method_options
from scipy.optimize import OptimizeResult

import zominimize
from zominimize import _registry
from zominimize.methods import ZOSGD


def test_args_are_passed_to_fun(baseline):
    seen = []

    def fun(x, a, b):
        seen.append((a, b))
        return float(np.sum((x - a) ** 2)) + b

    res = zominimize.minimize(fun, np.zeros(3), args=(2.0, 1.0), method=baseline,
                              options={"maxiter": 2}, rng=0)
    assert set(seen) == {(2.0, 1.0)}
    assert res.fun == fun(res.x, 2.0, 1.0)
    # a non-tuple `args` is one argument, as in SciPy
    res1 = zominimize.minimize(lambda x, a: float(np.sum((x - a) ** 2)), np.zeros(3), args=2.0,
                               method=baseline, options={"maxiter": 2}, rng=0)
    assert np.isfinite(res1.fun)


def test_method_name_is_case_insensitive():
    f = Quadratic(4)
    a = zominimize.minimize(f, np.zeros(4), method="ZO-Adam", options={"maxiter": 3}, rng=0)
    b = zominimize.minimize(f, np.zeros(4), method="zo-adam", options={"maxiter": 3}, rng=0)
    np.testing.assert_array_equal(a.x, b.x)


def test_rng_as_argument_or_option():
    f = Quadratic(4)
    a = zominimize.minimize(f, np.zeros(4), method="zo-sgd", options={"maxiter": 3}, rng=5)
    b = zominimize.minimize(f, np.zeros(4), method="zo-sgd", options={"maxiter": 3, "rng": 5})
    np.testing.assert_array_equal(a.x, b.x)
    with pytest.raises(TypeError, match="rng"):
        zominimize.minimize(f, np.zeros(4), method="zo-sgd", options={"rng": 1}, rng=2)


def test_rng_none_is_random():
    f = Quadratic(4)
    runs = [zominimize.minimize(f, np.zeros(4), method="zo-sgd", options={"maxiter": 2}).x
            for _ in range(2)]
    assert not np.array_equal(*runs)


def test_tol_stops_with_success():
    f = Quadratic(4)
    res = zominimize.minimize(f, np.zeros(4), method="zo-adam", tol=1e6,
                              options={"patience": 3, "maxiter": 500}, rng=0)
    assert res.status == 0 and res.success is True
    assert res.message == "Optimization terminated successfully."
    assert res.nit == 4  # the first full window of `patience` iterations
    res2 = scipy.optimize.minimize(f, np.zeros(4), method=zominimize.zo_adam, tol=1e6,
                                   options={"patience": 3, "maxiter": 500, "rng": 0})
    assert res2.nit == 4 and res2.success


def test_f_target_stops_with_success():
    f = Quadratic(4)
    target = f(np.zeros(4)) + 1.0  # reached by the first evaluation
    res = zominimize.minimize(f, np.zeros(4), method="zo-sgd",
                              options={"f_target": target, "maxiter": 100}, rng=0)
    assert res.success and res.status == 0 and res.nit == 1
    assert res.fun <= target


def test_default_budget_is_finite():
    res = zominimize.minimize(Quadratic(2), np.zeros(2), method="zo-sgd",
                              options={"q": 1}, rng=0)
    assert res.status == 2 and res.nit == 1000


def test_maxfev_with_antithetic_estimator():
    rec = Recorder(Quadratic(5))
    res = zominimize.minimize(rec, np.zeros(5), method="zo-sgd",
                              options={"maxfev": 55, "estimator": "antithetic"}, rng=0)
    assert res.nfev == len(rec.F) == 55
    assert res.fun == min(rec.F) == rec.fun(res.x)


def test_antithetic_result_is_no_worse_than_x0():
    # the best point must include x0: a run that never evaluates x0 can report a
    # value worse than the start
    f = Quadratic(5, shift=1.0)
    x0 = f.c.copy()  # x0 is the minimizer: every other point is worse
    res = zominimize.minimize(f, x0, method="zo-sgd",
                              options={"maxiter": 3, "estimator": "antithetic", "mu": 0.1},
                              rng=0)
    assert res.fun <= f(x0)


def test_disp_prints_a_summary(capsys):
    zominimize.minimize(Quadratic(3), np.zeros(3), method="zo-sgd",
                        options={"maxiter": 2, "disp": True}, rng=0)
    out = capsys.readouterr()
    assert "Maximum number of iterations has been exceeded." in out.out
    assert "Function evaluations" in out.out


def test_callable_method_goes_to_scipy():
    f = Quadratic(4)
    a = zominimize.minimize(f, np.zeros(4), method=zominimize.zo_sgd,
                            options={"maxiter": 3}, rng=0)
    b = zominimize.minimize(f, np.zeros(4), method="zo-sgd", options={"maxiter": 3}, rng=0)
    np.testing.assert_array_equal(a.x, b.x)


def test_rng_with_a_scipy_method_warns():
    with pytest.warns(RuntimeWarning, match="rng"):
        res = zominimize.minimize(Quadratic(3), np.zeros(3), method="powell", rng=0,
                                  options={"maxfev": 30})
    assert type(res) is OptimizeResult


def test_constraints_warn():
    con = {"type": "ineq", "fun": lambda x: 1 - x[0]}
    with pytest.warns(RuntimeWarning, match="constraints"):
        zominimize.minimize(Quadratic(3), np.zeros(3), method="zo-sgd", constraints=con,
                            options={"maxiter": 1}, rng=0)


def test_resume_needs_a_checkpoint_path():
    with pytest.raises(ValueError, match="checkpoint"):
        zominimize.minimize(Quadratic(3), np.zeros(3), method="zo-sgd",
                            options={"resume": True})


def test_resume_with_another_dimension_is_an_error(tmp_path):
    path = str(tmp_path / "c.pkl")
    zominimize.minimize(Quadratic(3), np.zeros(3), method="zo-sgd",
                        options={"maxiter": 2, "checkpoint": path}, rng=0)
    with pytest.raises(ValueError, match="dimension"):
        zominimize.minimize(Quadratic(4), np.zeros(4), method="zo-sgd",
                            options={"maxiter": 2, "checkpoint": path, "resume": True})


def test_checkpoint_file_holds_the_final_optimizer(tmp_path):
    path = tmp_path / "c.pkl"
    res = zominimize.minimize(Quadratic(3), np.zeros(3), method="zo-adam",
                              options={"maxiter": 5, "checkpoint": str(path),
                                       "checkpoint_every": 2}, rng=0)
    opt = zominimize.load_checkpoint(path)
    assert isinstance(opt, zominimize.Optimizer)
    assert opt.nit == 5 and opt.nfev == res.nfev and opt.fun == res.fun
    assert not [p for p in tmp_path.iterdir() if p.name != "c.pkl"]  # no temp files left


def test_register_a_custom_method(monkeypatch):
    monkeypatch.setattr(_registry, "_USER", {})

    class Halving(ZOSGD):
        """Plain ZO-SGD under another name.

        Options
        -------
        q : int
            Directions.
        """

        name = "my-sgd"

    zominimize.register(Halving)
    assert "my-sgd" in zominimize.list_methods()
    f = Quadratic(4)
    a = zominimize.minimize(f, np.zeros(4), method="my-sgd", options={"maxiter": 3}, rng=0)
    b = zominimize.minimize(f, np.zeros(4), method="zo-sgd", options={"maxiter": 3}, rng=0)
    np.testing.assert_array_equal(a.x, b.x)
    with pytest.raises(ValueError, match="already registered"):
        zominimize.register(Halving)
    with pytest.raises(ValueError, match="already registered"):
        zominimize.register(ZOSGD, name="zo-adam")


def test_options_dict_is_not_modified(baseline):
    opts = method_options(baseline, maxiter=2, workers=1)
    keep = dict(opts)
    zominimize.minimize(Quadratic(3), np.zeros(3), method=baseline, options=opts, rng=0)
    assert opts == keep


def test_integer_x0_and_list_x0():
    f = Quadratic(3)
    a = zominimize.minimize(f, [0, 0, 0], method="zo-sgd", options={"maxiter": 2}, rng=0)
    b = zominimize.minimize(f, np.zeros(3), method="zo-sgd", options={"maxiter": 2}, rng=0)
    assert a.x.dtype == np.float64
    np.testing.assert_array_equal(a.x, b.x)


def test_scalar_x0_is_one_dimensional():
    res = zominimize.minimize(lambda x: float((x[0] - 1) ** 2), 0.0, method="zo-sgd",
                              options={"maxiter": 2}, rng=0)
    assert res.x.shape == (1,)


def test_torch_objective_returning_tensors():
    torch = pytest.importorskip("torch")

    def fun(x):
        t = torch.as_tensor(x, dtype=torch.float64).requires_grad_(True)
        return ((t - 1.0) ** 2).sum()

    res = zominimize.minimize(fun, np.zeros(4), method="zo-adam",
                              options={"maxiter": 3}, rng=0)
    assert isinstance(res.fun, float) and np.isfinite(res.fun)


def test_zo_adam_converges_on_a_quadratic():
    # a sanity check of the baseline itself (documented example of the package)
    res = zominimize.minimize(lambda x: np.sum((x - 1.0) ** 2), np.zeros(5), method="zo-adam",
                              options={"maxfev": 2100, "lr": 0.5, "scale_lr_by_dim": False},
                              rng=0)
    assert res.fun < 1e-2 and res.nfev == 2100
