"""Physics, symmetry and contract tests of the ``rigid`` benchmark (small float64 batches, a few seconds in all)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from equiscale.data import rigid
from equiscale.data import rigid_dynamics as dyn
from equiscale.data.rigid_sampling import sample_initial
from equiscale.errors import EquiscaleError
from equiscale.geometry import sample, transform

F64 = torch.float64


def _initial(n: int, seed: int, params: dict | None = None) -> tuple[dict[str, torch.Tensor], dict]:
    p = rigid.validate_params(params)
    inputs, valid = sample_initial(n, p["bodies"], p, torch.Generator().manual_seed(seed))
    assert valid.all()
    return inputs, p


def _rel(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-sample relative error ‖a − b‖ / ‖b‖."""
    return (a - b).flatten(1).norm(dim=1) / b.flatten(1).norm(dim=1)


def _run(inputs: dict[str, torch.Tensor], p: dict, steps: int | None = None) -> tuple[dyn.Bodies, dyn.State, dyn.State]:
    bodies, state = dyn.from_particles(*(inputs[k] for k in rigid.INPUTS))
    steps = steps or p["steps"]
    final, _ = dyn.integrate(
        bodies, state, morse=rigid.morse(p), gravity=p["gravity"], dt=p["horizon"] / steps, steps=steps,
        scheme=p["scheme"],
    )  # fmt: skip
    return bodies, state, final


# ---- physics ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("gravity", [0.0, 2.0])
def test_energy_drift_is_small_and_fourth_order(gravity: float) -> None:
    inputs, p = _initial(64, seed=11, params={"gravity": gravity})
    pot = rigid.morse(p)
    bodies, state, final = _run(inputs, p)
    scale = dyn.kinetic_energy(bodies, state) + pot.depth
    drift = (dyn.energy(bodies, final, pot, gravity) - dyn.energy(bodies, state, pot, gravity)).abs() / scale
    assert drift.median() < 1e-5
    assert (drift <= 1e-4).double().mean() >= 0.95  # the rest is rejected by the generator (energy_tolerance)
    _, _, fine = _run(inputs, p, steps=2 * p["steps"])
    drift_fine = (dyn.energy(bodies, fine, pot, gravity) - dyn.energy(bodies, state, pot, gravity)).abs() / scale
    assert drift_fine.max() <= 1e-4
    assert drift_fine.max() < drift.max() / 8  # halving dt cuts the error ~16× (fourth order), not 4× (second)


def test_momentum_and_angular_momentum_are_conserved() -> None:
    inputs, p = _initial(32, seed=12)
    inputs["velocity"] = inputs["velocity"] + torch.tensor([0.3, -0.2, 0.1], dtype=F64)  # non-zero total momentum
    _, state, final = _run(inputs, p)
    p_scale = state.momentum.norm(dim=-1).sum(-1, keepdim=True)
    orbital = torch.linalg.cross(state.com, state.momentum, dim=-1).norm(dim=-1)
    l_scale = (orbital + state.spin.norm(dim=-1)).sum(-1, keepdim=True)
    assert ((dyn.linear_momentum(final) - dyn.linear_momentum(state)).abs() / p_scale).max() <= 1e-9
    assert ((dyn.angular_momentum(final) - dyn.angular_momentum(state)).abs() / l_scale).max() <= 1e-9
    moved = (final.com - state.com).norm(dim=-1).mean()
    assert moved > 0.1  # the bodies did move: conservation is not trivial


def test_orientations_stay_orthonormal_and_bodies_rigid() -> None:
    inputs, p = _initial(16, seed=13)
    bodies, _, final = _run(inputs, p)
    eye = torch.eye(3, dtype=F64)
    assert (final.axes @ final.axes.transpose(-1, -2) - eye).abs().max() < 1e-12
    x0, x1 = inputs["positions"], dyn.particle_positions(bodies, final)
    gram = lambda x: torch.cdist(x.flatten(0, 1), x.flatten(0, 1))  # noqa: E731
    assert (gram(x1) - gram(x0)).abs().max() < 1e-12


