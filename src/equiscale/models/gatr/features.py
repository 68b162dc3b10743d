"""Query/key features of geometric attention (gatr.md §3.5), packed for SDPA in one Function.

Per multivector channel: the 7 inner-product components (all e0-free ones but e123) and 5 distance features from the
trivector part, whose dot product is −‖ĥ_k û_q − ĥ_q û_k‖² (−|x_q − x_k|² for points); then the scalar channels.
:func:`qk_features` builds the packed SDPA input straight from the multivector and writes *one* gradient for it:
composing packing, slicing and the dozen small distance expressions under autograd cost a zero-filled full-size
gradient per use plus their sum, more than the rest of the attention.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.autograd.function import once_differentiable

from equiscale.models.gatr.function import Function
from equiscale.models.gatr.heads import _pack, _unpack
from equiscale.models.gatr.layout import INNER_NO_E123, TRIVECTOR
from equiscale.models.gatr.nonlinear import at_least_fp32

DIST_EPS = 1e-3
_U = slice(TRIVECTOR[0], TRIVECTOR[2] + 1)  # e012, e013, e023: contiguous in the paired layout
_H = TRIVECTOR[3]  # e123
assert TRIVECTOR[:3] == tuple(range(TRIVECTOR[0], TRIVECTOR[0] + 3))
assert INNER_NO_E123 == slice(0, 7) and _H == 7


def _normalized(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """(u, h, w, û, ĥ) in ≥ fp32: trivector u = (e012, e013, e023), h = e123, w = h / (h² + ε), û = u·w, ĥ = h·w."""
    u, h = at_least_fp32(x[_U]), at_least_fp32(x[_H])
    w = h / (h.square() + DIST_EPS)
    return u, h, w, u * w, h * w


def _features(uu: torch.Tensor, hh: torch.Tensor, c: torch.Tensor, key: bool) -> torch.Tensor:
    """Stack (|û|², ĥ², ĥû) as φ, or (−ĥ², −|û|², 2ĥû) as ψ, from the three (linearised) pieces."""
    return torch.cat([torch.stack([-hh, -uu]), 2 * c] if key else [torch.stack([uu, hh]), c])


def distance_features(x: torch.Tensor, *, key: bool) -> torch.Tensor:
    """[16, ..., c] → [5, ..., c] query (φ) or key (ψ) distance features in (at least) fp32.

    φ_q·ψ_k = −‖ĥ_k û_q − ĥ_q û_k‖², which is −|x_q − x_k|² for points.
    """
    _, _, _, u_hat, h_hat = _normalized(x)
    return _features(u_hat.square().sum(0), h_hat.square(), h_hat * u_hat, key)


def _distance_vjp(x: torch.Tensor, g: torch.Tensor, key: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Gradients (for u [3, ...], for h [...]) of distance_features(x) against its output gradient g [5, ...]."""
    u, h, w, u_hat, h_hat = _normalized(x)
    g = at_least_fp32(g)
    g_uu, g_hh, g_c = (-g[1], -g[0], 2 * g[2:]) if key else (g[0], g[1], g[2:])
    g_u_hat = 2 * u_hat * g_uu + h_hat * g_c
    g_h_hat = 2 * h_hat * g_hh + (u_hat * g_c).sum(0)
    g_w = (g_u_hat * u).sum(0) + g_h_hat * h
    dw_dh = (DIST_EPS - h.square()) / (h.square() + DIST_EPS).square()
    return g_u_hat * w, g_h_hat * w + g_w * dw_dh


def _distance_jvp(x: torch.Tensor, dx: torch.Tensor, key: bool) -> torch.Tensor:
    """Forward-mode derivative of distance_features at x along dx."""
    u, h, w, u_hat, h_hat = _normalized(x)
    du, dh = at_least_fp32(dx[_U]), at_least_fp32(dx[_H])
    dw = (DIST_EPS - h.square()) / (h.square() + DIST_EPS).square() * dh
    du_hat, dh_hat = du * w + u * dw, dh * w + h * dw
    return _features(2 * (u_hat * du_hat).sum(0), 2 * h_hat * dh_hat, dh_hat * u_hat + h_hat * du_hat, key)


class _QKFeatures(Function):
    """(mv [16, B, T, heads·m], s [B, T, heads·hs]) → [B, T·heads, 12·m + hs (+ pad)], hand-written backward/jvp."""

    @staticmethod
    def forward(mv: torch.Tensor, s: torch.Tensor, heads: int, key: bool) -> torch.Tensor:
        return _pack((mv[INNER_NO_E123], distance_features(mv, key=key).to(mv.dtype)), s, heads)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: torch.Tensor) -> None:
        mv, s, ctx.heads, ctx.key = inputs
        ctx.m, ctx.hs = mv.shape[-1] // ctx.heads, s.shape[-1] // ctx.heads
        ctx.save_for_backward(mv)
        ctx.save_for_forward(mv)

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad: torch.Tensor) -> tuple:
        (mv,) = ctx.saved_tensors
        inner, distances, gs = _unpack(grad, (7, 5), ctx.heads, ctx.m, ctx.hs)
        gmv = torch.empty(mv.shape, dtype=mv.dtype, device=mv.device)
        gmv[INNER_NO_E123] = inner
        gmv[_U], gmv[_H] = _distance_vjp(mv, distances, ctx.key)
        gmv[8 : _U.start].zero_()
        gmv[_U.stop :].zero_()
        return gmv, gs, None, None

    @staticmethod
    def jvp(ctx: Any, dmv: torch.Tensor | None, ds: torch.Tensor | None, *_: None) -> torch.Tensor:
        (mv,) = ctx.saved_tensors
        dmv = dmv if dmv is not None else torch.zeros_like(mv)
        ds = ds if ds is not None else mv.new_zeros(*mv.shape[1:-1], ctx.heads * ctx.hs)
        return _pack((dmv[INNER_NO_E123], _distance_jvp(mv, dmv, ctx.key).to(dmv.dtype)), ds, ctx.heads)


def qk_features(mv: torch.Tensor, s: torch.Tensor, heads: int, *, key: bool) -> torch.Tensor:
    """mv [16, B, T, heads·m], s [B, T, heads·hs] → packed query (φ) or key (ψ) features [B, T·heads, d]."""
    if torch.compiler.is_compiling():  # the Function's plain forward body for dynamo (see nonlinear.py)
        return _QKFeatures.forward(mv, s, heads, key)
    return _QKFeatures.apply(mv, s, heads, key)
