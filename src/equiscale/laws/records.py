"""Run records (plain dicts from the run store) → one numeric table per series (family ± augmentation).

A series is ``config["family"] + ("+aug" if config["augment"] else "")``. Records that are not finished or lack a
field a fit needs are skipped with a note naming the run; unknown keys are ignored.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from equiscale.errors import EquiscaleError

#: Compute axes: record key holding a run's total compute, and its κ (compute per parameter per step).
AXES: dict[str, tuple[str, Callable[[dict[str, Any]], float]]] = {
    "flops_measured": ("flops_measured", lambda r: r["flops_per_step_measured"] / r["params"]),
    "flops_nominal": ("flops_nominal", lambda r: r["flops_per_step_nominal"] / r["params"]),
    "train_seconds": ("train_seconds", lambda r: r["train_seconds"] / (r["config"]["steps"] * r["params"])),
}


def series_key(record: dict[str, Any]) -> str:
    """Family label of a record: e.g. ``gatr``, ``transformer+aug``."""
    cfg = record["config"]
    return str(cfg["family"]) + ("+aug" if cfg.get("augment") else "")


def resolve_axes(compute_axis: str | Iterable[str]) -> list[str]:
    """``"all"``, one axis name or several → validated list (first = primary axis)."""
    names = list(AXES) if compute_axis == "all" else [compute_axis] if isinstance(compute_axis, str) \
        else list(compute_axis)
    unknown = [a for a in names if a not in AXES]
    if unknown or not names:
        raise EquiscaleError(f"unknown compute axis {unknown or names}; use one of {', '.join(AXES)} or 'all'")
    return names


@dataclass
class SeriesTable:
    """Per-run arrays of one series; ``compute``/``kappa`` hold NaN where a record lacks that axis."""

    name: str
    family: str
    augment: bool
    run_ids: list[str] = field(default_factory=list)
    params: np.ndarray = field(default_factory=lambda: np.zeros(0))
    steps: np.ndarray = field(default_factory=lambda: np.zeros(0))
    n_train: np.ndarray = field(default_factory=lambda: np.zeros(0))
    batch_size: np.ndarray = field(default_factory=lambda: np.zeros(0))
    loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    compute: dict[str, np.ndarray] = field(default_factory=dict)
    kappa: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_runs(self) -> int:
        return len(self.run_ids)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _axis_values(record: dict[str, Any], axis: str) -> tuple[float, float]:
    key, kappa_fn = AXES[axis]
    try:
        return _number(record[key]), _number(kappa_fn(record))
    except (KeyError, TypeError, ZeroDivisionError):
        return float("nan"), float("nan")


def tabulate(records: Iterable[dict[str, Any]], axes: list[str]) -> tuple[dict[str, SeriesTable], list[str]]:
    """Group finished records into series tables; returns (tables, notes about skipped records)."""
    rows: dict[str, list[dict[str, Any]]] = {}
    notes: list[str] = []
    for i, rec in enumerate(records):
        rid = str(rec.get("run_id", f"#{i}")) if isinstance(rec, dict) else f"#{i}"
        if not isinstance(rec, dict) or not isinstance(rec.get("config"), dict):
            notes.append(f"skipped record {rid}: not a run record (no config)")
            continue
        if rec.get("status", "done") != "done":
            notes.append(f"skipped run {rid}: status {rec.get('status')!r}, not 'done'")
            continue
        cfg = rec["config"]
        vals = {"params": _number(rec.get("params")), "steps": _number(cfg.get("steps")),
                "n_train": _number(cfg.get("n_train")), "batch_size": _number(cfg.get("batch_size")),
                "loss": _number(rec.get("test_loss"))}
        if "family" not in cfg:
            notes.append(f"skipped run {rid}: config has no family")
            continue
        bad = [k if k != "loss" else "test_loss" for k, v in vals.items() if not (math.isfinite(v) and v > 0)]
        if bad:
            notes.append(f"skipped run {rid}: missing, non-finite or non-positive {', '.join(bad)}")
            continue
        rows.setdefault(series_key(rec), []).append({"run_id": rid, **vals,
                                                     **{a: _axis_values(rec, a) for a in axes}})
    tables = {}
    for name, rs in sorted(rows.items()):
        family, _, aug = name.partition("+")
        t = SeriesTable(name=name, family=family, augment=bool(aug), run_ids=[r["run_id"] for r in rs])
        for k in ("params", "steps", "n_train", "batch_size", "loss"):
            setattr(t, k, np.array([r[k] for r in rs], dtype=np.float64))
        for a in axes:
            t.compute[a] = np.array([r[a][0] for r in rs], dtype=np.float64)
            t.kappa[a] = np.array([r[a][1] for r in rs], dtype=np.float64)
        tables[name] = t
    return tables, notes
