"""Writing the benchmarks' figures, compactly (reports and their plots are committed)."""

from __future__ import annotations

import io
from pathlib import Path


def save_figure(fig, path: str | Path, dpi: int) -> None:
    """Save ``fig`` to ``path``; a PNG is stored with a 256-colour palette.

    Line plots use few colours, so the palette loses nothing visible and the file is
    about a third of matplotlib's RGBA PNG. Other formats are saved as matplotlib
    writes them.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or pathlib.Path
        The file; its suffix picks the format.
    dpi : int
        Resolution, as for :meth:`matplotlib.figure.Figure.savefig`.
    """
    path = Path(path)
    if path.suffix.lower() != ".png":
        fig.savefig(path, dpi=dpi)
        return
    from PIL import Image  # matplotlib's own dependency

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    buf.seek(0)
    with Image.open(buf) as im:
        # median cut (the default for RGB), no dithering (0): valid in every Pillow
        im = im.convert("RGB").quantize(colors=256, dither=0)
    im.save(path, format="PNG", optimize=True)
