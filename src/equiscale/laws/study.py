"""Study-level fits: every law for every series of a sweep's finished runs, with bootstrap intervals.

Per series (family ± augmentation), on the runs at the series' largest ``n_train`` (the data-rich subset):
the parametric law L(N, S) and its leave-out sensitivity, and per compute axis the frontier power law (with and
without a floor), the compute-optimal allocation (κ = median compute per parameter per step) and the consistency of
the two exponents. On all runs of the series: the data-efficiency law at the longest training. A fit that cannot be
made (too few runs, no spread) is recorded as a note; ``fit_study`` never fails on a thin series.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from equiscale.errors import EquiscaleError
from equiscale.laws._serialize import jsonable
from equiscale.laws._threads import blas_single_thread
from equiscale.laws.allocation import Allocation, compute_optimal, weighted_medians
from equiscale.laws.bootstrap import CONFIDENCE, resample_weights
from equiscale.laws.compare import Comparison, compare_frontiers
from equiscale.laws.data_efficiency import DataEfficiencyFit, fit_data_efficiency
from equiscale.laws.parametric import ParametricFit, fit_parametric
from equiscale.laws.power_law import PowerLawFit, fit_power_law
from equiscale.laws.records import SeriesTable, resolve_axes, tabulate

#: Points on the compute grid of the curves in ``to_dict()`` (for plots).
CURVE_POINTS = 25
#: Fraction of highest-loss runs dropped in the leave-out sensitivity fit (at least one run).
DROP_HIGHEST_FRACTION = 0.02
#: Screened grid starts for the (unbootstrapped) sensitivity refits.
SENSITIVITY_STARTS = 8


def derive_seed(seed: int, *parts: str) -> int:
    """Deterministic sub-seed for one fit of one series, from the study seed."""
    key = [seed] + [zlib.crc32(p.encode()) for p in parts]
    return int(np.random.SeedSequence(key).generate_state(1)[0])


@dataclass
class SeriesFit:
    """All fits of one series; ``None`` entries are explained in ``notes``."""

    series: str
    family: str
    augment: bool
    n_runs: int
    n_train_max: int
    n_runs_fitted: int
    parametric: ParametricFit | None = None
    sensitivity: dict[str, Any] = field(default_factory=dict)
    compute_laws: dict[str, dict[str, PowerLawFit]] = field(default_factory=dict)
    allocations: dict[str, Allocation] = field(default_factory=dict)
    data_efficiency: DataEfficiencyFit | None = None
    compute_range: dict[str, tuple[float, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def consistency(self) -> dict[str, dict[str, float]]:
        """Frontier exponent γ of the power law with floor vs αβ/(α+β) of the parametric fit, per axis."""
        if self.parametric is None:
            return {}
        return {axis: {"gamma_power_law": laws["floor"].gamma, "gamma_parametric": self.parametric.gamma}
                for axis, laws in self.compute_laws.items() if "floor" in laws}

    def to_dict(self, c_grid: dict[str, np.ndarray] | None = None) -> dict[str, Any]:
        curves = {}
        for axis, c in (c_grid or {}).items():
            curve: dict[str, Any] = {"c": c}
            if axis in self.allocations:
                alloc = self.allocations[axis]
                lo, hi = alloc.band(c)
                curve["l_opt"] = {"loss": alloc.l_opt(c), "lo": lo, "hi": hi}
            for kind, law in self.compute_laws.get(axis, {}).items():
                lo, hi = law.band(c)
                curve[f"power_law_{kind}"] = {"loss": law.predict(c), "lo": lo, "hi": hi}
            curves[axis] = curve
        return jsonable({
            "series": self.series, "family": self.family, "augment": self.augment, "n_runs": self.n_runs,
            "n_train_max": self.n_train_max, "n_runs_fitted": self.n_runs_fitted,
            "parametric": self.parametric.to_dict() if self.parametric else None,
            "sensitivity": self.sensitivity,
            "compute_laws": {a: {k: f.to_dict() for k, f in laws.items()} for a, laws in self.compute_laws.items()},
            "allocations": {a: f.to_dict() for a, f in self.allocations.items()},
            "consistency": self.consistency(),
            "data_efficiency": self.data_efficiency.to_dict() if self.data_efficiency else None,
            "compute_range": self.compute_range, "curves": curves, "notes": self.notes,
        })


@dataclass
class StudyFit:
    """Fits of every series of a study; ``compare`` turns two series into loss ratios over compute."""

    series: dict[str, SeriesFit]
    axes: list[str]
    bootstrap: int
    seed: int
    budgets: dict[str, list[float]]
    c_grid: dict[str, np.ndarray]
    n_records: int
    confidence: float = CONFIDENCE
    notes: list[str] = field(default_factory=list)

    def compare(self, series: str, other: str, *, axis: str | None = None,
                c_range: tuple[float, float] | None = None, n_points: int = CURVE_POINTS,
                source: str = "parametric") -> Comparison:
        """L_opt(other)/L_opt(series) (and the compute multiplier) across ``c_range`` on ``axis`` with intervals.

        ``source``: "parametric" (frontier of the L(N, S) fit) or "power_law" (frontier power law with floor).
        ``c_range`` defaults to the compute range both series' fitted runs cover.
        """
        axis = axis or self.axes[0]
        if axis not in self.axes:
            raise EquiscaleError(f"axis {axis!r} was not fitted; fitted axes: {', '.join(self.axes)}")
        fits = []
        for name in (series, other):
            if name not in self.series:
                raise EquiscaleError(f"no series {name!r}; series: {', '.join(self.series) or 'none'}")
            s = self.series[name]
            f = s.allocations.get(axis) if source == "parametric" else s.compute_laws.get(axis, {}).get("floor")
            if source not in ("parametric", "power_law"):
                raise EquiscaleError(f"unknown source {source!r}; use 'parametric' or 'power_law'")
            if f is None:
                raise EquiscaleError(f"series {name!r} has no {source} fit on {axis} (see its notes)")
            fits.append(f)
        if c_range is None:
            ra, rb = self.series[series].compute_range[axis], self.series[other].compute_range[axis]
            c_range = (max(ra[0], rb[0]), min(ra[1], rb[1]))
            if not c_range[0] < c_range[1]:
                raise EquiscaleError(f"series {series!r} and {other!r} cover no common {axis} range; pass c_range")
        c = np.geomspace(c_range[0], c_range[1], n_points)
        return compare_frontiers(fits[0], fits[1], c, names=(series, other), axis=axis)

    def comparisons(self) -> list[Comparison]:
        """Every pair of series on every axis where both have a parametric frontier (names in sorted order)."""
        out = []
        for axis in self.axes:
            for a, b in combinations(sorted(self.series), 2):
                try:
                    out.append(self.compare(a, b, axis=axis))
                except EquiscaleError:
                    continue
        return out

    def to_dict(self) -> dict[str, Any]:
        return jsonable({
            "axes": self.axes, "bootstrap": self.bootstrap, "seed": self.seed, "confidence": self.confidence,
            "n_records": self.n_records, "budgets": self.budgets,
            "series": {k: s.to_dict(self.c_grid) for k, s in self.series.items()},
            "comparisons": [c.to_dict() for c in self.comparisons()],
            "notes": self.notes,
        })


def _sensitivity(n: np.ndarray, s: np.ndarray, loss: np.ndarray) -> dict[str, Any]:
    """Leave-out refits (reference §2.3 item 3): drop the smallest N, the largest N, the highest-loss runs."""
    k = max(1, round(DROP_HIGHEST_FRACTION * loss.size))
    masks = {"drop_smallest_n": n > n.min(), "drop_largest_n": n < n.max(),
             f"drop_{k}_highest_loss": loss < np.sort(loss)[-k]}
    out: dict[str, Any] = {}
    for name, keep in masks.items():
        try:
            f = fit_parametric(n[keep], s[keep], loss[keep], keep_best=SENSITIVITY_STARTS)
            out[name] = {"E": f.E, "alpha": f.alpha, "beta": f.beta, "a": f.a, "gamma": f.gamma}
        except EquiscaleError as exc:
            out[name] = {"error": str(exc)}
    return out


def fit_series(t: SeriesTable, axes: Sequence[str], budgets: dict[str, list[float]], *, bootstrap: int, seed: int,
               workers: int = 1, confidence: float = CONFIDENCE) -> SeriesFit:
    """All fits of one series table (see module docstring); failures become notes."""
    rich = t.n_train == t.n_train.max()
    out = SeriesFit(t.name, t.family, t.augment, t.n_runs, int(t.n_train.max()), int(rich.sum()))
    n, s, loss = t.params[rich], t.steps[rich], t.loss[rich]
    p_seed = derive_seed(seed, t.name, "parametric")
    try:
        out.parametric = fit_parametric(n, s, loss, bootstrap=bootstrap, seed=p_seed, workers=workers,
                                        confidence=confidence)
        out.notes += [f"parametric: {m}" for m in out.parametric.notes]
        out.sensitivity = _sensitivity(n, s, loss)
    except EquiscaleError as exc:
        out.notes.append(f"parametric: {exc}")
    for axis in axes:
        c, kap = t.compute[axis][rich], t.kappa[axis][rich]
        if not (np.all(np.isfinite(c) & (c > 0)) and np.all(np.isfinite(kap) & (kap > 0))):
            out.notes.append(f"{axis}: some runs lack a positive {axis} value or its per-step cost; axis skipped")
            continue
        out.compute_range[axis] = (float(c.min()), float(c.max()))
        laws = {}
        for kind, floor in (("floor", True), ("pure", False)):
            try:
                laws[kind] = fit_power_law(c, loss, irreducible=floor, frontier=True, bootstrap=bootstrap,
                                           seed=derive_seed(seed, t.name, axis, kind), workers=workers,
                                           confidence=confidence, axis=axis)
                out.notes += [f"{axis} power law ({kind}): {m}" for m in laws[kind].notes]
            except EquiscaleError as exc:
                out.notes.append(f"{axis} power law ({kind}): {exc}")
        out.compute_laws[axis] = laws
        if out.parametric is not None:
            ks = None
            if bootstrap > 0:  # κ per resample, from the same run resamples as the parametric refits
                ks = weighted_medians(kap, resample_weights(kap.size, bootstrap, p_seed))
            out.allocations[axis] = compute_optimal(out.parametric, float(np.median(kap)), axis=axis,
                                                    budgets=budgets.get(axis, []), kappa_samples=ks)
    try:
        out.data_efficiency = fit_data_efficiency(t.n_train, t.steps, t.batch_size, t.loss, bootstrap=bootstrap,
                                                  seed=derive_seed(seed, t.name, "data"), workers=workers,
                                                  confidence=confidence)
    except EquiscaleError as exc:
        out.notes.append(f"data efficiency: {exc}")
    return out


@blas_single_thread
def fit_study(
    records: Iterable[dict[str, Any]],
    *,
    compute_axis: str | Sequence[str] = "flops_measured",
    bootstrap: int = 1000,
    seed: int = 0,
    workers: int = 1,
    confidence: float = CONFIDENCE,
) -> StudyFit:
    """Fit every law for every series of finished run records (see module docstring).

    ``compute_axis``: "flops_measured", "flops_nominal", "train_seconds", a list of them, or "all" (the first is the
    default axis for comparisons). ``bootstrap``: run resamples per fit (0 = point estimates only); every resample
    is drawn from a sub-seed derived from ``seed``. ``workers`` > 1 refits resamples in processes.
    """
    axes = resolve_axes(compute_axis)
    records = list(records)
    tables, notes = tabulate(records, axes)
    if not tables:
        raise EquiscaleError(f"no usable finished runs among {len(records)} record(s)"
                             + (f" ({notes[0]}{', …' if len(notes) > 1 else ''})" if notes else ""))
    budgets, grid = {}, {}
    for axis in axes:
        c = np.concatenate([t.compute[axis] for t in tables.values()])
        c = c[np.isfinite(c) & (c > 0)]
        if c.size:
            lo, hi = float(c.min()), float(c.max())
            budgets[axis] = [lo, float(np.sqrt(lo * hi)), hi]
            grid[axis] = np.geomspace(lo, hi, CURVE_POINTS)
    series = {name: fit_series(t, axes, budgets, bootstrap=bootstrap, seed=seed, workers=workers,
                               confidence=confidence) for name, t in tables.items()}
    return StudyFit(series=series, axes=axes, bootstrap=bootstrap, seed=seed, budgets=budgets, c_grid=grid,
                    n_records=len(records), confidence=confidence, notes=notes)
