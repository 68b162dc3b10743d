"""The GATr schema model is SE(3)-equivariant on raw fields; every parameter learns; regulariser and counts."""

import pytest
import torch

from equiscale import geometry as G
from equiscale.models.flops import train_step_flops
from equiscale.models.nominal import gatr_block_nominal, gatr_nominal
from equiscale.models.registry import build_model
from tests.models._fixtures import PHYSICS, random_batch

try:
    from equiscale.models.gatr import GATr  # noqa: F401
except ImportError:  # the network is written by another room; until it lands these tests cannot run
    pytestmark = pytest.mark.skip(reason="equiscale.models.gatr.GATr not available yet")

F64 = torch.float64
TARGETS = PHYSICS.targets


def _rel_errors(model, batch: dict, g: G.E3Element, dtype: torch.dtype) -> dict[str, float]:
    """Per target field ||f(g·x) − g·f(x)|| / ||g·f(x)||, inputs transformed in float64 then cast."""
    inputs = {f.name: batch[f.name] for f in PHYSICS.inputs}
    moved = {k: v.to(dtype) for k, v in G.transform(inputs, PHYSICS, g, dtype=F64).items()}
    with torch.no_grad():
        lhs = model(moved)
        rhs = G.transform(model({k: v.to(dtype) for k, v in inputs.items()}), TARGETS, g, dtype=F64)
    return {k: float((lhs[k].double() - rhs[k]).norm() / rhs[k].norm()) for k in rhs}


@pytest.mark.parametrize("residual", [None, {"pos_next": "pos", "vel_next": "vel"}], ids=["absolute", "residual"])
def test_gatr_schema_model_is_se3_equivariant_float64(residual: dict | None) -> None:
    model = build_model("gatr", (8, 2), PHYSICS, seed=0, residual=residual).to(F64)
    batch = random_batch(PHYSICS, 24, seed=1)
    errors = _rel_errors(model, batch, G.sample("SE3", 24, seed=2, translation_scale=2.0), F64)
    assert max(errors.values()) <= 1e-10, errors


def test_gatr_schema_model_is_se3_equivariant_float32() -> None:
    """Equivariant to 1e-5, or to float32 round-off where point extraction (÷ e123) amplifies it.

    At init some predicted points lie far out (|x| ≈ 40 for unit inputs), so the float32 forward pass itself differs
    from float64 by ~1e-5 relative; the equivariance error may not be smaller than that, but must not exceed it much.
    """
    model = build_model("gatr", (8, 2), PHYSICS, seed=3)
    batch = random_batch(PHYSICS, 24, seed=4)
    g = G.sample("SE3", 24, seed=5)
    errors = _rel_errors(model, batch, g, torch.float32)
    inputs = {f.name: batch[f.name] for f in PHYSICS.inputs}
    exact_model = build_model("gatr", (8, 2), PHYSICS, seed=3).to(F64)
    roundoff = 0.0
    with torch.no_grad():
        for x in (inputs, G.transform(inputs, PHYSICS, g, dtype=F64)):
            exact, single = exact_model(x), model({k: v.float() for k, v in x.items()})
            roundoff = max(roundoff, *(float((single[k].double() - exact[k]).norm() / exact[k].norm()) for k in exact))
    assert max(errors.values()) <= max(1e-5, 3 * roundoff), (errors, roundoff)
    assert roundoff <= 1e-4


def test_reflections_break_raw_coordinate_equivariance() -> None:
    """The chirality caveat (gatr.md §2): embedded points always have h = +1, so mirror images are not mirrored."""
    model = build_model("gatr", (8, 2), PHYSICS, seed=0).to(F64)
    g = G.sample("O3", 64, seed=6)
    g = g[g.det < 0]
    batch = random_batch(PHYSICS, len(g), seed=7)
    assert max(_rel_errors(model, batch, g, F64).values()) > 1e-3


@pytest.mark.parametrize("family", ["gatr", "transformer"])
def test_every_parameter_gets_a_gradient(family: str) -> None:
    model = build_model(family, "xs", PHYSICS, seed=0)
    batch = random_batch(PHYSICS, 4, seed=8, dtype=torch.float32)
    out = model(batch)
    loss = sum(((out[f.name] - batch[f.name]) ** 2).mean() for f in TARGETS) + 0.01 * model.output_regularizer()
    loss.backward()
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    missing = [n for n, p in trainable if p.grad is None or not torch.any(p.grad != 0)]
    assert not missing
    assert model.num_params == sum(p.numel() for _, p in trainable)
    frozen = {n for n, p in model.named_parameters() if not p.requires_grad}  # cannot reach any prediction
    assert frozen <= {"net.linear_in.mv_to_s", "net.linear_out.bias_mv", "net.linear_out.s_to_mv"}


def test_output_regularizer_penalises_the_homogeneous_coordinate() -> None:
    model = build_model("gatr", "xs", PHYSICS, seed=0)
    model(random_batch(PHYSICS, 3, seed=9, dtype=torch.float32))
    h = model._last_h
    assert h.shape == (3, PHYSICS.tokens, 1)
    assert torch.allclose(model.output_regularizer(), ((h.abs() - 1) ** 2).sum(dim=(1, 2)).mean())
    residual = build_model("gatr", "xs", PHYSICS, seed=0, residual={"pos_next": "pos"})
    residual(random_batch(PHYSICS, 3, seed=9, dtype=torch.float32))
    assert residual.output_regularizer() == 0  # no absolute point is read out
    assert build_model("transformer", "xs", PHYSICS).output_regularizer() == 0


def test_parameter_count_matches_the_nominal_block_formula() -> None:
    """Per-block weights (9 per MV channel pair + scalar weights) agree with gatr.md §5.2 up to biases/norms."""
    c = 16
    one, two = (build_model("gatr", (c, d), PHYSICS).num_params for d in (1, 2))
    expected = gatr_block_nominal(c, 2 * c)["params"]
    assert abs((two - one) / expected - 1) < 0.03


def test_nominal_count_read_from_the_network_matches_the_reference_formula() -> None:
    model = build_model("gatr", (16, 2), PHYSICS)
    e = model.embedding
    analytic = gatr_nominal(
        in_mv=e.in_mv_channels, out_mv=e.out_mv_channels, hidden_mv=16, in_s=e.in_s_channels,
        out_s=e.out_s_channels, hidden_s=32, blocks=2, heads=8, batch=3, tokens=7,
    )  # fmt: skip
    assert model.nominal_flops(3, 7) == analytic


def test_gatr_flop_accounting() -> None:
    model = build_model("gatr", "xs", PHYSICS, seed=0)
    out = train_step_flops(model, random_batch(PHYSICS, 4, seed=10, dtype=torch.float32))
    assert out["measured"] > 0 and out["nominal_attention"] > 0
    assert out["nominal"] == out["nominal_linear"] + out["nominal_attention"]
    # MV pairs are counted as dense 16×16 blocks: ≫ 6 FLOPs per parameter per token.
    assert out["nominal_linear"] / (out["params"] * 4 * PHYSICS.tokens) > 30
