"""Group laws of batched E(3) elements and the samplers' distributions."""

import pytest
import torch

from equiscale import geometry as G
from equiscale.errors import EquiscaleError


def _close(a: G.E3Element, b: G.E3Element, tol: float = 1e-12) -> bool:
    return bool((a.R - b.R).abs().max() < tol and (a.t - b.t).abs().max() < tol)


@pytest.mark.parametrize("group", sorted(G.GROUPS))
def test_samples_are_orthogonal_and_in_subgroup(group: str) -> None:
    g = G.sample(group, 200, seed=3)
    eye = torch.eye(3, dtype=torch.float64)
    assert (g.R @ g.R.transpose(1, 2) - eye).abs().max() < 1e-12
    det = g.det
    assert ((det.abs() - 1).abs() < 1e-12).all()
    if group in ("SE3", "SO3", "SO2z", "SE3z", "T3"):
        assert (det > 0).all()
    if group in ("E3", "O3", "O2z", "E3z"):
        assert 0.3 < (det < 0).double().mean() < 0.7
    if group.endswith("z"):
        ez = torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64)
        assert (g.R @ ez - ez).abs().max() < 1e-12  # z axis is fixed
    has_translation = group in ("E3", "SE3", "T3", "E3z", "SE3z")
    assert (g.t.abs().max() > 0.1) == has_translation


def test_group_laws() -> None:
    a, b, c = (G.sample("E3", 50, seed=s) for s in (1, 2, 3))
    e = G.E3Element.identity(50)
    assert _close((a @ b) @ c, a @ (b @ c))
    assert _close(a @ e, a) and _close(e @ a, a)
    assert _close(a @ a.inverse(), e) and _close(a.inverse() @ a, e)
    assert _close((a @ b).inverse(), b.inverse() @ a.inverse())


def test_haar_so3_moments() -> None:
    """Haar measure on SO(3): E[R] = 0 and E[R_ij²] = 1/3; the trace has E[tr R] = 0 and E[tr² R] = 1."""
    R = G.sample("SO3", 40000, seed=0).R
    assert R.mean(0).abs().max() < 0.02
    assert ((R**2).mean(0) - 1 / 3).abs().max() < 0.02
    tr = R.diagonal(dim1=1, dim2=2).sum(-1)
    assert abs(tr.mean()) < 0.03 and abs((tr**2).mean() - 1) < 0.05


def test_seeded_and_cast() -> None:
    a = G.sample("E3", 4, seed=7)
    b = G.sample("E3", 4, seed=7, dtype=torch.float32)
    assert torch.equal(a.R.float(), b.R) and b.R.dtype == torch.float32
    assert not torch.equal(a.R, G.sample("E3", 4, seed=8).R)


def test_bad_requests() -> None:
    with pytest.raises(EquiscaleError, match="unknown group"):
        G.sample("SU2", 3)
    with pytest.raises(EquiscaleError, match="≥ 1"):
        G.sample("E3", 0)
    with pytest.raises(EquiscaleError, match="shape"):
        G.E3Element(torch.eye(3), torch.zeros(3))
