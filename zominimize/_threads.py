"""How many CPU threads torch may use for the learned optimizer's networks.

The policy, in one place: the networks run on **one thread** unless the ``threads``
option of ``l2l-zo`` asks for more. Their work is a long series of small operations
(two LSTM steps over ``d`` coordinates, in cache-sized blocks on a CPU); on more
threads every operation waits for its slowest thread, and on a machine whose cores are
busy with other processes a preempted thread stalls each of them. Measured on a 2-core
machine with one other busy process, ``l2l-zo`` at ``d = 10**6`` took 14.7 s per
iteration on two threads against 1.06 s on one (the research log's fifth round);
ZO-Adam, single-threaded NumPy, took 1.15 s.

The count is set only around the networks' own work (not around the user's
objective), in the calling thread, and restored right after. With torch's OpenMP
backend a thread's count is its own, so concurrent runs in several Python threads do
not change each other's settings.
"""

from __future__ import annotations

__all__ = ["policy_threads", "limited_threads"]


def policy_threads(d: int, requested: int | None = None) -> int:
    """Threads for the networks of a ``d``-dimensional problem: ``requested`` if given,
    else one."""
    return 1 if requested is None else requested


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
