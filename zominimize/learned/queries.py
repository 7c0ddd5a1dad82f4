"""How many query directions the learned optimizer draws per iteration, when the
weight set says ``"auto"``.

Few queries per iteration mean more iterations for the same evaluations, which pays
at small ``d``; at large ``d`` a noisy estimate costs more than the extra iterations
bring. The rule is ``q = Q_MIN`` below ``AUTO_MAX_D`` coordinates and ``Q_MAX`` from
there on (research log, tenth round: below 100 the fewer queries, with the elitist
``accept="auto"``, won on every validation set; at 100 they lost on the paper's
classification task).
"""

from __future__ import annotations

__all__ = ["AUTO_MAX_D", "Q_MIN", "Q_MAX", "default_q", "resolve_q"]

#: Below this dimension the ``"auto"`` rules (``q`` here, ``accept`` in
#: :mod:`zominimize.learned.core`) choose few queries and the elitist rule.
AUTO_MAX_D = 100
#: Directions per iteration below and from ``AUTO_MAX_D``.
Q_MIN, Q_MAX = 5, 20


def default_q(d: int) -> int:
    """Query directions per iteration for a ``d``-dimensional problem."""
    return Q_MIN if d < AUTO_MAX_D else Q_MAX


def resolve_q(q: int | str, d: int) -> int:
    """``q`` itself, or :func:`default_q` of ``d`` when ``q`` is ``"auto"``."""
    return default_q(d) if q == "auto" else int(q)
