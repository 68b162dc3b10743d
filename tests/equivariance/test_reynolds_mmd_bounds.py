"""Group averaging (EE₂² = 2‖f − Qf‖²), the MMD symmetry test's level and power, bounds and crossover."""

import math

import numpy as np
import pytest
import torch

from equiscale.equivariance import (
    crossover_size,
    fit_relaxation_coefficient,
    misspecification_bound,
    mmd_symmetry_test,
    model_equivariance_error,
    optimal_model_error,
    predict_crossover,
    proxy_data_error,
    reynolds_check,
    symmetrisation_gain,
    symmetrize,
)
from equiscale.errors import EquiscaleError
from tests.equivariance.conftest import SCHEMA, anisotropic, equivariant, gravity, make_inputs, rotation_breaking


def test_ee2_identity_holds_where_its_assumptions_hold() -> None:
    """Isotropic Gaussian inputs (O(3)-invariant law), Haar O(3), orthogonal output action."""
    res = reynolds_check(anisotropic, make_inputs(256, seed=1), SCHEMA, group="O3", k=64)
    assert abs(res["ratio"] - 1) < 0.1, res
    assert res["dist_sq"] < res["dist_sq_raw"]  # the 1/K bias correction is positive


def test_ee2_identity_fails_for_non_invariant_input_law() -> None:
    x = make_inputs(256, seed=2)
    x["pos"] = x["pos"] * torch.tensor([2.0, 2.0, 0.05], dtype=torch.float64)  # flat scenes on a floor
    res = reynolds_check(anisotropic, x, SCHEMA, group="O3", k=64)
    assert res["ratio"] > 2, res


def test_symmetrised_model_is_closer_to_equivariant_and_gains_on_symmetric_data() -> None:
    x = make_inputs(128, seed=3)
    q = symmetrize(rotation_breaking, SCHEMA, group="O3", k=64)
    before = model_equivariance_error(rotation_breaking, x, SCHEMA, group="O3", n_elements=8, bootstrap=0)
    after = model_equivariance_error(q, x, SCHEMA, group="O3", n_elements=8, bootstrap=0)
    assert after.ree2 < 0.3 * before.ree2
    gain = symmetrisation_gain(rotation_breaking, x, equivariant(x), SCHEMA, group="O3", k=64)
    assert gain["gain"] > 0 and 0 < gain["relative_gain"] <= 1


def _rejections(broken: bool, reps: int, n: int) -> float:
    hits = 0
    for rep in range(reps):
        x = make_inputs(n, seed=1000 + rep)
        y = (gravity if broken else equivariant)(x)
        hits += mmd_symmetry_test(x, y, SCHEMA, group="O3", permutations=200, seed=rep)["p_value"] <= 0.05
    return hits / reps


def test_mmd_keeps_its_level_on_symmetric_data() -> None:
    rate = _rejections(broken=False, reps=300, n=40)
    # 300 repetitions: the standard error of a 5 % rate is 1.3 %; accept within ~3.5 standard errors.
    assert 0.005 < rate < 0.095, rate


def test_mmd_has_power_on_asymmetric_data() -> None:
    assert _rejections(broken=True, reps=20, n=100) >= 0.9


def test_mmd_bad_inputs() -> None:
    x = make_inputs(4)
    with pytest.raises(EquiscaleError, match="at least 8"):
        mmd_symmetry_test(x, equivariant(x), SCHEMA)


def test_proxy_data_error_separates_symmetric_from_broken_data() -> None:
    x, probe = make_inputs(800, seed=5), make_inputs(32, seed=6)
    sym = proxy_data_error(x, equivariant(x), probe, SCHEMA, group="SO3", n_elements=4)
    brk = proxy_data_error(x, gravity(x), probe, SCHEMA, group="SO3", n_elements=4)
    assert [c["n"] for c in sym["curve"]] == [100, 200, 400, 800]
    assert brk["curve"][-1]["mean_relative"] > 2 * sym["curve"][-1]["mean_relative"]
    assert sym["curve"][-1]["mean_relative"] < sym["curve"][0]["mean_relative"]  # estimation error shrinks with n


def test_bounds_and_crossover() -> None:
    assert misspecification_bound(0.5, 0.0) == pytest.approx(0.125)
    assert misspecification_bound(0.5, 0.2) == pytest.approx(0.045)
    assert misspecification_bound(0.5, 0.7) == 0.0
    assert optimal_model_error(0.5, 2.0, 100) == pytest.approx(0.3)
    assert optimal_model_error(0.5, 2.0, 4) == 0.0
    assert crossover_size(0.5, 2.0) == pytest.approx(16.0)
    assert math.isinf(crossover_size(0.0, 2.0))
    n = np.array([100, 400, 1600, 6400.0])
    fit = fit_relaxation_coefficient(n, 0.1 + 3.0 / np.sqrt(n))
    assert fit["E"] == pytest.approx(0.1) and fit["coefficient"] == pytest.approx(3.0)
    assert predict_crossover(0.3, n, 0.1 + 3.0 / np.sqrt(n))["crossover_n"] == pytest.approx(100.0)
    with pytest.raises(EquiscaleError, match="≥ 0"):
        misspecification_bound(-1.0, 0.0)
    with pytest.raises(EquiscaleError, match="distinct"):
        fit_relaxation_coefficient(np.array([10.0]), np.array([1.0]))
    with pytest.raises(EquiscaleError, match="non-finite"):
        fit_relaxation_coefficient(np.array([10.0, 20.0]), np.array([1.0, np.nan]))
