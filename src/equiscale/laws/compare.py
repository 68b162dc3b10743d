"""Compare two families' compute frontiers: loss ratio and compute multiplier over a compute range, with intervals.

Both families are bootstrapped independently from their own runs (reference §3, pairwise comparisons); resample i of
one is paired with resample i of the other, so the intervals are those of the ratio itself, not of each curve.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from equiscale.errors import EquiscaleError
from equiscale.laws._serialize import jsonable
from equiscale.laws.allocation import Allocation, compute_for_loss, frontier
from equiscale.laws.bootstrap import CONFIDENCE, percentile_band
from equiscale.laws.power_law import PowerLawFit

Frontier = Allocation | PowerLawFit


@dataclass
class Comparison:
    """``ratio`` = L_other(C) / L_series(C) on the frontier (> 1: ``series`` is ahead at C); ``compute_ratio`` =
    compute ``other`` needs to reach ``series``' frontier loss at C, divided by C (inf where it cannot reach it)."""

    series: str
    other: str
    axis: str
    source: str
    c: np.ndarray
    ratio: np.ndarray
    ratio_lo: np.ndarray
    ratio_hi: np.ndarray
    compute_ratio: np.ndarray
    compute_ratio_lo: np.ndarray
    compute_ratio_hi: np.ndarray
    confidence: float = CONFIDENCE

    @property
    def ratio_range(self) -> tuple[float, float]:
        """(min, max) of the point loss ratio over the compute range."""
        return float(np.min(self.ratio)), float(np.max(self.ratio))

    @property
    def ratio_interval(self) -> tuple[float, float]:
        """Lowest lower and highest upper pointwise bound of the ratio over the range (NaN without bootstrap)."""
        with np.errstate(all="ignore"):
            if not np.any(np.isfinite(self.ratio_lo)):
                return float("nan"), float("nan")
            return float(np.nanmin(self.ratio_lo)), float(np.nanmax(self.ratio_hi))

    def to_dict(self) -> dict[str, Any]:
        return jsonable({
            "series": self.series, "other": self.other, "axis": self.axis, "source": self.source,
            "c_range": [float(self.c[0]), float(self.c[-1])],
            "ratio_range": self.ratio_range, "ratio_interval": self.ratio_interval,
            "curve": {"c": self.c, "ratio": self.ratio, "lo": self.ratio_lo, "hi": self.ratio_hi,
                      "compute_ratio": self.compute_ratio, "compute_lo": self.compute_ratio_lo,
                      "compute_hi": self.compute_ratio_hi},
            "confidence": self.confidence,
        })


def _loss(f: Frontier, c: np.ndarray) -> np.ndarray:
    return f.l_opt(c) if isinstance(f, Allocation) else f.predict(c)


def _loss_samples(f: Frontier, c: np.ndarray) -> np.ndarray | None:
    if f.samples is None:
        return None
    if isinstance(f, Allocation):
        return frontier(f.samples[:, :5], f.samples[:, 5], c)["l_opt"]
    E, A, g = (f.samples[:, i, None] for i in range(3))
    with np.errstate(all="ignore"):
        return E + A * c[None] ** (-g)


def _compute_for(f: Frontier, loss: np.ndarray) -> np.ndarray:
    """Compute ``f`` needs to reach each ``loss``: full fit for 1-D ``loss``, row i of its resamples for row i of a
    2-D (n_boot, m) ``loss``."""
    if isinstance(f, Allocation):
        if loss.ndim == 1:
            return compute_for_loss(f.params, f.kappa, loss)
        assert f.samples is not None
        return compute_for_loss(f.samples[:, :5], f.samples[:, 5], loss)
    if loss.ndim == 1:
        E, A, g = f.E, f.A, f.gamma
    else:
        assert f.samples is not None
        E, A, g = (f.samples[:, i, None] for i in range(3))
    excess = loss - E
    with np.errstate(all="ignore"):
        return np.where(excess > 0, (A / excess) ** (1.0 / g), np.inf)


def compare_frontiers(series: Frontier, other: Frontier, c: np.ndarray, *, names: tuple[str, str],
                      axis: str = "C") -> Comparison:
    """Loss ratio and compute multiplier of ``other`` relative to ``series`` at the compute values ``c``."""
    if type(series) is not type(other):
        raise EquiscaleError("compare two allocations or two power laws, not one of each")
    c = np.asarray(c, dtype=np.float64)
    la, lb = _loss(series, c), _loss(other, c)
    ratio = lb / la
    cr = _compute_for(other, la) / c
    sa, sb = _loss_samples(series, c), _loss_samples(other, c)
    conf = min(getattr(series, "confidence", CONFIDENCE), getattr(other, "confidence", CONFIDENCE))
    if sa is None or sb is None:
        nan = np.full(c.shape, np.nan)
        r_lo = r_hi = c_lo = c_hi = nan
    else:
        k = min(len(sa), len(sb))
        with np.errstate(all="ignore"):
            r_lo, r_hi = percentile_band(sb[:k] / sa[:k], conf)
            need = _compute_for(_head(other, k), sa[:k]) / c[None]
        c_lo, c_hi = percentile_band(need, conf)
    source = "parametric" if isinstance(series, Allocation) else "power_law"
    return Comparison(names[0], names[1], axis, source, c, ratio, r_lo, r_hi, cr, c_lo, c_hi, conf)


def _head(f: Frontier, k: int) -> Frontier:
    """``f`` with only its first ``k`` bootstrap rows (to pair with another family's resamples)."""
    assert f.samples is not None
    return dataclasses.replace(f, samples=f.samples[:k])
