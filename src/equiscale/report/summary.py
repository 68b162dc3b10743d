"""Everything the report shows, as one JSON-able dict (``summary.json``): runs, fits, curves, tables, verdicts.

Figures and the HTML page are drawn from this dict only, so every number on the page is in ``summary.json``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from itertools import combinations
from typing import Any

import numpy as np

from equiscale.errors import EquiscaleError
from equiscale.laws import StudyFit, series_key
from equiscale.laws._serialize import jsonable
from equiscale.report import verdicts as V
from equiscale.report.style import AXIS_UNITS

#: Equivariance group whose probe error the report plots (first one present in a record).
EQUIVARIANCE_GROUPS = ("SE3", "E3")  # SE3 first: GATr on raw points is SE(3)-, not E(3)-equivariant (chirality)
CURVE_POINTS = 25


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def runs_table(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One tidy row per run (reference checklist item 1)."""
    rows = []
    for rec in records:
        cfg = rec.get("config") or {}
        steps, bs, d = _num(cfg.get("steps")), _num(cfg.get("batch_size")), _num(cfg.get("n_train"))
        epochs = _num(rec.get("epochs"))
        if epochs is None and steps and bs and d:
            epochs = steps * bs / d
        rows.append({
            "run_id": rec.get("run_id"), "status": rec.get("status", "done"), "series": series_key(rec),
            "family": cfg.get("family"), "augment": bool(cfg.get("augment")), "width": cfg.get("width"),
            "depth": cfg.get("depth"), "seed": cfg.get("seed"), "params": _num(rec.get("params")),
            "steps": steps, "n_train": d, "batch_size": bs, "epochs": epochs,
            **{k: _num(rec.get(k)) for k in ("flops_measured", "flops_nominal", "train_seconds", "test_loss")},
        })
    return rows


def allocation_curves(study: StudyFit) -> dict[str, dict[str, Any]]:
    """N_opt(C), S_opt(C) with bootstrap bands per axis and series, on the study's compute grid."""
    out: dict[str, dict[str, Any]] = {}
    for axis, c in study.c_grid.items():
        for name, s in study.series.items():
            alloc = s.allocations.get(axis)
            if alloc is None:
                continue
            cur: dict[str, Any] = {"c": c, "n_opt_exponent": alloc.a, "s_opt_exponent": alloc.b}
            for key, fn in (("n_opt", alloc.n_opt), ("s_opt", alloc.s_opt)):
                lo, hi = alloc.band(c, key)
                cur[key] = {"value": fn(c), "lo": lo, "hi": hi}
            out.setdefault(axis, {})[name] = cur
    return out


