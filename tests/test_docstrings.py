"""The examples in the public docstrings run and print what they claim."""

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["zominimize._minimize", "zominimize._optimizer"])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