def test_from_particles_round_trips_the_inputs() -> None:
    inputs, _ = _initial(16, seed=14)
    bodies, state = dyn.from_particles(*(inputs[k] for k in rigid.INPUTS))
    assert (dyn.particle_positions(bodies, state) - inputs["positions"]).abs().max() < 1e-12
    assert (dyn.angular_velocity(bodies, state) - inputs["angular_velocity"]).abs().max() < 1e-12
    assert (torch.linalg.det(state.axes) - 1).abs().max() < 1e-12
    assert (bodies.inertia > 0).all()


def test_gravity_shifts_every_target_by_half_g_h_squared() -> None:
    inputs, p = _initial(16, seed=15)
    free = rigid.simulate_inputs(inputs, p)["final_positions"]
    fall = rigid.simulate_inputs(inputs, {"gravity": 2.0})["final_positions"]
    expected = free - torch.tensor([0.0, 0.0, 0.5 * 2.0 * p["horizon"] ** 2], dtype=F64)
    assert _rel(fall, expected).max() < 1e-9


# ---- symmetries of the simulator ------------------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["E3", "SE3"])
def test_simulator_is_e3_equivariant_without_gravity(group: str) -> None:
    inputs, p = _initial(48, seed=21)
    g = sample(group, 48, seed=22, translation_scale=3.0)
    if group == "E3":
        assert (g.det < 0).any()  # reflections are exercised
    fields = rigid.schema(p)
    out = rigid.simulate_inputs(inputs, p)
    moved = rigid.simulate_inputs(transform(inputs, fields.inputs, g), p)
    assert _rel(moved["final_positions"], transform(out, fields.targets, g)["final_positions"]).max() <= 1e-9


def test_simulator_is_permutation_equivariant() -> None:
    inputs, p = _initial(32, seed=23)
    perm = torch.tensor([2, 0, 3, 1])
    out = rigid.simulate_inputs(inputs, p)["final_positions"]
    permuted = rigid.simulate_inputs({k: v[:, perm] for k, v in inputs.items()}, p)["final_positions"]
    assert _rel(permuted, out[:, perm]).max() <= 1e-9


def test_gravity_leaves_only_e3z() -> None:
    inputs, p = _initial(32, seed=24, params={"gravity": 1.0})
    fields = rigid.schema(p)
    out = rigid.simulate_inputs(inputs, p)

    def error(group: str) -> torch.Tensor:
        g = sample(group, 32, seed=25, translation_scale=2.0)
        moved = rigid.simulate_inputs(transform(inputs, fields.inputs, g), p)["final_positions"]
        return _rel(moved, transform(out, fields.targets, g)["final_positions"])

    assert error("E3z").max() <= 1e-9  # rotations about z, vertical mirrors, translations
    assert error("SO2z").max() <= 1e-9
    assert error("SO3").median() > 1e-2  # a general rotation turns the field: a clear violation


# ---- the benchmark contract ----------------------------------------------------------------------------------------


def test_generate_matches_schema_and_is_deterministic() -> None:
    arrays, info = rigid.generate(40, seed=3, params={})
    again, _ = rigid.generate(40, seed=3, params={})
    other, _ = rigid.generate(40, seed=4, params={})
    fields = rigid.schema({})
    assert set(arrays) == set(fields.fields)
    fields.check_batch({k: torch.from_numpy(v) for k, v in arrays.items()})
    assert all(a.dtype == np.float32 for a in arrays.values())
    for key in arrays:
        np.testing.assert_array_equal(arrays[key], again[key])
    assert not np.array_equal(arrays["positions"], other["positions"])
    longer, _ = rigid.generate(150, seed=3, params={})  # simulated in a different batch size
    np.testing.assert_array_equal(longer["final_positions"][:40], arrays["final_positions"])
    assert info["accepted"] == 40 and info["attempted"] == 40 + info["rejected"]
    assert 0.0 <= info["rejection_rate"] < 0.1
    assert sum(info["rejected_by"].values()) == info["rejected"]


