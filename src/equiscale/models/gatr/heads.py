"""Moving multivector features between the internal layout and SDPA's per-head layout, one copy each way.

Internal: components first, ``[n, B, T, heads·m]``. SDPA: ``[B, T·heads, width]`` with heads folded token-major
(row t·heads + h) and, within a head, the ``n·m`` multivector features ordered (component, channel), then ``hs``
scalars, then zero padding to a multiple of 8 (fused kernels). Packing and unpacking are each other's adjoints, so
each is an autograd Function whose backward (and forward-mode rule) is the other: no zero-filled or cloned gradients,
which is what slicing and ``cat`` of permuted views would cost.
"""

from __future__ import annotations

from typing import Any

import torch

from equiscale.models.gatr.function import Function


def _pack(parts: tuple[torch.Tensor, ...], scalars: torch.Tensor, heads: int) -> torch.Tensor:
    """parts [n_i, B, T, heads·m], scalars [B, T, heads·hs] → [B, T·heads, Σn_i·m + hs (+ pad to 8)]."""
    B, T, _ = scalars.shape
    m, hs = parts[0].shape[-1] // heads, scalars.shape[-1] // heads
    n = sum(p.shape[0] for p in parts)
    width = n * m + hs
    out = scalars.new_empty(B, T, heads, width + (-width % 8))
    start = 0
    for p in parts:
        target = out[..., start * m : (start + p.shape[0]) * m].unflatten(-1, (p.shape[0], m))
        target.copy_(p.unflatten(-1, (heads, m)).permute(1, 2, 3, 0, 4))
        start += p.shape[0]
    out[..., n * m : width].copy_(scalars.unflatten(-1, (heads, hs)))
    out[..., width:].zero_()
    return out.flatten(1, 2)


def _unpack(packed: torch.Tensor, sizes: tuple[int, ...], heads: int, m: int, hs: int) -> tuple[torch.Tensor, ...]:
    """Inverse of :func:`_pack` (padding dropped): → (*parts [n_i, B, T, heads·m], scalars [B, T, heads·hs])."""
    B, rows, _ = packed.shape
    T = rows // heads
    grouped = packed.view(B, T, heads, -1)
    outs, start = [], 0
    for n in sizes:
        block = grouped[..., start * m : (start + n) * m].unflatten(-1, (n, m))
        outs.append(block.permute(3, 0, 1, 2, 4).reshape(n, B, T, heads * m))
        start += n
    outs.append(grouped[..., start * m : start * m + hs].reshape(B, T, heads * hs))
    return tuple(outs)


class PackHeads(Function):
    """``PackHeads.apply(heads, scalars, *parts)`` = :func:`_pack`; backward and jvp by :func:`_unpack`/_pack."""

    @staticmethod
    def forward(heads: int, scalars: torch.Tensor, *parts: torch.Tensor) -> torch.Tensor:
        return _pack(parts, scalars, heads)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: torch.Tensor) -> None:
        heads, scalars, *parts = inputs
        ctx.heads, ctx.sizes = heads, tuple(p.shape[0] for p in parts)
        ctx.m, ctx.hs = parts[0].shape[-1] // heads, scalars.shape[-1] // heads
        ctx.shapes = (scalars.shape, *(p.shape for p in parts))

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple:
        *parts, scalars = _unpack(grad, ctx.sizes, ctx.heads, ctx.m, ctx.hs)
        return (None, scalars, *parts)

    @staticmethod
    def jvp(ctx: Any, _: None, *tangents: torch.Tensor | None) -> torch.Tensor:
        ref = next(t for t in tangents if t is not None)
        scalars, *parts = (t if t is not None else ref.new_zeros(s) for t, s in zip(tangents, ctx.shapes, strict=True))
        return _pack(tuple(parts), scalars, ctx.heads)


class UnpackHeads(Function):
    """``UnpackHeads.apply(packed, sizes, heads, m, hs)`` = :func:`_unpack`; backward and jvp by the other."""

    @staticmethod
    def forward(packed: torch.Tensor, sizes: tuple[int, ...], heads: int, m: int, hs: int) -> tuple:
        return _unpack(packed, sizes, heads, m, hs)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: tuple) -> None:
        packed, ctx.sizes, ctx.heads, ctx.m, ctx.hs = inputs
        ctx.width = packed.shape[-1]

    @staticmethod
    def backward(ctx: Any, *grads: torch.Tensor | None) -> tuple:
        return (_repack(ctx, grads), None, None, None, None)

    @staticmethod
    def jvp(ctx: Any, packed: torch.Tensor, *_: None) -> tuple:
        return _unpack(packed, ctx.sizes, ctx.heads, ctx.m, ctx.hs)


def _repack(ctx: Any, grads: tuple[torch.Tensor | None, ...]) -> torch.Tensor:
    """_pack of unpacked gradients (None → zeros), padded back to the packed width."""
    *parts, scalars = grads
    ref = next(g for g in grads if g is not None)
    B, T = (ref.shape[1], ref.shape[2]) if ref.dim() == 4 else (ref.shape[0], ref.shape[1])
    shapes = [(n, B, T, ctx.heads * ctx.m) for n in ctx.sizes]
    parts = tuple(p if p is not None else ref.new_zeros(s) for p, s in zip(parts, shapes, strict=True))
    scalars = scalars if scalars is not None else ref.new_zeros(B, T, ctx.heads * ctx.hs)
    packed = _pack(parts, scalars, ctx.heads)
    assert packed.shape[-1] == ctx.width, "UnpackHeads expects the padded width _pack produces"
    return packed


def pack_heads(heads: int, scalars: torch.Tensor, *parts: torch.Tensor) -> torch.Tensor:
    """:func:`_pack` with the adjoint backward; under torch.compile :func:`_pack` itself (dynamo cannot trace a
    Function with a jvp; its slice copies are differentiable by autograd)."""
    if torch.compiler.is_compiling():
        return _pack(parts, scalars, heads)
    return PackHeads.apply(heads, scalars, *parts)


def unpack_heads(packed: torch.Tensor, sizes: tuple[int, ...], heads: int, m: int, hs: int) -> tuple[torch.Tensor, ...]:
    """:func:`_unpack` with the adjoint backward; under torch.compile the plain (autograd-differentiable) form."""
    if torch.compiler.is_compiling():
        return _unpack(packed, sizes, heads, m, hs)
    return UnpackHeads.apply(packed, sizes, heads, m, hs)
