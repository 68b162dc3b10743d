"""One-variable power law L(x) = E + A·x^(−γ) (reference §5), with the runs optionally reduced to an envelope first.

Used for loss vs compute (x = C, on the compute-optimal frontier of the runs) and for data efficiency (x = number of
training samples, best run per data size). Same Huber/LSE objective as the parametric law, started from weighted
log–log least-squares solutions for a ladder of trial floors. ``irreducible=False`` fixes E = 0 (pure power law).

Frontier (approach 1, bin-free): a run is on the compute-optimal frontier when no run with less or equal compute
reached a lower loss — the lower envelope (running minimum) of loss vs compute. Bootstrap resamples re-extract the
frontier from the drawn runs, so the intervals include the uncertainty of which runs form the frontier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from equiscale.errors import EquiscaleError
from equiscale.laws import _checks
from equiscale.laws._objective import LogSumExpHuber
from equiscale.laws._optimize import FLOOR_RANGE, multistart
from equiscale.laws._serialize import jsonable
from equiscale.laws._threads import blas_single_thread
from equiscale.laws.bootstrap import CONFIDENCE, intervals_of, percentile_band, resample_weights, run_refits

#: Trial floors (fractions of the smallest loss) whose log–log least-squares fits seed the optimiser.
FLOOR_FRACTIONS = (0.0, 0.3, 0.6, 0.8, 0.9, 0.95, 0.99)
#: Bootstrap refits start from the full-data optimum plus only these trial floors.
REFIT_FRACTIONS = (0.9,)
REDUCTIONS = ("frontier", "min_per_x", None)


@dataclass
class PowerLawFit:
    """Fitted L(x) = E + A·x^(−γ); ``x_points``/``loss_points`` are the (envelope) points that were fitted."""

    E: float
    A: float
    gamma: float
    objective: float
    n_runs: int
    n_points: int
    irreducible: bool = True
    axis: str = "C"
    reduction: str | None = None
    x_points: np.ndarray = field(default_factory=lambda: np.zeros(0))
    loss_points: np.ndarray = field(default_factory=lambda: np.zeros(0))
    bootstrap: int = 0
    seed: int = 0
    confidence: float = CONFIDENCE
    n_bootstrap_failed: int = 0
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    samples: np.ndarray | None = field(default=None, repr=False)

    def predict(self, x: Sequence[float] | np.ndarray | float) -> np.ndarray:
        """Predicted loss at ``x`` (compute, samples, …)."""
        return self.E + self.A * np.asarray(x, dtype=np.float64) ** (-self.gamma)

    def band(self, x: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pointwise bootstrap percentile band of the prediction at ``x`` (NaN without bootstrap)."""
        x = np.asarray(x, dtype=np.float64)
        if self.samples is None:
            nan = np.full(x.shape, np.nan)
            return nan, nan
        E, A, g = (self.samples[:, i, None] for i in range(3))
        with np.errstate(all="ignore"):
            return percentile_band(E + A * x[None] ** (-g), self.confidence)

    def to_dict(self) -> dict[str, Any]:
        return jsonable({
            "law": f"E + A*{self.axis}^-gamma" if self.irreducible else f"A*{self.axis}^-gamma",
            "E": self.E, "A": self.A, "gamma": self.gamma, "irreducible": self.irreducible,
            "reduction": self.reduction, "objective": self.objective,
            "n_runs": self.n_runs, "n_points": self.n_points,
            "points": {"x": self.x_points, "loss": self.loss_points},
            "bootstrap": {"n": self.bootstrap, "seed": self.seed, "failed": self.n_bootstrap_failed,
                          "confidence": self.confidence},
            "intervals": self.intervals, "notes": self.notes,
        })


