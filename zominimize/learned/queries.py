"""How many query directions the learned optimizer draws per iteration, when the
weight set says ``"auto"``.

Few queries per iteration mean more iterations for the same evaluations, which pays
at small ``d``; at large ``d`` a noisy estimate costs more than the extra iterations
bring. The rule is ``q = clip(round(d / Q_PER_DIM), Q_MIN, Q_MAX)``.
"""

from __future__ import annotations

__all__ = ["Q_PER_DIM", "Q_MIN", "Q_MAX", "default_q", "resolve_q"]

#: Coordinates per query direction of the rule.
Q_PER_DIM = 40
#: Fewest and most directions the rule gives.
Q_MIN, Q_MAX = 5, 20


def default_q(d: int) -> int:
    """Query directions per iteration for a ``d``-dimensional problem."""
    return int(min(Q_MAX, max(Q_MIN, round(d / Q_PER_DIM))))


def resolve_q(q: int | str, d: int) -> int:
    """``q`` itself, or :func:`default_q` of ``d`` when ``q`` is ``"auto"``."""
    return default_q(d) if q == "auto" else int(q)
