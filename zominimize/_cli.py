"""The ``zominimize`` command line: ``demo``, ``bench``, ``train``, ``options``."""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys

__all__ = ["main"]


def _add_train(sub) -> None:
    from .meta.train import TrainConfig

    p = sub.add_parser(
        "train",
        help="meta-train weights for l2l-zo on a problem family",
        description="Meta-train the learned optimizer (UpdateRNN stage, then QueryRNN stage) "
        "on a problem family from zominimize.problems and write a .safetensors weights file "
        "with its manifest. Use it with minimize(..., options={'weights': PATH}).",
    )
    p.add_argument("--out", required=True, help="output .safetensors file")
    p.add_argument("--checkpoint", help="training checkpoint file (written at each validation)")
    p.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    p.add_argument("--progress", action="store_true", help="show a progress bar")
    defaults = TrainConfig()
    for f in dataclasses.fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        default = getattr(defaults, f.name)
        kind = type(default) if default is not None else str
        if f.name == "time_limit":
            kind = float
        p.add_argument(flag, type=kind, default=default, help=f"(default: {default!r})")


def _run_train(args, argv) -> int:
    from .meta.train import TrainConfig, train

    cfg = TrainConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)})
    command = "zominimize " + shlex.join(argv)
    _, manifest = train(cfg, args.out, checkpoint=args.checkpoint, resume=args.resume,
                        command=command, progress=args.progress,
                        log=lambda s: print(s, flush=True))
    print(f"wrote {args.out}: validation score {manifest['validation_score']:.4f}, "
          f"{manifest['wall_time_s']:.0f} s, sha256 {manifest['sha256'][:12]}")
    return 0


def _add_options(sub) -> None:
    p = sub.add_parser("options", help="show the options of a method")
    p.add_argument("method", nargs="?", help="method name (default: all)")


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``zominimize`` and ``python -m zominimize``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="zominimize",
        description="Black-box minimization with a learned zeroth-order optimizer.",
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    from . import _demo
    from .bench import _cli as bench_cli

    commands = {}
    for name, mod in (("demo", _demo), ("bench", bench_cli)):
        mod.add_parser(sub)
        commands[name] = mod.run
    _add_train(sub)
    _add_options(sub)
    args = parser.parse_args(argv)
    if args.cmd == "train":
        return _run_train(args, argv)
    if args.cmd == "options":
        from ._registry import show_options

        show_options(args.method)
        return 0
    return int(commands[args.cmd](args) or 0)
