"""Mis-specification bound and sample-size crossover (``equivariance_metrics.md`` §5–6).

Units: δ (data) and ε (model) are root-mean-square equivariance errors per output component, so that δ² is
comparable with a per-component MSE loss (``EquivarianceError.ee2_sq_per_component``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from equiscale.errors import EquiscaleError


def _nonneg(name: str, value: float) -> float:
    if not math.isfinite(value) or value < 0:
        raise EquiscaleError(f"{name} must be a finite number ≥ 0, got {value}")
    return float(value)


def misspecification_bound(delta: float, epsilon: float) -> float:
    """Least excess risk of any model with equivariance error ε on data with equivariance error δ: (δ − ε)₊² / 2."""
    delta, epsilon = _nonneg("data equivariance error δ", delta), _nonneg("model equivariance error ε", epsilon)
    return max(delta - epsilon, 0.0) ** 2 / 2


def optimal_model_error(delta: float, coefficient: float, n: float) -> float:
    """ε*(n) = max(0, δ − c/√n), with c = a·√d_⊥ the relaxation cost coefficient."""
    delta, coefficient = _nonneg("δ", delta), _nonneg("coefficient", coefficient)
    if n <= 0:
        raise EquiscaleError(f"data size must be > 0, got {n}")
    return max(0.0, delta - coefficient / math.sqrt(n))


def crossover_size(delta: float, coefficient: float) -> float:
    """n_× = c² / δ²: below it strict equivariance is optimal, above it a relaxed model should win."""
    delta, coefficient = _nonneg("δ", delta), _nonneg("coefficient", coefficient)
    return math.inf if delta == 0 else coefficient**2 / delta**2


def fit_relaxation_coefficient(n: np.ndarray, loss: np.ndarray) -> dict[str, float]:
    """Fit loss(n) = E + c·n^(−1/2) to a relaxed model's learning curve by least squares; returns E and c."""
    n, loss = np.asarray(n, dtype=float), np.asarray(loss, dtype=float)
    if n.shape != loss.shape or n.size < 2 or len(np.unique(n)) < 2:
        raise EquiscaleError("the learning curve needs ≥ 2 distinct data sizes with one loss each")
    if not (np.isfinite(n).all() and np.isfinite(loss).all()) or (n <= 0).any():
        raise EquiscaleError("the learning curve has non-finite losses or non-positive data sizes")
    X = np.stack([np.ones_like(n), n**-0.5], axis=1)
    (E, c), *_ = np.linalg.lstsq(X, loss, rcond=None)
    return {"E": float(E), "coefficient": float(max(c, 0.0))}


def predict_crossover(delta: float, n: np.ndarray, relaxed_loss: np.ndarray) -> dict[str, Any]:
    """Predicted crossover data size from a measured δ and a relaxed model's learning curve."""
    fit = fit_relaxation_coefficient(n, relaxed_loss)
    return {
        "delta": delta,
        **fit,
        "floor_strict": misspecification_bound(delta, 0.0),
        "crossover_n": crossover_size(delta, fit["coefficient"]),
    }
