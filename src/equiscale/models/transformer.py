"""The non-equivariant baseline: a plain pre-LN transformer over tokens (gatr.md §4), nanoGPT-style.

Linear(in → d) → blocks [x + MHA(LN(x)); x + MLP(LN(x)), MLP d → 2d → d with GELU] → Linear(d → out).
No positional encoding and no causal mask, so the map is permutation-equivariant over tokens; nothing else about
the geometry is built in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch.nn.functional as F
from torch import Tensor, nn

from equiscale.errors import EquiscaleError


def default_heads(d_model: int) -> int:
    """8 heads, fewer for small widths: the largest h ≤ min(8, d/16) dividing d (at least 1)."""
    h = max(1, min(8, d_model // 16))
    while d_model % h:
        h -= 1
    return h


@dataclass(frozen=True)
class TransformerConfig:
    """Sizes of the baseline transformer; ``num_heads=None`` picks :func:`default_heads`."""

    in_features: int
    out_features: int
    d_model: int = 128
    num_layers: int = 4
    num_heads: int | None = None
    mlp_ratio: int = 2

    def __post_init__(self) -> None:
        if min(self.in_features, self.out_features, self.d_model, self.num_layers, self.mlp_ratio) < 1:
            raise EquiscaleError(f"transformer sizes must be positive, got {self}")
        if self.d_model % self.heads:
            raise EquiscaleError(f"d_model {self.d_model} is not divisible by {self.heads} heads")

    @property
    def heads(self) -> int:
        return self.num_heads if self.num_heads is not None else default_heads(self.d_model)


class SelfAttention(nn.Module):
    """Multi-head self-attention over all tokens (no mask), computed with fused SDPA."""

    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.heads = cfg.heads
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model)

    def forward(self, x: Tensor) -> Tensor:
        *lead, T, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=-1)
        q, k, v = (z.reshape(*lead, T, self.heads, d // self.heads).transpose(-2, -3) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v)
        return self.proj(y.transpose(-2, -3).reshape(*lead, T, d))


class MLP(nn.Module):
    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.fc = nn.Linear(cfg.d_model, cfg.mlp_ratio * cfg.d_model)
        self.proj = nn.Linear(cfg.mlp_ratio * cfg.d_model, cfg.d_model)

    def forward(self, x: Tensor) -> Tensor:
        return self.proj(F.gelu(self.fc(x)))


class Block(nn.Module):
    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.d_model)
        self.attn = SelfAttention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.d_model)
        self.mlp = MLP(cfg)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    """[..., tokens, in_features] → [..., tokens, out_features].

    Linear layers keep PyTorch's fan-in initialisation (width-aware, unlike a fixed std); the residual-branch
    output projections are scaled down by 1/sqrt(2·layers) as in GPT-2 so depth does not inflate the stream.
    """

    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.config = cfg
        self.linear_in = nn.Linear(cfg.in_features, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.num_layers))
        self.linear_out = nn.Linear(cfg.d_model, cfg.out_features)
        scale = 1.0 / math.sqrt(2 * cfg.num_layers)
        for block in self.blocks:
            for proj in (block.attn.proj, block.mlp.proj):
                proj.weight.data.mul_(scale)

    def forward(self, x: Tensor) -> Tensor:
        x = self.linear_in(x)
        for block in self.blocks:
            x = block(x)
        return self.linear_out(x)
