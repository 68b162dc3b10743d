"""EquiLinear: the general Pin(3,0,1)-equivariant linear map between multivector channels, plus scalar channels.

φ(x) = Σ_k w_k ⟨x⟩_k + Σ_k v_k e0⟨x⟩_k (9 basis maps per channel pair). In the paired internal layout
(``layout.py``) output free component i gets W_{grade(i)} x_i and output e0 component i + 8 gets
W_{grade(i)+1} x_{i+8} + V_{grade(i)} x_i. So the whole map is three batched matmuls over components (free → free,
free → e0, e0 → e0), each writing its output block in place: 24·c_in·c_out multiply-adds per token, never a dense
16×16 block. Scalars only touch invariant slots (s→s, s→MV scalar, MV scalar→s); the multivector bias sits on the
scalar component only. The layer runs as an autograd Function with a hand-written backward and jvp
(``_EquiLinearFn``); under torch.compile the plain form ``_linear_plain`` is traced instead.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.autograd.function import once_differentiable

from equiscale.models.gatr.function import Function
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
        s = s.reshape(x.shape[1], self.in_s) if s is not None and self.in_s else None
        params = (self.weight, self.bias_mv, self.s_to_mv, self.mv_to_s, self.s_to_s, self.bias_s)
        if torch.compiler.is_compiling():  # dynamo cannot trace Functions with a jvp; inductor fuses the plain form
            y, s_out = _linear_plain(x, s, params)
        else:
            y, s_out = _EquiLinearFn.apply(x, s, *params)
        return y.view(16, *batch, self.out_mv), (s_out.view(*batch, self.out_s) if s_out is not None else None)


_FREE = torch.tensor(_FREE_GRADES)  # weight index of the grade map acting on free component i
_E0 = torch.tensor(_E0_GRADES)  # ... on e0 component i + 8
_V = _FREE + 5  # weight index of the e0-map sending free component i to e0 component i + 8
_MAPS = torch.cat([_FREE, _V, _E0])  # the 24 per-component weights, in the order of :func:`_maps`
_MAPS_ON: dict[torch.device, torch.Tensor] = {}
Params = tuple[torch.Tensor | None, ...]


def _maps_index(device: torch.device) -> torch.Tensor:
    """:data:`_MAPS` on ``device`` (cached: a host-to-device copy per call would cost more than the gather)."""
    index = _MAPS_ON.get(device)
    if index is None:
        index = _MAPS_ON[device] = _MAPS.to(device)
    return index


def _maps(weight: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Per-component [8, in, out] weights: free → free, free → e0 (e0-maps), e0 → e0 (one gather)."""
    return weight.index_select(0, _maps_index(weight.device)).split(8)


def _cast(t: torch.Tensor | None, dtype: torch.dtype | None) -> torch.Tensor | None:
    """``t.to(dtype)`` without the dispatcher round trip when nothing changes (most calls)."""
    return t if t is None or dtype is None or t.dtype == dtype else t.to(dtype)


