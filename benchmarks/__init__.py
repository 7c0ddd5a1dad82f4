"""asv benchmarks of zominimize (``asv run --python=same --quick``).

Shared helpers: which registered methods can run in this checkout.
"""

from __future__ import annotations

import importlib.util

import zominimize
from zominimize import _registry

__all__ = ["METHODS", "unavailable"]

#: Every registered method; those that cannot run here are skipped in ``setup``.
METHODS = zominimize.list_methods()


def unavailable(method: str) -> str | None:
    """Why ``method`` cannot run in this checkout (its module or its bundled
    weights are not there yet), else ``None``. Anything else is a real failure."""
    target = _registry._BUILTIN.get(method)
    if target is not None and importlib.util.find_spec(target.split(":")[0]) is None:
        return f"{method}: module not written yet"
    if method == "l2l-zo":
        from zominimize.learned.weights import bundled_weights

        if "default" not in bundled_weights():
            return f"{method}: no bundled 'default' weights"
    return None
