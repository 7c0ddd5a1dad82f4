"""zominimize: SciPy-style black-box minimizers with a learned zeroth-order optimizer.

The headline method ``"l2l-zo"`` is the learned optimizer of *Learning to Learn
by Zeroth-Order Oracle* (Ruan et al., ICLR 2020). Hand-designed baselines
(``"zo-sgd"``, ``"zo-signsgd"``, ``"zo-adam"``) share the same machinery.

>>> from zominimize import minimize
>>> res = minimize(fun, x0, method="l2l-zo", options={"maxfev": 4200}, rng=0)  # doctest: +SKIP

or, as a SciPy custom method::

    scipy.optimize.minimize(fun, x0, method=zominimize.l2l_zo, options={"rng": 0})
"""

from ._checkpoint import CheckpointError
from ._driver import load_checkpoint, save_checkpoint
from ._minimize import minimize, scipy_method
from ._optimizer import Optimizer
from ._registry import list_methods, register, show_options
from .plotting import plot_convergence

__version__ = "0.1.0"

l2l_zo = scipy_method("l2l-zo")
zo_sgd = scipy_method("zo-sgd")
zo_signsgd = scipy_method("zo-signsgd")
zo_adam = scipy_method("zo-adam")

__all__ = [
    "minimize",
    "Optimizer",
    "show_options",
    "list_methods",
    "register",
    "save_checkpoint",
    "load_checkpoint",
    "CheckpointError",
    "plot_convergence",
    "l2l_zo",
    "zo_sgd",
    "zo_signsgd",
    "zo_adam",
    "__version__",
]
