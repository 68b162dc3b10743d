"""Rigid-body dynamics behind the ``rigid`` benchmark, vectorised over samples (float64).

Each sample holds K rigid bodies; body k is a cluster of n point masses at fixed body-frame coordinates. Particles of
*different* bodies interact through a Morse pair potential (repulsive core, attractive tail); particles of one body do
not interact (their distances are frozen). An optional uniform field adds the force −m g ẑ to every particle.

The integrator is the symplectic, time-reversible splitting of Dullweber, Leimkuhler & McLachlan (J. Chem. Phys. 107,
1997; the "NO_SQUISH" scheme of Miller et al. 2002 in rotation-matrix form): half kick of momenta and body-frame angular
momenta by forces and torques, a drift of the centres of mass, a free-rotor step split into exact rotations about the
three principal axes (order 3-2-1-2-3 with half/half/full/half/half steps), and a second half kick. Each piece is the
exact flow of part of the Hamiltonian, so the composition is symplectic; its symmetric order makes it time-reversible.
Orientations stay orthogonal to round-off, total linear and angular momentum are conserved to round-off (forces are
pairwise central and every sub-flow preserves them), and the energy error stays bounded, O(dt²). The fourth-order
schemes compose this step symmetrically (Yoshida's triple jump, Suzuki's five-stage fractal), which keeps all of these
properties and makes the energy error O(dt⁴).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import torch
from torch import Tensor

_YOSHIDA = 1.0 / (2.0 - 2.0 ** (1.0 / 3.0))
_SUZUKI = 1.0 / (4.0 - 4.0 ** (1.0 / 3.0))
SCHEMES: dict[str, tuple[float, ...]] = {  # sub-step fractions of one step; each sub-step costs one force evaluation
    "verlet": (1.0,),  # second order
    "yoshida4": (_YOSHIDA, 1.0 - 2.0 * _YOSHIDA, _YOSHIDA),  # fourth order, "triple jump" (Yoshida 1990)
    "suzuki4": (_SUZUKI, _SUZUKI, 1.0 - 4.0 * _SUZUKI, _SUZUKI, _SUZUKI),  # fourth order, smaller error (Suzuki 1990)
}
_ROTOR = ((2, 0.5), (1, 0.5), (0, 1.0), (1, 0.5), (2, 0.5))  # (principal axis, fraction of the step)


@dataclass(frozen=True)
class Morse:
    """V(r) = depth · (e^{−2 a (r − r0)} − 2 e^{−a (r − r0)}): minimum −depth at r0, zero at r0 − ln 2 / a."""

    depth: float
    stiffness: float  # a, inverse length
    distance: float  # r0, the equilibrium distance

    @property
    def core_radius(self) -> float:
        """The distance where V crosses zero: inside it the pair repels with more energy than the well holds."""
        return self.distance - math.log(2.0) / self.stiffness


@dataclass
class Bodies:
    """What does not change along a trajectory: body-frame particle coordinates in principal axes, masses, inertia."""

    coords: Tensor  # [B, K, n, 3], centred on the centre of mass, principal-axis frame
    masses: Tensor  # [B, K, n]
    mass: Tensor  # [B, K]
    inertia: Tensor  # [B, K, 3] principal moments


@dataclass
class State:
    """Dynamic state. ``rot[..., :3]`` holds the body axes as rows (A = Rᵀ, world offsets = coords @ A) and
    ``rot[..., 3]`` the angular momentum in the body frame; both transform alike under the rotor sub-steps."""

    com: Tensor  # [B, K, 3]
    momentum: Tensor  # [B, K, 3]
    rot: Tensor  # [B, K, 3, 4]

    @property
    def axes(self) -> Tensor:
        return self.rot[..., :3]

    @property
    def spin(self) -> Tensor:
        return self.rot[..., 3]


@lru_cache(maxsize=32)
def _body_pairs_cpu(bodies: int) -> tuple[Tensor, Tensor]:
    k, l = torch.triu_indices(bodies, bodies, offset=1)
    return k, l


def body_pairs(bodies: int, device: torch.device | str | None = None) -> tuple[Tensor, Tensor]:
    """Index pairs (k < l) of bodies: every pair of their particles interacts."""
    k, l = _body_pairs_cpu(bodies)
    return k.to(device), l.to(device)


def particle_positions(bodies: Bodies, state: State) -> Tensor:
    """World-frame particle positions [B, K, n, 3]: centre of mass plus body coordinates along the body axes."""
    return state.com.unsqueeze(-2) + bodies.coords @ state.axes


# The kernels below work "batch-last", component before particle: positions are [K, 3, n, B]. Every gather, sum and
# component slice then moves contiguous rows of B numbers, several times faster on CPUs (and coalesced on GPUs) than
# the batch-first layout of the public API. The rotational state is one tensor ``rot`` [K, 3, 4, B]: row r holds body
# axis r in world coordinates (3 numbers) and the body-frame angular momentum component r; rotor steps mix rows.


def _to_kernel(positions: Tensor) -> Tensor:
    """[B, K, n, 3] → [K, 3, n, B]."""
    return positions.permute(1, 3, 2, 0).contiguous()


class _Work(dict):
    """Reusable scratch tensors for the force kernel. Allocating fresh multi-megabyte temporaries at every force
    evaluation makes the allocator map and fault in new pages each time, which costs more than the arithmetic."""

    def get_buffer(self, name: str, shape: tuple[int, ...], like: Tensor) -> Tensor:
        buf = self.get(name)
        if buf is None or buf.shape != shape or buf.dtype != like.dtype or buf.device != like.device:
            buf = self[name] = torch.empty(shape, dtype=like.dtype, device=like.device)
        return buf


def _offsets(coords: Tensor, rot: Tensor, out: Tensor | None = None) -> Tensor:
    """World offsets [K, 3, n, B] from body coordinates [K, 3, n, B] and the rotational state [K, 3, 4, B]."""
    out = torch.mul(coords[:, 0:1], rot[:, 0, :3, None], out=out)
    out.addcmul_(coords[:, 1:2], rot[:, 1, :3, None])
    return out.addcmul_(coords[:, 2:3], rot[:, 2, :3, None])


def _pair_terms(
    x: Tensor, pairs: tuple[Tensor, Tensor], morse: Morse, *, energy: bool = False, work: _Work | None = None
) -> tuple[Tensor, Tensor | None, Tensor]:
    """Morse forces on particles [K, 3, n, B] at positions ``x`` [K, 3, n, B], the potential energy [B] (if asked)
    and the smallest distance between particles of different bodies [B]. Returned forces live in ``work``."""
    work = _Work() if work is None else work
    k, l = pairs
    K, _, n, B = x.shape
    P = len(k)
    xk = torch.index_select(x, 0, k, out=work.get_buffer("xk", (P, 3, n, B), x))
    xl = torch.index_select(x, 0, l, out=work.get_buffer("xl", (P, 3, n, B), x))
    d = torch.sub(xk.unsqueeze(3), xl.unsqueeze(2), out=work.get_buffer("d", (P, 3, n, n, B), x))  # x_i − x_j
    r = torch.mul(d[:, 0], d[:, 0], out=work.get_buffer("r", (P, n, n, B), x))
    r.addcmul_(d[:, 1], d[:, 1]).addcmul_(d[:, 2], d[:, 2]).sqrt_()
    e = torch.mul(r, -morse.stiffness, out=work.get_buffer("e", (P, n, n, B), x))
    e.add_(morse.stiffness * morse.distance).exp_()
    pot = (morse.depth * e * (e - 2.0)).sum((0, 1, 2)) if energy else None
    coef = torch.sub(e, 1.0, out=work.get_buffer("coef", (P, n, n, B), x))
    coef.mul_(e).div_(r).mul_(2.0 * morse.stiffness * morse.depth)  # −V'(r)/r
    f = d.mul_(coef.unsqueeze(1))  # force on i from j
    fk = torch.sum(f, 3, out=work.get_buffer("fk", (P, 3, n, B), x))
    fl = torch.sum(f, 2, out=work.get_buffer("fl", (P, 3, n, B), x))
    forces = work.get_buffer("forces", (K, 3, n, B), x).zero_()
    forces.index_add_(0, k, fk).index_add_(0, l, fl, alpha=-1.0)
    return forces, pot, r.amin((0, 1, 2))


def _body_terms(
    coords: Tensor,
    com: Tensor,
    rot: Tensor,
    mass: Tensor,
    pairs: tuple[Tensor, Tensor],
    morse: Morse,
    gravity: float,
    work: _Work,
) -> tuple[Tensor, Tensor, Tensor]:
    """Force [K, 3, B] and body-frame torque [K, 3, B] on each body, and the smallest inter-body distance [B]."""
    off = _offsets(coords, rot, out=work.get_buffer("off", coords.shape, coords))
    x = torch.add(off, com.unsqueeze(2), out=work.get_buffer("x", coords.shape, coords))
    f, _, rmin = _pair_terms(x, pairs, morse, work=work)
    force = f.sum(2)
    if gravity:
        force[:, 2] -= gravity * mass  # uniform gravity exerts no torque about the centre of mass
    o0, o1, o2 = off.unbind(1)
    f0, f1, f2 = f.unbind(1)
    torque = torch.stack([o1 * f2 - o2 * f1, o2 * f0 - o0 * f2, o0 * f1 - o1 * f0], 1).sum(2)  # Σ offset × force
    return force, (rot[:, :, :3] * torque.unsqueeze(1)).sum(2), rmin


def _rotor_(rot: Tensor, inv_inertia: Tensor, h: float) -> None:
    """Free-rotor flow over time h, in place, split into exact rotations about the principal axes (symmetric, so
    reversible). A rotation by θ = h π_k / I_k about body axis k maps rows (i, j) of ``rot`` to (c·i + s·j,
    c·j − s·i), with (i, j, k) cyclic: the axes turn and the body-frame angular momentum counter-turns."""
    for k, frac in _ROTOR:
        i, j = (k + 1) % 3, (k + 2) % 3
        theta = rot[:, k, 3] * inv_inertia[:, k] * (frac * h)
        c, s = torch.cos(theta).unsqueeze(1), torch.sin(theta).unsqueeze(1)
        ri, rj = rot[:, i], rot[:, j]
        tmp = ri * s
        ri.mul_(c).addcmul_(rj, s)
        rj.mul_(c).sub_(tmp)


def integrate(
    bodies: Bodies,
    state: State,
    *,
    morse: Morse,
    gravity: float,
    dt: float,
    steps: int,
    scheme: str = "verlet",
) -> tuple[State, Tensor]:
    """Advance ``state`` by ``steps`` steps of size ``dt`` with ``scheme`` (a key of :data:`SCHEMES`); returns the
    final state and the smallest distance between particles of different bodies at any force evaluation, [B]."""
    coords = _to_kernel(bodies.coords)
    mass, inv_inertia = bodies.mass.T.contiguous(), (1.0 / bodies.inertia).permute(1, 2, 0).contiguous()
    com, mom = (t.permute(1, 2, 0).contiguous() for t in (state.com, state.momentum))
    rot = state.rot.permute(1, 2, 3, 0).contiguous()
    pairs = body_pairs(coords.shape[0], coords.device)
    inv_mass = (1.0 / mass).unsqueeze(1)
    work = _Work()
    force, torque, rmin = _body_terms(coords, com, rot, mass, pairs, morse, gravity, work)
    for _ in range(steps):
        for w in SCHEMES[scheme]:
            h = w * dt
            mom.add_(force, alpha=0.5 * h)
            rot[:, :, 3].add_(torque, alpha=0.5 * h)
            com.addcmul_(mom, inv_mass, value=h)
            _rotor_(rot, inv_inertia, h)
            force, torque, r = _body_terms(coords, com, rot, mass, pairs, morse, gravity, work)
            rmin = torch.minimum(rmin, r)
            mom.add_(force, alpha=0.5 * h)
            rot[:, :, 3].add_(torque, alpha=0.5 * h)
    final = State(com.permute(2, 0, 1).contiguous(), mom.permute(2, 0, 1).contiguous(), rot.permute(3, 0, 1, 2))
    return State(final.com, final.momentum, final.rot.contiguous()), rmin


# ---- conserved quantities (for tests and rejection) -------------------------------------------------------------


def energy(bodies: Bodies, state: State, morse: Morse, gravity: float = 0.0) -> Tensor:
    """Total energy [B]: translational + rotational kinetic energy, Morse pair energy, and m g z in the field."""
    x = _to_kernel(particle_positions(bodies, state))
    _, pot, _ = _pair_terms(x, body_pairs(x.shape[0], x.device), morse, energy=True)
    return kinetic_energy(bodies, state) + pot + gravity * (bodies.mass * state.com[..., 2]).sum(-1)


def kinetic_energy(bodies: Bodies, state: State) -> Tensor:
    """Translational plus rotational kinetic energy [B]."""
    kinetic = (state.momentum.square().sum(-1) / (2 * bodies.mass)).sum(-1)
    return kinetic + (state.spin.square() / (2 * bodies.inertia)).sum((-1, -2))


def linear_momentum(state: State) -> Tensor:
    """Total linear momentum [B, 3]."""
    return state.momentum.sum(1)


def angular_momentum(state: State) -> Tensor:
    """Total angular momentum about the origin [B, 3]: orbital Σ x × p plus spin Rπ (world frame)."""
    spin_world = (state.axes.transpose(-1, -2) @ state.spin.unsqueeze(-1)).squeeze(-1)
    return (torch.linalg.cross(state.com, state.momentum, dim=-1) + spin_world).sum(1)


# ---- between particle fields and rigid states --------------------------------------------------------------------


def from_particles(
    positions: Tensor, masses: Tensor, velocity: Tensor, angular_velocity: Tensor
) -> tuple[Bodies, State]:
    """Rigid bodies and their state from particle positions [B, K, n, 3], masses [B, K, n], centre-of-mass velocity
    [B, K, 3] and world angular velocity [B, K, 3]. The body frame is the principal frame of the inertia tensor
    (proper rotation); any choice of eigenvector signs or order gives the same world trajectory."""
    mass = masses.sum(-1)
    com = (masses.unsqueeze(-1) * positions).sum(-2) / mass.unsqueeze(-1)
    off = positions - com.unsqueeze(-2)
    eye = torch.eye(3, dtype=positions.dtype, device=positions.device)
    m = masses[..., None, None]
    inertia_world = (m * (off.square().sum(-1)[..., None, None] * eye - off.unsqueeze(-1) * off.unsqueeze(-2))).sum(-3)
    moments, vecs = torch.linalg.eigh(inertia_world)  # columns: principal axes in world coordinates
    flip = torch.linalg.det(vecs) < 0
    vecs = torch.cat([vecs[..., :2], torch.where(flip[..., None], -vecs[..., 2], vecs[..., 2]).unsqueeze(-1)], -1)
    axes = vecs.transpose(-1, -2)
    coords = off @ vecs
    spin = moments * (axes @ angular_velocity.unsqueeze(-1)).squeeze(-1)
    rot = torch.cat([axes, spin.unsqueeze(-1)], -1)
    bodies = Bodies(coords=coords, masses=masses, mass=mass, inertia=moments)
    return bodies, State(com=com, momentum=mass.unsqueeze(-1) * velocity, rot=rot)


def angular_velocity(bodies: Bodies, state: State) -> Tensor:
    """World-frame angular velocity [B, K, 3] = R (π / I)."""
    return (state.axes.transpose(-1, -2) @ (state.spin / bodies.inertia).unsqueeze(-1)).squeeze(-1)
