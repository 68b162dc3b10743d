"""Scaling-law fits: power laws in compute, the parametric L(N, S) law, data efficiency, bootstrap intervals and
compute-optimal allocation. Pure numerics on numpy arrays (scipy L-BFGS-B); see docs/laws.md.

Public API::

    fit_parametric(n, d, loss, *, bootstrap=0, seed=0) -> ParametricFit      # E, A, B, alpha, beta
    fit_power_law(c, loss, *, irreducible=True, bootstrap=0, seed=0) -> PowerLawFit   # E, A, gamma
    fit_data_efficiency(n_train, steps, batch_size, loss, ...) -> DataEfficiencyFit
    compute_optimal(fit, kappa, *, budgets=()) -> Allocation                  # N_opt, S_opt, L_opt of C
    fit_study(records, *, compute_axis="flops_measured", bootstrap=1000, seed=0) -> StudyFit
"""

from equiscale.laws.allocation import Allocation, compute_for_loss, compute_optimal, frontier, frontier_numeric
from equiscale.laws.bootstrap import percentile_interval, resample_weights
from equiscale.laws.compare import Comparison, compare_frontiers
from equiscale.laws.data_efficiency import DataEfficiencyFit, fit_data_efficiency
from equiscale.laws.parametric import ParametricFit, fit_parametric
from equiscale.laws.power_law import PowerLawFit, best_per_x, fit_power_law, pareto_frontier
from equiscale.laws.records import AXES, series_key
from equiscale.laws.study import SeriesFit, StudyFit, fit_study
from equiscale.laws.synthetic import synthetic_records

__all__ = [
    "AXES", "Allocation", "Comparison", "DataEfficiencyFit", "ParametricFit", "PowerLawFit", "SeriesFit",
    "StudyFit", "best_per_x", "compare_frontiers", "compute_for_loss", "compute_optimal", "fit_data_efficiency",
    "fit_parametric", "fit_power_law", "fit_study", "frontier", "frontier_numeric", "pareto_frontier",
    "percentile_interval", "resample_weights", "series_key", "synthetic_records",
]
