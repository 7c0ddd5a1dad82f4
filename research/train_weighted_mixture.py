"""Meta-train the default's configuration on ``general-wide`` with one family weighted up.

The fifteenth round's question (``docs/research.rst``): networks trained with
the fewer-queries rules stall on the paper's classification task from d = 100; does
training on a mixture in which that task weighs more remove the stalls? The family is
``general-wide`` (weight ``--base-weight``) mixed with ``classification-train`` at
d = 100..1000 (weight 1); everything else is the ``"default"`` weights' training
command (``zominimize.learned.bundled_weights()["default"]["command"]``) with the given
``--q``, ``--accept``, the step rules ``--sigma-down`` and ``--step-beta1``
(``"auto"``: the default's rules by dimension), and, where given, the training length
and horizon, the meta-learning rate and schedule, the networks it starts from, and a
share of ``bbob-like`` at d = 100..1000 or validation on it (explorations of
2026-12-05, eighth session: longer training, and fine-tuning under the default's rules
from d = 100).

    python -m research.train_weighted_mixture --seed 0 --out c_seed0.safetensors
    python -m research.train_weighted_mixture --seed 2 --update-iters 1000 \
        --query-iters 100 --out long_seed2.safetensors
"""

from __future__ import annotations

import argparse
import dataclasses

from zominimize.learned import bundled_weights
from zominimize.meta import TrainConfig
from zominimize.problems import MixtureFamily, get_family

from ._common import run_training, training_parser


def mixture(base_weight: float, bbob_like_weight: float = 0.0):
    """``general-wide`` and ``classification-train`` at d = 100..1000, weighted, and
    ``bbob-like`` at d = 100..1000 where ``bbob_like_weight`` is positive."""
    parts = [(get_family("general-wide"), base_weight),
             (get_family("classification-train", dim=(100, 1000)), 1.0)]
    name = f"general-wide+classification-100-1000(w={base_weight:g}:1)"
    if bbob_like_weight > 0:
        parts.append((get_family("bbob-like", dim=(100, 1000)), bbob_like_weight))
        name = (f"general-wide+classification-100-1000+bbob-like-100-1000"
                f"(w={base_weight:g}:1:{bbob_like_weight:g})")
    return MixtureFamily(parts, name=name)


def default_config(**changes) -> TrainConfig:
    """The shipped ``"default"`` weights' training configuration (from their manifest),
    with ``changes``."""
    recorded = bundled_weights()["default"]["config"]
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    return TrainConfig(**{**{k: v for k, v in recorded.items() if k in fields}, **changes})


def _float_or_auto(text: str) -> float | str:
    return text if text == "auto" else float(text)


def _parser() -> argparse.ArgumentParser:
    ap = training_parser(__doc__.splitlines()[0])
    ap.add_argument("--base-weight", type=float, default=2.0)
    ap.add_argument("--bbob-like-weight", type=float, default=0.0,
                    help="weight of bbob-like at d = 100..1000 in the mixture (0: none)")
    ap.add_argument("--q", default="5")
    ap.add_argument("--accept", default="improving")
    ap.add_argument("--sigma-down", type=_float_or_auto, default=None,
                    help="the prior shrink after a deterioration, or \"auto\" (default: "
                         "TrainConfig's)")
    ap.add_argument("--step-beta1", type=_float_or_auto, default=None,
                    help="the decay of the step's shorter mean, or \"auto\" (default: none)")
    # unset: the "default" weights' recorded values, so that the commands of the
    # fifteenth and eighteenth rounds (and default-mid's) still reproduce their runs
    ap.add_argument("--update-iters", type=int, default=None)
    ap.add_argument("--query-iters", type=int, default=None)
    ap.add_argument("--lr-update", type=float, default=None)
    ap.add_argument("--lr-schedule", choices=("constant", "cosine"), default=None)
    ap.add_argument("--horizon", type=int, default=None,
                    help="iterations of every unroll and validation run (no curriculum)")
    ap.add_argument("--init-from", default=None,
                    help="bundled weight set or file the networks start from")
    ap.add_argument("--val-bbob-like", action="store_true",
                    help="validate on bbob-like at d = 100..1000 instead of the mixture")
    return ap


def config(argv) -> TrainConfig:
    """The training configuration that the command line ``argv`` asks for."""
    args = _parser().parse_args(argv)
    q = args.q if args.q == "auto" else int(args.q)
    given = {"sigma_down": args.sigma_down, "step_beta1": args.step_beta1,
             "update_iters": args.update_iters,
             "query_iters": args.query_iters, "lr_update": args.lr_update,
             "lr_schedule": args.lr_schedule, "init_from": args.init_from}
    if args.horizon is not None:
        given.update(horizon=args.horizon, horizon_start=args.horizon, val_steps=args.horizon)
    if args.val_bbob_like:
        given["val_family"] = get_family("bbob-like", dim=(100, 1000))
    extra = {k: v for k, v in given.items() if v is not None}
    return default_config(family=mixture(args.base_weight, args.bbob_like_weight),
                          seed=args.seed, q=q, accept=args.accept, **extra)


def main(argv=None) -> None:
    run_training("train_weighted_mixture", _parser(), config, argv)


if __name__ == "__main__":
    main()
