"""Nominal FLOPs by the convention of the GATr papers (gatr.md §5.1–5.2).

Each weight costs 6 FLOPs per token (2 forward + 4 backward, Kaplan's C ≈ 6N); a multivector→multivector channel
pair counts as a dense 16×16 block (256 weights) although it has only 9 parameters; biases, norms, GP/join products
and activations are ignored. Attention scores and value mixing are counted separately, per layer and sample, as
3 × 2·T²·(Σ_heads d_qk + Σ_heads d_v) (training ≈ 3× forward; T tokens attend to T keys). All functions are pure
integer arithmetic so the counts are exact and cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

FLOPS_PER_WEIGHT = 6  # per token, forward + backward
DENSE_MV_PAIR = 256  # a 16×16 block per multivector channel pair
MV_PAIR_PARAMS = 9  # free parameters of an equivariant linear map per channel pair


@dataclass(frozen=True)
class EquiLinearShape:
    """Channel counts of one equivariant linear layer (multivector and auxiliary scalar, in and out)."""

    in_mv: int
    out_mv: int
    in_s: int
    out_s: int

    @property
    def nominal_weights(self) -> int:
        """Weights counted by the convention (MV pairs as 256, scalar↔MV and scalar↔scalar as 1)."""
        return DENSE_MV_PAIR * self.in_mv * self.out_mv + self.in_s * self.out_mv + self.in_mv * self.out_s + (
            self.in_s * self.out_s
        )

    @property
    def params(self) -> int:
        """Free weights, biases excluded (9 per MV pair)."""
        return MV_PAIR_PARAMS * self.in_mv * self.out_mv + self.in_s * self.out_mv + self.in_mv * self.out_s + (
            self.in_s * self.out_s
        )


def gatr_head_channels(c: int, s: int, heads: int = 8, factor: int = 2) -> tuple[int, int]:
    """Per-head (multivector, scalar) q/k/v channels of GATr's attention: max(f·c/H, 1), max(f·s/H, 4)."""
    return max(factor * c // heads, 1), max(factor * s // heads, 4)


def gatr_block_layers(c: int, s: int, heads: int = 8) -> list[EquiLinearShape]:
    """The equivariant linear layers of one GATr block with MV width c and scalar width s (gatr.md §4, §5.2)."""
    h_mv, h_s = gatr_head_channels(c, s, heads)
    return [
        EquiLinearShape(c, heads * h_mv, s, heads * h_s),  # queries
        EquiLinearShape(c, h_mv, s, h_s),  # shared key head (multi-query)
        EquiLinearShape(c, h_mv, s, h_s),  # shared value head
        EquiLinearShape(heads * h_mv, c, heads * h_s, s),  # attention output
        EquiLinearShape(c, 4 * c, s, 0),  # four bilinear projections c → c (GP pair, join pair), fused
        EquiLinearShape(2 * c, 2 * c, s, 2 * s),  # bilinear output
        EquiLinearShape(2 * c, c, 2 * s, s),  # MLP output
    ]


def gatr_attention_dims(c: int, s: int, heads: int = 8) -> tuple[int, int]:
    """(Σ_heads d_qk, Σ_heads d_v) of a GATr block: d_qk = 12·h_mv + h_s, d_v = 16·h_mv + h_s (unpadded)."""
    h_mv, h_s = gatr_head_channels(c, s, heads)
    return heads * (12 * h_mv + h_s), heads * (16 * h_mv + h_s)


def attention_flops(tokens: int, qk_dims: int, v_dims: int) -> int:
    """Training FLOPs of attention scores and value mixing for one layer and one sample."""
    return 3 * 2 * tokens * tokens * (qk_dims + v_dims)


def gatr_block_nominal(c: int, s: int, heads: int = 8) -> dict[str, int]:
    """Per-block params (biases excluded) and nominal linear FLOPs per token (the table of gatr.md §5.2)."""
    layers = gatr_block_layers(c, s, heads)
    return {
        "params": sum(layer.params for layer in layers),
        "flops_per_token": FLOPS_PER_WEIGHT * sum(layer.nominal_weights for layer in layers),
    }


def gatr_nominal(
    *, in_mv: int, out_mv: int, hidden_mv: int, in_s: int, out_s: int, hidden_s: int, blocks: int, heads: int,
    batch: int, tokens: int,
) -> dict[str, int]:
    """Nominal training-step FLOPs of a whole GATr on ``batch`` samples of ``tokens`` tokens."""
    layers = [EquiLinearShape(in_mv, hidden_mv, in_s, hidden_s), EquiLinearShape(hidden_mv, out_mv, hidden_s, out_s)]
    layers += blocks * gatr_block_layers(hidden_mv, hidden_s, heads)
    linear = FLOPS_PER_WEIGHT * sum(layer.nominal_weights for layer in layers) * batch * tokens
    attention = blocks * batch * attention_flops(tokens, *gatr_attention_dims(hidden_mv, hidden_s, heads))
    return {"linear": linear, "attention": attention}


def transformer_nominal(*, weights: int, d_model: int, layers: int, batch: int, tokens: int) -> dict[str, int]:
    """Nominal training-step FLOPs of the baseline transformer: 6 per Linear weight per token, plus attention
    with Σ_heads d_qk = Σ_heads d_v = d_model."""
    return {
        "linear": FLOPS_PER_WEIGHT * weights * batch * tokens,
        "attention": layers * batch * attention_flops(tokens, d_model, d_model),
    }
