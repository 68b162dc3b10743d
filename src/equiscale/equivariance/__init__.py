"""How equivariant is a model, how symmetric is the data, and what that costs (``equivariance_metrics.md``)."""

from equiscale.equivariance.bounds import (
    crossover_size,
    fit_relaxation_coefficient,
    misspecification_bound,
    optimal_model_error,
    predict_crossover,
)
from equiscale.equivariance.data_error import RandomFeatureRegressor, oracle_data_error, proxy_data_error
from equiscale.equivariance.lie import GENERATORS, lie_derivative_error
from equiscale.equivariance.mmd import mmd_symmetry_test, mmd_two_sample
from equiscale.equivariance.model_error import (
    FACTORS,
    EquivarianceError,
    decomposed_errors,
    model_equivariance_error,
)
from equiscale.equivariance.probe import probe_equivariance
from equiscale.equivariance.reynolds import reynolds_check, symmetrisation_gain, symmetrize

__all__ = [
    "FACTORS",
    "GENERATORS",
    "EquivarianceError",
    "RandomFeatureRegressor",
    "crossover_size",
    "decomposed_errors",
    "fit_relaxation_coefficient",
    "lie_derivative_error",
    "misspecification_bound",
    "mmd_symmetry_test",
    "mmd_two_sample",
    "model_equivariance_error",
    "optimal_model_error",
    "oracle_data_error",
    "predict_crossover",
    "probe_equivariance",
    "proxy_data_error",
    "reynolds_check",
    "symmetrisation_gain",
    "symmetrize",
]
