"""The GATr network: input EquiLinear → pre-LN blocks (attention, geometric MLP) → output EquiLinear (gatr.md §4)."""

from __future__ import annotations

import torch
from torch import nn

from equiscale.models.gatr.attention import GeometricAttention
from equiscale.models.gatr.bilinear import GeometricBilinear, reference_e123
from equiscale.models.gatr.layout import to_internal, to_storage
from equiscale.models.gatr.linear import EquiLinear
from equiscale.models.gatr.nonlinear import equi_layer_norm, gated_gelu


class GeometricMLP(nn.Module):
    """GeometricBilinear(c → 2c, s → 2s) → gated GELU → EquiLinear(2c → c, 2s → s) with small init."""

    def __init__(self, mv_channels: int, s_channels: int) -> None:
        super().__init__()
        self.bilinear = GeometricBilinear(mv_channels, 2 * mv_channels, s_channels, 2 * s_channels)
        self.out = EquiLinear(2 * mv_channels, mv_channels, 2 * s_channels, s_channels, init_scale=0.1)

    def forward(self, x: torch.Tensor, s: torch.Tensor, ref_e123: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.out(*gated_gelu(*self.bilinear(x, s, ref_e123)))


class GATrBlock(nn.Module):
    """Pre-LN residual block: x += Attn(LN x); x += MLP(LN x, r)."""

    def __init__(self, mv_channels: int, s_channels: int, num_heads: int = 8) -> None:
        super().__init__()
        self.attention = GeometricAttention(mv_channels, s_channels, num_heads)
        self.mlp = GeometricMLP(mv_channels, s_channels)

    def forward(self, x: torch.Tensor, s: torch.Tensor, ref_e123: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        a, a_s = self.attention(*equi_layer_norm(x, s))
        x, s = x + a, s + a_s
        m, m_s = self.mlp(*equi_layer_norm(x, s), ref_e123)
        return x + m, s + m_s


class GATr(nn.Module):
    """E(3)-equivariant Geometric Algebra Transformer.

    forward(mv [..., tokens, in_mv_channels, 16], s [..., tokens, in_s_channels])
        → (mv [..., tokens, out_mv_channels, 16], s [..., tokens, out_s_channels]).
    Equivariant under Pin(3,0,1) acting on every multivector (the join reference is the mean input multivector per
    sample) and under permutations of tokens (no positional encoding).
    """

    def __init__(
        self,
        in_mv_channels: int,
        out_mv_channels: int,
        hidden_mv_channels: int,
        in_s_channels: int,
        out_s_channels: int,
        hidden_s_channels: int,
        num_blocks: int,
        num_heads: int = 8,
    ) -> None:
        super().__init__()
        self.linear_in = EquiLinear(in_mv_channels, hidden_mv_channels, in_s_channels, hidden_s_channels)
        self.blocks = nn.ModuleList(
            GATrBlock(hidden_mv_channels, hidden_s_channels, num_heads) for _ in range(num_blocks)
        )
        self.linear_out = EquiLinear(hidden_mv_channels, out_mv_channels, hidden_s_channels, out_s_channels)

    def forward(self, mv: torch.Tensor, s: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        batch, (T, c) = mv.shape[:-3], mv.shape[-3:-1]
        x = to_internal(mv.reshape(-1, T, c, 16))  # [16, B, T, c]
        s = s.reshape(-1, T, s.shape[-1])
        ref = reference_e123(x)
        x, s = self.linear_in(x, s)
        for block in self.blocks:
            x, s = block(x, s, ref)
        x, s = self.linear_out(x, s)
        return to_storage(x).reshape(*batch, T, -1, 16), s.reshape(*batch, T, -1)
