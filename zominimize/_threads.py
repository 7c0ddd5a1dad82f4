"""How many CPU threads torch may use for the learned optimizer's networks.

The policy, in one place:

- The networks' per-iteration work is tiny below about ``LARGE_D`` coordinates, and
  spreading it over cores costs more than it saves, worse still on a machine shared with
  other processes: it runs on **one thread**.
- From ``LARGE_D`` coordinates on, it may use up to ``MAX_THREADS`` threads, but never
  more than torch's own setting for the calling thread (``OMP_NUM_THREADS``,
  ``torch.set_num_threads``).
- With parallel ``workers`` the front door asks for one thread, so the networks do not
  compete with the workers for cores.
- An explicit ``threads`` option of ``l2l-zo`` overrides the policy.

The count is set only around the networks' own work (not around the user's
objective), in the calling thread, and restored right after. With torch's OpenMP
backend a thread's count is its own, so concurrent runs in several Python threads do
not change each other's settings.
"""

from __future__ import annotations

__all__ = ["LARGE_D", "MAX_THREADS", "policy_threads", "limited_threads"]

#: Coordinates from which the networks may use more than one thread.
LARGE_D = 100_000
#: Most threads the networks use under the default policy.
MAX_THREADS = 4


def policy_threads(d: int, requested: int | None = None) -> int:
    """Threads for the networks of a ``d``-dimensional problem (``requested`` wins)."""
    if requested is not None:
        return requested
    if d < LARGE_D:
        return 1
    import torch

    return max(1, min(MAX_THREADS, torch.get_num_threads()))


class limited_threads:
    """Context manager: torch's intra-op thread count is ``n`` in this thread inside the
    block, and what it was before after it. Nests; a no-op when the count is already
    ``n``."""

    __slots__ = ("n", "saved")

    def __init__(self, n: int):
        self.n = int(n)
        self.saved = None

    def __enter__(self):
        import torch

        current = torch.get_num_threads()
        if current != self.n:
            self.saved = current
            torch.set_num_threads(self.n)
        return self

    def __exit__(self, *exc):
        if self.saved is not None:
            import torch

            torch.set_num_threads(self.saved)
            self.saved = None
