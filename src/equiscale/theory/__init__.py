"""Solvable theory of neural scaling laws: the dynamical random-feature model (Bordelon, Atanasov & Pehlevan 2024).

Power-law task λ_k = k^(−b), (w*_k)² λ_k = k^(−a), M features, N random features, P samples, gradient flow.
Exact simulation (:mod:`.simulate`), deterministic-equivalent theory with fixed-Talbot inversion (:mod:`.curves`),
exponents and the compute-optimal frontier (:mod:`.exponents`, :mod:`.frontier`), a bridge to fitted exponents
(:mod:`.bridge`) and a figure (:func:`.plots.plot_theory`, not imported here).
Equations: shared/reference/random_feature_theory.md, docs/theory.md.
"""

from equiscale.theory.bridge import TaskFit, compare_exponents, fit_task, implied_task
from equiscale.theory.curves import LossCurve, infinite_time_loss, loss_curve, ridge_loss
from equiscale.theory.exponents import (
    AsymptoticExponents,
    asymptotic_exponents,
    data_exponent,
    gap_exponent,
    log_slope,
    time_exponent,
    time_limited_loss,
    train_test_gap,
    width_convergence_exponent,
    width_exponent,
)
from equiscale.theory.frontier import Frontier, compute_frontier, loss_grid
from equiscale.theory.simulate import SimulatedCurve, simulate, simulate_ridge
from equiscale.theory.task import INF, Task

__all__ = [
    "INF",
    "AsymptoticExponents",
    "Frontier",
    "LossCurve",
    "SimulatedCurve",
    "Task",
    "TaskFit",
    "asymptotic_exponents",
    "compare_exponents",
    "compute_frontier",
    "data_exponent",
    "fit_task",
    "gap_exponent",
    "implied_task",
    "infinite_time_loss",
    "log_slope",
    "loss_curve",
    "loss_grid",
    "ridge_loss",
    "simulate",
    "simulate_ridge",
    "time_exponent",
    "time_limited_loss",
    "train_test_gap",
    "width_convergence_exponent",
    "width_exponent",
]
