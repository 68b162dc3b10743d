"""``rigid``: equiscale's own rigid-body-interaction benchmark (documented in docs/benchmarks/rigid.md).

K rigid bodies, each a random cluster of n point masses, start in a ball and fall inwards while spinning; particles of
different bodies interact through a Morse potential (repulsive core, attractive tail), so bodies collide, bounce,
stick and exchange spin. One sample maps the initial state to the particle positions after ``horizon``.

Tokens are bodies. Inputs per body: ``positions`` (point, [n, 3]), ``masses`` (scalar, [n]), ``velocity`` (vector,
[3], centre of mass) and ``angular_velocity`` (pseudovector, [3], world frame); target: ``final_positions`` (point,
[n, 3]). The inputs determine the rigid state exactly: centre of mass, principal frame and body-frame shape are
reconstructed from positions and masses (:func:`simulate_inputs`). With ``gravity`` = 0 the map is E(3)- and
body-permutation-equivariant; ``gravity`` = g > 0 adds the force −m g ẑ and leaves E3z (rotations about ẑ, vertical
mirror planes, translations). A uniform field moves every centre of mass by −g t²/2 ẑ and exerts no torque, so it
shifts every target by exactly −g H²/2 ẑ: the symmetry breaking is additive and its size is known in closed form.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import Tensor

from equiscale.data import rigid_dynamics as dyn
from equiscale.data.rigid_params import DEFAULT_PARAMS, SPLITS, check_split, validate_params
from equiscale.data.rigid_sampling import ball_radius, sample_initial
from equiscale.errors import EquiscaleError
from equiscale.geometry import Field, Schema

NAME = "rigid"
CHUNK = 1024  # candidates per seeded chunk: fixed, so a split's first k samples do not depend on the request size
MAX_FUTILE = 4096  # give up when at least this many candidates were tried and fewer than 5 % accepted
INPUTS = ("positions", "masses", "velocity", "angular_velocity")

__all__ = [
    "CHUNK",
    "DEFAULT_PARAMS",
    "NAME",
    "SPLITS",
    "extra_splits",
    "generate",
    "schema",
    "simulate",
    "simulate_inputs",
    "split_tokens",
    "validate_params",
]


def schema(params: dict[str, Any] | None = None) -> Schema:
    """One token per body: inputs positions/masses/velocity/angular_velocity, target final_positions."""
    params = validate_params(params)
    n = params["particles_per_body"]
    return Schema(
        inputs=(
            Field("positions", "point", (n, 3)),
            Field("masses", "scalar", (n,)),
            Field("velocity", "vector", (3,)),
            Field("angular_velocity", "pseudovector", (3,)),
        ),
        targets=(Field("final_positions", "point", (n, 3)),),
        tokens=params["bodies"],
    )


def split_tokens(split: str, params: dict[str, Any]) -> int:
    """Bodies per sample in ``split`` (``object_bodies`` in ``test_objects``, else ``bodies``)."""
    check_split(split)
    return params["object_bodies"] if split == "test_objects" else params["bodies"]


def extra_splits(params: dict[str, Any]) -> tuple[str, ...]:
    """Splits beyond train/val/test that the store generates (sized like ``test``)."""
    return ("test_objects", "test_e3")


def morse(params: dict[str, Any]) -> dyn.Morse:
    """The pair potential named by ``params``."""
    return dyn.Morse(params["well_depth"], params["well_stiffness"], params["well_distance"])


def simulate(inputs: dict[str, Tensor], params: dict[str, Any]) -> tuple[Tensor, dict[str, Tensor]]:
    """Integrate float64 input fields [B, K, ...] over the horizon; returns final positions [B, K, n, 3] and
    per-sample diagnostics [B]: ``min_distance`` (closest approach of particles of different bodies at any force
    evaluation), ``energy_error`` (|E(H) − E(0)| / (T(0) + ε): initial kinetic energy plus one well depth, a scale
    that stays positive when the bodies start at rest) and ``max_radius`` (largest distance of a body's centre of
    mass from the system's centre of mass at H)."""
    bodies, state = dyn.from_particles(*(inputs[k].to(torch.float64) for k in INPUTS))
    pot, g = morse(params), params["gravity"]
    e0, t0 = dyn.energy(bodies, state, pot, g), dyn.kinetic_energy(bodies, state)
    steps = params["steps"]
    final, rmin = dyn.integrate(
        bodies, state, morse=pot, gravity=g, dt=params["horizon"] / steps, steps=steps, scheme=params["scheme"]
    )
    e1 = dyn.energy(bodies, final, pot, g)
    mass = bodies.mass.unsqueeze(-1)
    centre = (mass * final.com).sum(1, keepdim=True) / mass.sum(1, keepdim=True)
    diagnostics = {
        "min_distance": rmin,
        "energy_error": (e1 - e0).abs() / (t0 + pot.depth),
        "max_radius": (final.com - centre).norm(dim=-1).amax(-1),
    }
    return dyn.particle_positions(bodies, final), diagnostics


def simulate_inputs(inputs: dict[str, Tensor], params: dict[str, Any] | None = None) -> dict[str, Tensor]:
    """The exact simulator map from input fields (float64 [B, K, ...]) to ``final_positions`` [B, K, n, 3]."""
    final, _ = simulate(inputs, validate_params(params))
    return {"final_positions": final}


def _accept(diag: dict[str, Tensor], params: dict[str, Any]) -> dict[str, Tensor]:
    """Per-sample rejection reasons [B] (True = rejected for that reason)."""
    return {
        "overlap": diag["min_distance"] < params["overlap_fraction"] * morse(params).core_radius,
        "escape": diag["max_radius"] > params["escape_radius"],
        "energy": ~(diag["energy_error"] <= params["energy_tolerance"]),  # NaN counts as rejected
    }


class _Candidates:
    """The seeded stream of candidate initial states of one split: chunks of :data:`CHUNK`, each from its own seed,
    with inputs already rounded to float32 (what the store will hold), served in order in batches of any size."""

    def __init__(self, seed: int, split: str, bodies: int, params: dict[str, Any]) -> None:
        self.seed, self.split, self.bodies, self.params = int(seed), split, bodies, params
        self.shift = torch.tensor([params["e3_shift"] if split == "test_e3" else 0.0, 0.0, 0.0], dtype=torch.float64)
        self.chunk = 0
        self.buffer: dict[str, Tensor] = {}
        self.valid = torch.zeros(0, dtype=torch.bool)

    def _more(self) -> None:
        digest = hashlib.sha256(f"rigid:{self.seed}:{self.split}:{self.chunk}".encode()).digest()
        gen = torch.Generator().manual_seed(int.from_bytes(digest[:8], "little") >> 1)
        cand, valid = sample_initial(CHUNK, self.bodies, self.params, gen)
        cand["positions"] = cand["positions"] + self.shift
        cand = {k: v.to(torch.float32).to(torch.float64) for k, v in cand.items()}
        self.buffer = {k: torch.cat([self.buffer[k], v]) if self.buffer else v for k, v in cand.items()}
        self.valid = torch.cat([self.valid, valid])
        self.chunk += 1

    def take(self, m: int) -> tuple[dict[str, Tensor], Tensor]:
        while len(self.valid) < m:
            self._more()
        out = {k: v[:m] for k, v in self.buffer.items()}, self.valid[:m]
        self.buffer, self.valid = {k: v[m:] for k, v in self.buffer.items()}, self.valid[m:]
        return out

    def give_back(self, batch: dict[str, Tensor], valid: Tensor) -> None:
        """Return unused candidates to the front of the stream."""
        self.buffer = {k: torch.cat([batch[k], self.buffer[k]]) for k in batch}
        self.valid = torch.cat([valid, self.valid])


def _batch_size(bodies: int, particles: int, device: torch.device) -> int:
    """Candidates simulated together: bounded by the pair-term memory; larger on accelerators."""
    pair_terms = bodies * (bodies - 1) // 2 * particles**2
    cap, budget = (65536, 1 << 24) if device.type != "cpu" else (4096, 1 << 22)
    return max(32, min(cap, budget // pair_terms))


def generate(
    n: int,
    seed: int,
    params: dict[str, Any] | None = None,
    *,
    split: str = "train",
    device: torch.device | str | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Generate ``n`` accepted samples of ``split`` from ``seed`` (deterministic on a given device).

    Candidates come from a seeded stream (chunks of :data:`CHUNK`) and are accepted in order, so the first k samples
    do not depend on ``n`` or on the batch size. Inputs are rounded to float32 *before* simulation, so the stored
    inputs map to the stored targets through :func:`simulate_inputs` up to the final float32 rounding.
    ``progress(k)`` is called with the number of newly accepted samples. Returns float32 arrays and an info dict
    with rejection counts and statistics."""
    params = validate_params(params)
    check_split(split)
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise EquiscaleError(f"number of samples must be a non-negative integer, got {n!r}")
    K = split_tokens(split, params)
    device = torch.device(device) if device is not None else torch.device("cpu")
    stream = _Candidates(seed, split, K, params)
    batch_size = _batch_size(K, params["particles_per_body"], device)
    parts: dict[str, list[Tensor]] = {k: [] for k in (*INPUTS, "final_positions", "min_distance", "energy_error")}
    reasons = {"invalid_start": 0, "overlap": 0, "escape": 0, "energy": 0}
    accepted = attempted = 0
    while accepted < n:
        need = n - accepted
        cand, valid = stream.take(min(batch_size, max(32, math.ceil(1.05 * need) + 8)))
        final, diag = simulate({k: v.to(device) for k, v in cand.items()}, params)
        ok = valid.clone()
        first_fail = {"invalid_start": ~valid}
        for key, flag in _accept(diag, params).items():
            first_fail[key] = flag.cpu() & ok
            ok &= ~first_fail[key]
        keep = ok.nonzero().squeeze(-1)[:need]
        used = len(valid) if len(keep) < need else int(keep[-1]) + 1
        stream.give_back({k: v[used:] for k, v in cand.items()}, valid[used:])
        for key, flag in first_fail.items():
            reasons[key] += int(flag[:used].sum())
        attempted += used
        fields = {
            **cand,
            "final_positions": final.cpu(),
            **{k: diag[k].cpu() for k in ("min_distance", "energy_error")},
        }
        for key, value in fields.items():
            parts[key].append(value[keep])
        accepted += len(keep)
        if attempted >= MAX_FUTILE and accepted < 0.05 * attempted:
            raise EquiscaleError(
                f"rigid parameters reject nearly every candidate ({attempted - accepted} of {attempted}: {reasons}); "
                "relax energy_tolerance / overlap_fraction or use more steps"
            )
        if progress is not None and len(keep):
            progress(len(keep))
    return _finish(parts, params, K, accepted, attempted, reasons, split)


def _finish(
    parts: dict[str, list[Tensor]],
    params: dict[str, Any],
    K: int,
    accepted: int,
    attempted: int,
    reasons: dict[str, int],
    split: str,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    p = params["particles_per_body"]
    shapes = {"positions": (K, p, 3), "masses": (K, p), "velocity": (K, 3), "angular_velocity": (K, 3)}
    shapes.update(final_positions=(K, p, 3), min_distance=(), energy_error=())
    cat = {k: torch.cat(v) if v else torch.zeros(0, *shapes[k], dtype=torch.float64) for k, v in parts.items()}
    arrays = {k: cat[k].to(torch.float32).numpy() for k in (*INPUTS, "final_positions")}
    rejected = attempted - accepted
    disp = (cat["final_positions"] - cat["positions"]).norm(dim=-1)
    interacting = cat["min_distance"] < params["well_distance"] + 1.0 / params["well_stiffness"]
    info: dict[str, Any] = {
        "split": split,
        "bodies": K,
        "accepted": accepted,
        "attempted": attempted,
        "rejected": rejected,
        "rejection_rate": rejected / attempted if attempted else 0.0,
        "rejected_by": reasons,
        "ball_radius": ball_radius(params, K),
    }
    if accepted:
        info.update(
            mean_displacement=float(disp.mean()),
            max_displacement=float(disp.max()),
            interacting_fraction=float(interacting.double().mean()),
            min_distance_median=float(cat["min_distance"].median()),
            energy_error_median=float(cat["energy_error"].median()),
            energy_error_max=float(cat["energy_error"].max()),
        )
    return arrays, info
