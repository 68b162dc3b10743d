"""Pointwise equivariant maps on the internal layout: scalar-gated GELU and the equivariant layer norm.

Both are autograd Functions with hand-written backward and forward-mode rules: autograd through the plain
expressions costs a dozen full-size temporaries per call (broadcast products, their reductions, zero-filled slices),
which made these two cheap maps a quarter of a GATr step on CPU. Under torch.compile the Functions' forward bodies
are called directly (plain, differentiable torch): dynamo cannot trace a Function that has a ``jvp``, and inductor
fuses the plain expressions anyway.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch.autograd.function import once_differentiable

from equiscale.models.gatr.function import Function

LN_EPS = 0.01


def at_least_fp32(t: torch.Tensor) -> torch.Tensor:
    """Upcast half/bfloat16 to float32 (statistics and divisions under autocast); float32/64 pass through."""
    return t.float() if t.dtype in (torch.float16, torch.bfloat16) else t


def _gelu_grad(x0: torch.Tensor) -> torch.Tensor:
    """d GELU(x0) / d x0 (tanh approximation)."""
    return torch.ops.aten.gelu_backward(torch.ones_like(x0), x0, approximate="tanh")


class _GatedGelu(Function):
    """y = GELU(x₀)·x per channel, x₀ the scalar component (x [16, ..., c])."""

    @staticmethod
    def forward(x: torch.Tensor) -> torch.Tensor:
        return x * F.gelu(x[:1], approximate="tanh")

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: torch.Tensor) -> None:
        ctx.save_for_backward(inputs[0])
        ctx.save_for_forward(inputs[0])

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        x0 = x[:1]
        gx = grad * F.gelu(x0, approximate="tanh")
        gx[:1] += torch.ops.aten.gelu_backward((grad * x).sum(0, keepdim=True), x0, approximate="tanh")
        return gx

    @staticmethod
    def jvp(ctx: Any, dx: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        x0 = x[:1]
        return dx * F.gelu(x0, approximate="tanh") + x * (_gelu_grad(x0) * dx[:1])


def gated_gelu(x: torch.Tensor, s: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """GELU(x₀)·x per multivector channel (gate = its invariant scalar component), plain GELU on scalars (tanh)."""
    gated = _GatedGelu.forward(x) if torch.compiler.is_compiling() else _GatedGelu.apply(x)
    return gated, (F.gelu(s, approximate="tanh") if s is not None else None)


def _norm_scale(x: torch.Tensor, eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-token r = 1/sqrt(max(q, ε)) and slope = d r/d q · 2/C (0 where the clamp holds), both ≥ fp32, [1, ..., 1].

    q = mean over channels of Σ_{e0-free i} x_i²; the slope folds the 2x/C of d q / d x_free into -r³/2.
    """
    free = at_least_fp32(x[:8])
    q = torch.linalg.vecdot(free, free, dim=-1).sum(0, keepdim=True).unsqueeze(-1) / x.shape[-1]
    r = torch.rsqrt(q.clamp_min(eps))
    return r, torch.where(q > eps, -r.pow(3) / x.shape[-1], torch.zeros_like(r))


class _EquiLayerNorm(Function):
    """(y, r, slope) with y = x·r (:func:`_norm_scale`); r and slope are returned (non-differentiable) so that the
    backward and jvp reuse them instead of recomputing the statistics."""

    @staticmethod
    def forward(x: torch.Tensor, eps: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        r, slope = _norm_scale(x, eps)
        return x * r.to(x.dtype), r, slope

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: tuple) -> None:
        _, r, slope = output
        ctx.mark_non_differentiable(r, slope)
        ctx.save_for_backward(inputs[0], r, slope)
        ctx.save_for_forward(inputs[0], r, slope)

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad: torch.Tensor, *_: torch.Tensor | None) -> tuple[torch.Tensor, None]:
        x, r, slope = ctx.saved_tensors
        gx = grad * r.to(grad.dtype)
        gr = torch.linalg.vecdot(at_least_fp32(grad), at_least_fp32(x), dim=-1).sum(0, keepdim=True).unsqueeze(-1)
        gx[:8].addcmul_(x[:8], (gr * slope).to(grad.dtype))
        return gx, None

    @staticmethod
    def jvp(ctx: Any, dx: torch.Tensor, _: None) -> tuple[torch.Tensor, None, None]:
        x, r, slope = ctx.saved_tensors
        dq = torch.linalg.vecdot(at_least_fp32(x[:8]), at_least_fp32(dx[:8]), dim=-1).sum(0, keepdim=True)
        return dx * r.to(dx.dtype) + x * (slope * dq.unsqueeze(-1)).to(dx.dtype), None, None


def equi_layer_norm(
    x: torch.Tensor, s: torch.Tensor | None = None, eps: float = LN_EPS
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """x / sqrt(max(mean_c ⟨x_c, x_c⟩, ε)) with the inner product over e0-free components, stats in fp32.

    Scalars get a standard (affine-free) LayerNorm.
    """
    x = (_EquiLayerNorm.forward if torch.compiler.is_compiling() else _EquiLayerNorm.apply)(x, eps)[0]
    if s is not None:
        s = F.layer_norm(at_least_fp32(s), s.shape[-1:]).to(s.dtype)
    return x, s
