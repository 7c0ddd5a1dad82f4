"""The recipe of every bundled weight set, from its manifest (``docs/user_guide/training.rst``).

Written at build time to ``docs/generated/bundled_weights.inc``: for each set, what it
was trained and selected on, the command that reproduces it, where and how long it
ran, and the manifest's own notes on how it was made -- the manifest is the record,
so the page cannot drift from the files that ship.
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parent / "generated" / "bundled_weights.inc"


def _dims(part: dict) -> str:
    """The range of dimensions of a manifest's ``"by_dim"`` entry, in words."""
    if "max_d" not in part:  # no upper end
        return f"from d = {part['min_d']} on"
    return f"from d = {part['min_d']} to {part['max_d']}"


def recipes() -> str:
    from zominimize.learned import bundled_weights

    out = []
    for name, m in bundled_weights().items():
        cfg = m.get("config", {})
        init = cfg.get("init_from")
        val = m.get("val_family") or f"fresh draws of ``{m['family']}``"
        if m.get("val_family"):
            val = f"``{val}``"
        out += [f".. rubric:: ``\"{name}\"``", ""]
        if m.get("description"):
            text = m["description"].rstrip(".")
            out += [text[0].upper() + text[1:] + ".", ""]
        out += [f"- trained on ``{m['family']}``, selected on {val}"
                + (f", starting from the ``\"{init}\"`` weights" if init else ""),
                f"- {m.get('wall_time_s', 0):.0f} s on {m.get('machine', 'an unrecorded machine')}"
                f" (Python {m.get('python', '?')}, NumPy {m.get('numpy_version', '?')}, "
                f"torch {m.get('torch_version', '?')}), {m.get('created', '')}",
                f"- inference options recorded in the manifest: ``{m.get('options', {})}``",
                *(f"- {_dims(p)}: the networks and options of ``\"{p['weights']}\"``"
                  for p in m.get("by_dim", ())),
                f"- SHA-256 of the tensors: ``{m['sha256']}``", "",
                ".. code-block:: bash", "", f"    {m['command']}", ""]
        if m.get("provenance"):
            out += [m["provenance"], ""]
    return "\n".join(out)


def write_recipes(app=None) -> None:
    """``builder-inited`` hook."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = recipes()
    if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
        OUT.write_text(text, encoding="utf-8")
