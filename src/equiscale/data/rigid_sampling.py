"""Initial conditions of the ``rigid`` benchmark: random rigid clusters placed in a ball, falling inwards.

Everything here is drawn on the CPU in float64 from one ``torch.Generator``, so a seed gives the same candidates on
every device. The distribution is invariant under rotations and reflections about the ball centre (isotropic shapes,
positions, velocities and spins), and the centre itself is shifted by N(0, shift_std² I).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

F64 = torch.float64
SHAPE_ROUNDS = 16  # redraws of a degenerate (nearly collinear) body shape before giving up on the sample
PLACEMENT_TRIES = 32  # candidate centre positions per body before giving up on the sample


def ball_radius(params: dict[str, Any], bodies: int) -> float:
    """Radius of the ball of initial centres: ``ball_radius`` for 4 bodies, scaled as (K/4)^(1/3) (fixed density)."""
    return params["ball_radius"] * (bodies / 4.0) ** (1.0 / 3.0)


def _in_ball(shape: tuple[int, ...], radius: float, gen: torch.Generator) -> Tensor:
    """Uniform points in a ball, [*shape, 3]."""
    direction = torch.randn(*shape, 3, generator=gen, dtype=F64)
    direction = direction / direction.norm(dim=-1, keepdim=True)
    r = radius * torch.rand(*shape, 1, generator=gen, dtype=F64) ** (1.0 / 3.0)
    return r * direction


def _inertia_ratio(offsets: Tensor, masses: Tensor) -> Tensor:
    """Smallest over largest principal moment of each body, [...]."""
    eye = torch.eye(3, dtype=F64)
    m = masses[..., None, None]
    r2 = offsets.square().sum(-1)[..., None, None]
    inertia = (m * (r2 * eye - offsets.unsqueeze(-1) * offsets.unsqueeze(-2))).sum(-3)
    moments = torch.linalg.eigvalsh(inertia)
    return moments[..., 0] / moments[..., 2]


def _shapes(n: int, bodies: int, params: dict[str, Any], gen: torch.Generator) -> tuple[Tensor, Tensor, Tensor]:
    """Particle offsets from each body's centre of mass [n, K, p, 3], masses [n, K, p] (log-uniform) and a flag
    [n] that is False where some body stayed degenerate after all redraws."""
    p = params["particles_per_body"]
    lo, hi = math.log(params["mass_min"]), math.log(params["mass_max"])
    offsets = torch.zeros(n, bodies, p, 3, dtype=F64)
    masses = torch.ones(n, bodies, p, dtype=F64)
    todo = torch.ones(n, bodies, dtype=torch.bool)
    for _ in range(SHAPE_ROUNDS):
        x = _in_ball((n, bodies, p), params["body_radius"], gen)
        m = torch.exp(lo + (hi - lo) * torch.rand(n, bodies, p, generator=gen, dtype=F64))
        x = x - (m.unsqueeze(-1) * x).sum(-2, keepdim=True) / m.sum(-1)[..., None, None]
        offsets = torch.where(todo[..., None, None], x, offsets)
        masses = torch.where(todo[..., None], m, masses)
        todo = _inertia_ratio(offsets, masses) < params["min_inertia_ratio"]
        if not todo.any():
            break
    return offsets, masses, ~todo.any(-1)


def _place(offsets: Tensor, params: dict[str, Any], gen: torch.Generator) -> tuple[Tensor, Tensor]:
    """Centres [n, K, 3] uniform in the ball, placed body by body (random sequential addition) so that no two
    particles of different bodies start closer than ``start_distance``; and a flag [n], False where a body found no
    place in PLACEMENT_TRIES tries."""
    n, K = offsets.shape[:2]
    radius = ball_radius(params, K)
    trials = _in_ball((n, K, PLACEMENT_TRIES), radius, gen)
    centres = trials[:, :, 0].clone()
    ok = torch.ones(n, dtype=torch.bool)
    gap = params["start_distance"]
    for k in range(1, K):
        placed = (centres[:, :k, None] + offsets[:, :k]).reshape(n, 1, 1, -1, 3)  # [n, 1, 1, k·p, 3]
        cand = (trials[:, k, :, None] + offsets[:, k, None]).unsqueeze(-2)  # [n, T, p, 1, 3]
        dist = (cand - placed).norm(dim=-1).flatten(-2).amin(-1)  # [n, T]
        fits = dist >= gap
        first = fits.to(torch.int8).argmax(-1)
        centres[:, k] = trials[:, k].gather(1, first[:, None, None].expand(n, 1, 3)).squeeze(1)
        ok &= fits.any(-1)
    return centres, ok


def sample_initial(
    n: int, bodies: int, params: dict[str, Any], gen: torch.Generator
) -> tuple[dict[str, Tensor], Tensor]:
    """``n`` candidate initial states as float64 input fields (``positions`` [n, K, p, 3], ``masses`` [n, K, p],
    ``velocity`` [n, K, 3], ``angular_velocity`` [n, K, 3]) and a validity flag [n] (shape and placement found).

    Velocities are a homologous infall v = −infall · c (every centre would reach the middle at t = 1/infall) plus
    isotropic Gaussian noise of std ``speed`` per component, shifted to zero total momentum; angular velocities are
    isotropic Gaussian with std ``spin`` per component (world frame)."""
    offsets, masses, shape_ok = _shapes(n, bodies, params, gen)
    centres, placed_ok = _place(offsets, params, gen)
    velocity = -params["infall"] * centres + params["speed"] * torch.randn(n, bodies, 3, generator=gen, dtype=F64)
    body_mass = masses.sum(-1, keepdim=True)
    velocity = velocity - (body_mass * velocity).sum(1, keepdim=True) / body_mass.sum(1, keepdim=True)
    omega = params["spin"] * torch.randn(n, bodies, 3, generator=gen, dtype=F64)
    shift = params["shift_std"] * torch.randn(n, 1, 1, 3, generator=gen, dtype=F64)
    positions = centres[:, :, None] + offsets + shift
    inputs = {"positions": positions, "masses": masses, "velocity": velocity, "angular_velocity": omega}
    return inputs, shape_ok & placed_ok
