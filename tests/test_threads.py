"""The torch thread policy of the learned optimizer's networks (zominimize._threads)."""

import threading

import numpy as np
import pytest
import torch

import zominimize
from zominimize import _threads
from zominimize.learned import core


@pytest.fixture
def two_threads():
    """This thread starts with two torch threads (CI exports OMP_NUM_THREADS=1)."""
    saved = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(saved)


@pytest.fixture
def seen(monkeypatch):
    """Thread counts in force while the QueryRNN runs, and while the objective runs."""
    record = {"nets": [], "fun": []}
    query_std = core.query_std

    def spy(net, st):
        record["nets"].append(torch.get_num_threads())
        return query_std(net, st)

    monkeypatch.setattr(core, "query_std", spy)
    return record


def test_limited_threads_sets_and_restores_in_this_thread(two_threads):
    with _threads.limited_threads(1):
        assert torch.get_num_threads() == 1
        with _threads.limited_threads(1):  # nested, a no-op
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2


def test_networks_run_on_one_thread_but_the_objective_keeps_its_own(two_threads, seen):
    def f(x):
        seen["fun"].append(torch.get_num_threads())
        return float(np.sum(x**2))

    zominimize.minimize(f, np.ones(10), method="l2l-zo", options={"maxiter": 3}, rng=0)
    assert seen["nets"] and set(seen["nets"]) == {1}
    assert set(seen["fun"]) == {2}  # the user's setting, untouched
    assert torch.get_num_threads() == 2


@pytest.mark.parametrize("d", [10, 200_000])
def test_the_policy_is_one_thread_at_every_dimension_unless_asked(d):
    assert _threads.policy_threads(d) == 1
    assert _threads.policy_threads(d, 3) == 3


def test_the_threads_option_is_what_the_networks_get(two_threads, seen):
    zominimize.minimize(lambda x: float(np.sum(x**2)), np.ones(10), method="l2l-zo",
                        options={"maxiter": 2, "threads": 2}, rng=0)
    assert set(seen["nets"]) == {2}
    seen["nets"].clear()
    zominimize.minimize(lambda x: float(np.sum(x**2)), np.ones(10), method="l2l-zo",
                        options={"maxiter": 2, "workers": 2}, rng=0)
    assert set(seen["nets"]) == {1}


def test_concurrent_runs_do_not_change_each_others_settings(two_threads):
    """Runs in several Python threads: each thread keeps its own count, and the
    results equal the same runs made one after the other."""
    serial = [zominimize.minimize(lambda x: float(np.sum((x - 1) ** 2)), np.zeros(5),
                                  method="l2l-zo", options={"maxiter": 20}, rng=i).x
              for i in range(6)]
    out, counts = [None] * 6, [None] * 6

    def work(i):
        torch.set_num_threads(2 if i % 2 else 1)
        before = torch.get_num_threads()
        out[i] = zominimize.minimize(lambda x: float(np.sum((x - 1) ** 2)), np.zeros(5),
                                     method="l2l-zo", options={"maxiter": 20}, rng=i).x
        counts[i] = (before, torch.get_num_threads())

    workers = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert all(before == after for before, after in counts)
    for a, b in zip(out, serial):
        np.testing.assert_array_equal(a, b)
    assert torch.get_num_threads() == 2


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_threads_option_is_checked(bad):
    with pytest.raises(ValueError, match="threads"):
        zominimize.minimize(lambda x: 0.0, np.zeros(2), method="l2l-zo",
                            options={"threads": bad})
