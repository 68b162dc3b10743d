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
    [n] that is False where some body stayed degenerate (nearly collinear) after SHAPE_ROUNDS redraws."""
    p = params["particles_per_body"]
    lo, hi = math.log(params["mass_min"]), math.log(params["mass_max"])
    offsets = torch.empty(n * bodies, p, 3, dtype=F64)
    masses = torch.empty(n * bodies, p, dtype=F64)
    todo = torch.arange(n * bodies)
    for _ in range(SHAPE_ROUNDS):
        x = _in_ball((len(todo), p), params["body_radius"], gen)
        m = torch.exp(lo + (hi - lo) * torch.rand(len(todo), p, generator=gen, dtype=F64))
        x = x - (m.unsqueeze(-1) * x).sum(-2, keepdim=True) / m.sum(-1)[:, None, None]
        offsets[todo], masses[todo] = x, m
        todo = todo[_inertia_ratio(x, m) < params["min_inertia_ratio"]]
        if not len(todo):
            break
    ok = torch.ones(n * bodies, dtype=torch.bool)
    ok[todo] = False
    return offsets.reshape(n, bodies, p, 3), masses.reshape(n, bodies, p), ok.reshape(n, bodies).all(-1)


def _place(offsets: Tensor, params: dict[str, Any], gen: torch.Generator) -> tuple[Tensor, Tensor]:
    """Centres [n, K, 3] uniform in the ball, placed body by body (random sequential addition) so that no two
    particles of different bodies start closer than ``start_distance``; and a flag [n], False where a body found no
    place among PLACEMENT_TRIES candidates. Candidates are drawn up front and tried in order, so the result does not
    depend on how the work is batched."""
    n, K = offsets.shape[:2]
    trials = _in_ball((n, K, PLACEMENT_TRIES), ball_radius(params, K), gen)
    centres = trials[:, :, 0].clone()
    ok = torch.ones(n, dtype=torch.bool)
    gap2 = params["start_distance"] ** 2
    for k in range(1, K):
        placed = (centres[:, :k, None] + offsets[:, :k]).flatten(1, 2)  # [n, k·p, 3]
        todo = torch.arange(n)
        for t in range(PLACEMENT_TRIES):
            cand = trials[todo, k, t, None] + offsets[todo, k]  # [m, p, 3]
            dist2 = (cand.unsqueeze(2) - placed[todo].unsqueeze(1)).square().sum(-1).flatten(1).amin(-1)
            fits = dist2 >= gap2
            centres[todo[fits], k] = trials[todo[fits], k, t]
            todo = todo[~fits]
            if not len(todo):
                break
        ok[todo] = False
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
