"""The report's figures, drawn only from the summary dict (so every plotted number is in ``summary.json``).

Each function returns a matplotlib Figure or ``None`` when there is nothing to draw (the caller says so in the page).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from equiscale.report.style import AXIS_LABELS, new_figure, series_style

#: Exactly equivariant models (error 0) are drawn at this floor of the log axis.
EXACT_FLOOR = 1e-9


def _arr(values: Sequence[Any] | None) -> np.ndarray:
    """JSON list (None for non-finite) → float array with NaN."""
    return np.array([np.nan if v is None else v for v in ([] if values is None else list(values))], dtype=np.float64)


def _band(ax: Any, x: np.ndarray, lo: np.ndarray, hi: np.ndarray, colour: str) -> None:
    ok = np.isfinite(lo) & np.isfinite(hi) & (lo > 0) & (hi > 0)
    if ok.sum() >= 2:
        ax.fill_between(x[ok], lo[ok], hi[ok], color=colour, alpha=0.18, linewidth=0)


def _series_order(summary: dict[str, Any]) -> list[str]:
    return sorted(summary["fits"]["series"]) if summary.get("fits") else sorted({r["series"] for r in summary["runs"]})


def _loglog(ax: Any) -> None:
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())


def compute_figure(summary: dict[str, Any], axis: str) -> Figure | None:
    """Test loss vs compute on ``axis``: runs as dots (fitted data-rich runs filled, others faint), the fitted
    compute-optimal frontier L_opt(C) as a line and its bootstrap band."""
    runs = [r for r in summary["runs"] if _positive(r.get(axis)) and _positive(r.get("test_loss"))]
    if not runs:
        return None
    order = _series_order(summary)
    fig, (ax,) = new_figure(1, width=6.4, height=4.6)
    fits = (summary.get("fits") or {}).get("series", {})
    for name in order:
        st = series_style(name, order)
        mine = [r for r in runs if r["series"] == name]
        n_max = max((r["n_train"] for r in mine), default=0)
        rich = [r for r in mine if r["n_train"] == n_max]
        thin = [r for r in mine if r["n_train"] != n_max]
        ax.scatter([r[axis] for r in rich], [r["test_loss"] for r in rich], s=22, marker=st["marker"],
                   facecolors=st["mfc"], edgecolors=st["color"], linewidths=1.0, zorder=3)
        if thin:
            ax.scatter([r[axis] for r in thin], [r["test_loss"] for r in thin], s=10, marker=st["marker"],
                       color=st["color"], alpha=0.25, zorder=2)
        curve = fits.get(name, {}).get("curves", {}).get(axis, {})
        label = f"{name} ({len(mine)} runs)"
        if "l_opt" in curve:
            c = _arr(curve["c"])
            _band(ax, c, _arr(curve["l_opt"]["lo"]), _arr(curve["l_opt"]["hi"]), st["color"])
            ax.plot(c, _arr(curve["l_opt"]["loss"]), color=st["color"], linestyle=st["linestyle"], lw=2,
                    label=label + ", compute-optimal fit")
        else:
            ax.plot([], [], color=st["color"], marker=st["marker"], linestyle="none", label=label + ", not fitted")
    _loglog(ax)
    ax.set(xlabel=AXIS_LABELS.get(axis, axis), ylabel="test loss (standardised MSE)",
           title="Test loss vs " + ("wall-clock" if axis == "train_seconds" else "compute"))
    ax.legend(fontsize=8, loc="best")
    return fig


def allocation_figure(summary: dict[str, Any], axis: str) -> Figure | None:
    """Compute-optimal parameters N_opt(C) and steps S_opt(C) per series, with bootstrap bands."""
    curves = summary.get("allocation_curves", {}).get(axis, {})
    if not curves:
        return None
    order = _series_order(summary)
    fig, axes = new_figure(2)
    for name, cur in sorted(curves.items()):
        st = series_style(name, order)
        c = _arr(cur["c"])
        for ax, key in zip(axes, ("n_opt", "s_opt"), strict=True):
            _band(ax, c, _arr(cur[key]["lo"]), _arr(cur[key]["hi"]), st["color"])
            ax.plot(c, _arr(cur[key]["value"]), color=st["color"], linestyle=st["linestyle"], lw=2,
                    label=f"{name}: ∝ C^{cur[key + '_exponent']:.2f}")
    for ax, what in zip(axes, ("parameters N_opt", "training steps S_opt"), strict=True):
        _loglog(ax)
        ax.set(xlabel=AXIS_LABELS.get(axis, axis), ylabel=f"compute-optimal {what}", title=f"Compute-optimal {what}")
        ax.legend(fontsize=8)
    return fig


def data_figure(summary: dict[str, Any]) -> Figure | None:
    """Test loss vs training samples D per family at its longest training, with and without augmentation; each
    point is labelled with its number of epochs; the fitted L(D) and its band as a line."""
    curves = summary.get("data_curves", {})
    if not curves:
        return None
    order = _series_order(summary)
    families = sorted({name.partition("+")[0] for name in curves})
    fig, axes = new_figure(len(families), width=4.8)
    for ax, fam in zip(axes, families, strict=True):
        for name in sorted(n for n in curves if n.partition("+")[0] == fam):
            cur, st = curves[name], series_style(name, order)
            d, loss = _arr(cur["points"]["n_train"]), _arr(cur["points"]["loss"])
            ax.plot(d, loss, linestyle="none", marker=st["marker"], color=st["color"], mfc=st["mfc"], ms=6,
                    label=f"{name} ({cur['steps']:.0f} steps)")
            for x, y, e in zip(d, loss, cur["points"]["epochs"], strict=True):
                if e is None:
                    continue
                ax.annotate(f"{e:.3g} ep", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7,
                            color=st["color"])
            if cur.get("law"):
                x = _arr(cur["law"]["x"])
                _band(ax, x, _arr(cur["law"]["lo"]), _arr(cur["law"]["hi"]), st["color"])
                ax.plot(x, _arr(cur["law"]["loss"]), color=st["color"], linestyle=st["linestyle"], lw=1.5)
        for name in sorted(n for n in curves if n.partition("+")[0] != fam and n.startswith("gatr")):
            pts = curves[name]["points"]
            ax.plot(pts["n_train"], pts["loss"], color="0.6", marker=".", lw=1, label=f"{name} (reference)")
        _loglog(ax)
        ax.set(xlabel="training samples D (unique)", ylabel="test loss", title=f"{fam}: loss vs data")
        ax.legend(fontsize=8)
    return fig


def equivariance_figure(summary: dict[str, Any]) -> Figure | None:
    """Model equivariance error (mean relative, full group) vs steps and vs data size per series; each dataset's
    measured data equivariance error as a horizontal reference line."""
    rows = [{**r, "error": max(r["error"], EXACT_FLOOR)} for r in summary.get("equivariance", {}).get("runs", [])
            if isinstance(r.get("error"), (int, float)) and r["error"] >= 0]
    if not rows:
        return None
    order = _series_order(summary)
    fig, axes = new_figure(2)
    for ax, key, label in zip(axes, ("steps", "n_train"), ("training steps", "training samples D"), strict=True):
        for name in order:
            mine = [r for r in rows if r["series"] == name]
            if not mine:
                continue
            st = series_style(name, order)
            ax.scatter([r[key] for r in mine], [r["error"] for r in mine], marker=st["marker"], s=18,
                       facecolors=st["mfc"], edgecolors=st["color"], alpha=0.6)
            xs = sorted({r[key] for r in mine})
            med = [float(np.median([r["error"] for r in mine if r[key] == x])) for x in xs]
            ax.plot(xs, med, color=st["color"], linestyle=st["linestyle"], label=f"{name} (median)")
        for i, (ds, err) in enumerate(sorted(summary["equivariance"].get("data", {}).items())):
            if _positive(err):
                ax.axhline(err, color="0.3", linestyle=":", lw=1.2)
                ax.annotate(f"data: {ds} ({err:.2g})", (0.01, err), xycoords=("axes fraction", "data"), fontsize=7,
                            xytext=(0, 2 + 9 * i), textcoords="offset points", color="0.3")
        _loglog(ax)
        group = summary["equivariance"].get("group", "E3")
        ax.set(xlabel=label, ylabel=f"{group} equivariance error (mean relative; exact at {EXACT_FLOOR:g})",
               title=f"Model equivariance error vs {label}")
        ax.legend(fontsize=8)
    return fig


def exponents_figure(summary: dict[str, Any]) -> Figure | None:
    """Fitted exponents (with intervals) beside the random-feature theory's predictions, per series."""
    theory = summary.get("theory", {}).get("series", {})
    if not theory:
        return None
    names = ["alpha", "beta", "gamma", "a_N", "a_S"]
    order = _series_order(summary)
    fig, (ax,) = new_figure(1, width=7.0)
    width = 0.8 / max(1, len(theory))
    for i, (name, th) in enumerate(sorted(theory.items())):
        st = series_style(name, order)
        rows = {r["name"]: r for r in th["rows"]}
        x = np.arange(len(names)) + (i - (len(theory) - 1) / 2) * width
        meas = [rows.get(k, {}).get("measured") for k in names]
        pred = [rows.get(k, {}).get("theory") for k in names]
        lo = [th["intervals"].get(k, [None, None])[0] for k in names]
        hi = [th["intervals"].get(k, [None, None])[1] for k in names]
        m = _arr(meas)
        err = np.vstack([m - _arr(lo), _arr(hi) - m])
        err = np.where(np.isfinite(err), np.maximum(err, 0.0), 0.0)
        ax.errorbar(x, m, yerr=err, fmt=st["marker"], color=st["color"], mfc=st["mfc"], capsize=3,
                    label=f"{name}: fitted")
        ax.scatter(x, _arr(pred), marker="_", s=260, color=st["color"], linewidths=2,
                   label=f"{name}: theory (a={th['a']:.2f}, b={th['b']:.2f})")
    ax.set_xticks(np.arange(len(names)), ["α (params)", "β (steps)", "γ (compute)", "a_N (N_opt)", "a_S (S_opt)"])
    ax.set(ylabel="exponent (positive decay/growth rate)", title="Fitted exponents vs random-feature theory")
    ax.legend(fontsize=7, ncol=2)
    return fig


def _positive(v: Any) -> bool:
    return isinstance(v, (int, float)) and np.isfinite(v) and v > 0
