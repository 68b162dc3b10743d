"""GeometricBilinear: GP(L1 x, L2 x) ⊕ EquiJoin(L3 x, L4 x; r), then an output EquiLinear (gatr.md §3.2)."""

from __future__ import annotations

import torch
from torch import nn

from equiscale.models.gatr.layout import E123
from equiscale.models.gatr.linear import EquiLinear
from equiscale.models.gatr.products import geometric_product_module, join_module


class GeometricBilinear(nn.Module):
    """(x [16, B, T, in_mv], s [B, T, in_s], r_e123 [B]) → (y [16, B, T, out_mv], s' [B, T, out_s]).

    The four projections are fused into one EquiLinear in_mv → 2·hidden; GP and join act on hidden/2 channels each.
    The right GP factor starts near the unit scalar (bias 1, small weights) so GP(L1 x, L2 x) ≈ L1 x at init.
    """

    def __init__(self, in_mv: int, out_mv: int, in_s: int, out_s: int, hidden_mv: int | None = None) -> None:
        super().__init__()
        hidden_mv = hidden_mv or out_mv
        if hidden_mv % 2:
            raise ValueError("GeometricBilinear needs an even hidden width")
        self.half = hidden_mv // 2
        self.proj = EquiLinear(in_mv, 4 * self.half, in_s=in_s)
        with torch.no_grad():
            right = slice(self.half, 2 * self.half)
            self.proj.weight[..., right] *= 0.1
            self.proj.bias_mv[right] = 1.0
        self.out = EquiLinear(hidden_mv, out_mv, in_s=in_s, out_s=out_s)
        self.gp = geometric_product_module()
        self.join = join_module()

    def forward(
        self, x: torch.Tensor, s: torch.Tensor, ref_e123: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        y, _ = self.proj(x, s)
        left, right, join_left, join_right = y.split(self.half, dim=-1)
        gp = self.gp(left, right)
        joined = self.join(join_left, join_right)
        joined = joined * ref_e123.view(1, -1, *([1] * (x.dim() - 2))).to(joined.dtype)
        return self.out(torch.cat([gp, joined], dim=-1), s)


def reference_e123(mv_internal: torch.Tensor) -> torch.Tensor:
    """e123 component of the mean input multivector over tokens and channels, per sample: [16, B, T, c] → [B]."""
    return mv_internal[E123].mean(dim=(-2, -1))
