"""The gravitational n-body benchmark of the Geometric Algebra Transformer paper (Brehmer et al. 2023).

One star (log-uniform mass in [1, 10], at rest at the origin) and ``n_planets`` planets (log-uniform mass in
[0.01, 0.1], area-uniform in the annulus 0.1 ≤ r ≤ 1 of the x–y plane, on noisy circular orbits of random sense).
Each system is permuted, rotated by a Haar SO(3) matrix and translated by N(0, shift_std² I), then integrated with
semi-implicit Euler (G = 1, no softening) for ``steps`` steps of ``dt``. Samples in which any body moves farther than
``max_displacement`` are rejected. Inputs per body: mass (scalar), initial position (point), initial velocity
(vector); target: final position (point). Generation runs in float64 and is stored as float32.

Splits: ``train``, ``val``, ``test`` (in distribution), ``test_objects`` (1 star + ``object_planets`` planets: a
different token count) and ``test_e3`` (an extra fixed shift of ``e3_shift`` along x: out-of-distribution positions).

Candidates are drawn in fixed chunks, each from its own seed, and accepted in order, so the first k samples of a
split do not depend on how many were requested: smaller training sets are prefixes of larger ones.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import Tensor

from equiscale.errors import EquiscaleError
from equiscale.geometry import Field, Schema, sample

NAME = "nbody"

DEFAULT_PARAMS: dict[str, Any] = {
    "n_planets": 3,  # planets per system in train/val/test (tokens = n_planets + 1)
    "object_planets": 5,  # planets per system in the test_objects split
    "dt": 0.001,  # integration time step
    "steps": 100,  # integration steps (total time steps · dt = 0.1)
    "velocity_noise": 0.01,  # std of the Gaussian noise added to every initial velocity component
    "shift_std": 20.0,  # std of the random translation of each system
    "e3_shift": 200.0,  # extra fixed shift along +x in the test_e3 split
    "max_displacement": 2.0,  # reject a sample if any body moves farther than this
    "external_field": 0.0,  # uniform field along −z (a_i += −g ẑ): breaks E(3) down to E3z when non-zero
}

SPLITS: dict[str, str] = {
    "train": "in distribution",
    "val": "in distribution",
    "test": "in distribution",
    "test_objects": "object generalisation: 1 star + object_planets planets",
    "test_e3": "E(3) generalisation: positions shifted by +e3_shift along x",
}

# Candidates are drawn in chunks of 64, 128, …, 4096, 4096, … (independent of the request, so that a split's samples
# are prefixes of larger requests; small at first so that small requests stay cheap).
CHUNK_MIN, CHUNK_MAX = 64, 4096
_MIN_DIST = 1e-9  # coincident pairs exert no force (guard against division by zero)
_CLOSE = 0.05  # planet–planet distance counted as a close encounter


def validate_params(params: dict[str, Any] | None) -> dict[str, Any]:
    """Merge ``params`` with :data:`DEFAULT_PARAMS`; raise EquiscaleError on unknown keys or bad values."""
    params = dict(params or {})
    unknown = sorted(set(params) - set(DEFAULT_PARAMS))
    if unknown:
        raise EquiscaleError(f"unknown nbody parameter(s) {unknown}; known: {sorted(DEFAULT_PARAMS)}")
    out = {**DEFAULT_PARAMS, **params}
    for key in ("n_planets", "object_planets", "steps"):
        value = out[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise EquiscaleError(f"nbody parameter {key} must be a positive integer, got {value!r}")
    for key in ("dt", "velocity_noise", "shift_std", "e3_shift", "max_displacement", "external_field"):
        value = out[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
            raise EquiscaleError(f"nbody parameter {key} must be a finite number, got {value!r}")
        out[key] = float(value)
    for key in ("dt", "max_displacement"):
        if out[key] <= 0:
            raise EquiscaleError(f"nbody parameter {key} must be positive, got {out[key]}")
    for key in ("velocity_noise", "shift_std"):
        if out[key] < 0:
            raise EquiscaleError(f"nbody parameter {key} must be non-negative, got {out[key]}")
    return out


def schema(params: dict[str, Any] | None = None) -> Schema:
    """Inputs ``masses`` (scalar), ``positions`` (point), ``velocities`` (vector); target ``final_positions``."""
    params = validate_params(params)
    return Schema(
        inputs=(
            Field("masses", "scalar", (1,)),
            Field("positions", "point", (3,)),
            Field("velocities", "vector", (3,)),
        ),
        targets=(Field("final_positions", "point", (3,)),),
        tokens=params["n_planets"] + 1,
    )


def split_tokens(split: str, params: dict[str, Any]) -> int:
    """Bodies per sample in ``split``."""
    _check_split(split)
    return (params["object_planets"] if split == "test_objects" else params["n_planets"]) + 1


def extra_splits(params: dict[str, Any]) -> tuple[str, ...]:
    """Splits beyond train/val/test that the store generates (sized like ``test``)."""
    return ("test_objects", "test_e3")


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise EquiscaleError(f"unknown nbody split {split!r}; expected one of {', '.join(SPLITS)}")


def _accelerations(xc: Tensor, m: Tensor, external_field: float) -> tuple[Tensor, Tensor]:
    """Newtonian accelerations a_i = Σ_j m_j (x_j − x_i)/|x_j − x_i|³ and the squared pairwise distances.

    Works component-first (``xc`` [3, ..., N]) for speed. The contributions are sorted before summing so that the
    result is bitwise permutation-equivariant."""
    diff = xc.unsqueeze(-2) - xc.unsqueeze(-1)  # [3, ..., i, j] = x_j − x_i
    dist2 = (diff * diff).sum(0)
    inv3 = torch.where(dist2 > _MIN_DIST**2, dist2.clamp_min(_MIN_DIST**2) ** -1.5, 0.0) * m.unsqueeze(-2)
    acc = (diff * inv3).sort(dim=-1).values.sum(dim=-1)
    if external_field:
        acc[2] -= external_field
    return acc, dist2


def integrate(
    masses: Tensor, positions: Tensor, velocities: Tensor, params: dict[str, Any], *, track: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """Semi-implicit Euler (v ← v + dt·a(x), then x ← x + dt·v) for ``steps`` steps.

    ``masses`` [..., N], ``positions``/``velocities`` [..., N, 3]. Returns the final positions and the minimum over
    steps of the distance between pairs flagged in ``track`` [..., N, N] (+inf when ``track`` is None)."""
    x, v, dt = positions.movedim(-1, 0), velocities.movedim(-1, 0), params["dt"]
    closest2 = torch.full(x.shape[1:-1], torch.inf, dtype=x.dtype, device=x.device)
    for _ in range(params["steps"]):
        acc, dist2 = _accelerations(x, masses, params["external_field"])
        if track is not None:
            closest2 = torch.minimum(closest2, dist2.masked_fill(~track, torch.inf).flatten(-2).amin(-1))
        v = v + dt * acc
        x = x + dt * v
    return x.movedim(0, -1).contiguous(), closest2.sqrt()


def simulate_inputs(inputs: dict[str, Tensor], params: dict[str, Any] | None = None) -> dict[str, Tensor]:
    """The exact simulator map from input fields (``[B, N, ...]``) to the target field, in float64."""
    params = validate_params(params)
    m = inputs["masses"].to(torch.float64)[..., 0]
    final, _ = integrate(m, inputs["positions"].to(torch.float64), inputs["velocities"].to(torch.float64), params)
    return {"final_positions": final}


def _chunk_seed(seed: int, chunk: int) -> int:
    digest = hashlib.sha256(f"nbody:{int(seed)}:{chunk}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def _log_uniform(lo: float, hi: float, shape: tuple[int, ...], gen: torch.Generator) -> Tensor:
    u = torch.rand(shape, generator=gen, dtype=torch.float64)
    return torch.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))


def _candidates(n: int, n_planets: int, shift: float, params: dict[str, Any], gen: torch.Generator) -> dict[str, Any]:
    """Draw ``n`` initial states (before integration) with their symmetry transformation applied."""
    f64 = torch.float64
    m_star = _log_uniform(1.0, 10.0, (n, 1), gen)
    m_planet = _log_uniform(0.01, 0.1, (n, n_planets), gen)
    r = torch.sqrt(0.1**2 + (1.0**2 - 0.1**2) * torch.rand(n, n_planets, generator=gen, dtype=f64))
    phi = 2 * torch.pi * torch.rand(n, n_planets, generator=gen, dtype=f64)
    x_p = torch.stack([r * torch.cos(phi), r * torch.sin(phi), torch.zeros_like(r)], dim=-1)
    sense = torch.where(torch.rand(n, n_planets, generator=gen, dtype=f64) < 0.5, -1.0, 1.0)
    z_cross_x = torch.stack([-x_p[..., 1], x_p[..., 0], torch.zeros_like(r)], dim=-1)  # ẑ × x
    v_p = (sense * torch.sqrt(m_star) / r**1.5).unsqueeze(-1) * z_cross_x
    v_p = v_p + params["velocity_noise"] * torch.randn(n, n_planets, 3, generator=gen, dtype=f64)
    m = torch.cat([m_star, m_planet], dim=1)
    x = torch.cat([torch.zeros(n, 1, 3, dtype=f64), x_p], dim=1)
    v = torch.cat([torch.zeros(n, 1, 3, dtype=f64), v_p], dim=1)
    perm = torch.rand(n, n_planets + 1, generator=gen, dtype=f64).argsort(dim=1)
    m, x, v = m.gather(1, perm), x.gather(1, perm[..., None].expand_as(x)), v.gather(1, perm[..., None].expand_as(v))
    g = sample("SE3", n, seed=gen, translation_scale=params["shift_std"])
    x = x @ g.R.transpose(-1, -2) + g.t.unsqueeze(1)
    x[..., 0] += shift
    v = v @ g.R.transpose(-1, -2)
    return {"m": m, "x": x, "v": v, "is_star": perm == 0}


def generate(
    n: int,
    seed: int,
    params: dict[str, Any] | None = None,
    *,
    split: str = "train",
    device: torch.device | str | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Generate ``n`` accepted samples of ``split`` from ``seed``.

    Returns float32 arrays ``masses`` [n, N, 1], ``positions``/``velocities``/``final_positions`` [n, N, 3] and an
    info dict (rejection rate, displacement, planet speed, close-encounter fraction). ``progress(k)`` is called with
    the number of samples newly accepted after each simulated batch."""
    params = validate_params(params)
    _check_split(split)
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise EquiscaleError(f"number of samples must be a non-negative integer, got {n!r}")
    n_planets = split_tokens(split, params) - 1
    shift = params["e3_shift"] if split == "test_e3" else 0.0
    parts: dict[str, list[Tensor]] = {k: [] for k in ("m", "x", "v", "xt", "closest", "star")}
    accepted = attempted = chunk = 0
    while accepted < n:
        gen = torch.Generator().manual_seed(_chunk_seed(seed, chunk))
        size = min(CHUNK_MIN << min(chunk, 16), CHUNK_MAX)
        cand = _candidates(size, n_planets, shift, params, gen)
        start = 0
        while start < size and accepted < n:  # simulate only as much of the chunk as is likely needed
            stop = min(size, start + math.ceil(1.05 * (n - accepted)) + 16)
            done, keep = _simulate({k: t[start:stop] for k, t in cand.items()}, params, device)
            take = keep[: n - accepted]
            finished = accepted + len(take) == n and len(take) > 0
            attempted += int(take[-1]) + 1 if finished else stop - start
            for key in parts:
                parts[key].append(done[key][take].cpu())
            accepted += len(take)
            start = stop
            if progress is not None and len(take):
                progress(len(take))
        chunk += 1
    if accepted:
        cat = {k: torch.cat(v) for k, v in parts.items()}
    else:
        N, f64 = n_planets + 1, torch.float64
        cat = {k: torch.zeros(0, N, 3, dtype=f64) for k in ("x", "v", "xt")}
        cat.update(m=torch.zeros(0, N, dtype=f64), closest=torch.zeros(0), star=torch.zeros(0, N, dtype=torch.bool))
    arrays = {
        "masses": cat["m"].unsqueeze(-1),
        "positions": cat["x"],
        "velocities": cat["v"],
        "final_positions": cat["xt"],
    }
    return {k: a.to(torch.float32).numpy() for k, a in arrays.items()}, _info(cat, accepted, attempted, split, shift)