def pareto_frontier(x: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """Indices of the runs on the lower envelope of loss vs ``x``, by increasing ``x``."""
    order = np.lexsort((loss, x))
    ls = loss[order]
    prev_best = np.concatenate([[np.inf], np.minimum.accumulate(ls)[:-1]])
    return order[ls < prev_best]


def best_per_x(x: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """Index of the lowest-loss run at each distinct ``x``, by increasing ``x``."""
    order = np.lexsort((loss, x))
    first = np.concatenate([[True], x[order][1:] != x[order][:-1]])
    return order[first]


def _reduce(x: np.ndarray, loss: np.ndarray, weights: np.ndarray, reduction: str | None) -> np.ndarray:
    """Indices (into the runs) of the points to fit among the runs with weight > 0."""
    drawn = np.flatnonzero(weights > 0)
    if reduction is None:
        return drawn
    pick = pareto_frontier if reduction == "frontier" else best_per_x
    return drawn[pick(x[drawn], loss[drawn])]


def _ols_starts(log_x: np.ndarray, loss: np.ndarray, w: np.ndarray, irreducible: bool,
                fractions: tuple[float, ...] = FLOOR_FRACTIONS) -> np.ndarray:
    """Weighted log–log least-squares fits of log(L − E0) for trial floors E0 → starts [c, (e), γ]."""
    starts = []
    lmin = float(loss.min())
    xc = log_x - np.average(log_x, weights=w)
    sxx = float(np.sum(w * xc * xc))
    for f in fractions if irreducible else (0.0,):
        y = np.log(loss - f * lmin)
        slope = float(np.sum(w * xc * (y - np.average(y, weights=w)))) / sxx if sxx > 0 else 0.0
        gamma = max(-slope, 0.0)
        c = float(np.average(y, weights=w)) + gamma * float(np.average(log_x, weights=w))
        if irreducible:
            e = np.log(f * lmin) if f > 0 else np.log(lmin) - FLOOR_RANGE / 2
            starts.append([c, e, gamma])
        else:
            starts.append([c, gamma])
    return np.asarray(starts)


def _fit_points(x: np.ndarray, loss: np.ndarray, w: np.ndarray, irreducible: bool,
                warm: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """θ = [log A, (log E), γ] and objective for weighted points."""
    obj = LogSumExpHuber(np.log(x)[None], np.log(loss), floor=irreducible)
    if warm is not None and np.all(np.isfinite(warm)):
        # without a floor the problem is convex (linear model in log space, convex Huber): one start suffices
        extra = _ols_starts(np.log(x), loss, w, irreducible, REFIT_FRACTIONS) if irreducible else np.zeros((0, 2))
        starts = np.vstack([warm[None], extra])
    else:
        starts = _ols_starts(np.log(x), loss, w, irreducible)
    best = multistart(obj, starts, weights=w)
    return best.theta, best.objective


def _theta_to_params(theta: np.ndarray, irreducible: bool) -> np.ndarray:
    """[log A, (log E), γ] → (E, A, γ)."""
    if irreducible:
        return np.array([np.exp(theta[1]), np.exp(theta[0]), theta[2]])
    return np.array([0.0, np.exp(theta[0]), theta[1]])


def _refit(x: np.ndarray, loss: np.ndarray, irreducible: bool, reduction: str | None, warm: np.ndarray,
           min_points: int, weights: np.ndarray) -> np.ndarray:
    """(E, A, γ) for one run resample; NaN when the reduced resample has too few distinct points."""
    idx = _reduce(x, loss, weights, reduction)
    if np.unique(x[idx]).size < min_points:
        return np.full(3, np.nan)
    theta, _ = _fit_points(x[idx], loss[idx], weights[idx], irreducible, warm)
    return _theta_to_params(theta, irreducible)


@blas_single_thread
def fit_power_law(
    c: Sequence[float] | np.ndarray,
    loss: Sequence[float] | np.ndarray,
    *,
    irreducible: bool = True,
    bootstrap: int = 0,
    seed: int = 0,
    frontier: bool = False,
    workers: int = 1,
    confidence: float = CONFIDENCE,
    axis: str = "C",
    reduction: str | None = None,
) -> PowerLawFit:
    """Fit L(c) = E + A·c^(−γ) (E = 0 with ``irreducible=False``), one point per run.

    ``frontier=True`` first reduces the runs to the compute-optimal frontier (lower envelope of loss vs c) and
    re-extracts it in every bootstrap resample; ``reduction="min_per_x"`` keeps the best run per distinct c instead.
    ``bootstrap`` run resamples (seeded by ``seed``) give percentile intervals on E, A and γ.
    """
    if frontier:
        reduction = "frontier"
    if reduction not in REDUCTIONS:
        raise EquiscaleError(f"unknown reduction {reduction!r}; use one of {REDUCTIONS}")
    loss_arr = _checks.as_positive_array("loss", loss)
    x = _checks.as_positive_array(axis, c, loss_arr.size)
    min_points = 4 if irreducible else 3
    what = f"power law in {axis}" + (f" ({reduction} points)" if reduction else "")
    idx = _reduce(x, loss_arr, np.ones_like(x), reduction)
    _checks.require_runs(what, idx.size, min_points)
    _checks.require_span(what, axis, x[idx], min_points)
    theta, objective = _fit_points(x[idx], loss_arr[idx], np.ones(idx.size), irreducible)
    fit = PowerLawFit(*map(float, _theta_to_params(theta, irreducible)), objective=objective, n_runs=x.size,
                      n_points=idx.size, irreducible=irreducible, axis=axis, reduction=reduction, x_points=x[idx],
                      loss_points=loss_arr[idx], bootstrap=bootstrap, seed=seed, confidence=confidence)
    if irreducible and fit.E >= 0.999 * float(loss_arr[idx].min()):
        fit.notes.append("E sits at the smallest fitted loss (its upper bound): the floor is not identified")
    if bootstrap > 0:
        weights = resample_weights(x.size, bootstrap, seed)
        refit = partial(_refit, x, loss_arr, irreducible, reduction, theta, min_points)
        samples = run_refits(refit, weights, workers)
        fit.samples = samples
        fit.n_bootstrap_failed = int(np.sum(~np.all(np.isfinite(samples), axis=1)))
        fit.intervals = intervals_of({"E": samples[:, 0], "A": samples[:, 1], "gamma": samples[:, 2]}, confidence)
    return fit
