"""The optimizer's own cost per iteration, against the floor of any Gaussian-query method.

The *floor* is what every such method must do each iteration: draw ``q·d`` standard
Gaussian numbers and form the ``q`` query points ``x + μu`` in a new array (NumPy's
default generator, float64). A method's *overhead* is one iteration of the
driver's own path (``ask`` then ``tell``, as :func:`zominimize.minimize` calls them)
with the objective excluded. Both are measured interleaved, round after round, so
that a change in the machine's load hits them alike; the medians are reported.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

__all__ = ["floor_step", "method_step", "measure_overhead"]


def floor_step(d: int, q: int = 20, seed: int = 0):
    """A callable doing the floor's work once: a new ``(q, d)`` array of Gaussian
    numbers turned in place into the query points (each iteration hands out new
    points, so the array cannot be reused)."""
    rng = np.random.default_rng(seed)
    x = np.zeros(d)

    def step():
        P = rng.standard_normal((q, d))
        P *= 1e-3
        P += x
        return P

    return step


def method_step(method: str, d: int, q: int = 20, **options):
    """A callable doing one iteration of ``method`` on the driver's path (the values
    told are one coordinate of the points: an objective that costs nothing)."""
    from .._optimizer import Optimizer

    opt = Optimizer(method, np.zeros(d), rng=0, q=q, **options)

    def step():
        X = opt._ask()
        opt._tell_asked(X, X[:, 0].copy())

    step()  # the first iteration (centre evaluation, lazy imports) is not timed
    return step


def measure_overhead(d: int, methods=("zo-adam", "l2l-zo"), *, q: int = 20,
                     rounds: int = 5, per_round: int = 3, sync=None,
                     options: dict | None = None) -> dict[str, float]:
    """Median seconds per iteration of the floor and of each method at dimension ``d``.

    Parameters
    ----------
    d, q : int
        Dimension and directions per iteration.
    methods : sequence of str
        Registered method names.
    rounds, per_round : int
        ``rounds`` interleaved rounds, each timing ``per_round`` consecutive
        iterations of every candidate.
    sync : callable, optional
        Called after each candidate's iterations, before the clock is read
        (``torch.cuda.synchronize`` for work that runs asynchronously on a GPU).
    options : dict, optional
        ``{method: {option: value}}``, e.g. ``{"l2l-zo": {"device": "cuda"}}``.

    Returns
    -------
    dict
        ``{"floor": seconds, method: seconds, ...}``.

    Examples
    --------
    >>> from zominimize.bench import measure_overhead
    >>> t = measure_overhead(1000, rounds=2, per_round=2)
    >>> sorted(t)
    ['floor', 'l2l-zo', 'zo-adam']
    """
    options = options or {}
    sync = sync or (lambda: None)
    steps = {"floor": floor_step(d, q)}
    steps.update({m: method_step(m, d, q, **options.get(m, {})) for m in methods})
    times: dict[str, list[float]] = {k: [] for k in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            sync()
            t0 = time.perf_counter()
            for _ in range(per_round):
                step()
            sync()
            times[name].append((time.perf_counter() - t0) / per_round)
    return {k: statistics.median(v) for k, v in times.items()}
