"""Write a weight file with the UpdateRNN of one weight set and the QueryRNN of another.

Which of the two networks carries what a weight set learned on its task (research log,
explorations before the forty-ninth round)? The bundled sets share one architecture,
so their networks can be exchanged::

    python -m research.swap_networks attack default aU_dQ.safetensors

writes the ``"attack"`` UpdateRNN with the ``"default"`` QueryRNN; the file keeps the
first set's inference options (without its ``"by_dim"``), so run it with the options to
compare explicitly (``research.select_l2l_options --candidates``).
"""

from __future__ import annotations

import argparse

from zominimize.learned import load_weights, save_weights

from ._common import unwritten


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("update", help="weight set (bundled name or path) of the UpdateRNN")
    ap.add_argument("query", help="weight set (bundled name or path) of the QueryRNN")
    ap.add_argument("out", help="the weight file to write")
    args = ap.parse_args(argv)
    net, manifest = load_weights(args.update)
    query_net, _ = load_weights(args.query)
    net.query_rnn.load_state_dict(query_net.query_rnn.state_dict())
    # without the "by_dim" that names other sets
    manifest = {k: v for k, v in unwritten(manifest).items() if k != "by_dim"}
    manifest["command"] = (f"python -m research.swap_networks {args.update} {args.query} "
                           f"{args.out}")
    save_weights(net, args.out, manifest)


if __name__ == "__main__":
    main()
