"""Pointwise equivariant maps on the internal layout: scalar-gated GELU and the equivariant layer norm."""

from __future__ import annotations

import torch
import torch.nn.functional as F

LN_EPS = 0.01


def at_least_fp32(t: torch.Tensor) -> torch.Tensor:
    """Upcast half/bfloat16 to float32 (statistics and divisions under autocast); float32/64 pass through."""
    return t.float() if t.dtype in (torch.float16, torch.bfloat16) else t


def gated_gelu(x: torch.Tensor, s: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """GELU(x₀)·x per multivector channel (gate = its invariant scalar component), plain GELU on scalars (tanh)."""
    x = x * F.gelu(x[:1], approximate="tanh")
    return x, (F.gelu(s, approximate="tanh") if s is not None else None)


def equi_layer_norm(
    x: torch.Tensor, s: torch.Tensor | None = None, eps: float = LN_EPS
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """x / sqrt(max(mean_c ⟨x_c, x_c⟩, ε)) with the inner product over e0-free components, stats in fp32.

    Scalars get a standard (affine-free) LayerNorm.
    """
    sq = at_least_fp32(x[:8]).square().sum(dim=(0, -1), keepdim=True) / x.shape[-1]
    x = x * torch.rsqrt(sq.clamp_min(eps)).to(x.dtype)
    if s is not None:
        s = F.layer_norm(at_least_fp32(s), s.shape[-1:]).to(s.dtype)
    return x, s
