"""Compute accounting: nominal counts reproduce gatr.md §5.2, measured counts match 6·N·tokens and SDPA."""

import pytest
import torch
from torch import nn

from equiscale.models.flops import count_params, train_step_flops
from equiscale.models.nominal import gatr_block_nominal
from equiscale.models.registry import build_model
from tests.models._fixtures import PHYSICS, random_batch


@pytest.mark.parametrize(
    ("c", "s", "params", "flops"),
    [(16, 128, 219_776, 6.82e6), (32, 64, 215_552, 2.33e7), (64, 64, 663_552, 9.20e7)],
)
def test_nominal_gatr_block_matches_reference_table(c: int, s: int, params: int, flops: float) -> None:
    block = gatr_block_nominal(c, s)
    assert block["params"] == params
    assert abs(block["flops_per_token"] / flops - 1) < 0.005  # the table quotes three significant digits


def test_wide_transformer_measured_is_six_n_per_token() -> None:
    model = build_model("transformer", (384, 1), PHYSICS)
    batch = random_batch(PHYSICS, 8, dtype=torch.float32)
    out = train_step_flops(model, batch)
    tokens = 8 * PHYSICS.tokens
    assert abs(out["measured"] / (6 * out["params"] * tokens) - 1) < 0.2
    assert out["params"] == count_params(model) and (out["batch"], out["tokens"]) == (8, PHYSICS.tokens)
    assert out["nominal"] == out["nominal_linear"] + out["nominal_attention"]


def test_transformer_measured_counts_matmuls_and_cpu_sdpa_exactly() -> None:
    """Every Linear costs 2 (forward) + 2 (weight grad) + 2 (input grad, except the first layer) FLOPs per weight
    per token; SDPA costs 14·T²·d per layer and sample by torch's formulas (registered here for the CPU kernel):
    forward 4·T²·d, backward 10·T²·d as it recomputes the scores. The nominal count uses 3× forward = 12·T²·d."""
    model = build_model("transformer", (64, 2), PHYSICS)
    B, T = 4, PHYSICS.tokens
    measured = train_step_flops(model, random_batch(PHYSICS, B, dtype=torch.float32))
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    weights = sum(m.weight.numel() for m in linears)
    expected = (6 * weights - 2 * linears[0].weight.numel()) * B * T + 2 * 14 * T * T * 64 * B
    assert measured["measured"] == expected
    assert measured["nominal_attention"] == 2 * 12 * T * T * 64 * B
    assert measured["nominal_linear"] == 6 * weights * B * T


def test_measurement_leaves_gradients_untouched() -> None:
    model = build_model("transformer", "xs", PHYSICS)
    batch = random_batch(PHYSICS, 2, dtype=torch.float32)
    p = next(model.parameters())
    p.grad = torch.full_like(p, 7.0)
    train_step_flops(model, batch)
    assert torch.all(p.grad == 7.0)
    assert all(q.grad is None for q in list(model.parameters())[1:])


def test_equilinear_measured_flops_are_exactly_its_multiply_adds() -> None:
    """Forward, input gradient and weight gradient each do 24·ci·co multiply-adds per token on multivectors plus
    the scalar paths; every one of them (in-place accumulations included) must reach FlopCounterMode."""
    from torch.utils.flop_counter import FlopCounterMode

    from equiscale.models.gatr import EquiLinear

    ci, co, si, so, n = 5, 7, 3, 4, 11
    layer = EquiLinear(ci, co, si, so)
    x, s = torch.randn(16, n, ci, requires_grad=True), torch.randn(n, si, requires_grad=True)
    with FlopCounterMode(display=False) as counter:
        y, ys = layer(x, s)
        torch.autograd.backward((y, ys), (torch.randn_like(y), torch.randn_like(ys)))
    per_pass = 2 * n * (24 * ci * co + si * co + ci * so + si * so)
    assert counter.get_total_flops() == 3 * per_pass