def test_stored_inputs_reproduce_stored_targets() -> None:
    arrays, _ = rigid.generate(24, seed=5, params={})
    inputs = {k: torch.from_numpy(arrays[k]).to(F64) for k in rigid.INPUTS}
    target = torch.from_numpy(arrays["final_positions"]).to(F64)
    assert _rel(rigid.simulate_inputs(inputs, {})["final_positions"], target).max() < 1e-6  # float32 rounding only


def test_samples_interact_and_move() -> None:
    _, info = rigid.generate(64, seed=6, params={})
    assert info["interacting_fraction"] > 0.6  # most samples see a collision or capture within the horizon
    assert 0.2 < info["mean_displacement"] < 2.0  # O(1) motion
    assert info["energy_error_max"] <= rigid.DEFAULT_PARAMS["energy_tolerance"]


def test_rejection_is_counted_and_reported() -> None:
    _, info = rigid.generate(10, seed=7, params={"energy_tolerance": 1e-7})
    assert info["rejected_by"]["energy"] > 0
    assert info["rejection_rate"] == pytest.approx(info["rejected"] / info["attempted"])
    _, info = rigid.generate(10, seed=7, params={"overlap_fraction": 0.95, "energy_tolerance": 1.0})
    assert info["rejected_by"]["overlap"] > 0 and info["rejected_by"]["energy"] == 0


def test_hopeless_parameters_fail_instead_of_looping() -> None:
    with pytest.raises(EquiscaleError, match="reject nearly every candidate"):
        rigid.generate(5, seed=0, params={"energy_tolerance": 1e-15, "steps": 2})


def test_splits_change_token_count_and_position() -> None:
    objects, info = rigid.generate(8, seed=8, params={"object_bodies": 6}, split="test_objects")
    assert objects["positions"].shape == (8, 6, 4, 3) and info["bodies"] == 6
    shifted, _ = rigid.generate(8, seed=8, params={}, split="test_e3")
    assert abs(shifted["positions"][..., 0].mean() - rigid.DEFAULT_PARAMS["e3_shift"]) < 5.0
    assert rigid.extra_splits({}) == ("test_objects", "test_e3")
    with pytest.raises(EquiscaleError, match="split"):
        rigid.generate(2, seed=0, params={}, split="bogus")


def test_progress_reports_every_accepted_sample() -> None:
    seen: list[int] = []
    rigid.generate(30, seed=9, params={}, progress=seen.append)
    assert sum(seen) == 30


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"nope": 1}, "unknown rigid parameter"),
        ({"bodies": 1}, "bodies"),
        ({"bodies": 17}, "bodies"),
        ({"bodies": 4.0}, "bodies"),
        ({"particles_per_body": 2}, "particles_per_body"),
        ({"horizon": -1.0}, "horizon"),
        ({"gravity": -1.0}, "gravity"),
        ({"gravity": float("nan")}, "gravity"),
        ({"mass_min": 3.0}, "mass_min"),
        ({"scheme": "rk4"}, "scheme"),
        ({"overlap_fraction": 1.5}, "overlap_fraction"),
        ({"well_distance": 0.1}, "repulsive core"),
    ],
)
def test_params_are_validated(params: dict, match: str) -> None:
    with pytest.raises(EquiscaleError, match=match):
        rigid.validate_params(params)


def test_defaults_and_schema() -> None:
    p = rigid.validate_params(None)
    assert p == {**rigid.DEFAULT_PARAMS, **{k: float(v) for k, v in p.items() if isinstance(v, float)}}
    s = rigid.schema({"bodies": 6, "particles_per_body": 3})
    assert s.tokens == 6
    types = {f.name: (f.type.value, f.shape) for f in (*s.inputs, *s.targets)}
    assert types == {
        "positions": ("point", (3, 3)),
        "masses": ("scalar", (3,)),
        "velocity": ("vector", (3,)),
        "angular_velocity": ("pseudovector", (3,)),
        "final_positions": ("point", (3, 3)),
    }
    assert rigid.NAME == "rigid"
