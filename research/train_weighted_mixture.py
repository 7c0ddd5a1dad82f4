"""Meta-train the default's configuration on ``general-wide`` with one family weighted up.

The fifteenth round's question (``docs/research.rst``): networks trained with
the fewer-queries rules stall on the paper's classification task from d = 100; does
training on a mixture in which that task weighs more remove the stalls? The family is
``general-wide`` (weight ``--base-weight``) mixed with ``classification-train`` at
d = 100..1000 (weight 1); everything else is the ``"default"`` weights' training
command (``zominimize.learned.bundled_weights()["default"]["command"]``) with the given
``--q`` and ``--accept``.

    python -m research.train_weighted_mixture --seed 0 --out c_seed0.safetensors
"""

from __future__ import annotations

import argparse
import shlex
import sys

from zominimize.meta import TrainConfig, train
from zominimize.problems import MixtureFamily, get_family


def mixture(base_weight: float):
    """``general-wide`` and ``classification-train`` at d = 100..1000, weighted."""
    return MixtureFamily([(get_family("general-wide"), base_weight),
                          (get_family("classification-train", dim=(100, 1000)), 1.0)],
                         name=f"general-wide+classification-100-1000(w={base_weight:g}:1)")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--checkpoint")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--base-weight", type=float, default=2.0)
    ap.add_argument("--q", default="5")
    ap.add_argument("--accept", default="improving")
    args = ap.parse_args(argv)
    q = args.q if args.q == "auto" else int(args.q)
    cfg = TrainConfig(family=mixture(args.base_weight), batch_size=4, update_iters=200,
                      query_iters=30, val_every=10, val_size=16, horizon=200,
                      horizon_start=200, lr_update=3e-4, lr_query=1e-3, weighting="linear",
                      seed=args.seed, q=q, accept=args.accept)
    command = "python -m research.train_weighted_mixture " + shlex.join(sys.argv[1:])
    train(cfg, args.out, checkpoint=args.checkpoint, resume=args.resume, command=command)


if __name__ == "__main__":
    main()