def _simulate(cand: dict[str, Tensor], params: dict[str, Any], device: Any) -> tuple[dict[str, Tensor], Tensor]:
    """Integrate candidate states; return them with final positions and closest approach, and the accepted indices."""
    m, x, v, is_star = (cand[k].to(device) for k in ("m", "x", "v", "is_star"))
    is_planet = ~is_star
    not_self = ~torch.eye(is_star.shape[-1], dtype=torch.bool, device=is_star.device)
    xt, closest = integrate(m, x, v, params, track=is_planet.unsqueeze(-1) & is_planet.unsqueeze(-2) & not_self)
    keep = ((xt - x).norm(dim=-1).amax(dim=-1) <= params["max_displacement"]).nonzero().squeeze(-1)
    return {"m": m, "x": x, "v": v, "xt": xt, "closest": closest, "star": is_star}, keep


def _info(cat: dict[str, Tensor], accepted: int, attempted: int, split: str, shift: float) -> dict[str, Any]:
    disp = (cat["xt"] - cat["x"]).norm(dim=-1)
    planet_speed = cat["v"].norm(dim=-1)[~cat["star"]]
    rejected = attempted - accepted
    return {
        "split": split,
        "bodies": int(cat["x"].shape[1]),
        "accepted": accepted,
        "attempted": attempted,
        "rejected": rejected,
        "rejection_rate": rejected / attempted if attempted else 0.0,
        "mean_displacement": float(disp.mean()) if accepted else 0.0,
        "max_displacement": float(disp.max()) if accepted else 0.0,
        "mean_planet_speed": float(planet_speed.mean()) if accepted else 0.0,
        "close_encounter_fraction": float((cat["closest"] < _CLOSE).double().mean()) if accepted else 0.0,
        "x_shift": shift,
    }
