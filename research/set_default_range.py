"""Move the upper end of one of the bundled ``"default"`` manifest's ``"by_dim"`` entries;
every tensor is kept to the bit.

The fiftieth round (``docs/research.rst``) made the ``"default-mid"`` networks run
at every d from 100 on (their entry had ended at 599) so::

    python -m research.set_default_range 100 --max-d none --round "fiftieth round"

The entry is the one whose range starts at the given ``min_d``; ``--max-d none`` leaves
its upper end out (no upper end). The ``"default"`` manifest's provenance and the
description of the set the entry names get one sentence each saying which round set
the range. Both files are written into the package (``zominimize/learned/weights/``).
"""

from __future__ import annotations

import argparse

from zominimize.learned import load_weights, save_weights

from ._common import unwritten, weights_dir


def _range(lo: int, hi: int | None) -> str:
    return f"from d = {lo} on" if hi is None else f"from d = {lo} to {hi}"


def _max_d(text: str) -> int | None:
    """``--max-d``: an integer, or ``None`` for "none"."""
    if text.lower() == "none":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'an integer or "none", not {text!r}') from None


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("min_d", type=int, help="the min_d of the entry to change")
    ap.add_argument("--max-d", type=_max_d, required=True,
                    help='an integer, or "none": no upper end')
    ap.add_argument("--round", required=True, help='e.g. "fiftieth round"')
    args = ap.parse_args(argv)
    max_d = args.max_d

    net, manifest = load_weights("default")
    manifest = unwritten(manifest)
    entries = [dict(e) for e in manifest.get("by_dim", [])]
    match = [e for e in entries if e["min_d"] == args.min_d]
    if len(match) != 1:
        ap.error(f"no by_dim entry of 'default' starts at d = {args.min_d}: "
                 f"{[e['min_d'] for e in entries]}")
    entry = match[0]
    entry.pop("max_d", None)
    if max_d is not None:
        entry["max_d"] = max_d
    manifest["by_dim"] = entries
    new = _range(args.min_d, max_d)
    sentence = (f" The 'by_dim' entry that starts at d = {args.min_d} (the networks of "
                f"{entry['weights']!r}) runs {new} since "
                f"the {args.round} (docs/research.rst), set on fresh selection sets, never on "
                "the reported instances, by research.set_default_range; networks unchanged.")
    if sentence not in manifest.get("provenance", ""):
        manifest["provenance"] = manifest.get("provenance", "") + sentence
    # written before the part's own manifest: load_weights checks the ranges
    save_weights(net, weights_dir() / "default.safetensors", manifest)

    part_net, part = load_weights(entry["weights"])
    part = unwritten(part)
    note = f"Since the {args.round}, {new} in the default."
    description = part.get("description", "").rstrip()
    if note not in description:
        part["description"] = f"{description.rstrip('.')}. {note}".lstrip(". ")
    save_weights(part_net, weights_dir() / f"{entry['weights']}.safetensors", part)


if __name__ == "__main__":
    main()
