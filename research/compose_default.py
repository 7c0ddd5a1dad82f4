"""Bundle a trained network as ``"default-mid"`` and make ``"default"`` run it in a range
of dimensions (its manifest's ``"by_dim"``); every tensor is kept to the bit.

The nineteenth and twenty-first rounds (``docs/research.rst``) made the bundled weights
so::

    python -m research.train_weighted_mixture --seed 2 --out default-mid.safetensors
    python -m research.compose_default default-mid.safetensors

The network's manifest gets the inference rules selected for it (``--q``,
``--accept``), the training command as it is to be run from the repository root, and
its provenance; ``"default"``'s manifest gets the ``"by_dim"`` entries (from
``--min-d`` to ``--max-d`` with the network's own rules, and from ``--low-min-d`` to
``--min-d - 1`` with ``--low-q`` and ``--low-accept``) and a sentence of provenance.
Both files are written into the package (``zominimize/learned/weights/``).
"""

from __future__ import annotations

import argparse
import shlex

from zominimize.learned import load_weights, save_weights

from ._common import unwritten, weights_dir

NAME = "default-mid"
_ROUND = "nineteenth round (docs/research.rst)"
_LOW_ROUND = "twenty-first round"


def _training_command(recorded: str) -> str:
    """The recorded training command with ``--out default-mid.safetensors`` and without
    the checkpoint path (which does not change the result)."""
    words = shlex.split(recorded)
    out, skip = [], False
    for w in words:
        if skip:
            skip = False
            continue
        if w in ("--out", "--checkpoint"):
            skip = True
            continue
        out.append(w)
    return shlex.join([*out, "--out", f"{NAME}.safetensors"])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trained", help="the file written by research.train_weighted_mixture")
    ap.add_argument("--min-d", type=int, default=100)
    ap.add_argument("--max-d", type=int, default=599)
    ap.add_argument("--q", type=int, default=10)
    ap.add_argument("--accept", default="elitist-start")
    ap.add_argument("--low-min-d", type=int, default=50)
    ap.add_argument("--low-q", type=int, default=5)
    ap.add_argument("--low-accept", default="improving")
    args = ap.parse_args(argv)
    lo, hi, low = args.min_d, args.max_d, args.low_min_d
    if not 1 <= low < lo:
        ap.error(f"--low-min-d must be in [1, {lo - 1}], got {low}")

    net, manifest = load_weights(args.trained)
    part = dict(manifest)
    part["command"] = _training_command(manifest["command"])
    part["options"] = {**manifest.get("options", {}), "q": args.q, "accept": args.accept}
    part["description"] = (
        f"the default's networks from d = {lo} to {hi}: trained with 5 queries and the "
        "elitist rule on general-wide mixed 2:1 with the classification task at "
        "d = 100..1000; run with the rules in 'options'")
    part["provenance"] = (
        "One uninterrupted run on the project's 2-core CPU machine (the fifteenth "
        "round's command, run again in the eighteenth round). The recorded command names "
        f"the output {NAME}.safetensors and leaves out the --checkpoint path, which does "
        f"not affect the result. Inference options q = {args.q} and accept = "
        f"{args.accept!r} chosen by an exploration on training draws and confirmed on "
        f"fresh selection sets in the {_ROUND}, never on the reported instances; "
        f"written into this manifest by research.compose_default (tensors unchanged).")
    save_weights(net, weights_dir() / f"{NAME}.safetensors", unwritten(part))

    net, manifest = load_weights("default")
    manifest = dict(manifest)
    low_options = {"q": args.low_q, "accept": args.low_accept}
    manifest["by_dim"] = [
        {"min_d": low, "max_d": lo - 1, "weights": NAME, "options": low_options},
        {"min_d": lo, "max_d": hi, "weights": NAME}]
    note = (f" From d = {lo} to {hi} the networks and rules of the bundled set {NAME!r} "
            f"run instead (the manifest's 'by_dim'), set in the {_ROUND}: chosen by an "
            "exploration on training draws and confirmed on fresh selection sets, never "
            "on the reported instances; this set's networks unchanged.")
    low_note = (f" From d = {low} to {lo - 1} the same networks run with q = {args.low_q} "
                f"and accept = {args.low_accept!r} (the entry's 'options'), set in the "
                f"{_LOW_ROUND} in the same way.")
    # the tenth round's sentence predates the thirteenth round's elitist start
    manifest["provenance"] = manifest["provenance"].replace(
        "the paper's q = 20 and every iterate kept from there on)",
        "the paper's q = 20 from there on; since the thirteenth round, with the elitist "
        "rule until the first improvement on the start there)")
    # re-running this rewrites the range of the lower entry, keeping every other word
    provenance = manifest["provenance"].split(" From d = ")[0]
    manifest["provenance"] = provenance + note + low_note
    save_weights(net, weights_dir() / "default.safetensors", unwritten(manifest))


if __name__ == "__main__":
    main()
