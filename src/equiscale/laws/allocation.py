"""Compute-optimal allocation of a fitted L(N, S) under C = κ·N·S (reference §4), with bootstrap intervals.

Minimising E + A N^(−α) + B S^(−β) at fixed C, with X = C/κ:

    G = (αA / (βB))^(1/(α+β)),  N_opt = G·X^a,  S_opt = X^b / G,  a = β/(α+β),  b = α/(α+β),
    L_opt = E + (A G^(−α) + B G^β)·X^(−γ),  γ = αβ/(α+β).

κ is the compute per parameter per step on the chosen axis (FLOPs, or seconds for wall-clock), measured per family.
The same formulas hold for any axis; κ only moves the prefactors (N_opt ∝ κ^(−a)).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar

from equiscale.laws._serialize import jsonable
from equiscale.laws.bootstrap import CONFIDENCE, intervals_of, percentile_band, percentile_interval
from equiscale.laws.parametric import ParametricFit


def frontier(params: np.ndarray, kappa: np.ndarray | float, c: np.ndarray | float) -> dict[str, np.ndarray]:
    """Closed-form N_opt, S_opt, L_opt at compute ``c``; ``params`` (..., 5) = (E, A, B, α, β), broadcasting."""
    p = np.asarray(params, dtype=np.float64)
    E, A, B, al, be = (p[..., i, None] for i in range(5))
    kappa = np.asarray(kappa, dtype=np.float64)
    kappa = kappa[..., None] if kappa.ndim else kappa
    x = np.asarray(c, dtype=np.float64) / kappa
    with np.errstate(all="ignore"):
        G = (al * A / (be * B)) ** (1.0 / (al + be))
        n = G * x ** (be / (al + be))
        s = x ** (al / (al + be)) / G
        loss = E + A * n ** (-al) + B * s ** (-be)
    return {"n_opt": n, "s_opt": s, "l_opt": loss}


def compute_for_loss(params: np.ndarray, kappa: np.ndarray | float, loss: np.ndarray | float) -> np.ndarray:
    """Compute needed on the frontier to reach ``loss`` (inf where loss ≤ E): the inverse of L_opt(C).

    ``params`` (..., 5) and ``kappa`` broadcast like in :func:`frontier`; the result has a trailing axis over ``loss``.
    """
    p = np.asarray(params, dtype=np.float64)
    E, A, B, al, be = (p[..., i, None] for i in range(5))
    kappa = np.asarray(kappa, dtype=np.float64)
    kappa = kappa[..., None] if kappa.ndim else kappa
    excess = np.asarray(loss, dtype=np.float64) - E
    with np.errstate(all="ignore"):
        G = (al * A / (be * B)) ** (1.0 / (al + be))
        out = kappa * (excess / (A * G ** (-al) + B * G**be)) ** (-(al + be) / (al * be))
    return np.where(excess > 0, out, np.inf)


def frontier_numeric(params: np.ndarray, kappa: float | Callable[[float], float], c: float) -> tuple[float, float]:
    """(N_opt, L_opt) by minimising L(N, C/(κ(N)·N)) over log N — for κ that varies with N (reference §4)."""
    E, A, B, al, be = (float(v) for v in params)
    kap = kappa if callable(kappa) else (lambda _n: float(kappa))

    def loss_at(log_n: float) -> float:
        n = np.exp(log_n)
        return E + A * n ** (-al) + B * (c / (kap(n) * n)) ** (-be)

    hi = np.log(c / kap(1.0))
    res = minimize_scalar(loss_at, bounds=(0.0, hi), method="bounded", options={"xatol": 1e-10})
    return float(np.exp(res.x)), float(res.fun)


@dataclass
class Allocation:
    """Compute-optimal frontier of one family on one compute axis; intervals are 95 % bootstrap percentiles."""

    axis: str
    kappa: float
    params: np.ndarray
    budgets: list[float] = field(default_factory=list)
    confidence: float = CONFIDENCE
    intervals: dict[str, Any] = field(default_factory=dict)
    samples: np.ndarray | None = field(default=None, repr=False)  # (n_boot, 6): E, A, B, α, β, κ

    @property
    def a(self) -> float:
        _, _, _, al, be = self.params
        return float(be / (al + be))

    @property
    def b(self) -> float:
        return 1.0 - self.a

    @property
    def gamma(self) -> float:
        _, _, _, al, be = self.params
        return float(al * be / (al + be))

    def n_opt(self, c: Sequence[float] | np.ndarray | float) -> np.ndarray:
        """Compute-optimal parameter count at compute ``c``."""
        return frontier(self.params, self.kappa, np.atleast_1d(c))["n_opt"]

    def s_opt(self, c: Sequence[float] | np.ndarray | float) -> np.ndarray:
        """Compute-optimal steps (or samples) at compute ``c``."""
        return frontier(self.params, self.kappa, np.atleast_1d(c))["s_opt"]

    def l_opt(self, c: Sequence[float] | np.ndarray | float) -> np.ndarray:
        """Loss on the compute-optimal frontier at compute ``c``."""
        return frontier(self.params, self.kappa, np.atleast_1d(c))["l_opt"]

    predict = l_opt

    def compute_for_loss(self, loss: Sequence[float] | np.ndarray | float) -> np.ndarray:
        """Compute needed on the frontier to reach ``loss``."""
        return compute_for_loss(self.params, self.kappa, np.atleast_1d(loss))

    def sample_frontier(self, c: Sequence[float] | np.ndarray) -> dict[str, np.ndarray] | None:
        """Per-resample (n_boot, len(c)) N_opt, S_opt, L_opt, or None without bootstrap."""
        if self.samples is None:
            return None
        return frontier(self.samples[:, :5], self.samples[:, 5], np.asarray(c, dtype=np.float64))

    def band(self, c: Sequence[float] | np.ndarray, quantity: str = "l_opt") -> tuple[np.ndarray, np.ndarray]:
        """Pointwise percentile band of a frontier quantity over compute ``c`` (NaN without bootstrap)."""
        s = self.sample_frontier(c)
        if s is None:
            nan = np.full(np.shape(c), np.nan)
            return nan, nan
        return percentile_band(s[quantity], self.confidence)

    def to_dict(self) -> dict[str, Any]:
        at = frontier(self.params, self.kappa, np.asarray(self.budgets, dtype=np.float64))
        return jsonable({
            "axis": self.axis, "kappa": self.kappa, "a": self.a, "b": self.b, "gamma": self.gamma,
            "budgets": self.budgets, "at_budgets": at, "intervals": self.intervals,
            "confidence": self.confidence,
        })


def weighted_medians(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Median of ``values`` under each row of integer multiplicity ``weights`` (one per bootstrap resample)."""
    order = np.argsort(values)
    v, w = values[order], weights[:, order]
    cum = np.cumsum(w, axis=1)
    half = cum[:, -1:] / 2.0
    lo = np.argmax(cum >= half, axis=1)
    hi = np.argmax(cum > half, axis=1)
    return 0.5 * (v[lo] + v[hi])


