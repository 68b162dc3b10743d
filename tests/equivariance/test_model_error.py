"""Model equivariance error: exact zeros for equivariant maps, the right factor flagged for broken ones."""

import pytest
import torch

from equiscale.equivariance import decomposed_errors, lie_derivative_error, model_equivariance_error
from equiscale.equivariance.lie import _skew
from equiscale.errors import EquiscaleError
from equiscale.geometry import E3Element
from tests.equivariance.conftest import (
    SCHEMA,
    equivariant,
    make_inputs,
    permutation_breaking,
    rotation_breaking,
    translation_breaking,
)


@pytest.mark.parametrize("group", ["E3", "SE3", "O3", "T3", "E3z", "permutation", "parity"])
def test_equivariant_map_has_roundoff_error(inputs, group) -> None:
    err = model_equivariance_error(equivariant, inputs, SCHEMA, group=group, n_elements=8, bootstrap=50)
    assert err.ree2 < 1e-13 and err.max_relative < 1e-12
    assert err.n_inputs == 64 and err.n_elements == 8


def test_float32_model_error_is_float32_roundoff() -> None:
    x = make_inputs(32, dtype=torch.float32)
    err = model_equivariance_error(equivariant, x, SCHEMA, group="E3", n_elements=4, bootstrap=0)
    assert 1e-9 < err.ree2 < 1e-5  # transforms in float64, the model in float32


@pytest.mark.parametrize(
    ("f", "broken"),
    [(rotation_breaking, {"rotation", "parity"}), (translation_breaking, {"translation"}),
     (permutation_breaking, {"permutation"})],
)  # fmt: skip
def test_decomposition_flags_the_broken_factor(inputs, f, broken) -> None:
    errs = decomposed_errors(f, inputs, SCHEMA, n_elements=4)
    for factor, err in errs.items():
        if factor in broken:
            assert err.ree2 > 1e-2, factor
        else:
            assert err.ree2 < 1e-12, factor


def test_bootstrap_interval_brackets_estimate(inputs) -> None:
    err = model_equivariance_error(rotation_breaking, inputs, SCHEMA, group="SO3", n_elements=8, bootstrap=200)
    lo, hi = err.intervals["ree2"]
    assert lo < err.ree2 < hi
    assert err.max_relative >= err.mean_relative > 0
    # The absolute error of the gravity-like drift is known: ‖(R − I)(0, 0, −0.5 m)‖, averaged over Haar R.
    assert 0.1 < err.ee2 < 3.0


def test_lie_derivative_zero_for_equivariant_and_matches_finite_differences(inputs) -> None:
    assert lie_derivative_error(equivariant, inputs, SCHEMA)["lee"] < 1e-20
    res = lie_derivative_error(rotation_breaking, inputs, SCHEMA)
    assert res["per_generator"]["rot_z"] < 1e-20  # the drift is along z: rotations about z leave it alone
    assert res["per_generator"]["trans_x"] < 1e-20
    # ‖f(g_t x) − g_t f(x)‖² / t² → ‖L_A f‖² for a small rotation about x.
    t = 1e-5
    R = torch.linalg.matrix_exp(t * _skew("rot_x"))[None].expand(64, 3, 3)
    g = E3Element(R, torch.zeros(64, 3, dtype=torch.float64))
    from equiscale.equivariance.model_error import _act

    diff = rotation_breaking(_act("SO3", inputs, SCHEMA.inputs, g))["out"] - _act(
        "SO3", rotation_breaking(inputs), SCHEMA.targets, g
    )["out"]
    fd = diff.pow(2).sum((1, 2)).mean() / t**2
    assert abs(float(fd) / res["per_generator"]["rot_x"] - 1) < 1e-3


def test_bad_inputs(inputs) -> None:
    with pytest.raises(EquiscaleError, match="unknown group"):
        model_equivariance_error(equivariant, inputs, SCHEMA, group="Spin7")
    with pytest.raises(EquiscaleError, match="empty probe set"):
        model_equivariance_error(equivariant, {}, SCHEMA)
    with pytest.raises(EquiscaleError, match="empty probe set"):
        model_equivariance_error(equivariant, make_inputs(0), SCHEMA)
    bad = dict(inputs)
    bad["vel"] = bad["vel"][..., :2]
    with pytest.raises(EquiscaleError, match="'vel'"):
        model_equivariance_error(equivariant, bad, SCHEMA)
    with pytest.raises(EquiscaleError, match="not inputs of the schema"):
        model_equivariance_error(equivariant, {**inputs, "colour": inputs["mass"]}, SCHEMA)
    with pytest.raises(EquiscaleError, match="lacks target"):
        model_equivariance_error(lambda b: {"wrong": b["pos"]}, inputs, SCHEMA)