def _linear(x: torch.Tensor, s: torch.Tensor | None, params: Params) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The map on x [16, N, in_mv] (contiguous), s [N, in_s]; writes each output block once, no concatenation."""
    weight, bias_mv, s_to_mv, mv_to_s, s_to_s, bias_s = params
    w_free, w_v, w_e0 = _maps(weight)
    y = x.new_empty(16, x.shape[1], weight.shape[-1])
    torch.bmm(x[:8], w_free, out=y[:8])
    torch.bmm(x[:8], w_v, out=y[8:])
    torch.baddbmm(y[8:], x[8:], w_e0, out=y[8:])  # out= rather than baddbmm_: FlopCounterMode counts it
    if bias_mv is not None:
        y[0].add_(bias_mv)
    if s is not None and s_to_mv is not None:
        torch.addmm(y[0], s, s_to_mv, out=y[0])
    s_out = None
    if mv_to_s is not None:
        s_out = torch.mm(x[0], mv_to_s) if bias_s is None else torch.addmm(bias_s, x[0], mv_to_s)
        if s is not None and s_to_s is not None:
            torch.addmm(s_out, s, s_to_s, out=s_out)
    return y, s_out


def _linear_plain(x: torch.Tensor, s: torch.Tensor | None, params: Params) -> tuple[torch.Tensor, torch.Tensor | None]:
    """:func:`_linear` without in-place writes (differentiable by autograd; the form torch.compile traces)."""
    weight, bias_mv, s_to_mv, mv_to_s, s_to_s, bias_s = params
    w_free, w_v, w_e0 = _maps(weight)
    free = torch.bmm(x[:8], w_free)
    e0 = torch.baddbmm(torch.bmm(x[:8], w_v), x[8:], w_e0)
    scalar = free[0] + bias_mv
    if s is not None and s_to_mv is not None:
        scalar = torch.addmm(scalar, s, s_to_mv)
    y = torch.cat([scalar[None], free[1:], e0])
    s_out = None
    if mv_to_s is not None:
        s_out = torch.addmm(bias_s, x[0], mv_to_s)
        if s is not None and s_to_s is not None:
            s_out = torch.addmm(s_out, s, s_to_s)
    return y, s_out


def _compute_dtype(x: torch.Tensor) -> torch.dtype:
    """The autocast dtype when autocast is on for x's device (bmm/mm run in it), else x's dtype."""
    kind = x.device.type
    return torch.get_autocast_dtype(kind) if torch.is_autocast_enabled(kind) else x.dtype


class _EquiLinearFn(Function):
    """EquiLinear with a hand-written backward (a few bmm/mm into preallocated blocks) and a jvp rule."""

    @staticmethod
    def forward(x: torch.Tensor, s: torch.Tensor | None, *params: torch.Tensor | None) -> tuple:
        dtype = _compute_dtype(x)
        cast = [_cast(p, dtype) for p in (x, s, *params)]
        with torch.no_grad(), torch.autocast(x.device.type, enabled=False):
            return _linear(cast[0], cast[1], tuple(cast[2:]))

    @staticmethod
    def setup_context(ctx, inputs: tuple, output: tuple) -> None:
        x, s, weight, _, s_to_mv, mv_to_s, s_to_s, _ = inputs
        dtype = output[0].dtype
        ctx.dtypes = [p.dtype if p is not None else None for p in inputs]
        ctx.shapes = [p.shape if p is not None else None for p in inputs[2:]]
        saved = [_cast(t, dtype) for t in (x, s, weight, s_to_mv, mv_to_s, s_to_s)]
        ctx.save_for_backward(*saved)  # biases are not needed: the map is affine
        ctx.save_for_forward(*saved)

    @staticmethod
    @once_differentiable
    def backward(ctx, gy: torch.Tensor, gs: torch.Tensor | None) -> tuple:
        x, s, weight, s_to_mv, mv_to_s, s_to_s = ctx.saved_tensors
        need = ctx.needs_input_grad
        gy = _cast(gy, x.dtype).contiguous()
        gs = _cast(gs, x.dtype)
        w_free, w_v, w_e0 = _maps(weight)
        grads: list[torch.Tensor | None] = [None] * 8
        if need[0]:
            gx = torch.empty_like(x)
            torch.bmm(gy[:8], w_free.mT, out=gx[:8])
            torch.baddbmm(gx[:8], gy[8:], w_v.mT, out=gx[:8])
            torch.bmm(gy[8:], w_e0.mT, out=gx[8:])
            if gs is not None and mv_to_s is not None:
                torch.addmm(gx[0], gs, mv_to_s.T, out=gx[0])
            grads[0] = gx
        if need[1] and s is not None:
            gsi = torch.zeros_like(s)
            if s_to_mv is not None:
                torch.addmm(gsi, gy[0], s_to_mv.T, out=gsi)
            if gs is not None and s_to_s is not None:
                torch.addmm(gsi, gs, s_to_s.T, out=gsi)
            grads[1] = gsi
        if need[2]:
            per_map = x.new_empty(24, *weight.shape[1:])  # Σ_tokens x_iᵀ gy_j for the 24 (i, j) of :func:`_maps`
            torch.bmm(x[:8].mT, gy[:8], out=per_map[:8])
            torch.bmm(x[:8].mT, gy[8:], out=per_map[8:16])
            torch.bmm(x[8:].mT, gy[8:], out=per_map[16:])
            gw = torch.zeros_like(weight).index_add_(0, _maps_index(x.device), per_map)
            grads[2] = gw
        if need[3]:
            grads[3] = gy[0].sum(0)
        if need[4] and s is not None:
            grads[4] = s.T @ gy[0]
        if gs is not None:
            if need[5]:
                grads[5] = x[0].T @ gs
            if need[6] and s is not None:
                grads[6] = s.T @ gs
            if need[7]:
                grads[7] = gs.sum(0)
        return tuple(_cast(g, d) for g, d in zip(grads, ctx.dtypes, strict=True))

    @staticmethod
    def jvp(ctx, dx: torch.Tensor | None, ds: torch.Tensor | None, *dparams: torch.Tensor | None) -> tuple:
        """Linear in (x, s) and in the parameters: J·(dx, ds, dθ) = f(dx, ds; W, no bias) + f(x, s; dθ)."""
        x, s, weight, s_to_mv, mv_to_s, s_to_s = ctx.saved_tensors
        with torch.no_grad():
            dx = _cast(dx, x.dtype).contiguous() if dx is not None else torch.zeros_like(x)
            ds = _cast(ds, x.dtype)
            y, s_out = _linear(dx, ds, (weight, None, s_to_mv, mv_to_s, s_to_s, None))
            if any(d is not None for d in dparams):
                tangent = tuple(
                    None if shape is None else _cast(d, x.dtype) if d is not None else x.new_zeros(shape)
                    for d, shape in zip(dparams, ctx.shapes, strict=True)
                )
                y2, s2 = _linear(x, s, tangent)
                y = y.add_(y2)
                s_out = s_out.add_(s2) if s_out is not None else None
        return y, s_out
