"""Parameters of the ``rigid`` benchmark: defaults, allowed ranges and validation (see docs/benchmarks/rigid.md)."""

from __future__ import annotations

import math
from typing import Any

from equiscale.data.rigid_dynamics import SCHEMES
from equiscale.errors import EquiscaleError

# Units: lengths ~ a body's radius (0.5), masses ~ a particle's mass (~1), time ~ the horizon (1). Every constant is
# explained in docs/benchmarks/rigid.md.
DEFAULT_PARAMS: dict[str, Any] = {
    "bodies": 4,  # K, rigid bodies (tokens) per sample in train/val/test/test_e3
    "particles_per_body": 4,  # n, point masses per body
    "object_bodies": 8,  # K in the test_objects split (object generalisation)
    "horizon": 1.0,  # H, simulated time per sample
    "steps": 30,  # integrator steps over the horizon (dt = horizon / steps)
    "scheme": "suzuki4",  # integrator: verlet (2nd order) or yoshida4 / suzuki4 (4th order; 3 / 5 force evaluations)
    "gravity": 0.0,  # g, uniform field: force −m g ẑ per particle; > 0 breaks E(3) down to E3z
    "well_depth": 0.15,  # ε, Morse well depth
    "well_stiffness": 5.0,  # a, Morse inverse width
    "well_distance": 0.5,  # r0, Morse equilibrium distance
    "body_radius": 0.5,  # particles are uniform in a ball of this radius (body frame), then centred on their CoM
    "mass_min": 0.5,  # particle masses are log-uniform in [mass_min, mass_max]
    "mass_max": 2.0,
    "min_inertia_ratio": 0.1,  # redraw a body whose smallest/largest principal moment is below this
    "ball_radius": 2.0,  # initial centres uniform in a ball of this radius (for 4 bodies; scaled by (K/4)^(1/3))
    "start_distance": 0.5,  # no two particles of different bodies start closer than this
    "infall": 0.3,  # homologous infall rate: v = −infall · (centre − ball centre) + noise
    "speed": 0.2,  # std of the isotropic velocity noise per component
    "spin": 1.0,  # std of the isotropic angular velocity per component (rad per unit time)
    "shift_std": 1.0,  # std of a random translation of each whole sample
    "e3_shift": 20.0,  # extra shift along +x in the test_e3 split (out-of-distribution positions)
    "overlap_fraction": 0.5,  # reject if particles of different bodies come closer than this × the core radius
    "escape_radius": 10.0,  # reject if a body ends farther than this from the system's centre of mass
    "energy_tolerance": 1e-4,  # reject if |E(H) − E(0)| exceeds this × the initial kinetic energy
}

SPLITS: dict[str, str] = {
    "train": "in distribution",
    "val": "in distribution",
    "test": "in distribution",
    "test_objects": "object generalisation: object_bodies bodies per sample",
    "test_e3": "E(3) generalisation: positions shifted by +e3_shift along x",
}

_INT_RANGES = {"bodies": (2, 16), "object_bodies": (2, 16), "particles_per_body": (3, 8), "steps": (1, 100_000)}
_POSITIVE = ("horizon", "well_depth", "well_stiffness", "well_distance", "body_radius", "mass_min", "mass_max",
             "ball_radius", "escape_radius", "energy_tolerance")  # fmt: skip
_NON_NEGATIVE = ("gravity", "start_distance", "infall", "speed", "spin", "shift_std", "overlap_fraction")
_FRACTIONS = ("min_inertia_ratio", "overlap_fraction")


def check_split(split: str) -> None:
    """Raise EquiscaleError unless ``split`` is one of :data:`SPLITS`."""
    if split not in SPLITS:
        raise EquiscaleError(f"unknown rigid split {split!r}; expected one of {', '.join(SPLITS)}")


def validate_params(params: dict[str, Any] | None) -> dict[str, Any]:
    """Merge ``params`` with :data:`DEFAULT_PARAMS`; raise EquiscaleError on unknown keys or bad values."""
    params = dict(params or {})
    unknown = sorted(set(params) - set(DEFAULT_PARAMS))
    if unknown:
        raise EquiscaleError(f"unknown rigid parameter(s) {unknown}; known: {sorted(DEFAULT_PARAMS)}")
    out = {**DEFAULT_PARAMS, **params}
    for key, (lo, hi) in _INT_RANGES.items():
        value = out[key]
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise EquiscaleError(f"rigid parameter {key} must be an integer in [{lo}, {hi}], got {value!r}")
    if out["scheme"] not in SCHEMES:
        raise EquiscaleError(f"rigid parameter scheme must be one of {', '.join(SCHEMES)}, got {out['scheme']!r}")
    for key in (*_POSITIVE, *_NON_NEGATIVE, "min_inertia_ratio", "e3_shift"):
        value = out[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise EquiscaleError(f"rigid parameter {key} must be a finite number, got {value!r}")
        out[key] = float(value)
    for key in _POSITIVE:
        if out[key] <= 0:
            raise EquiscaleError(f"rigid parameter {key} must be positive, got {out[key]}")
    for key in _NON_NEGATIVE:
        if out[key] < 0:
            raise EquiscaleError(f"rigid parameter {key} must be non-negative, got {out[key]}")
    for key in _FRACTIONS:
        if not 0 <= out[key] < 1:
            raise EquiscaleError(f"rigid parameter {key} must lie in [0, 1), got {out[key]}")
    if out["mass_min"] > out["mass_max"]:
        raise EquiscaleError(f"rigid parameter mass_min ({out['mass_min']}) exceeds mass_max ({out['mass_max']})")
    if out["well_distance"] * out["well_stiffness"] <= math.log(2):
        raise EquiscaleError("rigid parameters give no repulsive core: need well_distance · well_stiffness > ln 2")
    return out
