"""EquiLinear: the general Pin(3,0,1)-equivariant linear map between multivector channels, plus scalar channels.

φ(x) = Σ_k w_k ⟨x⟩_k + Σ_k v_k e0⟨x⟩_k (9 basis maps per channel pair). In the paired internal layout
(``layout.py``) output free component i gets W_{grade(i)} x_i and output e0 component i + 8 gets
W_{grade(i)+1} x_{i+8} + V_{grade(i)} x_i. So the whole map is one ``bmm`` of the free half against [W | V]
(giving the free outputs and the V part of the e0 outputs) and one ``baddbmm`` of the e0 half: 24·c_in·c_out
multiply-adds per token, never a dense 16×16 block. Scalars only touch invariant slots (s→s, s→MV scalar, MV scalar→s);
the multivector bias sits on the scalar component only.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from equiscale.models.gatr.layout import PAIRED_GRADES

_FREE_GRADES = PAIRED_GRADES[:8]  # (0, 1, 1, 1, 2, 2, 2, 3)
_E0_GRADES = PAIRED_GRADES[8:]  # (1, 2, 2, 2, 3, 3, 3, 4)


class EquiLinear(nn.Module):
    """Equivariant linear layer ``(x [16, ..., in_mv], s [..., in_s]) → (y [16, ..., out_mv], s' [..., out_s])``.

    ``weight[a]`` (a = 0..4 grade projections, 5..8 e0-maps from grades 0..3) has shape [in_mv, out_mv].
    ``init_scale`` multiplies the variance-preserving init (use ~0.1 for residual-branch outputs).
    """

    def __init__(self, in_mv: int, out_mv: int, in_s: int = 0, out_s: int = 0, init_scale: float = 1.0) -> None:
        super().__init__()
        self.in_mv, self.out_mv, self.in_s, self.out_s = in_mv, out_mv, in_s, out_s
        self.weight = nn.Parameter(torch.empty(9, in_mv, out_mv))
        self.bias_mv = nn.Parameter(torch.zeros(out_mv))
        self.s_to_mv = nn.Parameter(torch.empty(in_s, out_mv)) if in_s else None
        self.mv_to_s = nn.Parameter(torch.empty(in_mv, out_s)) if out_s else None
        self.s_to_s = nn.Parameter(torch.empty(in_s, out_s)) if in_s and out_s else None
        self.bias_s = nn.Parameter(torch.zeros(out_s)) if out_s else None
        self.register_buffer("free_basis", torch.tensor(_FREE_GRADES), persistent=False)
        self.register_buffer("e0_basis", torch.tensor(_E0_GRADES), persistent=False)
        self.reset_parameters(init_scale)

    @torch.no_grad()
    def reset_parameters(self, init_scale: float = 1.0) -> None:
        """Variance-preserving init: each output component has about the input variance (e0 outputs ≈ 1.25×)."""
        fan_scalar = self.in_mv + self.in_s
        nn.init.normal_(self.weight, std=init_scale / math.sqrt(self.in_mv))
        self.weight[0].normal_(std=init_scale / math.sqrt(fan_scalar))
        self.weight[5:].mul_(0.5)  # e0-maps add a second source into the e0 components
        for p in (self.s_to_mv, self.mv_to_s, self.s_to_s):  # all feed invariant slots with fan-in in_mv + in_s
            if p is not None:
                p.normal_(std=init_scale / math.sqrt(fan_scalar))
        self.bias_mv.zero_()
        if self.bias_s is not None:
            self.bias_s.zero_()

    def forward(self, x: torch.Tensor, s: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        batch = x.shape[1:-1]
        x = x.reshape(16, -1, self.in_mv)
        o = self.out_mv
        w_free = torch.cat([self.weight[self.free_basis], self.weight[self.free_basis + 5]], dim=-1)
        # split (not slicing) so that backward concatenates gradients instead of zero-filling and adding
        x_free, x_e0 = x.split(8)
        r = torch.bmm(x_free, w_free)  # [8, N, 2o]: free outputs | e0-map part of the e0 outputs
        r_free, r_e0 = r.split(o, dim=-1)
        e0_out = torch.baddbmm(r_e0, x_e0, self.weight[self.e0_basis])
        r_scalar, r_rest = r_free.split((1, 7))
        scalar = r_scalar + self.bias_mv
        if s is not None and self.s_to_mv is not None:
            scalar = torch.baddbmm(scalar, s.reshape(1, -1, self.in_s), self.s_to_mv[None])
        y = torch.cat([scalar, r_rest, e0_out], dim=0).view(16, *batch, o)
        s_out = None
        if self.bias_s is not None:
            s_out = torch.addmm(self.bias_s, x_free[0], self.mv_to_s)
            if s is not None and self.s_to_s is not None:
                s_out = torch.addmm(s_out, s.reshape(-1, self.in_s), self.s_to_s)
            s_out = s_out.view(*batch, self.out_s)
        return y, s_out
