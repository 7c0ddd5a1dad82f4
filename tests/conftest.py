"""Shared fixtures and picklable test objectives.

Objectives live at module level here (not in closures) so that joblib's loky
workers, ``multiprocessing`` pools and dask can import them by reference.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import zominimize
from zominimize import _registry

#: Every registered zeroth-order method; a method registered later (e.g. ``"l2l-zo"``)
#: is covered by every contract test automatically.
METHODS = zominimize.list_methods()

#: The hand-designed baselines (cheap; used by the property tests).
BASELINES = ["zo-sgd", "zo-signsgd", "zo-adam"]

#: Per-method options that only make the tests faster (small budgets are set by
#: each test). Anything not listed gets ``{}``: the method's defaults.
METHOD_OPTIONS: dict[str, dict] = {}


def method_options(method: str, **extra) -> dict:
    """Speed options of ``method`` merged with the test's own options."""
    return {**METHOD_OPTIONS.get(method, {}), **extra}


@pytest.fixture(params=METHODS)
def method(request) -> str:
    """Each registered method."""
    name = request.param
    _registry.get_method_class(name)
    return name


@pytest.fixture(params=BASELINES)
def baseline(request) -> str:
    return request.param


# --------------------------------------------------------------------------------------
# Objectives
# --------------------------------------------------------------------------------------


class Quadratic:
    """``f(x) = sum(w * (x - c)**2)``: a separable quadratic with random weights
    ``w`` in [0.5, 2] and centre ``c`` in [-1, 1] (fixed by ``seed``)."""

    def __init__(self, n: int, seed: int = 0, shift: float = 0.0):
        rng = np.random.default_rng(seed)
        self.n = n
        self.c = rng.uniform(-1.0, 1.0, n) + shift
        self.w = rng.uniform(0.5, 2.0, n)

    def __call__(self, x) -> float:
        x = np.asarray(x, dtype=np.float64)
        return float(np.sum(self.w * (x - self.c) ** 2))

    def vectorized(self, X) -> np.ndarray:
        """Shape ``(n, S)`` -> ``(S,)``, bit-identical to calling ``self`` per column."""
        X = np.asarray(X, dtype=np.float64)
        assert X.ndim == 2 and X.shape[0] == self.n, X.shape
        return np.array([self(X[:, j]) for j in range(X.shape[1])])


class Recorder:
    """Wrap an objective; remember every point and value (in this process)."""

    def __init__(self, fun):
        self.fun = fun
        self.X: list[np.ndarray] = []
        self.F: list[float] = []
        self.threads: list[str] = []

    def __call__(self, x, *args):
        x = np.array(x, dtype=np.float64, copy=True)
        f = self.fun(x, *args)
        self.X.append(x)
        self.F.append(float(f))
        self.threads.append(threading.current_thread().name)
        return f

    @property
    def points(self) -> np.ndarray:
        return np.array(self.X)

    @property
    def best(self) -> tuple[np.ndarray, float]:
        F = np.array(self.F)
        F = np.where(np.isfinite(F), F, np.inf)
        i = int(np.argmin(F))
        return self.X[i], self.F[i]


def sphere(x) -> float:
    """A module-level (picklable) objective."""
    return float(np.sum((np.asarray(x) - 0.5) ** 2))


def hang_if_moved(x) -> float:
    """Hangs (a hung worker) once ``x`` leaves the neighbourhood of the origin."""
    x = np.asarray(x)
    if abs(x[0]) > 1e-3:
        time.sleep(60)
    return float(np.sum((x - 5.0) ** 2))


def slow_sphere(x, delay: float = 0.02) -> float:
    time.sleep(delay)
    return sphere(x)


@pytest.fixture
def quad10() -> Quadratic:
    return Quadratic(10, seed=1)


@pytest.fixture(scope="session")
def random_weights(tmp_path_factory) -> str:
    """A random-initialised (untrained) l2l-zo weights file, so tests of the machinery
    do not depend on the bundled weights."""
    torch = pytest.importorskip("torch")
    from zominimize.learned import L2LNet, save_weights

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("w") / "random.safetensors"
    save_weights(L2LNet(), path, {"family": "test: random init"})
    return str(path)


@pytest.fixture(scope="module")
def one_torch_thread():
    """torch on one thread for a module's benchmark runs (two cores, one per run)."""
    import torch

    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


def with_parts(path, out, parts):
    """The weight set at ``path`` written to ``out`` with its manifest's "by_dim" replaced
    by ``parts`` (removed when ``None``); the tensors, and so their checksum, unchanged."""
    import json

    from zominimize._safetensors import load_file, save_file

    tensors, meta = load_file(path)
    manifest = json.loads(meta["zominimize"])
    manifest.pop("by_dim", None)
    if parts is not None:
        manifest["by_dim"] = parts
    save_file(tensors, out, {"zominimize": json.dumps(manifest)})
    return str(out)
