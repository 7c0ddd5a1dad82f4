"""The ``zominimize`` command line: ``demo``, ``bench``, ``train``, ``options``."""

from __future__ import annotations

import argparse
import dataclasses
import os
import shlex
import sys

__all__ = ["main"]


def _train_help() -> dict[str, str]:
    """One line of help per ``TrainConfig`` field, from its numpydoc Attributes."""
    from ._text import numpydoc_entries, plain
    from .meta.train import TrainConfig

    entries = numpydoc_entries(TrainConfig.__doc__ or "", "Attributes")
    out = {}
    for name, (kind, desc) in entries.items():
        choices = f" One of {plain(kind)}." if kind.startswith("{") else ""
        out[name] = plain(desc) + choices
    return out


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
    helps = _train_help()
    for f in dataclasses.fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        default = getattr(defaults, f.name)
        kind = type(default) if default is not None else str
        if f.name == "time_limit":
            kind = float
        elif f.name == "q":
            kind = _int_or_auto
        elif f.name in ("sigma_down", "step_beta1"):
            kind = _float_or_auto
        text = helps.get(f.name, "").replace("%", "%%")  # argparse formats help with %
        p.add_argument(flag, type=kind, default=default, help=f"{text} (default: {default!r})")


def _int_or_auto(text: str) -> int | str:
    return text if text == "auto" else int(text)


def _float_or_auto(text: str) -> float | str:
    return text if text == "auto" else float(text)


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


def _add_options(sub):
    p = sub.add_parser(
        "options", help="show the options of a method",
        description="Show the options of a zominimize method (all of them without a name), "
        "or SciPy's documentation of one of SciPy's methods, which zominimize.minimize "
        "passes through to scipy.optimize.minimize.",
    )
    p.add_argument("method", nargs="?", help="method name (default: every zominimize method)")
    return p


def _main(argv: list[str]) -> int:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="zominimize",
        description="Black-box minimization with a learned zeroth-order optimizer.",
    )
    parser.add_argument("--version", action="version", version=f"zominimize {__version__}")
    sub = parser.add_subparsers(dest="cmd", required=True)
    from . import _demo
    from .bench import _cli as bench_cli

    commands = {}
    for name, mod in (("demo", _demo), ("bench", bench_cli)):
        mod.add_parser(sub)
        commands[name] = mod.run
    _add_train(sub)
    options_parser = _add_options(sub)
    args = parser.parse_args(argv)
    if args.cmd == "train":
        return _run_train(args, argv)
    if args.cmd == "options":
        from ._registry import show_options

        try:
            show_options(args.method)
        except ValueError as exc:  # an unknown name: argparse's usage error, exit status 2
            options_parser.error(str(exc))
        return 0
    return int(commands[args.cmd](args) or 0)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``zominimize`` and ``python -m zominimize``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (``zominimize options | head``): stop quietly. Python
        # flushes stdout again at exit, so point it at devnull first (Python docs,
        # "Note on SIGPIPE").
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # stdout without a file descriptor (captured)
            pass
        return 1
