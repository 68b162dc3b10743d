"""Multi-start L-BFGS-B on the Huber/LSE objective, with the tight tolerances of reference §2.3 item 1."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from equiscale.laws._objective import LogSumExpHuber

#: Tolerances: a sum-reduced objective of ~1e-3 needs far tighter stopping than scipy's defaults.
LBFGS_OPTIONS = {"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10_000, "maxfun": 20_000}
#: Starts within this relative distance of the best objective count as "reached the optimum".
SAME_OPTIMUM_RTOL = 1e-6
#: Exponents are kept in [0, MAX_EXPONENT]; the floor E in [min L · e^-FLOOR_RANGE, min L].
MAX_EXPONENT = 10.0
FLOOR_RANGE = 30.0


@dataclass(frozen=True)
class Optimum:
    """Best parameters over the starts, with bookkeeping the fit reports."""

    theta: np.ndarray
    objective: float
    n_starts: int
    n_at_optimum: int
    converged: bool


def bounds_for(obj: LogSumExpHuber) -> list[tuple[float | None, float | None]]:
    """Coefficients free; floor below the smallest observed loss (reference §2.3 item 4); exponents in [0, 10]."""
    b: list[tuple[float | None, float | None]] = [(None, None)] * obj.k
    if obj.floor:
        top = float(obj.log_y.min())
        b.append((top - FLOOR_RANGE, top))
    b += [(0.0, MAX_EXPONENT)] * obj.k
    return b


def start_grid(obj: LogSumExpHuber, exponents: tuple[float, ...] = (0.0, 0.5, 1.0, 1.5, 2.0)) -> np.ndarray:
    """The reference's initialisation grid, re-centred on the data's loss scale.

    Reference §2.2: exponents in {0, 0.5, …, 2}, coefficients in {0, 5, …, 25}, e in {−1, −0.5, …, 1}. Coefficients
    and e are shifted by s = log(min L) so the grid also covers losses far from 1 (e.g. MSE ≈ 1e-3); e is kept at or
    below s (the floor bound). For two terms with a floor this is 6·6·5·5·5 = 4500 starts.
    """
    s = float(obj.log_y.min())
    coefs = [s + v for v in (0.0, 5.0, 10.0, 15.0, 20.0, 25.0)]
    floors = [s + v for v in (-2.0, -1.5, -1.0, -0.5, -0.05)] if obj.floor else []
    rows = []
    for combo in itertools.product(*([coefs] * obj.k), *([floors] if obj.floor else []), *([exponents] * obj.k)):
        rows.append(combo)
    return np.asarray(rows, dtype=np.float64)


def _clip(theta: np.ndarray, bounds: list[tuple[float | None, float | None]]) -> np.ndarray:
    lo = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
    hi = np.array([np.inf if b[1] is None else b[1] for b in bounds])
    return np.clip(theta, lo, hi)


def multistart(
    obj: LogSumExpHuber,
    starts: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    keep_best: int | None = None,
) -> Optimum:
    """Run L-BFGS-B from each start (optionally only the ``keep_best`` starts with the lowest objective)."""
    bounds = bounds_for(obj)
    starts = np.stack([_clip(s, bounds) for s in np.atleast_2d(starts)])
    if keep_best is not None and len(starts) > keep_best:
        vals = obj.values(starts, weights)
        vals = np.where(np.isfinite(vals), vals, np.inf)
        starts = starts[np.argsort(vals, kind="stable")[:keep_best]]
    results = []
    for x0 in starts:
        res = minimize(obj.value_and_grad, x0, args=(weights,), jac=True, method="L-BFGS-B",
                       bounds=bounds, options=LBFGS_OPTIONS)
        if np.isfinite(res.fun):
            results.append(res)
    if not results:
        return Optimum(np.full(obj.n_params, np.nan), float("nan"), len(starts), 0, False)
    funs = np.array([r.fun for r in results])
    best = results[int(np.argmin(funs))]
    tol = SAME_OPTIMUM_RTOL * max(abs(best.fun), 1e-300)
    n_same = int(np.sum(funs - best.fun <= tol))
    # "ABNORMAL" line-search exits at the tolerance floor are normal for this kinked objective: count them as converged
    converged = bool(best.success or best.nit > 0)
    return Optimum(np.asarray(best.x, dtype=np.float64), float(best.fun), len(starts), n_same, converged)
