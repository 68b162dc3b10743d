"""The n-body generator: parameters, distributions, symmetry of the simulator, rejection, reference statistics."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from equiscale.data import nbody
from equiscale.errors import EquiscaleError
from equiscale.geometry import FieldType, sample, transform

P = nbody.validate_params({})


def test_params_defaults_and_errors():
    assert P["n_planets"] == 3 and P["steps"] * P["dt"] == pytest.approx(0.1)
    assert nbody.validate_params({"dt": 1})["dt"] == 1.0
    for bad in ({"planets": 3}, {"n_planets": 0}, {"steps": 2.5}, {"dt": -1.0}, {"shift_std": float("nan")},
                {"n_planets": True}, {"velocity_noise": -0.1}, {"e3_shift": "far"}):  # fmt: skip
        with pytest.raises(EquiscaleError):
            nbody.validate_params(bad)


def test_schema_types():
    s = nbody.schema({})
    types = {name: f.type for name, f in s.fields.items()}
    assert types == {"masses": FieldType.SCALAR, "positions": FieldType.POINT, "velocities": FieldType.VECTOR,
                     "final_positions": FieldType.POINT}  # fmt: skip
    assert [f.name for f in s.targets] == ["final_positions"] and s.tokens == 4
    assert nbody.schema({"n_planets": 5}).tokens == 6


def _split(n: int, seed: int = 0, split: str = "train", **params):
    arrays, info = nbody.generate(n, seed, params, split=split)
    return {k: v.astype(np.float64) for k, v in arrays.items()}, info


def test_shapes_dtypes_and_splits():
    arrays, info = nbody.generate(37, 1, {})
    assert {k: v.shape for k, v in arrays.items()} == {
        "masses": (37, 4, 1), "positions": (37, 4, 3), "velocities": (37, 4, 3), "final_positions": (37, 4, 3)}
    assert all(v.dtype == np.float32 for v in arrays.values())
    assert info["accepted"] == 37 and info["attempted"] >= 37 and 0 <= info["close_encounter_fraction"] <= 1
    objects, info = nbody.generate(5, 1, {}, split="test_objects")
    assert objects["positions"].shape == (5, 6, 3) and info["bodies"] == 6
    empty, _ = nbody.generate(0, 1, {})
    assert empty["positions"].shape == (0, 4, 3)
    with pytest.raises(EquiscaleError, match="split"):
        nbody.generate(5, 1, {}, split="holdout")
    with pytest.raises(EquiscaleError):
        nbody.generate(-1, 1, {})


def test_initial_conditions_follow_the_spec():
    a, _ = _split(300, seed=5)
    m, x, v = a["masses"][..., 0], a["positions"], a["velocities"]
    star = m.argmax(axis=1)
    idx = np.arange(len(m))
    assert np.all((m[idx, star] >= 1) & (m[idx, star] <= 10))
    planets = np.ones_like(m, dtype=bool)
    planets[idx, star] = False
    mp = m[planets]
    assert mp.min() >= 0.01 - 1e-7 and mp.max() <= 0.1 + 1e-7
    assert np.abs(v[idx, star]).max() < 1e-6  # the star starts at rest
    rel = x - x[idx, star][:, None]
    r = np.linalg.norm(rel, axis=-1)[planets]
    assert r.min() >= 0.1 - 1e-5 and r.max() <= 1.0 + 1e-5
    rel_p = rel[planets].reshape(300, 3, 3)
    assert np.abs(np.linalg.det(rel_p)).max() < 1e-4  # planets start in one plane through the star
    circular = np.sqrt(m[idx, star][:, None] / r.reshape(300, 3))
    speed = np.linalg.norm(v[planets].reshape(300, 3, 3), axis=-1)
    assert np.abs(speed - circular).max() < 0.06  # circular orbit speed plus N(0, 0.01²) noise per component
    assert 10 < np.abs(x[idx, star]).std() < 30  # systems translated by N(0, 20²)


def test_generalisation_splits():
    test, _ = _split(200, seed=2, split="test")
    e3, info = _split(200, seed=2, split="test_e3")
    assert info["x_shift"] == 200.0
    # Same seed: the same systems, shifted by exactly +200 along x.
    np.testing.assert_allclose(e3["positions"] - test["positions"], np.broadcast_to([200.0, 0, 0], (200, 4, 3)),
                               atol=1e-3)  # fmt: skip
    np.testing.assert_array_equal(e3["velocities"], test["velocities"])


def test_deterministic_and_prefix_stable():
    a, _ = nbody.generate(40, 11, {})
    b, _ = nbody.generate(40, 11, {})
    c, _ = nbody.generate(40, 12, {})
    big, _ = nbody.generate(300, 11, {})
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
        np.testing.assert_array_equal(a[k], big[k][:40])
    assert not np.array_equal(a["positions"], c["positions"])


def test_outlier_rejection():
    a, info = _split(200, seed=4, max_displacement=0.3)
    disp = np.linalg.norm(a["final_positions"] - a["positions"], axis=-1).max(axis=1)
    assert disp.max() <= 0.3 + 1e-5 and info["max_displacement"] <= 0.3 + 1e-9
    assert info["rejection_rate"] > 0.1 and info["rejected"] == info["attempted"] - 200
    _, default = _split(200, seed=4)
    assert default["rejection_rate"] < info["rejection_rate"]


def _random_inputs(n: int, seed: int) -> dict[str, torch.Tensor]:
    a, _ = nbody.generate(n, seed, {})
    return {k: torch.from_numpy(v).double() for k, v in a.items() if k != "final_positions"}


def test_simulator_is_e3_and_permutation_equivariant():
    inputs = _random_inputs(64, 7)
    out = nbody.simulate_inputs(inputs)["final_positions"]
    g = sample("E3", 64, seed=1, translation_scale=20.0)
    assert (g.det < 0).any() and (g.det > 0).any()
    types = nbody.schema({})
    moved = nbody.simulate_inputs(transform(inputs, types, g))["final_positions"]
    expected = transform({"final_positions": out}, types, g)["final_positions"]
    rel = (moved - expected).norm() / expected.norm()
    assert rel < 1e-10
    perm = torch.tensor([2, 0, 3, 1])
    permuted = nbody.simulate_inputs({k: v[:, perm] for k, v in inputs.items()})["final_positions"]
    assert torch.equal(permuted, out[:, perm])


def test_external_field_breaks_rotation_but_not_z_rotation_symmetry():
    params = {"external_field": 5.0}
    inputs = _random_inputs(16, 8)
    types = nbody.schema({})
    out = nbody.simulate_inputs(inputs, params)["final_positions"]
    errors = {}
    for group in ("SO3", "SO2z"):
        g = sample(group, 16, seed=2)
        moved = nbody.simulate_inputs(transform(inputs, types, g), params)["final_positions"]
        errors[group] = float((moved - transform({"final_positions": out}, types, g)["final_positions"]).abs().max())
    assert errors["SO2z"] < 1e-10 < 1e-3 < errors["SO3"]


def test_integrator_two_body_circular_orbit_and_single_step():
    # A light planet on a circular orbit around a heavy star: radius kept, phase advanced by ω t.
    M, r = 1e2, 1.0
    params = nbody.validate_params({"dt": 1e-4, "steps": 1000})
    m = torch.tensor([[M, 1e-9]], dtype=torch.float64)
    x = torch.tensor([[[0.0, 0, 0], [r, 0, 0]]], dtype=torch.float64)
    v = torch.tensor([[[0.0, 0, 0], [0, np.sqrt(M / r), 0]]], dtype=torch.float64)
    xt, _ = nbody.integrate(m, x, v, params)
    t = params["dt"] * params["steps"]
    assert float(xt[0, 1].norm()) == pytest.approx(r, rel=2e-3)
    assert float(torch.atan2(xt[0, 1, 1], xt[0, 1, 0])) == pytest.approx(np.sqrt(M / r**3) * t, rel=2e-3)
    # One semi-implicit step: v1 = v0 + dt a(x0), x1 = x0 + dt v1, with a = m_j (x_j − x_i)/|x_j − x_i|³.
    one = nbody.validate_params({"steps": 1, "dt": 0.1})
    m2 = torch.tensor([[2.0, 3.0]], dtype=torch.float64)
    x2 = torch.tensor([[[0.0, 0, 0], [2.0, 0, 0]]], dtype=torch.float64)
    v2 = torch.zeros(1, 2, 3, dtype=torch.float64)
    x1, _ = nbody.integrate(m2, x2, v2, one)
    assert x1[0, 0, 0].item() == pytest.approx(0.01 * 3 / 4) and x1[0, 1, 0].item() == pytest.approx(2 - 0.01 * 2 / 4)


def test_reference_baseline_statistics():
    """No-motion and constant-velocity baselines and the rejection rate of the spec (§6) on 3,000 samples."""
    a, info = _split(3000, seed=0, split="test")
    x, v, xt = a["positions"], a["velocities"], a["final_positions"]
    assert ((xt - x) ** 2).mean() == pytest.approx(0.0158, rel=0.06)
    assert ((x + 0.1 * v - xt) ** 2).mean() == pytest.approx(0.0057, rel=0.12)
    assert info["rejection_rate"] < 0.006
    assert 0.0 < info["close_encounter_fraction"] < 0.2
