"""Pair a rule whose options depend on the dimension with a reference, over stored
``bench`` results.

A candidate such as "``q = d``" is a different method spec at each dimension
(``l2l-zo[sigma0=2,q=2]``, ``l2l-zo[sigma0=2,q=3]``, ...); this names its runs alike and
prints :func:`zominimize.bench.paired_score` over all of them (the twenty-fifth round,
``docs/research.rst``)::

    python -m research.pair_per_dim 'l2l-zo[sigma0=2]' 'l2l-zo[sigma0=2,q={d}]' \\
        E1_d2.json.gz E1_d3.json.gz E1_d4.json.gz
"""

from __future__ import annotations

import argparse
import dataclasses

from zominimize.bench import BenchResult, merge_results, paired_score, validation_score


def pair(reference: str, template: str, paths: list[str]) -> tuple[dict, dict]:
    """``(paired, scores)``: :func:`paired_score` of the candidate (``template`` with
    ``{d}`` the problem's dimension) against ``reference``, and both validation scores."""
    parts = []
    for path in paths:
        res = BenchResult.from_json(path)
        res.runs = [dataclasses.replace(r, method="candidate")
                    if r.method == template.format(d=r.dim) else r
                    for r in res.runs]
        parts.append(res)
    merged = merge_results(parts)
    scores = validation_score(merged)
    return paired_score(merged, "candidate", reference), {
        k: scores[k]["score"] for k in ("candidate", reference)}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reference")
    ap.add_argument("template", help="the candidate's spec, with {d} for the dimension")
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args(argv)
    paired, scores = pair(args.reference, args.template, args.paths)
    print("scores:", ", ".join(f"{k} {v:.3f}" for k, v in scores.items()))
    for key, (mean, lo, hi, n) in paired.items():
        print(f"{key}: {mean:+.3f} [{lo:+.3f}, {hi:+.3f}] ({n} pairs)")


if __name__ == "__main__":
    main()
