"""Tests of zominimize.plotting (Agg backend, no display needed)."""

from __future__ import annotations

import numpy as np
import pytest

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")

from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from scipy.optimize import OptimizeResult  # noqa: E402

import zominimize  # noqa: E402
from zominimize.plotting import History, Trace, as_trace, plot_convergence  # noqa: E402


def _ax():
    return Figure().add_subplot()


def test_values_array_is_running_minimum():
    ax = plot_convergence([5.0, 3.0, 4.0, 1.0, 2.0], ax=_ax())
    (line,) = ax.get_lines()
    assert list(line.get_xdata()) == [1, 2, 3, 4, 5]
    assert list(line.get_ydata()) == [5.0, 3.0, 3.0, 1.0, 1.0]
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "evaluations"


def test_non_finite_values_are_skipped():
    ax = plot_convergence([np.nan, np.inf, 2.0, 1.0], ax=_ax())
    y = ax.get_lines()[0].get_ydata()
    assert np.isnan(y[0]) and np.isnan(y[1]) and list(y[2:]) == [2.0, 1.0]


def test_sequence_is_one_curve_each_with_labels():
    ax = plot_convergence([[3.0, 2.0], np.array([4.0, 1.0, 0.5])], ax=_ax(), labels=["a", "b"])
    assert [line.get_label() for line in ax.get_lines()] == ["a", "b"]
    with pytest.raises(ValueError, match="labels"):
        plot_convergence([[3.0, 2.0], [1.0]], ax=_ax(), labels=["a"])


def test_mapping_gives_median_and_band():
    runs = [Trace(np.array([1, 10]), np.array([4.0, 1.0])),
            Trace(np.array([1, 5]), np.array([2.0, 0.5])),
            Trace(np.array([1, 20]), np.array([8.0, 2.0]))]
    ax = plot_convergence({"method": runs}, ax=_ax())
    (line,) = ax.get_lines()
    x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
    assert y[x == 1][0] == 4.0  # median of 4, 2, 8
    assert y[x == 5][0] == 4.0  # median of 4, 0.5, 8
    assert y[x == 10][0] == 1.0  # median of 1, 0.5, 8
    assert x.max() == 10  # the median curve ends at the median run length
    assert any(isinstance(c, PolyCollection) for c in ax.collections)
    ax = plot_convergence({"method": runs}, ax=_ax(), band=None)
    assert not ax.collections


def test_early_stop_is_marked():
    runs = [Trace(np.array([1, 3]), np.array([2.0, 1.0]), nfev_end=50)] * 3
    ax = plot_convergence({"m": runs}, ax=_ax(), max_nfev=100)
    step, marker = ax.get_lines()
    assert max(step.get_xdata()) == 50 and marker.get_marker() == "x"
    assert ax.get_xlim() == (0, 100)


def test_history_callback_with_minimize():
    from zominimize import minimize

    hist = History()
    res = minimize(lambda x: float(np.sum(x**2)), np.ones(4), method="zo-sgd",
                   options={"maxfev": 105}, rng=0, callback=hist)
    assert len(hist) == res.nit and hist.nfev[-1] <= res.nfev
    assert np.all(np.diff(hist.fun) <= 0)  # minimize reports the best point so far
    ax = plot_convergence({"zo-sgd": hist}, ax=_ax())
    assert ax.get_lines()[0].get_label() == "zo-sgd"


def test_history_without_nfev_counts_iterations():
    hist = History()
    hist(OptimizeResult(x=np.zeros(2), fun=3.0))
    hist(OptimizeResult(x=np.zeros(2), fun=1.0))
    assert hist.unit == "iterations" and list(hist.nfev) == [1, 2]


def test_optimize_result():
    res = OptimizeResult(x=np.zeros(2), fun=1.0, nfev=3, trace=[3.0, 2.0, 1.0])
    assert list(as_trace(res).fun) == [3.0, 2.0, 1.0]
    with pytest.raises(TypeError, match="History"):
        plot_convergence(OptimizeResult(x=np.zeros(2), fun=1.0, allvecs=[]), ax=_ax())
    with pytest.raises(TypeError):
        plot_convergence("not a trace", ax=_ax())


def test_yscale_auto_linear_for_negative_values():
    ax = plot_convergence([1.0, -2.0], ax=_ax())
    assert ax.get_yscale() == "linear"
    ax = plot_convergence([1.0, 0.5], ax=_ax(), yscale="linear")
    assert ax.get_yscale() == "linear"


def test_default_axes_uses_pyplot():
    import matplotlib.pyplot as plt

    fig = plt.figure()
    try:
        ax = plot_convergence([2.0, 1.0])
        assert ax is fig.gca()
    finally:
        plt.close(fig)


def test_bench_result(tmp_path):
    from zominimize.bench import run_benchmark

    res = run_benchmark(["sphere-10", "rosenbrock-10"], ["zo-adam", "nelder-mead"],
                        budget=63, seeds=2)
    with pytest.raises(ValueError, match="problem"):
        plot_convergence(res, ax=_ax())
    ax = plot_convergence(res, ax=_ax(), problem="rosenbrock-10")
    assert [line.get_label() for line in ax.get_lines()] == ["zo-adam", "nelder-mead"]
    paths = res.plot(tmp_path / "plots")
    assert [p.name for p in paths] == ["sphere-10.png", "rosenbrock-10.png"]
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in paths)


def test_a_result_plots_without_a_callback():
    """Every zominimize result carries its trace: plot_convergence(res) just works. Its
    curve is never below the best value known at any evaluation (a History callback's
    record) and ends at res.fun."""
    from conftest import Quadratic

    hist = History()
    f = Quadratic(5)
    res = zominimize.minimize(f, np.ones(5), method="zo-adam", rng=0, callback=hist,
                              options={"maxfev": 420})
    tr = as_trace(res)
    assert tr.nfev_end == res.nfev == 420
    grid = np.arange(1, 421)
    from zominimize.plotting import _step_values

    at_iterations = np.searchsorted(grid, hist.nfev)  # where History has a value
    curve = _step_values(tr, grid)[at_iterations]
    assert np.all(curve >= hist.fun) and curve[-1] == hist.fun[-1] == res.fun
    ax = plot_convergence(res, ax=_ax())
    assert len(ax.lines) == 1
