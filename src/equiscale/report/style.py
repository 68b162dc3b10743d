"""One consistent, colour-blind-safe style per series (Okabe–Ito palette) and figure output (PNG + PDF)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from equiscale.files import atomic_write_bytes

#: Okabe & Ito (2008) colour-blind-safe palette, in the order families are assigned colours.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
#: Fixed colours for the families of the paper's comparison, so every report looks the same.
FAMILY_COLOURS = {"gatr": "#0072B2", "transformer": "#D55E00"}
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
AXIS_LABELS = {
    "flops_measured": "training compute (measured FLOPs)",
    "flops_nominal": "training compute (nominal FLOPs)",
    "train_seconds": "training wall-clock (s)",
}
AXIS_UNITS = {"flops_measured": "FLOPs", "flops_nominal": "nominal FLOPs", "train_seconds": "s of training"}
DPI = 110


def series_style(series: str, order: list[str]) -> dict[str, Any]:
    """Colour, marker and line style of a series: family → colour, augmentation → dashed line and open marker."""
    family, _, aug = series.partition("+")
    families = sorted({s.partition("+")[0] for s in order})
    extra = [c for c in PALETTE if c not in FAMILY_COLOURS.values()]
    colour = FAMILY_COLOURS.get(family)
    if colour is None:
        others = [f for f in families if f not in FAMILY_COLOURS]
        colour = extra[others.index(family) % len(extra)] if family in others else PALETTE[-1]
    idx = order.index(series) if series in order else 0
    return {"color": colour, "marker": MARKERS[idx % len(MARKERS)], "linestyle": "--" if aug else "-",
            "mfc": "white" if aug else colour}


def new_figure(panels: int = 1, *, width: float = 5.2, height: float = 4.0) -> tuple[Figure, list[Any]]:
    """A constrained-layout figure with ``panels`` side-by-side axes (no pyplot state touched)."""
    fig = Figure(figsize=(width * panels, height), layout="constrained", dpi=DPI)
    axes = fig.subplots(1, panels, squeeze=False)[0]
    for ax in axes:
        ax.grid(True, which="major", alpha=0.3)
        ax.grid(True, which="minor", alpha=0.1)
    return fig, list(axes)


def save_figure(fig: Figure, directory: Path, name: str) -> dict[str, Any]:
    """Write ``name``.png and ``name``.pdf into ``directory``; return {"png", "pdf", "png_bytes"} for embedding."""
    out: dict[str, Any] = {}
    for ext in ("png", "pdf"):
        buf = io.BytesIO()
        fig.savefig(buf, format=ext, dpi=DPI, metadata={"CreationDate": None} if ext == "pdf" else None)
        atomic_write_bytes(directory / f"{name}.{ext}", buf.getvalue())
        out[ext] = f"{name}.{ext}"
        if ext == "png":
            out["png_bytes"] = buf.getvalue()
    return out
