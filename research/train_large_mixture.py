"""Fine-tune the ``"default"`` networks on a mixture of large problems, the paper's tasks in it.

An exploration after the forty-second round (``docs/research.rst``): from d = 600 the default
runs the ``"default"`` networks, which trail tuned ZO-Adam on the paper's attack
(d = 784) and classification task at d = 1,000. The family mixes ``general-wide``,
``classification-train`` (both at d = 600..1000) and ``attack-train`` (d = 784) with
the given weights; the networks start from ``"default"`` (or another bundled set, or
from scratch with ``--init-from none``, then of ``--hidden`` units) and everything else
is the ``"default"`` weights' training command with ``--update-iters``,
``--query-iters``, the learning rates and the rules (``--q``, ``--accept``) given here
(their defaults are the values the research log's runs used).

    python -m research.train_large_mixture --seed 0 --out l_seed0.safetensors
"""

from __future__ import annotations

from zominimize.problems import MixtureFamily, get_family

from ._common import run_training, training_parser
from .train_weighted_mixture import default_config


def mixture(w_general: float, w_classification: float, w_attack: float):
    """``general-wide`` and ``classification-train`` at d = 600..1000, and
    ``attack-train``, weighted."""
    parts = [(get_family("general-wide", dim=(600, 1000)), w_general),
             (get_family("classification-train", dim=(600, 1000)), w_classification),
             (get_family("attack-train"), w_attack)]
    return MixtureFamily([p for p in parts if p[1] > 0],
                         name=f"large-mix(w={w_general:g}:{w_classification:g}:{w_attack:g})")


def _parser():
    ap = training_parser(__doc__.splitlines()[0])
    ap.add_argument("--weights", type=float, nargs=3, default=(1.0, 1.0, 1.0),
                    metavar=("GENERAL", "CLASSIFICATION", "ATTACK"))
    ap.add_argument("--update-iters", type=int, default=100)
    ap.add_argument("--query-iters", type=int, default=20)
    ap.add_argument("--lr-update", type=float, default=3e-4)
    ap.add_argument("--lr-query", type=float, default=1e-3)
    ap.add_argument("--val-size", type=int, default=8)
    ap.add_argument("--init-from", default="default",
                    help='bundled weight set the networks start from ("none": from scratch)')
    ap.add_argument("--hidden", type=int, default=None,
                    help="hidden units of each network, from scratch only (default: 10)")
    ap.add_argument("--q", type=int, default=None,
                    help="queries per iteration in training (default: the default weights')")
    ap.add_argument("--accept", default=None,
                    help="the accept rule in training (default: the default weights')")
    return ap


def config(argv):
    """The training configuration that the command line ``argv`` asks for."""
    args = _parser().parse_args(argv)
    given = {k: v for k, v in (("q", args.q), ("accept", args.accept), ("hidden", args.hidden))
             if v is not None}
    init_from = None if args.init_from.lower() == "none" else args.init_from
    if init_from is not None and args.hidden is not None:
        raise SystemExit("--hidden needs --init-from none: a weight set fixes its size")
    return default_config(family=mixture(*args.weights), seed=args.seed, init_from=init_from,
                          update_iters=args.update_iters, query_iters=args.query_iters,
                          lr_update=args.lr_update, lr_query=args.lr_query,
                          val_size=args.val_size, **given)


def main(argv=None) -> None:
    run_training("train_large_mixture", _parser(), config, argv)


if __name__ == "__main__":
    main()
