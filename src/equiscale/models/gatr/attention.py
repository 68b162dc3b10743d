"""Geometric multi-query attention through ``scaled_dot_product_attention`` (gatr.md §3.5).

Query/key features per multivector channel: the 7 inner-product components (all e0-free ones but e123) and 5 distance
features from the trivector part, whose dot product is −‖ĥ_k u_q − ĥ_q u_k‖² (−|x_q − x_k|² for points); then the
scalar channels. The score is therefore invariant, values are all 16 components (equivariant), and any fused kernel
applies. Multi-query: the H query heads share one key/value head, so heads are folded into the query-token axis
(one [B, H·T, d] × [B, T, d] attention). Feature widths are zero-padded to multiples of 8 for fused kernels; the
``scale`` argument keeps the temperature at 1/sqrt(unpadded width).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd.function import once_differentiable

from equiscale.models.gatr.heads import pack_heads, unpack_heads
from equiscale.models.gatr.layout import INNER_NO_E123, TRIVECTOR
from equiscale.models.gatr.linear import EquiLinear
from equiscale.models.gatr.nonlinear import at_least_fp32

DIST_EPS = 1e-3


_U = slice(TRIVECTOR[0], TRIVECTOR[2] + 1)  # e012, e013, e023: contiguous in the paired layout
_H = TRIVECTOR[3]  # e123
assert TRIVECTOR[:3] == tuple(range(TRIVECTOR[0], TRIVECTOR[0] + 3))


def _normalized(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """(u, h, w, û, ĥ) in ≥ fp32: trivector u = (e012, e013, e023), h = e123, w = h / (h² + ε), û = u·w, ĥ = h·w."""
    u, h = at_least_fp32(x[_U]), at_least_fp32(x[_H])
    w = h / (h.square() + DIST_EPS)
    return u, h, w, u * w, h * w


def _features(uu: torch.Tensor, hh: torch.Tensor, c: torch.Tensor, key: bool) -> torch.Tensor:
    """Stack (|û|², ĥ², ĥû) as φ, or (−ĥ², −|û|², 2ĥû) as ψ, from the three (linearised) pieces."""
    return torch.cat([torch.stack([-hh, -uu]), 2 * c] if key else [torch.stack([uu, hh]), c])


class _DistanceFeatures(torch.autograd.Function):
    """[16, ..., c] → [5, ..., c] query (φ) or key (ψ) features; φ·ψ = −‖ĥ_k û_q − ĥ_q û_k‖². Hand-written
    backward and jvp: autograd through the dozen small expressions cost more than the rest of the attention."""

    @staticmethod
    def forward(x: torch.Tensor, key: bool) -> torch.Tensor:
        _, _, _, u_hat, h_hat = _normalized(x)
        return _features(u_hat.square().sum(0), h_hat.square(), h_hat * u_hat, key)

    @staticmethod
    def setup_context(ctx, inputs: tuple, output: torch.Tensor) -> None:
        ctx.key = inputs[1]
        ctx.save_for_backward(inputs[0])
        ctx.save_for_forward(inputs[0])

    @staticmethod
    @once_differentiable
    def backward(ctx, g: torch.Tensor) -> tuple[torch.Tensor, None]:
        (x,) = ctx.saved_tensors
        u, h, w, u_hat, h_hat = _normalized(x)
        g = at_least_fp32(g)
        g_uu, g_hh, g_c = (-g[1], -g[0], 2 * g[2:]) if ctx.key else (g[0], g[1], g[2:])
        g_u_hat = 2 * u_hat * g_uu + h_hat * g_c
        g_h_hat = 2 * h_hat * g_hh + (u_hat * g_c).sum(0)
        g_w = (g_u_hat * u).sum(0) + g_h_hat * h
        dw_dh = (DIST_EPS - h.square()) / (h.square() + DIST_EPS).square()
        gx = torch.zeros_like(x)
        gx[_U] = g_u_hat * w
        gx[_H] = g_h_hat * w + g_w * dw_dh
        return gx, None

    @staticmethod
    def jvp(ctx, dx: torch.Tensor, _: None) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        u, h, w, u_hat, h_hat = _normalized(x)
        du, dh = at_least_fp32(dx[_U]), at_least_fp32(dx[_H])
        dw = (DIST_EPS - h.square()) / (h.square() + DIST_EPS).square() * dh
        du_hat, dh_hat = du * w + u * dw, dh * w + h * dw
        return _features(2 * (u_hat * du_hat).sum(0), 2 * h_hat * dh_hat, dh_hat * u_hat + h_hat * du_hat, ctx.key)


def distance_features(x: torch.Tensor, *, key: bool) -> torch.Tensor:
    """[16, ..., c] → [5, ..., c] query (φ) or key (ψ) distance features, computed in (at least) fp32."""
    if torch.compiler.is_compiling():  # plain form for dynamo (see nonlinear.py)
        return _DistanceFeatures.forward(x, key)
    return _DistanceFeatures.apply(x, key)


def _qk_features(mv: torch.Tensor, s: torch.Tensor, heads: int, *, key: bool) -> torch.Tensor:
    """mv [16, B, T, heads·m], s [B, T, heads·hs] → [B, T·heads, 12·m + hs (+ pad)]."""
    distances = distance_features(mv, key=key).to(mv.dtype)
    return pack_heads(heads, s, mv[INNER_NO_E123], distances)


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
        q = _qk_features(q_mv, q_s, H, key=False)  # [B, T·H, dq]
        k = _qk_features(k_mv, k_s, 1, key=True)  # [B, T, dq]
        v = pack_heads(1, v_s, v_mv)  # [B, T, dv]
        out = F.scaled_dot_product_attention(q[:, None], k[:, None], v[:, None], scale=self.scale)[:, 0]
        o_mv, o_s = unpack_heads(out, (16,), H, m, hs)
        return self.out(o_mv, o_s)
