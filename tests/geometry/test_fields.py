"""Actions of E(3) on typed fields: homomorphism, float64 exactness, physical meaning of each type."""

import pytest
import torch

from equiscale import geometry as G
from equiscale.errors import EquiscaleError

F64 = torch.float64
SCHEMA = G.Schema(
    inputs=(
        G.Field("pos", "point", (4, 3)),
        G.Field("mass", "scalar", (4,)),
        G.Field("vel", "vector", (3,)),
        G.Field("omega", "pseudovector", (3,)),
        G.Field("frame", "orientation", (3, 3)),
    ),
    targets=(G.Field("out", "point", (4, 3)),),
    tokens=5,
)


def _batch(n: int = 30, seed: int = 0) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return {
        f.name: torch.randn(n, SCHEMA.tokens, *f.shape, generator=gen, dtype=F64) for f in SCHEMA.fields.values()
    }


def test_action_is_a_homomorphism() -> None:
    batch = _batch()
    g, h = G.sample("E3", 30, seed=1), G.sample("E3", 30, seed=2)
    lhs = G.transform(G.transform(batch, SCHEMA, h), SCHEMA, g)
    rhs = G.transform(batch, SCHEMA, g @ h)
    for name in batch:
        assert (lhs[name] - rhs[name]).abs().max() < 1e-12, name
    ident = G.transform(batch, SCHEMA, G.E3Element.identity(30))
    assert all(torch.equal(ident[k], batch[k]) for k in batch)


def test_types_have_their_physical_meaning() -> None:
    batch = _batch()
    g = G.sample("E3", 30, seed=4)
    out = G.transform(batch, SCHEMA, g)
    assert torch.equal(out["mass"], batch["mass"])
    # Differences of points are vectors: translation drops out.
    d_before = batch["pos"][:, :, 1] - batch["pos"][:, :, 0]
    d_after = out["pos"][:, :, 1] - out["pos"][:, :, 0]
    assert (G.act("vector", d_before, g) - d_after).abs().max() < 1e-12
    # The cross product of two vectors is a pseudovector: (Ra) × (Rb) = det(R) R (a × b).
    a, b = batch["vel"], batch["omega"]
    cross = torch.linalg.cross(G.act("vector", a, g), G.act("vector", b, g))
    assert (cross - G.act("pseudovector", torch.linalg.cross(a, b), g)).abs().max() < 1e-12
    # Orientation frames rotate column-wise like vectors.
    col = G.act("vector", batch["frame"][..., 0], g)
    assert (out["frame"][..., 0] - col).abs().max() < 1e-12
    # Norms of vectors are invariant; pseudovectors flip under reflections relative to vectors.
    assert (out["vel"].norm(dim=-1) - batch["vel"].norm(dim=-1)).abs().max() < 1e-12


def test_float64_on_request_and_broadcast_element() -> None:
    batch = {k: v.float() for k, v in _batch(8).items()}
    g = G.sample("E3", 1, seed=5)
    out = G.transform(batch, SCHEMA, g, dtype=F64)
    assert all(v.dtype == F64 for v in out.values())
    ref = G.act("point", batch["pos"].double()[3:4], g)
    assert torch.equal(out["pos"][3:4], ref)


def test_permute_tokens_commutes_with_transform() -> None:
    batch = _batch()
    g = G.sample("E3", 30, seed=6)
    perm = torch.randperm(SCHEMA.tokens, generator=torch.Generator().manual_seed(0))
    lhs = G.permute_tokens(G.transform(batch, SCHEMA, g), perm)
    rhs = G.transform(G.permute_tokens(batch, perm), SCHEMA, g)
    assert all(torch.equal(lhs[k], rhs[k]) for k in batch)


def test_schema_round_trip_and_checks() -> None:
    assert G.Schema.from_dict(SCHEMA.to_dict()) == SCHEMA
    SCHEMA.check_batch(_batch(3))
    bad = _batch(3)
    bad["vel"] = bad["vel"][..., :2]
    with pytest.raises(EquiscaleError, match="'vel'"):
        SCHEMA.check_batch(bad)
    missing = _batch(3)
    del missing["out"]
    with pytest.raises(EquiscaleError, match="missing field 'out'"):
        SCHEMA.check_batch(missing)
    SCHEMA.check_batch(missing, which="inputs")
    inputs, targets = SCHEMA.split(_batch(3))
    assert list(inputs) == [f.name for f in SCHEMA.inputs] and list(targets) == ["out"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "x", "type": "spinor", "shape": (3,)}, "unknown field type"),
        ({"name": "x", "type": "point", "shape": (2,)}, "last dimension 3"),
        ({"name": "x", "type": "orientation", "shape": (3,)}, r"\(3, 3\)"),
        ({"name": "", "type": "scalar", "shape": ()}, "identifier"),
    ],
)
def test_bad_fields(kwargs: dict, message: str) -> None:
    with pytest.raises(EquiscaleError, match=message):
        G.Field(**kwargs)


def test_untyped_field_and_wrong_batch_of_elements() -> None:
    with pytest.raises(EquiscaleError, match="no declared geometric type"):
        G.transform({"mystery": torch.zeros(2, 1, 3)}, SCHEMA, G.sample("E3", 2))
    with pytest.raises(EquiscaleError, match="cannot act"):
        G.act("point", torch.zeros(4, 1, 3), G.sample("E3", 3))
    with pytest.raises(EquiscaleError, match="unique"):
        G.Schema((G.Field("a", "scalar"),), (G.Field("a", "point", (3,)),), 1)
