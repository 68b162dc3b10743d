"""Shared helpers: random Pin(3,0,1) elements as action matrices, and weight perturbation."""

import pytest
import torch

from equiscale import algebra as A


def act(M: torch.Tensor, mv: torch.Tensor) -> torch.Tensor:
    """Apply per-sample action matrices M [B, 16, 16] to storage-layout mv [B, ..., 16]."""
    shape = mv.shape
    flat = mv.reshape(shape[0], -1, 16).to(M.dtype)
    return (flat @ M.transpose(-1, -2)).reshape(shape)


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.detach(), b.detach()
    return float((a.double() - b.double()).norm() / b.double().norm()) if a.numel() else 0.0


@pytest.fixture
def group():
    """24 random Pin(3,0,1) elements (products of 0–4 unit planes), both parities, float64 action matrices."""
    gen = torch.Generator().manual_seed(1234)
    u, parity = A.random_versors(24, gen, offset_scale=2.0)
    assert parity.min() == 0 and parity.max() == 1
    return A.versor_action_matrix(u, parity)


def perturb(module: torch.nn.Module, seed: int, scale: float = 0.3) -> None:
    """Add noise to every parameter (biases included) so tests do not pass by virtue of a special init."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(scale * torch.randn(p.shape, generator=gen, dtype=p.dtype))
