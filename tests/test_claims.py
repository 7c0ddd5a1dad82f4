"""The claims table: which comparisons a claim makes and how the verdict is reached."""

import numpy as np
import pytest

from zominimize.bench import BenchResult, RunRecord
from zominimize.bench._claims import COMPARISONS, ClaimCheck, check_claim

BUDGET = 100  # reported budgets: 25, 50, 100


def run(method, problem, seed, trace, *, first_success=None):
    """A run whose best-so-far value is ``f`` from evaluation ``n`` on, for ``(n, f)``
    in ``trace``."""
    nfev, f = zip(*trace)
    return RunRecord(method=method, problem=problem, seed=seed, instance=problem, dim=2,
                     budget=BUDGET, nfev=BUDGET, stop="budget", wall_time=1.0, fun_time=0.5,
                     trace_nfev=list(nfev), trace_f=list(f), first_success=first_success,
                     is_attack=problem == "attack")


def result(rows, meta=None):
    """``rows``: ``{(method, problem): [trace per seed]}``."""
    runs = [run(m, p, seed, trace) for (m, p), traces in rows.items()
            for seed, trace in enumerate(traces)]
    return BenchResult(runs=runs, budget=BUDGET, meta=meta or {})


def same(trace, seeds=3):
    return [trace] * seeds


def test_final_compares_each_learned_row_with_the_best_hand_designed_one():
    res = result({
        ("l2l-zo", "p"): same([(1, 10.0), (80, 1.5)]),
        ("l2l-zo[weights=attack]", "p"): same([(1, 10.0), (90, 2.5)]),
        ("l2l-zo[sampler=gaussian]", "p"): same([(1, 10.0), (90, 9.0)]),  # an ablation
        ("zo-adam", "p"): same([(1, 10.0), (60, 2.0)]),
        ("zo-sgd", "p"): same([(1, 10.0), (60, 3.0)]),
        ("cma", "p"): same([(1, 0.5)]),  # not a hand-designed ZO method
    })
    check = check_claim(res, "final")
    assert (check.wins, check.total) == (1, 2)
    assert check.verdict == "partly (1/2)"
    assert "p: median best f at 100 evals, l2l-zo 1.5 vs zo-adam 2" in check.text
    assert "l2l-zo[weights=attack] 2.5 vs zo-adam 2" in check.text
    assert "gaussian" not in check.text and "cma" not in check.text


def test_the_median_over_seeds_decides_not_the_mean():
    res = result({
        ("l2l-zo", "p"): [[(1, 1.0)], [(1, 1.0)], [(1, 1000.0)]],
        ("zo-adam", "p"): same([(1, 2.0)]),
    })
    assert check_claim(res, "final").verdict == "yes (1/1)"


def test_only_the_tuned_grid_point_of_a_baseline_is_compared():
    # the lr=1 grid point beats l2l-zo on "p" but lost the tuning: it is not shown
    tuning = {"zo-adam": {"specs": ["zo-adam[lr=1]", "zo-adam[lr=2]"], "lrs": [1.0, 2.0],
                          "best": {"p": 2.0}}}
    res = result({
        ("l2l-zo", "p"): same([(1, 1.0)]),
        ("zo-adam[lr=1]", "p"): same([(1, 0.5)]),
        ("zo-adam[lr=2]", "p"): same([(1, 3.0)]),
    }, meta={"tuning": tuning})
    check = check_claim(res, "final")
    assert check.verdict == "yes (1/1)"
    assert "vs zo-adam[lr=2] 3" in check.text


def test_speed_counts_evaluations_to_the_target():
    # target: the median final value of zo-adam, 2.0, which it reaches at 90
    res = result({
        ("l2l-zo", "p"): same([(1, 10.0), (30, 1.0)]),
        ("l2l-zo[weights=x]", "p"): same([(1, 10.0), (95, 5.0)]),  # never reaches it
        ("zo-adam", "p"): same([(1, 10.0), (90, 2.0)]),
    })
    check = check_claim(res, "speed")
    assert check.verdict == "partly (1/2)"
    assert ("p: l2l-zo reaches the target in 30 evals (3/3 runs), best hand-designed "
            "(zo-adam) reaches the target in 90 evals (3/3 runs)") in check.text
    assert "l2l-zo[weights=x] does not reach the target in the median run (0/3 runs)" \
        in check.text


