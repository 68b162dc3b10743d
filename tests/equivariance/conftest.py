"""Synthetic typed problems with known symmetry, shared by the equivariance tests."""

import pytest
import torch

from equiscale.geometry import Field, Schema

SCHEMA = Schema(
    inputs=(Field("pos", "point", (3,)), Field("vel", "vector", (3,)), Field("spin", "pseudovector", (3,)),
            Field("mass", "scalar", (1,))),
    targets=(Field("out", "point", (3,)),),
    tokens=4,
)  # fmt: skip


def make_inputs(n: int, seed: int = 0, dtype: torch.dtype = torch.float64) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return {f.name: torch.randn(n, 4, *f.shape, generator=gen, dtype=dtype) for f in SCHEMA.inputs}


def equivariant(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """E(3)- and permutation-equivariant: a mass-weighted pull towards the centroid plus drift along velocity,
    plus a term quadratic in the pseudovector (w × (w × v) is a vector even under reflections)."""
    pos, vel, spin, m = batch["pos"], batch["vel"], batch["spin"], batch["mass"]
    centre = pos.mean(dim=1, keepdim=True)
    twist = torch.linalg.cross(spin, torch.linalg.cross(spin, vel))
    return {"out": pos + 0.3 * torch.tanh(m) * (centre - pos) + 0.1 * vel + 0.01 * twist}


def rotation_breaking(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Translation-equivariant but not rotation-equivariant: a fixed anisotropic drift ("gravity")."""
    out = equivariant(batch)["out"]
    return {"out": out + torch.tensor([0.0, 0.0, -0.5], dtype=out.dtype) * batch["mass"]}


def gravity(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Everything falls by one unit along −z: only rotations about z (and translations) remain symmetries."""
    out = equivariant(batch)["out"]
    return {"out": out + torch.tensor([0.0, 0.0, -1.0], dtype=out.dtype)}


def anisotropic(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A smooth non-equivariant map whose violation depends on where the inputs are."""
    out = equivariant(batch)["out"]
    return {"out": out + 0.3 * torch.tanh(batch["pos"][..., 2:3]) * batch["vel"]}


def translation_breaking(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """O(3)-equivariant about the origin, but scaling positions breaks translations."""
    return {"out": 1.2 * equivariant(batch)["out"]}


def permutation_breaking(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """E(3)-equivariant per token but token 0 is special."""
    out = equivariant(batch)["out"].clone()
    out[:, 0] = out[:, 0] + 0.5 * batch["vel"][:, 0]
    return {"out": out}


@pytest.fixture
def inputs() -> dict[str, torch.Tensor]:
    return make_inputs(64)
