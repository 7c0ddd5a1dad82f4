"""Set one inference rule in the bundled ``"default"`` manifest's ``options``; the
networks' tensors are kept to the bit.

The twenty-sixth round (``docs/research.rst``) made the default restart a stalled run
below d = 50 so::

    python -m research.set_default_option restarts auto --round "twenty-sixth round"

and the twenty-seventh made the networks it runs from d = 50 (the manifest's
``"by_dim"`` entries, which otherwise follow their own manifests) follow the same rule::

    python -m research.set_default_option restarts auto --by-dim \
        --round "twenty-seventh round"

The manifest's provenance gets one sentence saying which round set the rule. The file is
written into the package (``zominimize/learned/weights/default.safetensors``).
"""

from __future__ import annotations

import argparse
import json

from zominimize.learned import load_weights, save_weights

from ._common import unwritten, weights_dir

# The rules an option value may be written as (JSON: true, false, numbers, "auto", ...).
OPTIONS = ("q", "accept", "directions", "restarts", "mu_rel", "step_beta1", "sigma_down",
           "covariance", "local_returns", "walk", "walk_mu", "noisy")


def _value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("option", choices=OPTIONS)
    ap.add_argument("value", help="JSON, or a plain string such as auto")
    ap.add_argument("--round", required=True, help='e.g. "twenty-sixth round"')
    ap.add_argument("--by-dim", action="store_true",
                    help="set it in every by_dim entry's options too")
    args = ap.parse_args(argv)
    value = _value(args.value)

    net, manifest = load_weights("default")
    manifest = unwritten(manifest)
    manifest["options"] = {**manifest.get("options", {}), args.option: value}
    where = ""
    if args.by_dim:
        manifest["by_dim"] = [{**e, "options": {**e.get("options", {}), args.option: value}}
                              for e in manifest.get("by_dim", [])]
        where = " (and in every by_dim entry)"
    sentence = (f" The inference rule {args.option} = {json.dumps(value)}{where} was set in the "
                f"{args.round} (docs/research.rst) on fresh selection sets, never on the "
                "reported instances, by research.set_default_option; networks unchanged.")
    if sentence not in manifest.get("provenance", ""):
        manifest["provenance"] = manifest.get("provenance", "") + sentence
    save_weights(net, weights_dir() / "default.safetensors", manifest)


if __name__ == "__main__":
    main()
