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
    path = str(tmp_path / "c.ckpt")
    zominimize.minimize(Quadratic(3), np.zeros(3), method="zo-sgd",
                        options={"maxiter": 2, "checkpoint": path}, rng=0)
    with pytest.raises(ValueError, match="dimension") as info:
        zominimize.minimize(Quadratic(4), np.zeros(4), method="zo-sgd",
                            options={"maxiter": 2, "checkpoint": path, "resume": True})
    assert path in str(info.value)


_BASE = {"method": "zo-adam", "x0": np.zeros(4), "bounds": [(-2.0, 2.0)] * 4,
         "options": {"lr": 0.5, "scale_lr_by_dim": False}, "rng": 3}


@pytest.mark.parametrize("change, says", [
    ({"method": "zo-sgd"}, "method 'zo-adam' in the checkpoint, 'zo-sgd' in this call"),
    ({"options": {"lr": 0.7, "scale_lr_by_dim": False}},
     "option 'lr' is 0.5 in the checkpoint, 0.7 in this call"),
    ({"options": {"lr": 0.5}}, "option 'scale_lr_by_dim' is False in the checkpoint"),
    ({"x0": np.full(4, 0.1)}, "`x0` differs"),
    ({"bounds": [(-3.0, 3.0)] * 4}, "`bounds` differ"),
    ({"bounds": None}, "`bounds` differ"),
    ({"rng": 4}, "`rng` differs"),
    ({"rng": np.random.default_rng(4)}, "`rng` differs"),
])
def test_resume_refuses_another_problem_naming_the_file_and_the_difference(
        change, says, tmp_path):
    """A checkpoint of one run is never silently continued by a call that poses another
    problem (issue 15: an l2l-zo checkpoint went on under a zo-adam call, outside its
    bounds)."""
    path = str(tmp_path / "run.ckpt")
    call = {**_BASE}
    zominimize.minimize(Quadratic(4), call["x0"], method=call["method"], bounds=call["bounds"],
                        rng=call["rng"], options={**call["options"], "maxiter": 3,
                                                   "checkpoint": path})
    call.update(change)
    fun = _Counting(Quadratic(4))
    with pytest.raises(zominimize.CheckpointError) as info:
        zominimize.minimize(fun, call["x0"], method=call["method"], bounds=call["bounds"],
                            rng=call["rng"], options={**call["options"], "maxiter": 6,
                                                       "checkpoint": path, "resume": True})
    msg = str(info.value)
    assert msg.startswith(path) and says in msg, msg
    assert fun.calls == 0


def test_resume_accepts_the_same_problem_in_other_words(tmp_path):
    """Defaults spelled out, rng=None (the checkpoint's state) or the same seed as a
    Generator are the same problem; the budget may change."""
    opts = {"lr": 0.5, "scale_lr_by_dim": False}
    kw = {"method": "zo-adam", "bounds": [(-2.0, 2.0)] * 4}
    ref = zominimize.minimize(Quadratic(4), np.zeros(4), rng=3, options={**opts, "maxiter": 6},
                              **kw)
    for i, rng in enumerate([None, 3, np.random.default_rng(3)]):
        path = str(tmp_path / f"run{i}.ckpt")
        zominimize.minimize(Quadratic(4), np.zeros(4), rng=3, **kw,
                            options={**opts, "maxiter": 3, "checkpoint": path})
        res = zominimize.minimize(Quadratic(4), np.zeros(4), rng=rng, **kw,
                                  options={**opts, "q": 20, "beta1": 0.9, "maxiter": 6,
                                           "checkpoint": path, "resume": True})
        np.testing.assert_array_equal(res.x, ref.x)
        assert res.nit == 6 and res.nfev == ref.nfev


class _Counting:
    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, x):
        self.calls += 1
        return self.f(x)


def test_checkpoint_file_holds_the_final_optimizer(tmp_path):
    path = tmp_path / "c.ckpt"
    res = zominimize.minimize(Quadratic(3), np.zeros(3), method="zo-adam",
                              options={"maxiter": 5, "checkpoint": str(path),
                                       "checkpoint_every": 2}, rng=0)
    opt = zominimize.load_checkpoint(path)
    assert isinstance(opt, zominimize.Optimizer)
    assert opt.nit == 5 and opt.nfev == res.nfev and opt.fun == res.fun
    assert not [p for p in tmp_path.iterdir() if p.name != "c.ckpt"]  # no temp files left


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


def test_a_method_written_before_the_budget_hint_still_runs(monkeypatch):
    """``init`` without ``budget`` (the contract before the hint): not passed one."""
    monkeypatch.setattr(_registry, "_USER", {})
    seen = []

    class Older(ZOSGD):
        """ZO-SGD with the older ``init`` signature.

        Options
        -------
        q : int
            Directions.
        """

        name = "older-sgd"

        def init(self, x0, rng, bounds=None, f0=None):
            seen.append(x0.size)
            return super().init(x0, rng, bounds, f0)

    zominimize.register(Older)
    f = Quadratic(4)
    a = zominimize.minimize(f, np.zeros(4), method="older-sgd", options={"maxfev": 60}, rng=0)
    b = zominimize.minimize(f, np.zeros(4), method="zo-sgd", options={"maxfev": 60}, rng=0)
    assert seen == [4] and a.nfev == 60 and np.array_equal(a.x, b.x)
    opt = zominimize.Optimizer("zo-sgd", np.zeros(4), budget=60)
    assert opt.state.budget == 60  # the built-in methods keep the hint in their state


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


@pytest.mark.parametrize("callback", [lambda: None, lambda a, b: None,
                                      lambda *, intermediate: None])
def test_callback_of_the_wrong_signature_fails_before_any_evaluation(callback):
    fun = _Counting(Quadratic(3))
    with pytest.raises(TypeError, match="`callback` must accept one argument"):
        zominimize.minimize(fun, np.zeros(3), method="zo-sgd", callback=callback,
                            options={"maxiter": 3}, rng=0)
    assert fun.calls == 0


@pytest.mark.parametrize("callback", [lambda xk: None, lambda intermediate_result: None,
                                      lambda xk, extra=1: None, print, lambda *args: None])
def test_callbacks_of_any_accepted_signature_run(callback):
    res = zominimize.minimize(Quadratic(3), np.zeros(3), method="zo-sgd", callback=callback,
                              options={"maxiter": 2, "q": 2}, rng=0)
    assert res.nit == 2
