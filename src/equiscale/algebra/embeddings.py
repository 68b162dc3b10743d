"""Embedding raw geometric quantities into multivectors and extracting them back (gatr.md §2)."""

from __future__ import annotations

import torch

from equiscale.algebra.versors import translator

#: Guard on the homogeneous coordinate when extracting points: |h| ≤ this is replaced by this.
POINT_GUARD = 1e-3


def _zeros(like: torch.Tensor, batch: torch.Size) -> torch.Tensor:
    return torch.zeros(*batch, 16, dtype=like.dtype, device=like.device)


def embed_scalar(s: torch.Tensor) -> torch.Tensor:
    """[...] → [..., 16] with s in the scalar slot (idx 0)."""
    out = _zeros(s, s.shape)
    out[..., 0] = s
    return out


def embed_pseudoscalar(p: torch.Tensor) -> torch.Tensor:
    """[...] → [..., 16] with p in the e0123 slot (idx 15)."""
    out = _zeros(p, p.shape)
    out[..., 15] = p
    return out


def embed_point(x: torch.Tensor) -> torch.Tensor:
    """[..., 3] → P(x): e123 = 1, e023 = −x₁, e013 = x₂, e012 = −x₃."""
    out = _zeros(x, x.shape[:-1])
    out[..., 14] = 1
    out[..., 13] = -x[..., 0]
    out[..., 12] = x[..., 1]
    out[..., 11] = -x[..., 2]
    return out


def extract_point(mv: torch.Tensor) -> torch.Tensor:
    """[..., 16] → [..., 3]: (−m₁₃, m₁₂, −m₁₁)/h with h = m₁₄, guarded where |h| ≤ 1e-3; computed in fp32 at least."""
    m = mv.float() if mv.dtype in (torch.float16, torch.bfloat16) else mv
    h = m[..., 14:15]
    h = torch.where(h.abs() <= POINT_GUARD, torch.full_like(h, POINT_GUARD), h)
    coords = torch.stack([-m[..., 13], m[..., 12], -m[..., 11]], dim=-1)
    return coords / h


def embed_translation(t: torch.Tensor) -> torch.Tensor:
    """[..., 3] → T(t) = 1 − ½ t·(e01, e02, e03)."""
    return translator(t)


def embed_plane(normal: torch.Tensor, point: torch.Tensor) -> torch.Tensor:
    """Oriented plane with normal n through point p: n·e − (n·p) e0 (n not normalised)."""
    out = _zeros(normal, normal.shape[:-1])
    out[..., 2:5] = normal
    out[..., 1] = -(normal * point).sum(-1)
    return out
