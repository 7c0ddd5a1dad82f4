"""The examples in the docstrings run and print what they claim.

Every module of the package is searched (``pkgutil``), so an example added to any
docstring is tested without registering it here.
"""

import doctest
import importlib
import pkgutil

import pytest

import zominimize

MODULES = sorted(
    ["zominimize"]
    + [m.name for m in pkgutil.walk_packages(zominimize.__path__, "zominimize.")]
)


def _examples(name: str) -> int:
    finder = doctest.DocTestFinder()
    return sum(len(t.examples) for t in finder.find(importlib.import_module(name)))


WITH_EXAMPLES = [name for name in MODULES if _examples(name)]


def test_the_documented_entry_points_have_examples():
    assert {"zominimize._minimize", "zominimize._optimizer", "zominimize.meta.train",
            "zominimize.plotting"} <= set(WITH_EXAMPLES)


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
