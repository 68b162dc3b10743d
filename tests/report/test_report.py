"""A report from synthetic records of known laws: every figure, index.html and summary.json, numbers = fits."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest

from equiscale.report import build as build_module
from equiscale.report import build_report

FIGURES = {"loss_vs_flops_measured", "loss_vs_flops_nominal", "loss_vs_wallclock", "allocation_flops_measured",
           "loss_vs_data", "equivariance_error", "theory_exponents", "theory_model"}


def test_every_figure_is_written_as_png_and_pdf(report_dir: Path, summary) -> None:
    assert {f["name"] for f in summary["figures"]} == FIGURES
    assert summary["missing_figures"] == []
    for name in FIGURES:
        png, pdf = (report_dir / f"{name}.png").read_bytes(), (report_dir / f"{name}.pdf").read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 5000
        assert pdf.startswith(b"%PDF")


def test_index_is_self_contained(report_dir: Path, summary) -> None:
    page = (report_dir / "index.html").read_text()
    imgs = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(imgs) == len(FIGURES)
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in imgs)
    assert "<script" not in page.lower()
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched from elsewhere
    for v in summary["verdicts"]:  # every verdict is on the page
        assert v["text"].replace("&", "&amp;").replace("<", "&lt;")[:60] in page


def test_summary_numbers_are_the_fits(summary, study) -> None:
    fits = summary["fits"]["series"]
    for name, s in study.series.items():
        p = fits[name]["parametric"]
        assert p["alpha"] == pytest.approx(s.parametric.alpha, rel=1e-12)
        assert p["intervals"]["gamma"] == pytest.approx(list(s.parametric.intervals["gamma"]), rel=1e-12)
        rows = {(r["law"], r["parameter"]): r["value"] for r in summary["parameters"] if r["series"] == name}
        assert rows[("L(N,S) = E + A·N^-α + B·S^-β", "beta")] == pytest.approx(s.parametric.beta, rel=1e-12)
        alloc = summary["allocation_curves"]["flops_measured"][name]
        c = np.array(alloc["c"])
        assert alloc["n_opt"]["value"] == pytest.approx(s.allocations["flops_measured"].n_opt(c), rel=1e-9)
    # the fitted laws recover the generating exponents (1 % noise): the numbers are meaningful, not just present
    assert fits["gatr"]["parametric"]["alpha"] == pytest.approx(0.5, abs=0.08)
    assert fits["transformer"]["parametric"]["alpha"] == pytest.approx(0.45, abs=0.08)
    json.dumps(summary, allow_nan=False)


def test_verdicts_follow_the_laws(summary) -> None:
    by_topic = {v["topic"]: v for v in summary["verdicts"]}
    v = by_topic["compute:flops_measured:gatr|transformer"]
    assert v["status"] == "ahead" and v["numbers"]["leader"] == "gatr"
    assert v["text"].startswith("gatr ahead of transformer by ×")
    # same γ by construction: the exponent verdict must not claim a difference
    assert by_topic["gamma:gatr|transformer"]["status"] == "overlap"
    # data-limited term: gatr 5·D^-0.6 vs transformer 20·D^-0.55 → gatr more data-efficient everywhere
    d = by_topic["data:gatr|transformer"]
    assert d["status"] == "ahead" and d["numbers"]["leader"] == "gatr"
    assert by_topic["augmentation:transformer+aug|gatr"]["status"] in ("open", "closes")


def test_equivariance_and_theory_sections(summary) -> None:
    eq = summary["equivariance"]
    assert eq["group"] == "SE3" and eq["data"] == {"rigid": 2e-7}  # SE(3) first: see report.summary
    assert len(eq["runs"]) == summary["n_records"]
    th = summary["theory"]["series"]["gatr"]
    alpha = summary["fits"]["series"]["gatr"]["parametric"]["alpha"]
    assert th["a"] == pytest.approx(1 + alpha)
    assert {r["name"] for r in th["rows"]} >= {"alpha", "beta", "gamma", "a_N", "a_S"}


def test_thin_and_empty_series_do_not_crash(tmp_path: Path, records) -> None:
    thin = [r for r in records if r["config"]["family"] == "gatr"] + \
        [r for r in records if r["config"]["family"] == "transformer" and not r["config"]["augment"]][:3]
    index = build_report(thin, tmp_path / "thin", bootstrap=0, theory=False)
    s = json.loads((index.parent / "summary.json").read_text())
    assert any(n.startswith("transformer: parametric:") for n in s["notes"])
    assert any(v["status"] == "missing" for v in s["verdicts"])  # transformer has no frontier to compare with
    assert (index.parent / "loss_vs_flops_measured.png").exists()
    empty = build_report([], tmp_path / "empty", bootstrap=0, theory=False)
    s = json.loads((empty.parent / "summary.json").read_text())
    assert s["fits"] is None and s["figures"] == [] and "no fits" in s["notes"][0]
    assert "nothing could be fitted" in empty.read_text()


def test_report_is_replaced_atomically(tmp_path: Path, records, study, monkeypatch) -> None:
    out = tmp_path / "r"
    build_report(records[:5], out, bootstrap=0, theory=False)
    before = (out / "index.html").read_text()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(build_module, "render_html", boom)
    with pytest.raises(RuntimeError):
        build_report(records, out, fits=study, theory=False)
    assert (out / "index.html").read_text() == before  # the old report is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no temporary leftovers