def compute_optimal(
    fit: ParametricFit,
    kappa: float,
    *,
    axis: str = "C",
    budgets: Sequence[float] = (),
    kappa_samples: np.ndarray | None = None,
) -> Allocation:
    """Allocation for ``fit`` with C = ``kappa``·N·S; intervals on a, b, γ, κ and on N_opt, S_opt, L_opt at
    ``budgets`` when ``fit`` was bootstrapped (``kappa_samples``: κ per resample, same resamples as the fit)."""
    alloc = Allocation(axis=axis, kappa=float(kappa), params=fit.params(), budgets=[float(b) for b in budgets],
                       confidence=fit.confidence)
    if fit.samples is None:
        return alloc
    ks = np.full(len(fit.samples), float(kappa)) if kappa_samples is None else np.asarray(kappa_samples, float)
    alloc.samples = np.column_stack([fit.samples, ks])
    al, be = fit.samples[:, 3], fit.samples[:, 4]
    with np.errstate(all="ignore"):
        named = {"a": be / (al + be), "b": al / (al + be), "gamma": al * be / (al + be), "kappa": ks}
    alloc.intervals = intervals_of(named, fit.confidence)
    if alloc.budgets:
        s = alloc.sample_frontier(alloc.budgets)
        assert s is not None
        alloc.intervals["at_budgets"] = {
            q: [percentile_interval(s[q][:, j], fit.confidence) for j in range(len(alloc.budgets))] for q in s
        }
    return alloc
