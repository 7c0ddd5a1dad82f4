"""Meta-train the default's configuration on ``general-wide`` with one family weighted up.

The fifteenth round's question (``docs/research.rst``): networks trained with
the fewer-queries rules stall on the paper's classification task from d = 100; does
training on a mixture in which that task weighs more remove the stalls? The family is
``general-wide`` (weight ``--base-weight``) mixed with ``classification-train`` at
d = 100..1000 (weight 1); everything else is the ``"default"`` weights' training
command (``zominimize.learned.bundled_weights()["default"]["command"]``) with the given
``--q``, ``--accept`` and ``--sigma-down``.

    python -m research.train_weighted_mixture --seed 0 --out c_seed0.safetensors
"""

from __future__ import annotations

import argparse
import dataclasses

from zominimize.learned import bundled_weights
from zominimize.meta import TrainConfig
from zominimize.problems import MixtureFamily, get_family

from ._common import run_training, training_parser


def mixture(base_weight: float):
    """``general-wide`` and ``classification-train`` at d = 100..1000, weighted."""
    return MixtureFamily([(get_family("general-wide"), base_weight),
                          (get_family("classification-train", dim=(100, 1000)), 1.0)],
                         name=f"general-wide+classification-100-1000(w={base_weight:g}:1)")


def default_config(**changes) -> TrainConfig:
    """The shipped ``"default"`` weights' training configuration (from their manifest),
    with ``changes``."""
    recorded = bundled_weights()["default"]["config"]
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    return TrainConfig(**{**{k: v for k, v in recorded.items() if k in fields}, **changes})


def _parser() -> argparse.ArgumentParser:
    ap = training_parser(__doc__.splitlines()[0])
    ap.add_argument("--base-weight", type=float, default=2.0)
    ap.add_argument("--q", default="5")
    ap.add_argument("--accept", default="improving")
    ap.add_argument("--sigma-down", type=float, default=None,
                    help="the prior shrink after a deterioration (default: TrainConfig's)")
    return ap


def config(argv) -> TrainConfig:
    """The training configuration that the command line ``argv`` asks for."""
    args = _parser().parse_args(argv)
    q = args.q if args.q == "auto" else int(args.q)
    extra = {} if args.sigma_down is None else {"sigma_down": args.sigma_down}
    return default_config(family=mixture(args.base_weight), seed=args.seed, q=q,
                          accept=args.accept, **extra)


def main(argv=None) -> None:
    run_training("train_weighted_mixture", _parser(), config, argv)


if __name__ == "__main__":
    main()
