"""Pin(3,0,1) versors and the E(3) action on multivectors.

Convention: an element u = v_1 ⋯ v_k (unit planes v_i) acts by the twisted sandwich ρ_u(x) = u x̂^k ũ. This action is
an algebra automorphism, so it is fixed by what it does to planes: a plane with normal n and offset d
(n·e + d e0, the plane n·x + d = 0) goes to the plane with normal R n through the moved points, i.e. for g = (R, t):
n' = R n and d' = d − (R n)·t. Consequences for reflections (det R = −1): vectors (planes) transform like R n with no
extra sign, while a point P(x) goes to −P(R x + t) (its homogeneous e123 coordinate flips) and the pseudoscalar e0123
flips sign. ``e3_action_matrix`` builds this action directly as the exterior power of the 4×4 plane map (exact, no
trigonometry); ``e3_versor`` gives a versor u with ρ_u equal to it.
"""

from __future__ import annotations

import torch

from equiscale.algebra.products import geometric_product, grade_involution, reverse
from equiscale.algebra.tables import BLADES, OUTER_TABLE

_GEN_INDEX = (1, 2, 3, 4)  # storage index of e0, e1, e2, e3


def _mv(batch_shape: torch.Size, like: torch.Tensor) -> torch.Tensor:
    return torch.zeros(*batch_shape, 16, dtype=like.dtype, device=like.device)


def unit_plane(normal: torch.Tensor, offset: torch.Tensor | float = 0.0) -> torch.Tensor:
    """Unit plane n̂·e + d e0 (reflection versor in the plane n̂·x + d = 0), normal normalised here."""
    n = normal / normal.norm(dim=-1, keepdim=True)
    out = _mv(n.shape[:-1], n)
    out[..., 2:5] = n
    out[..., 1] = torch.as_tensor(offset, dtype=n.dtype, device=n.device)
    return out


def translator(t: torch.Tensor) -> torch.Tensor:
    """T(t) = 1 − ½(t₁ e01 + t₂ e02 + t₃ e03); T P(x) T̃ = P(x + t)."""
    out = _mv(t.shape[:-1], t)
    out[..., 0] = 1
    out[..., 5:8] = -0.5 * t
    return out


def rotor_from_quaternion(q: torch.Tensor) -> torch.Tensor:
    """R(q) = q_w − q_x e23 + q_y e13 − q_z e12 for a unit quaternion q = (x, y, z, w) (Hamilton)."""
    out = _mv(q.shape[:-1], q)
    out[..., 0] = q[..., 3]
    out[..., 10] = -q[..., 0]
    out[..., 9] = q[..., 1]
    out[..., 8] = -q[..., 2]
    return out


def quaternion_from_matrix(R: torch.Tensor) -> torch.Tensor:
    """Unit quaternion (x, y, z, w) of a rotation matrix (det +1), numerically stable branch per element."""
    m = R
    tr = m[..., 0, 0] + m[..., 1, 1] + m[..., 2, 2]
    cands = torch.stack(
        [
            torch.stack([m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0],
                         m[..., 1, 0] - m[..., 0, 1], 1 + tr], -1),
            torch.stack([1 + m[..., 0, 0] - m[..., 1, 1] - m[..., 2, 2], m[..., 0, 1] + m[..., 1, 0],
                         m[..., 0, 2] + m[..., 2, 0], m[..., 2, 1] - m[..., 1, 2]], -1),
            torch.stack([m[..., 0, 1] + m[..., 1, 0], 1 - m[..., 0, 0] + m[..., 1, 1] - m[..., 2, 2],
                         m[..., 1, 2] + m[..., 2, 1], m[..., 0, 2] - m[..., 2, 0]], -1),
            torch.stack([m[..., 0, 2] + m[..., 2, 0], m[..., 1, 2] + m[..., 2, 1],
                         1 - m[..., 0, 0] - m[..., 1, 1] + m[..., 2, 2], m[..., 1, 0] - m[..., 0, 1]], -1),
        ],
        -2,
    )  # fmt: skip
    diag = torch.stack([tr, m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]], -1)
    best = diag.argmax(-1)
    q = torch.take_along_dim(cands, best[..., None, None].expand(*best.shape, 1, 4), dim=-2).squeeze(-2)
    return q / q.norm(dim=-1, keepdim=True)


