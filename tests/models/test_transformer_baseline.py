"""The baseline transformer: permutation-equivariant over tokens, but not E(3)-equivariant."""

import torch

from equiscale import geometry as G
from equiscale.models.registry import build_model
from equiscale.models.transformer import Transformer, TransformerConfig, default_heads
from tests.models._fixtures import PHYSICS, random_batch

F64 = torch.float64


def _rel(a: dict, b: dict) -> float:
    num = sum(((a[k] - b[k]) ** 2).sum() for k in a)
    den = sum((b[k] ** 2).sum() for k in a)
    return float((num / den).sqrt().detach())


def test_heads_rule_and_shapes() -> None:
    assert [default_heads(d) for d in (8, 16, 32, 48, 64, 128, 384, 1024)] == [1, 1, 2, 3, 4, 8, 8, 8]
    net = Transformer(TransformerConfig(in_features=7, out_features=5, d_model=32, num_layers=2))
    assert net(torch.randn(2, 3, 11, 7)).shape == (2, 3, 11, 5)
    assert net.config.heads == 2


def test_permutation_equivariant_over_tokens() -> None:
    model = build_model("transformer", (32, 2), PHYSICS, seed=1).to(F64)
    batch = random_batch(PHYSICS, 6)
    perm = torch.tensor([3, 0, 4, 2, 1])
    lhs = model(G.permute_tokens(batch, perm))
    rhs = G.permute_tokens(model(batch), perm)
    assert _rel(lhs, rhs) < 1e-12


def test_not_e3_equivariant() -> None:
    """A test that can fail: a plain transformer on raw coordinates visibly breaks rotation equivariance."""
    model = build_model("transformer", (32, 2), PHYSICS, seed=2).to(F64)
    batch = random_batch(PHYSICS, 16)
    g = G.sample("SO3", 16, seed=3)
    targets = {f.name: f for f in PHYSICS.targets}
    lhs = model(G.transform(batch, PHYSICS, g))
    rhs = G.transform(model(batch), targets.values(), g)
    assert _rel(lhs, rhs) > 0.05


def test_every_parameter_gets_a_gradient() -> None:
    model = build_model("transformer", "xs", PHYSICS, seed=0)
    out = model(random_batch(PHYSICS, 4, dtype=torch.float32))
    sum(v.square().mean() for v in out.values()).backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not torch.any(p.grad != 0)]
    assert not missing
