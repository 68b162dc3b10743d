"""``build_report``: fit (unless fits are given), draw every figure (PNG + PDF), write index.html and summary.json
into a temporary sibling directory, then move it into place — a reader never sees a half-written report."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from equiscale.errors import EquiscaleError
from equiscale.laws import StudyFit, fit_study
from equiscale.report import figures as F
from equiscale.report.html import render_html
from equiscale.report.style import save_figure
from equiscale.report.summary import build_summary

#: Compute axes fitted for the report: the primary axis first, wall-clock last.
REPORT_AXES = ("flops_measured", "flops_nominal", "train_seconds")
#: Theory figure settings: small enough to draw in seconds on one CPU core.
THEORY_M, THEORY_N, THEORY_T = 400, (8, 32, 128), (0.5, 500.0, 10)


def _theory_figure(summary: dict[str, Any]) -> Figure | None:
    """The random-feature model's curves and frontier for the (a, b) implied by the first equivariant (else first)
    series' fitted α, β."""
    import numpy as np

    from equiscale.theory.plots import plot_theory
    from equiscale.theory.task import Task

    series = summary.get("theory", {}).get("series", {})
    if not series:
        return None
    name = next((n for n in sorted(series) if n.startswith("gatr")), sorted(series)[0])
    th = series[name]
    fig = plot_theory(Task(th["a"], th["b"], M=THEORY_M), THEORY_N, t=np.geomspace(*THEORY_T))
    fig.suptitle(f"random-feature model with (a, b) implied by {name}'s fit", fontsize=10)
    return fig


def _figure_plan(summary: dict[str, Any], theory: bool) -> list[tuple[str, str, str, str, Callable[[], Any]]]:
    """(name, section, title, caption, draw) for every figure the report tries to draw."""
    cap_c = ("Dots: runs (filled/open: without/with augmentation; faint: smaller training sets, not fitted). "
             "Lines: compute-optimal frontier L_opt(C) of the fitted L(N, S); band: bootstrap percentile band.")
    plan = [
        ("loss_vs_flops_measured", "compute", "Test loss vs measured training FLOPs", cap_c,
         lambda: F.compute_figure(summary, "flops_measured")),
        ("loss_vs_flops_nominal", "compute", "Test loss vs nominal training FLOPs", cap_c,
         lambda: F.compute_figure(summary, "flops_nominal")),
        ("loss_vs_wallclock", "wallclock", "Test loss vs training wall-clock", cap_c.replace("L_opt(C)", "L_opt(t)"),
         lambda: F.compute_figure(summary, "train_seconds")),
        ("allocation_flops_measured", "allocation", "Compute-optimal model size and training steps",
         "N_opt(C) and S_opt(C) from the fitted L(N, S) with C = κ·N·S (κ: median measured FLOPs per parameter-step "
         "of the family); bands: bootstrap.", lambda: F.allocation_figure(summary, "flops_measured")),
        ("loss_vs_data", "data", "Test loss vs training-set size",
         "Best run per data size at the longest training; labels: epochs (passes over the unique data). Lines: "
         "fitted L(D) = E + A·D^-γ with bootstrap band; dashed/open: with E(3) augmentation.",
         lambda: F.data_figure(summary)),
        ("equivariance_error", "equivariance", "Model equivariance error",
         "Probe error of each trained model (mean relative) vs training steps and data size; dotted lines: the "
         "datasets' own (data) equivariance error.", lambda: F.equivariance_figure(summary)),
    ]
    if theory:
        plan += [
            ("theory_exponents", "theory", "Fitted exponents vs theory",
             "Markers with bars: fitted exponents and bootstrap intervals; bars: the random-feature theory's "
             "prediction for the (a, b) implied by each series' α and β.", lambda: F.exponents_figure(summary)),
            ("theory_model", "theory", "Random-feature model",
             "Theory curves (loss vs t per width N) and compute-optimal frontier for the implied (a, b).",
             lambda: _theory_figure(summary)),
        ]
    return plan


def _draw(summary: dict[str, Any], directory: Path, theory: bool) -> list[dict[str, Any]]:
    figures, missing = [], []
    for name, section, title, caption, draw in _figure_plan(summary, theory):
        try:
            fig = draw()
        except EquiscaleError as exc:
            fig, why = None, str(exc)
        else:
            why = "no data for it"
        if fig is None:
            missing.append(f"figure '{title}' not drawn: {why}")
            continue
        files = save_figure(fig, directory, name)
        figures.append({"name": name, "section": section, "title": title, "caption": caption, **files})
    summary["missing_figures"] = missing
    summary["figures"] = [{k: v for k, v in f.items() if k != "png_bytes"} for f in figures]
    return figures


def _replace_dir(tmp: Path, out: Path) -> None:
    """Move the finished ``tmp`` to ``out``; an existing ``out`` is swapped out first and then deleted."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
        os.rename(out, old / "report")
    try:
        os.rename(tmp, out)
    except BaseException:
        if old is not None:
            os.rename(old / "report", out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build_report(
    records: Iterable[dict[str, Any]],
    out_dir: str | os.PathLike[str],
    *,
    fits: StudyFit | None = None,
    data_equivariance: Any = None,
    theory: bool = True,
    bootstrap: int = 1000,
    seed: int = 0,
    title: str = "equiscale report",
) -> Path:
    """Write the report for finished run ``records`` into ``out_dir``; returns ``out_dir/index.html``.

    ``fits``: a ``StudyFit`` to reuse (otherwise ``fit_study`` on all report axes with ``bootstrap``/``seed``).
    ``data_equivariance``: each dataset's measured data equivariance error ({label: number} or a number).
    ``theory``: add the random-feature theory panel. Thin series never fail the report: what cannot be fitted or
    drawn is listed on the page and in ``summary.json``.
    """
    records = list(records)
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    fit_error = None
    if fits is None and records:
        try:
            fits = fit_study(records, compute_axis=list(REPORT_AXES), bootstrap=bootstrap, seed=seed)
        except EquiscaleError as exc:
            fit_error = str(exc)
    elif not records:
        fit_error = "the run store has no finished runs"
    summary = build_summary(records, fits, data_equivariance=data_equivariance, theory=theory, fit_error=fit_error)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        figures = _draw(summary, tmp, theory)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=1, allow_nan=False) + "\n", encoding="utf-8")
        (tmp / "index.html").write_text(render_html(summary, figures, title=title), encoding="utf-8")
        _replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out / "index.html"