def e3_versor(R: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """A Pin(3,0,1) versor for x ↦ R x + t (R orthogonal, det ±1): returns (u, parity k mod 2).

    Proper R: u = T(t) R(q). Improper R: R = −R' with R' proper, and the point inversion −I is the odd versor e123,
    so u = T(t) R(q(R')) e123.
    """
    det = torch.linalg.det(R)
    odd = det < 0
    proper = torch.where(odd[..., None, None], -R, R)
    u = geometric_product(translator(t), rotor_from_quaternion(quaternion_from_matrix(proper)))
    e123 = _mv(u.shape[:-1], u)
    e123[..., 14] = 1
    u = torch.where(odd[..., None], geometric_product(u, e123), u)
    return u, odd.to(torch.long)


def sandwich(u: torch.Tensor, x: torch.Tensor, parity: torch.Tensor | int = 0) -> torch.Tensor:
    """Twisted sandwich ρ_u(x) = u x̂^k ũ (k = parity of u, broadcast over x's batch dims)."""
    parity = torch.as_tensor(parity, device=x.device)
    xk = torch.where((parity % 2 == 1)[..., None], grade_involution(x), x)
    return geometric_product(geometric_product(u, xk), reverse(u))


def versor_action_matrix(u: torch.Tensor, parity: torch.Tensor | int = 0) -> torch.Tensor:
    """[..., 16, 16] matrix of ρ_u (columns = images of the basis blades)."""
    eye = torch.eye(16, dtype=u.dtype, device=u.device)
    images = sandwich(u[..., None, :], eye, torch.as_tensor(parity, device=u.device)[..., None])
    return images.transpose(-1, -2)


def e3_action_matrix(R: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """[..., 16, 16] matrix M with ρ_g(x) = M x for g: x ↦ R x + t (R orthogonal incl. det −1).

    Built as the exterior power of the plane map A = [[1, −tᵀR], [0, R]] on (e0, e1, e2, e3): every blade is an outer
    product of generators and ρ_g is an automorphism. Exact in float64; see the module docstring for the signs.
    """
    batch = R.shape[:-2]
    A = torch.zeros(*batch, 4, 4, dtype=R.dtype, device=R.device)
    A[..., 0, 0] = 1
    A[..., 0, 1:] = -(t[..., None, :] @ R).squeeze(-2)
    A[..., 1:, 1:] = R
    outer = torch.as_tensor(OUTER_TABLE, dtype=R.dtype, device=R.device)
    gen_images = _mv(batch, R).unsqueeze(-2).repeat_interleave(4, -2)  # [..., 4 generators, 16]
    gen_images[..., list(_GEN_INDEX)] = A.transpose(-1, -2)
    columns = []
    for blade in BLADES:
        img = _mv(batch, R)
        img[..., 0] = 1
        for g in range(4):
            if blade >> g & 1:
                img = torch.einsum("ijk,...j,...k->...i", outer, img, gen_images[..., g, :])
        columns.append(img)
    return torch.stack(columns, dim=-1)


def random_versors(
    n: int, generator: torch.Generator, *, offset_scale: float = 1.0, dtype: torch.dtype = torch.float64
) -> tuple[torch.Tensor, torch.Tensor]:
    """n random Pin(3,0,1) elements: products of 0–4 unit planes (normal uniform on S², offset ~ N(0, σ²)).

    Covers rotations, translations, reflections and screw motions (gatr.md §1.3). Returns (u [n, 16], parity [n]).
    """
    counts = torch.randint(0, 5, (n,), generator=generator)
    normals = torch.randn(n, 4, 3, generator=generator, dtype=dtype)
    offsets = offset_scale * torch.randn(n, 4, generator=generator, dtype=dtype)
    u = torch.zeros(n, 16, dtype=dtype)
    u[:, 0] = 1
    for i in range(4):
        plane = unit_plane(normals[:, i], offsets[:, i])
        u = torch.where((counts > i)[:, None], geometric_product(u, plane), u)
    return u, counts % 2
