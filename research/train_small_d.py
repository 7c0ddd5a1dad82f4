"""Fine-tune the default's networks below d = 40 with the rules and the run length they
serve there.

The twenty-fourth round's question (``docs/research.rst``): below d = 100 the default
runs its networks with 5 queries per step and the elitist rule (orthogonal directions
below d = 20), so 4,200 evaluations are 700 iterations; the networks were trained with
20 queries, every iterate kept, and 200-iteration unrolls. Does fine-tuning them under
the test-time rules, with 600-iteration unrolls, on BBOB-like and general problems at
d = 2..39, make a better default there? Everything not named here is the ``"default"``
weights' training configuration (``zominimize.learned.bundled_weights()["default"]``).

    python -m research.train_small_d --seed 0 --out s_seed0.safetensors
"""

from __future__ import annotations

import argparse

from zominimize.problems import MixtureFamily, get_family

from ._common import run_training, training_parser
from .train_weighted_mixture import default_config

DIMS = (2, 39)


def family():
    """``bbob-like`` and ``general`` at d = 2..39 (the classification losses, logistic
    regression and small networks keep their own lower bounds), in equal parts."""
    return MixtureFamily([(get_family("bbob-like", dim=DIMS), 1.0),
                          (get_family("general", dim=(max(10, DIMS[0]), DIMS[1])), 1.0)],
                         name=f"bbob-like+general-{DIMS[0]}-{DIMS[1]}")


def val_family():
    """``bbob-like`` at d = 10..39: at 600 iterations most of :func:`family`'s problems
    reach the validation floor, these do not."""
    return get_family("bbob-like", dim=(10, DIMS[1]))


def _parser() -> argparse.ArgumentParser:
    ap = training_parser(__doc__.splitlines()[0])
    ap.add_argument("--horizon", type=int, default=600)
    ap.add_argument("--update-iters", type=int, default=150)
    ap.add_argument("--query-iters", type=int, default=30)
    ap.add_argument("--time-limit", type=float, default=None)
    return ap


def config(argv):
    """The training configuration that the command line ``argv`` asks for."""
    args = _parser().parse_args(argv)
    return default_config(
        family=family(), val_family=val_family(), seed=args.seed,
        q=5, accept="improving", directions="auto",
        horizon=args.horizon, horizon_start=args.horizon, val_steps=args.horizon,
        init_from="default", lr_update=1e-4, lr_query=3e-4,
        update_iters=args.update_iters, query_iters=args.query_iters,
        time_limit=args.time_limit)


def main(argv=None) -> None:
    run_training("train_small_d", _parser(), config, argv)


if __name__ == "__main__":
    main()
