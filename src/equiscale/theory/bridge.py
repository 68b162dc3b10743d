"""Bridge from measured scaling laws to the random-feature theory.

Measured exponents use the project's convention of positive decay rates: L ∝ N^(−alpha) (parameters),
L ∝ S^(−beta) (steps), L ∝ C^(−gamma) (compute), N* ∝ C^a_N and S* ∝ C^a_S on the compute-optimal frontier.
In the model, parameters ↔ N random features, steps ↔ t, compute C = N·t (the factor 6 of FLOPs does not change
exponents). A fitted (a, b) is the effective spectrum of the relevant kernel.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from equiscale.errors import EquiscaleError
from equiscale.theory.curves import loss_curve
from equiscale.theory.exponents import asymptotic_exponents
from equiscale.theory.task import INF, Task, check_times

# name -> (meaning, attribute of AsymptoticExponents, attribute under the paper's reading or None)
EXPONENTS: dict[str, tuple[str, str, str | None]] = {
    "alpha": ("L ∝ N^-alpha (model size; t, P → ∞)", "model", "model_paper"),
    "beta": ("L ∝ t^-beta (steps; N, P → ∞)", "time", None),
    "data": ("L ∝ P^-data (data; t, N → ∞)", "data", None),
    "gamma": ("L* ∝ C^-gamma (compute-optimal loss)", "compute", None),
    "a_N": ("N* ∝ C^a_N (optimal model size)", "n_opt", None),
    "a_S": ("t* ∝ C^a_S (optimal steps)", "t_opt", None),
}


def _get(measured: Any, name: str) -> float | None:
    value = measured.get(name) if isinstance(measured, Mapping) else getattr(measured, name, None)
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise EquiscaleError(f"measured exponent {name} must be a number, got {value!r}") from None
    return v if math.isfinite(v) else None


def compare_exponents(measured: Any, a: float, b: float) -> list[dict[str, Any]]:
    """Rows {name, meaning, measured, theory, theory_paper, difference} for the exponents the theory predicts.

    ``measured`` is a mapping or an object (e.g. a dataclass) with any of alpha, beta, data, gamma, a_N, a_S;
    missing ones are reported with measured = None. ``theory_paper`` is the paper's model-size reading
    min(a−1, 2b) where it differs from the deterministic equivalent's min(a−1, b) (easy tasks, a − 1 > b).
    """
    pred = asymptotic_exponents(a, b)
    paper_frontier = _paper_frontier(a, b)
    rows = []
    for name, (meaning, attr, alt_attr) in EXPONENTS.items():
        theory = float(getattr(pred, attr))
        alt = float(getattr(pred, alt_attr)) if alt_attr else paper_frontier.get(attr, theory)
        got = _get(measured, name)
        rows.append({"name": name, "meaning": meaning, "measured": got, "theory": theory,
                     "theory_paper": alt if not math.isclose(alt, theory) else None,
                     "difference": None if got is None else got - theory})
    return rows


def _paper_frontier(a: float, b: float) -> dict[str, float]:
    """Frontier exponents with the paper's m = min(a−1, 2b) as the model-size exponent (reference §6.3)."""
    m = min(a - 1, 2 * b)
    den = a - 1 + b * m
    return {"compute": (a - 1) * m / den, "n_opt": (a - 1) / den, "t_opt": b * m / den}


def implied_task(alpha: float, beta: float) -> tuple[float, float]:
    """(a, b) implied by measured parameter and step exponents in the hard regime: a = 1 + alpha, b = alpha/beta.

    Valid when a − 1 ≤ b (i.e. beta ≤ 1); otherwise the model-size exponent saturates at b and this is a bound.
    """
    if not (math.isfinite(alpha) and alpha > 0 and math.isfinite(beta) and beta > 0):
        raise EquiscaleError(f"alpha and beta must be numbers > 0, got alpha={alpha}, beta={beta}")
    return 1.0 + alpha, alpha / beta


@dataclass(frozen=True)
class TaskFit:
    """(a, b) fitted to learning curves, with the unit conversions loss = loss_scale·L(time_scale·t; width_scale·N)."""

    a: float
    b: float
    loss_scale: float
    time_scale: float
    width_scale: float | None
    rms_log_residual: float
    n_points: int
    M: int

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form."""
        return asdict(self)


def _curves(t: np.ndarray, loss: Any, N: Sequence[float] | None) -> np.ndarray:
    arr = np.asarray(loss, dtype=float)
    arr = arr[None, :] if arr.ndim == 1 else arr
    k = 1 if N is None else len(N)
    if arr.shape != (k, t.size):
        raise EquiscaleError(f"loss must have shape ({k}, {t.size}) for {k} curve(s) of {t.size} times, "
                             f"got {arr.shape}")
    if np.any(~np.isfinite(arr)) or np.any(arr <= 0) or np.any(t <= 0):
        raise EquiscaleError("learning curves need positive, finite times and losses")
    return arr


def fit_task(t: Any, loss: Any, N: Sequence[float] | None = None, *, M: int = 1000,
             initial: tuple[float, float] = (1.5, 1.5), nodes: int = 12) -> TaskFit:
    """Least-squares fit of (a, b) and unit scales to measured learning curves (log loss, P = ∞).

    One curve (``N=None``) is compared with the infinite-width theory, which pins mainly (a−1)/b; several curves at
    model sizes ``N`` (``loss`` of shape (len(N), len(t))) also pin a through the width bottleneck. The model size
    maps to random features through a fitted ``width_scale`` (kept so that width_scale·max(N) <= M).
    """
    times = check_times(t)
    data = np.log(_curves(times, loss, N))
    lam_k = np.arange(1, M + 1, dtype=float)
    widths = None if N is None else np.asarray(N, dtype=float)
    if widths is not None and (np.any(widths < 1) or not np.all(np.isfinite(widths))):
        raise EquiscaleError("N must be finite model sizes >= 1")

    def model(x: np.ndarray) -> np.ndarray:
        a, b, log_cl, log_ct = x[:4]
        if widths is None:
            lam = lam_k ** (-b)
            curve = (lam_k ** (-a)) @ np.exp(-2 * np.outer(lam, np.exp(log_ct) * times))
            return log_cl + np.log(curve)[None, :]
        task = Task(float(a), float(b), M)
        rows = [loss_curve(task, np.exp(log_ct) * times, max(1.0, n * np.exp(x[4])), INF, nodes=nodes).test_loss
                for n in widths]
        return log_cl + np.log(np.maximum(np.array(rows), 1e-300))

    a0, b0 = initial
    x0 = [a0, b0, 0.0, 0.0] + ([] if widths is None else [math.log(0.5 * M / widths.max())])
    lo = [1.05, 0.3, -30.0, -30.0] + ([] if widths is None else [-30.0])
    hi = [6.0, 4.0, 30.0, 30.0] + ([] if widths is None else [math.log(M / widths.max())])
    x0[2] = float(np.mean(data - model(np.array(x0))))
    x0 = np.clip(x0, lo, hi)
    res = least_squares(lambda x: (model(x) - data).ravel(), x0, bounds=(lo, hi), x_scale="jac")
    x = res.x
    return TaskFit(float(x[0]), float(x[1]), float(np.exp(x[2])), float(np.exp(x[3])),
                   None if widths is None else float(np.exp(x[4])),
                   float(np.sqrt(np.mean(res.fun**2))), int(data.size), M)
