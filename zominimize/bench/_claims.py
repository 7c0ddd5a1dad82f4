"""A claim of the paper checked against benchmark results: the claims table of the docs.

``l2l-zo`` counts as better in one comparison when its median over seeds is strictly
better than the other side's; a claim is reproduced ("yes") when it is better in every
comparison the results allow, "partly" in some, "no" in none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._result import BenchResult, Summary

__all__ = ["COMPARISONS", "ClaimCheck", "check_claim"]

COMPARISONS = ("speed", "final", "attack", "ablation", "half")


@dataclass(frozen=True)
class ClaimCheck:
    """What the results say about one claim.

    Attributes
    ----------
    text : str
        The measurements compared, one clause per comparison, joined by ``"; "``.
    wins : int
        Comparisons in which ``l2l-zo`` is better.
    total : int
        Comparisons made (0 when the results allow none).
    """

    text: str
    wins: int
    total: int

    @property
    def verdict(self) -> str:
        """``"yes (w/t)"``, ``"partly (w/t)"``, ``"no (0/t)"``, or ``"n/a"`` without comparisons."""
        if self.total == 0:
            return "n/a"
        word = "yes" if self.wins == self.total else ("partly" if self.wins else "no")
        return f"{word} ({self.wins}/{self.total})"


def check_claim(result: BenchResult, comparison: str,
                problems: Sequence[str] | None = None) -> ClaimCheck:
    """Compare ``l2l-zo`` with the other methods of ``result``, as one claim needs.

    The learned rows are ``l2l-zo`` and its variants that only change the weights
    (``l2l-zo[weights=attack]``); the hand-designed rows are the ``zo-*`` methods, of
    a learning-rate grid only the point shown in the table (the tuned one). On each
    problem, at the full budget:

    ``"speed"``
        each learned row against the best hand-designed one (lowest median final
        value): fewer median evaluations to the problem's target;
    ``"final"``
        the same pairs: lower median best value;
    ``"attack"``
        as ``"final"``, and the text adds the attack success rates;
    ``"ablation"``
        plain ``l2l-zo`` against each of its ablations (``l2l-zo[...]`` without a
        ``weights`` option): lower median best value;
    ``"half"``
        each learned row against each hand-designed one: the median run reaches the
        hand-designed row's median final value within half the budget.

    Parameters
    ----------
    result : BenchResult
    comparison : {"speed", "final", "attack", "ablation", "half"}
    problems : sequence of str, optional
        The problems of the claim; default: every problem of ``result``. A problem
        missing from ``result`` is named in the text and makes no comparison.

    Returns
    -------
    ClaimCheck

    Raises
    ------
    ValueError
        For an unknown ``comparison``.
    """
    if comparison not in COMPARISONS:
        raise ValueError(f"comparison must be one of {', '.join(map(repr, COMPARISONS))}, "
                         f"got {comparison!r}")
    texts: list[str] = []
    wins = total = 0
    last = max(result.budgets)
    for problem in problems or result.problems:
        if problem not in result.problems:
            texts.append(f"{problem}: not in the results")
            continue
        if comparison == "ablation":
            w, t = _ablation(result, problem, last, texts)
        elif comparison == "half":
            w, t = _half(result, problem, last, texts)
        else:
            w, t = _against_best(result, problem, last, comparison, texts)
        wins, total = wins + w, total + t
    text = "; ".join(texts)
    if total == 0:
        text = text or "no comparable rows in the results"
    return ClaimCheck(text, int(wins), int(total))


def _learned(result: BenchResult, problem: str) -> list[str]:
    """``l2l-zo`` and its weight variants on ``problem``."""
    return [m for m in result.methods(problem)
            if m.startswith("l2l-zo") and ("[" not in m or "weights" in m)]


def _hand_designed(result: BenchResult, problem: str) -> list[str]:
    """The hand-designed ZO rows of ``problem`` (the tuned grid point only, if tuned)."""
    hidden = set()
    for info in (result.meta.get("tuning") or {}).values():
        best = info["best"].get(problem)
        hidden |= {s for s, lr in zip(info["specs"], info["lrs"]) if lr != best}
    return [m for m in result.methods(problem) if m.startswith("zo-") and m not in hidden]


def _ablation(result: BenchResult, problem: str, last: int, texts: list[str]) -> tuple[int, int]:
    if "l2l-zo" not in result.methods(problem):
        return 0, 0
    base = result.summary("l2l-zo", problem).best[last][0]
    parts = [f"l2l-zo {_fmt_num(base)}"]
    wins = total = 0
    for m in result.methods(problem):
        if m.startswith("l2l-zo[") and "weights" not in m:
            value = result.summary(m, problem).best[last][0]
            parts.append(f"{m[len('l2l-zo'):]} {_fmt_num(value)}")
            total += 1
            wins += base < value
    texts.append(f"{problem}, median best f at {last} evals: " + ", ".join(parts))
    return wins, total


def _half(result: BenchResult, problem: str, last: int, texts: list[str]) -> tuple[int, int]:
    learned, hand = _learned(result, problem), _hand_designed(result, problem)
    wins = total = 0
    for m in learned:
        for h in hand:
            target = result.summary(h, problem).best[last][0]  # h's median final value
            evals = float(np.median([r.evals_to(target) for r in result.select(m, problem)]))
            total += 1
            wins += evals <= last / 2
            when = (f"in {_fmt_num(evals)} evals (median)" if np.isfinite(evals)
                    else "not in the median run")
            texts.append(f"{problem}: {m} reaches {h}'s median final value "
                         f"{_fmt_num(target)} {when}")
    return wins, total


def _against_best(result: BenchResult, problem: str, last: int, comparison: str,
                  texts: list[str]) -> tuple[int, int]:
    learned, hand = _learned(result, problem), _hand_designed(result, problem)
    if not learned or not hand:
        return 0, 0
    sums = {m: result.summary(m, problem) for m in learned + hand}
    best_hand = min(hand, key=lambda m: sums[m].best[last][0])
    b = sums[best_hand]
    wins = 0
    for m in learned:
        s = sums[m]
        if comparison == "speed":
            wins += s.evals_to_target < b.evals_to_target
            texts.append(f"{problem}: {m} {_reaches(s)}, best hand-designed ({best_hand}) "
                         f"{_reaches(b)}")
            continue
        wins += s.best[last][0] < b.best[last][0]
        text = (f"{problem}: median best f at {last} evals, {m} "
                f"{_fmt_num(s.best[last][0])} vs {best_hand} {_fmt_num(b.best[last][0])}")
        if comparison == "attack" and s.success_rate is not None:
            text += (f"; success {100 * s.success_rate:.0f}% vs "
                     f"{100 * (b.success_rate or 0):.0f}%")
        texts.append(text)
    return wins, len(learned)


def _fmt_num(v: float | None) -> str:
    if v is None:
        return "n/a"
    v = float(v)
    if v != v:
        return "n/a"
    if v in (float("inf"), float("-inf")):
        return "never" if v > 0 else "-inf"
    return f"{v:.4g}"


def _reaches(s: Summary) -> str:
    """'reaches the target in N evals (k/n runs)', or that the median run never does."""
    runs = f"({s.target_hits}/{s.n_runs} runs)"
    if s.evals_to_target is None or not np.isfinite(s.evals_to_target):
        return f"does not reach the target in the median run {runs}"
    return f"reaches the target in {_fmt_num(s.evals_to_target)} evals {runs}"