def test_attack_adds_success_rates():
    runs = [run("l2l-zo", "attack", s, [(1, 1.0)], first_success=10) for s in range(2)]
    runs += [run("zo-adam", "attack", 0, [(1, 2.0)], first_success=20),
             run("zo-adam", "attack", 1, [(1, 2.0)])]
    check = check_claim(BenchResult(runs=runs, budget=BUDGET), "attack")
    assert check.verdict == "yes (1/1)"
    assert check.text.endswith("; success 100% vs 50%")


def test_ablation_compares_l2l_zo_with_each_ablation_only():
    res = result({
        ("l2l-zo", "p"): same([(1, 2.0)]),
        ("l2l-zo[update=sgd]", "p"): same([(1, 3.0)]),
        ("l2l-zo[sampler=gaussian]", "p"): same([(1, 1.0)]),
        ("l2l-zo[weights=attack]", "p"): same([(1, 0.1)]),  # not an ablation
        ("zo-adam", "p"): same([(1, 0.1)]),
    })
    check = check_claim(res, "ablation")
    assert check.verdict == "partly (1/2)"
    assert check.text == ("p, median best f at 100 evals: l2l-zo 2, [update=sgd] 3, "
                          "[sampler=gaussian] 1")


def test_half_needs_the_median_run_to_reach_each_baseline_within_half_the_budget():
    res = result({
        ("l2l-zo", "p"): same([(1, 10.0), (40, 2.0), (70, 1.0)]),
        ("zo-adam", "p"): same([(1, 10.0), (100, 2.0)]),  # reached at 40 <= 50
        ("zo-sgd", "p"): same([(1, 10.0), (100, 1.0)]),  # reached at 70 > 50
        ("zo-signsgd", "p"): same([(1, 10.0), (100, 0.5)]),  # never reached
    })
    check = check_claim(res, "half")
    assert check.verdict == "partly (1/3)"
    assert "p: l2l-zo reaches zo-adam's median final value 2 in 40 evals (median)" \
        in check.text
    assert "reaches zo-sgd's median final value 1 in 70 evals (median)" in check.text
    assert "reaches zo-signsgd's median final value 0.5 not in the median run" in check.text


def test_problems_of_the_claim_and_missing_ones():
    res = result({
        ("l2l-zo", "p"): same([(1, 1.0)]),
        ("zo-adam", "p"): same([(1, 2.0)]),
        ("l2l-zo", "q"): same([(1, 5.0)]),
        ("zo-adam", "q"): same([(1, 2.0)]),
    })
    assert check_claim(res, "final").verdict == "partly (1/2)"
    only_p = check_claim(res, "final", ["p", "absent"])
    assert only_p.verdict == "yes (1/1)"
    assert only_p.text.endswith("; absent: not in the results")
    missing = check_claim(res, "final", ["absent"])
    assert (missing.verdict, missing.text) == ("n/a", "absent: not in the results")


def test_no_comparable_rows():
    res = result({("l2l-zo", "p"): same([(1, 1.0)]), ("nelder-mead", "p"): same([(1, 2.0)])})
    for comparison in COMPARISONS:
        check = check_claim(res, comparison)
        assert check.verdict == "n/a" and check.total == 0
    assert check_claim(res, "final").text == "no comparable rows in the results"


def test_unknown_comparison_names_the_valid_ones():
    res = result({("l2l-zo", "p"): same([(1, 1.0)])})
    with pytest.raises(ValueError, match="'speed', 'final'.*got 'fastest'"):
        check_claim(res, "fastest")


@pytest.mark.parametrize("wins, total, verdict", [
    (2, 2, "yes (2/2)"), (1, 2, "partly (1/2)"), (0, 2, "no (0/2)"), (0, 0, "n/a")])
def test_verdict(wins, total, verdict):
    assert ClaimCheck("", wins, total).verdict == verdict


def test_counts_are_plain_ints():
    res = result({("l2l-zo", "p"): same([(1, 1.0)]), ("zo-adam", "p"): same([(1, 2.0)])})
    check = check_claim(res, "half")
    assert type(check.wins) is int and type(check.total) is int
    assert not isinstance(check.wins, np.generic)
