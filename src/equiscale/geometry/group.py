"""Elements of E(3) = O(3) ⋉ R³, batched, and their Haar / subgroup samplers.

An element g = (R, t) acts on points as x ↦ R x + t. ``R`` may have determinant −1 (a reflection or rotoreflection).
Elements are batched along the first axis so that each sample of a data batch can get its own element.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from equiscale.errors import EquiscaleError

GROUPS: dict[str, str] = {
    "E3": "O(3) ⋉ R³: rotations, reflections and translations",
    "SE3": "SO(3) ⋉ R³: proper rotations and translations",
    "O3": "O(3): rotations and reflections through the origin",
    "SO3": "SO(3): proper rotations about the origin",
    "T3": "R³: translations only",
    "SO2z": "rotations about the z axis",
    "O2z": "rotations about z and reflections through vertical planes",
    "E3z": "rotations about z, reflections through vertical planes and translations (what gravity along z leaves)",
    "SE3z": "rotations about z and translations",
}


@dataclass(frozen=True)
class E3Element:
    """A batch of E(3) elements: ``R`` has shape [n, 3, 3] (orthogonal), ``t`` has shape [n, 3]."""

    R: Tensor
    t: Tensor

    def __post_init__(self) -> None:
        if self.R.ndim != 3 or self.R.shape[1:] != (3, 3):
            raise EquiscaleError(f"E3Element.R must have shape [n, 3, 3], got {list(self.R.shape)}")
        if self.t.shape != (self.R.shape[0], 3):
            raise EquiscaleError(f"E3Element.t must have shape [{self.R.shape[0]}, 3], got {list(self.t.shape)}")

    def __len__(self) -> int:
        return self.R.shape[0]

    def __getitem__(self, index: int | slice | Tensor) -> E3Element:
        if isinstance(index, int):
            index = slice(index, index + 1)
        return E3Element(self.R[index], self.t[index])

    @property
    def det(self) -> Tensor:
        """Determinant of R per element: +1 for proper motions, −1 for improper ones."""
        return torch.linalg.det(self.R)

    def compose(self, other: E3Element) -> E3Element:
        """``self ∘ other``: first apply ``other``, then ``self``."""
        return E3Element(self.R @ other.R, (self.R @ other.t.unsqueeze(-1)).squeeze(-1) + self.t)

    def __matmul__(self, other: E3Element) -> E3Element:
        return self.compose(other)

    def inverse(self) -> E3Element:
        """The inverse element (R^T, −R^T t)."""
        Rt = self.R.transpose(-1, -2)
        return E3Element(Rt, -(Rt @ self.t.unsqueeze(-1)).squeeze(-1))

    def to(self, dtype: torch.dtype | None = None, device: torch.device | str | None = None) -> E3Element:
        return E3Element(self.R.to(dtype=dtype, device=device), self.t.to(dtype=dtype, device=device))

    @staticmethod
    def identity(n: int = 1, dtype: torch.dtype = torch.float64, device: torch.device | str | None = None) -> E3Element:
        R = torch.eye(3, dtype=dtype, device=device).expand(n, 3, 3).clone()
        return E3Element(R, torch.zeros(n, 3, dtype=dtype, device=device))


def _generator(seed: int | torch.Generator | None) -> torch.Generator:
    if isinstance(seed, torch.Generator):
        return seed
    gen = torch.Generator()
    gen.manual_seed(0 if seed is None else int(seed))
    return gen


def quaternion_to_matrix(q: Tensor) -> Tensor:
    """Rotation matrices from quaternions [..., 4] in (x, y, z, w) order, Hamilton convention (normalised here)."""
    q = q / q.norm(dim=-1, keepdim=True)
    x, y, z, w = q.unbind(-1)
    rows = [
        1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
        2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
        2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y),
    ]  # fmt: skip
    return torch.stack(rows, dim=-1).reshape(*q.shape[:-1], 3, 3)


def rotation_about_z(angle: Tensor) -> Tensor:
    """Rotation matrices [..., 3, 3] by ``angle`` (radians) about the z axis."""
    c, s = torch.cos(angle), torch.sin(angle)
    zero, one = torch.zeros_like(angle), torch.ones_like(angle)
    return torch.stack([c, -s, zero, s, c, zero, zero, zero, one], dim=-1).reshape(*angle.shape, 3, 3)


def sample(
    group: str,
    n: int,
    *,
    seed: int | torch.Generator | None = 0,
    translation_scale: float = 1.0,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str | None = None,
) -> E3Element:
    """Draw ``n`` elements of ``group`` (a key of :data:`GROUPS`).

    Rotations are Haar-distributed on SO(3) (normalised Gaussian quaternions) or uniform in angle about z; improper
    elements appear with probability 1/2 in O(3)-type groups; translations are N(0, translation_scale² I). Sampling is
    done in float64 on the CPU from ``seed`` and then cast, so the same seed gives the same elements everywhere.
    """
    if group not in GROUPS:
        raise EquiscaleError(f"unknown group {group!r}; choose one of {', '.join(GROUPS)}")
    if n < 1:
        raise EquiscaleError(f"number of group elements must be ≥ 1, got {n}")
    gen = _generator(seed)
    f64 = torch.float64
    if group in ("E3", "SE3", "O3", "SO3"):
        R = quaternion_to_matrix(torch.randn(n, 4, generator=gen, dtype=f64))
    elif group in ("SO2z", "O2z", "E3z", "SE3z"):
        R = rotation_about_z(2 * torch.pi * torch.rand(n, generator=gen, dtype=f64))
    else:
        R = torch.eye(3, dtype=f64).expand(n, 3, 3).clone()
    flip = torch.rand(n, generator=gen, dtype=f64) < 0.5
    if group in ("E3", "O3"):
        R = torch.where(flip[:, None, None], -R, R)
    elif group in ("O2z", "E3z"):
        mirror_y = torch.diag(torch.tensor([1.0, -1.0, 1.0], dtype=f64))  # reflection through the xz plane
        R = torch.where(flip[:, None, None], R @ mirror_y, R)
    t = torch.zeros(n, 3, dtype=f64)
    if group in ("E3", "SE3", "T3", "E3z", "SE3z"):
        t = translation_scale * torch.randn(n, 3, generator=gen, dtype=f64)
    return E3Element(R, t).to(dtype=dtype, device=device)
