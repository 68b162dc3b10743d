"""Algebra operations on multivectors in storage layout ``[..., 16]``.

These are the readable reference implementations (dense 16×16×16 contractions). They serve embeddings, group actions
and tests; the GATr layers use the structured kernels in ``equiscale.models.gatr`` instead.
"""

from __future__ import annotations

import torch

from equiscale.algebra.tables import GRADE_SLICES, table


def _t(name: str, like: torch.Tensor) -> torch.Tensor:
    return table(name, like.device, like.dtype)


def geometric_product(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """x y."""
    return torch.einsum("ijk,...j,...k->...i", _t("gp", x), x, y)


def outer_product(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """x ∧ y."""
    return torch.einsum("ijk,...j,...k->...i", _t("outer", x), x, y)


def join(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Regressive product dual(dual(x) ∧ dual(y)); equivariant under even elements, odd under reflections."""
    return torch.einsum("ijk,...j,...k->...i", _t("join", x), x, y)


def equi_join(x: torch.Tensor, y: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Pin(3,0,1)-equivariant join: r_e123 · join(x, y), with r broadcastable to x."""
    return reference[..., 14:15] * join(x, y)


def dual(x: torch.Tensor) -> torch.Tensor:
    """Right complement, e_a ∧ dual(e_a) = e0123 (not equivariant on its own)."""
    return x @ _t("dual", x).T


def reverse(x: torch.Tensor) -> torch.Tensor:
    """x̃: grade k scaled by (-1)^(k(k-1)/2)."""
    return x * _t("reverse", x)


def grade_involution(x: torch.Tensor) -> torch.Tensor:
    """x̂: grade k scaled by (-1)^k."""
    return x * _t("involution", x)


def inner_product(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """⟨x̃ y⟩₀ = dot product over the 8 e0-free components; returns [..., 1]."""
    return (x * y * _t("inner", x)).sum(-1, keepdim=True)


def grade_project(x: torch.Tensor, grade: int) -> torch.Tensor:
    """⟨x⟩_k: zero every component not of the given grade."""
    out = torch.zeros_like(x)
    out[..., GRADE_SLICES[grade]] = x[..., GRADE_SLICES[grade]]
    return out


def multiply_e0(x: torch.Tensor) -> torch.Tensor:
    """e0 x (left multiplication by e0), exactly equivariant."""
    e0 = torch.zeros(16, dtype=x.dtype, device=x.device)
    e0[1] = 1
    return geometric_product(e0.expand_as(x), x)
