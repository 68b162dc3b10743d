"""Geometric multi-query attention through ``scaled_dot_product_attention`` (gatr.md §3.5).

Query/key features (``features.py``): per multivector channel the 7 inner-product components and 5 distance
features, then the scalar channels. The score is therefore invariant, values are all 16 components (equivariant),
and any fused kernel applies. Multi-query: the H query heads share one key/value head, so heads are folded into the
query-token axis (one [B, H·T, d] × [B, T, d] attention). Feature widths are zero-padded to multiples of 8 for fused
kernels; the ``scale`` argument keeps the temperature at 1/sqrt(unpadded width).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from equiscale.models.gatr.features import qk_features
from equiscale.models.gatr.heads import pack_heads, unpack_heads
from equiscale.models.gatr.linear import EquiLinear


class GeometricAttention(nn.Module):
    """(x [16, B, T, c], s [B, T, cs]) → same shapes; H query heads of h_mv/h_s channels, one shared k/v head."""

    def __init__(self, mv_channels: int, s_channels: int, num_heads: int = 8, increase: int = 2) -> None:
        super().__init__()
        self.heads = num_heads
        self.h_mv = max(increase * mv_channels // num_heads, 1)
        self.h_s = max(increase * s_channels // num_heads, 4)
        H, m, hs = num_heads, self.h_mv, self.h_s
        self.qkv = EquiLinear(mv_channels, H * m + 2 * m, in_s=s_channels, out_s=H * hs + 2 * hs)
        self.out = EquiLinear(H * m, mv_channels, in_s=H * hs, out_s=s_channels, init_scale=0.1)
        self.scale = 1.0 / math.sqrt(12 * m + hs)

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        H, m, hs = self.heads, self.h_mv, self.h_s
        y, ys = self.qkv(x, s)
        q_mv, k_mv, v_mv = y.split((H * m, m, m), dim=-1)  # split, not slicing: no zero-filled gradients
        q_s, k_s, v_s = ys.split((H * hs, hs, hs), dim=-1)
        q = qk_features(q_mv, q_s, H, key=False)  # [B, T·H, dq]
        k = qk_features(k_mv, k_s, 1, key=True)  # [B, T, dq]
        v = pack_heads(1, v_s, v_mv)  # [B, T, dv]
        out = F.scaled_dot_product_attention(q[:, None], k[:, None], v[:, None], scale=self.scale).squeeze(1)
        o_mv, o_s = unpack_heads(out, (16,), H, m, hs)
        return self.out(o_mv, o_s)