def data_curves(study: StudyFit | None, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per series at its longest training: the best loss per data size (with epochs) from the runs, and the fitted
    L(D) with its band where the data-efficiency law could be fitted."""
    out: dict[str, Any] = {}
    for name in sorted({r["series"] for r in runs}):
        mine = [r for r in runs if r["series"] == name and r["status"] == "done" and r["test_loss"] and r["n_train"]
                and r["steps"]]
        if not mine:
            continue
        top = max(r["steps"] for r in mine)
        best: dict[float, dict[str, Any]] = {}
        for r in mine:
            if r["steps"] == top and (r["n_train"] not in best or r["test_loss"] < best[r["n_train"]]["test_loss"]):
                best[r["n_train"]] = r
        pts = [best[d] for d in sorted(best)]
        cur: dict[str, Any] = {"steps": top, "points": {"n_train": [r["n_train"] for r in pts],
                                                        "loss": [r["test_loss"] for r in pts],
                                                        "epochs": [r["epochs"] for r in pts]}, "law": None}
        de = study.series[name].data_efficiency if study is not None and name in study.series else None
        if de is not None:
            x = np.geomspace(min(de.n_train), max(de.n_train), CURVE_POINTS)
            lo, hi = de.law.band(x)
            cur["law"] = {"x": x, "loss": de.law.predict(x), "lo": lo, "hi": hi, "E": de.law.E, "A": de.law.A,
                          "gamma": de.law.gamma, "intervals": de.law.intervals}
            cur["notes"] = de.notes
        out[name] = cur
    return out


def parameter_table(study: StudyFit) -> list[dict[str, Any]]:
    """Rows of fitted parameters with intervals: parametric L(N, S), frontier power laws, data law."""
    rows = []
    for name, s in sorted(study.series.items()):
        if s.parametric is not None:
            p = s.parametric
            for k in ("E", "A", "B", "alpha", "beta", "a", "b", "gamma"):
                rows.append({"series": name, "law": "L(N,S) = E + A·N^-α + B·S^-β", "parameter": k,
                             "value": getattr(p, k), "interval": p.intervals.get(k)})
        for axis, laws in s.compute_laws.items():
            for kind, law in laws.items():
                for k in ("E", "A", "gamma") if kind == "floor" else ("A", "gamma"):
                    rows.append({"series": name, "law": f"L({axis}) {'with floor' if kind == 'floor' else 'pure'}",
                                 "parameter": k, "value": getattr(law, k), "interval": law.intervals.get(k)})
        if s.data_efficiency is not None:
            law = s.data_efficiency.law
            for k in ("E", "A", "gamma"):
                rows.append({"series": name, "law": "L(D) = E + A·D^-γ", "parameter": k, "value": getattr(law, k),
                             "interval": law.intervals.get(k)})
    return rows


def _data_error(value: Any) -> float | None:
    if isinstance(value, Mapping):
        for g in EQUIVARIANCE_GROUPS:
            if isinstance(value.get("groups"), Mapping) and g in value["groups"]:
                return _data_error(value["groups"][g])
        return _num(value.get("mean_relative"))
    return _num(getattr(value, "mean_relative", value))


def equivariance_section(records: list[dict[str, Any]], data_equivariance: Any) -> dict[str, Any]:
    """Per-run model equivariance error (mean relative, first of E3/SE3 present) and datasets' data errors.

    ``data_equivariance``: a number, or {dataset label: number | {"mean_relative": …} | EquivarianceError}.
    """
    rows, group_used = [], None
    for rec in records:
        groups = ((rec.get("equivariance") or {}).get("groups") or {})
        g = next((g for g in EQUIVARIANCE_GROUPS if g in groups), None)
        if g is None:
            continue
        group_used = group_used or g
        cfg = rec["config"]
        rows.append({"run_id": rec.get("run_id"), "series": series_key(rec), "group": g,
                     "error": _num(groups[g].get("mean_relative")), "steps": _num(cfg.get("steps")),
                     "n_train": _num(cfg.get("n_train")), "params": _num(rec.get("params"))})
    data: dict[str, float | None] = {}
    if data_equivariance is not None:
        items = data_equivariance.items() if isinstance(data_equivariance, Mapping) and \
            _data_error(data_equivariance) is None else [("dataset", data_equivariance)]
        data = {str(k): _data_error(v) for k, v in items}
    return {"group": group_used or EQUIVARIANCE_GROUPS[0], "runs": rows, "data": data}


def theory_section(study: StudyFit) -> dict[str, Any]:
    """Per series: (a, b) implied by the fitted α, β and the theory's predicted exponents beside the fitted ones."""
    from equiscale.theory.bridge import compare_exponents, implied_task

    out: dict[str, Any] = {"series": {}, "notes": []}
    for name, s in sorted(study.series.items()):
        p = s.parametric
        if p is None:
            continue
        try:
            a, b = implied_task(p.alpha, p.beta)
        except EquiscaleError as exc:
            out["notes"].append(f"{name}: {exc}")
            continue
        measured = {"alpha": p.alpha, "beta": p.beta, "gamma": p.gamma, "a_N": p.a, "a_S": p.b}
        iv = {k: p.intervals.get(src) for k, src in (("alpha", "alpha"), ("beta", "beta"), ("gamma", "gamma"),
                                                      ("a_N", "a"), ("a_S", "b"))}
        if s.data_efficiency is not None:
            measured["data"] = s.data_efficiency.law.gamma
            iv["data"] = s.data_efficiency.law.intervals.get("gamma")
        out["series"][name] = {"a": a, "b": b, "rows": compare_exponents(measured, a, b),
                               "intervals": {k: v for k, v in iv.items() if v is not None},
                               "regime": "hard (a-1 <= b)" if a - 1 <= b else "easy (a-1 > b): alpha is a bound"}
    return out


def _residual_scale(study: StudyFit, records: list[dict[str, Any]], name: str) -> float:
    """RMS log residual of a series' parametric fit over its fitted (data-rich) runs: the noise of one loss."""
    s = study.series.get(name)
    if s is None or s.parametric is None:
        return float("nan")
    rs = [r for r in records if series_key(r) == name and r.get("status", "done") == "done"
          and _num(r["config"].get("n_train")) == s.n_train_max and _num(r.get("test_loss"))]
    if len(rs) < 2:
        return float("nan")
    pred = s.parametric.predict([float(r["params"]) for r in rs], [float(r["config"]["steps"]) for r in rs])
    res = np.log([float(r["test_loss"]) for r in rs]) - np.log(pred)
    return float(np.sqrt(np.mean(res**2)))


def augmentation_table(runs: list[dict[str, Any]], names: list[str]) -> list[dict[str, Any]]:
    """At the smallest data size all ``names`` share: per training length, each series' best loss over sizes."""
    done = [r for r in runs if r["status"] == "done" and r["test_loss"] and r["n_train"]]
    shared = set.intersection(*[{r["n_train"] for r in done if r["series"] == n} for n in names]) if names else set()
    if not shared:
        return []
    d = min(shared)
    table = []
    for steps in sorted({r["steps"] for r in done if r["n_train"] == d}):
        cell = [r for r in done if r["n_train"] == d and r["steps"] == steps]
        row: dict[str, Any] = {"n_train": d, "steps": steps,
                               "epochs": float(np.median([r["epochs"] for r in cell if r["epochs"]] or [np.nan]))}
        for n in names:
            losses = [r["test_loss"] for r in cell if r["series"] == n]
            row[n] = min(losses) if losses else None
        table.append(row)
    return table


def study_verdicts(study: StudyFit, records: list[dict[str, Any]], runs: list[dict[str, Any]],
                   data: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """All verdicts (compute advantage per axis, exponents, allocation, data efficiency, augmentation) and the
    tables behind the augmentation verdicts."""
    out: list[dict[str, Any]] = []
    names = sorted(study.series)
    for axis in study.axes:
        for a, b in combinations(names, 2):
            try:
                cmp = study.compare(a, b, axis=axis)
            except EquiscaleError as exc:
                out.append({"topic": f"compute:{axis}:{a}|{b}", "status": "missing",
                            "text": f"{a} vs {b} on {AXIS_UNITS.get(axis, axis)}: no comparison ({exc})",
                            "numbers": {}})
                continue
            out.append(V.compute_verdict(cmp.to_dict(), AXIS_UNITS.get(axis, axis)))
    fitted = [n for n in names if study.series[n].parametric is not None]
    for a, b in combinations(fitted, 2):
        pa, pb = study.series[a].parametric.to_dict(), study.series[b].parametric.to_dict()
        out.append(V.exponent_verdict(a, pa, b, pb, "gamma", "compute exponent γ = αβ/(α+β)"))
        out.append(V.exponent_verdict(a, pa, b, pb, "a", "parameter share a of the optimal split (N_opt ∝ C^a)"))
    for a, b in combinations(sorted(data), 2):
        out.append(V.data_verdict(a, data[a], b, data[b]))
    tables = {}
    equivariant = [n for n in names if n.partition("+")[0] == "gatr" and "+" not in n]
    for ref in equivariant:
        for plain in names:
            aug = plain + "+aug"
            if plain == ref or "+" in plain or aug not in names:
                continue
            table = augmentation_table(runs, [ref, plain, aug])
            tol = 2.0 * math.hypot(_residual_scale(study, records, ref), _residual_scale(study, records, aug))
            tables[f"{aug}|{ref}"] = {"rows": table, "tolerance": tol}
            out.append(V.augmentation_verdict(ref, plain, aug, table, tol))
    return out, tables


def build_summary(records: list[dict[str, Any]], study: StudyFit | None, *, data_equivariance: Any = None,
                  theory: bool = True, fit_error: str | None = None) -> dict[str, Any]:
    """The report's numbers (see module docstring); ``study`` None (nothing fittable) keeps runs and notes only."""
    runs = runs_table(records)
    summary: dict[str, Any] = {"n_records": len(records), "runs": runs, "fits": None, "allocation_curves": {},
                               "parameters": [], "verdicts": [], "augmentation_tables": {},
                               "equivariance": equivariance_section(records, data_equivariance),
                               "theory": {"series": {}, "notes": []}, "notes": []}
    summary["data_curves"] = data_curves(study, runs)
    if fit_error:
        summary["notes"].append(f"no fits: {fit_error}")
    if study is not None:
        summary["fits"] = study.to_dict()
        summary["allocation_curves"] = allocation_curves(study)
        summary["parameters"] = parameter_table(study)
        summary["verdicts"], summary["augmentation_tables"] = study_verdicts(study, records, runs,
                                                                             summary["data_curves"])
        if theory:
            summary["theory"] = theory_section(study)
        for name, s in sorted(study.series.items()):
            summary["notes"] += [f"{name}: {n}" for n in s.notes]
        summary["notes"] += study.notes
    return jsonable(summary)
