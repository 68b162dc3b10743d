"""Schema embeddings commute with the E(3) action (float64), up to the projective sign of points."""

import pytest
import torch

from equiscale import geometry as G
from equiscale.algebra import e3_action_matrix, e3_versor, embed_plane, embed_point, extract_point, sandwich
from equiscale.models.embedding import (
    SchemaEmbedding,
    embed_ideal_line,
    embed_ideal_point,
    embed_line,
    extract_pseudovector,
    extract_vector,
)

F64 = torch.float64
N = 32  # group elements per test (about half of them improper)


def _rand(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


def _action(g: G.E3Element) -> torch.Tensor:
    return e3_action_matrix(g.R, g.t)  # [n, 16, 16]


def _apply(M: torch.Tensor, mv: torch.Tensor) -> torch.Tensor:
    """ρ_g on [n, ..., 16] with one matrix per sample."""
    shape = mv.shape
    return (mv.reshape(shape[0], -1, 16) @ M.transpose(-1, -2)).reshape(shape)


@pytest.fixture(scope="module")
def group() -> G.E3Element:
    g = G.sample("E3", N, seed=11, translation_scale=2.0)
    assert (g.det < 0).sum() >= 8 and (g.det > 0).sum() >= 8  # reflections and proper motions both present
    return g


def _close(a: torch.Tensor, b: torch.Tensor, tol: float = 1e-12) -> bool:
    return bool((a - b).abs().max() <= tol * (1 + b.abs().max()))


def test_each_embedding_commutes_with_the_action(group: G.E3Element) -> None:
    M, det = _action(group), group.det
    x, v, w, p = (_rand(N, 5, 3, seed=s) for s in range(4))
    gp, gv, gw = G.act("point", p, group), G.act("vector", v, group), G.act("pseudovector", w, group)
    gx = G.act("point", x, group)
    assert _close(embed_point(gx), det[:, None, None] * _apply(M, embed_point(x)))  # projective sign of points
    assert _close(embed_plane(gv, gp), _apply(M, embed_plane(v, p)))
    assert _close(embed_ideal_line(gv), _apply(M, embed_ideal_line(v)))
    assert _close(embed_line(gw, gp), _apply(M, embed_line(w, p)))
    assert _close(embed_ideal_point(gw), _apply(M, embed_ideal_point(w)))


def test_action_matrix_agrees_with_the_versor_sandwich(group: G.E3Element) -> None:
    u, parity = e3_versor(group.R, group.t)
    w, p = _rand(N, 3, seed=5), _rand(N, 3, seed=6)
    line = embed_line(w, p)
    assert _close(sandwich(u, line, parity), _apply(_action(group), line))


def test_a_line_through_the_origin_cannot_carry_a_pseudovector() -> None:
    """Why pseudovectors need an anchor or the ideal embedding: B(w) alone moves under translation."""
    g = G.sample("T3", N, seed=3)
    w, origin = _rand(N, 3, seed=7), torch.zeros(N, 3, dtype=F64)
    moved = _apply(_action(g), embed_line(w, origin))
    assert (moved - embed_line(w, origin)).abs().max() > 1e-2  # translated w is w, but the line moved


def test_extraction_is_equivariant(group: G.E3Element) -> None:
    M, det = _action(group), group.det
    m = _rand(N, 7, 16, seed=8)
    m[..., 14] = m[..., 14].sign() * (0.5 + m[..., 14].abs())  # keep h away from the guard
    gm = _apply(M, m)
    assert _close(extract_vector(gm), G.act("vector", extract_vector(m), group))
    assert _close(extract_pseudovector(gm), G.act("pseudovector", extract_pseudovector(m), group))
    assert _close(extract_point(gm), G.act("point", extract_point(m), group), 1e-10)
    # Without dividing by h the read-out is not equivariant: h flips sign under reflections.
    raw = lambda mv: torch.stack([-mv[..., 13], mv[..., 12], -mv[..., 11]], dim=-1)  # noqa: E731
    err = (raw(gm) - G.act("point", raw(m), group)).abs().amax(dim=(1, 2))
    assert err[det < 0].min() > 1e-3


SCHEMA = G.Schema(
    inputs=(
        G.Field("pos", "point", (2, 3)),
        G.Field("mass", "scalar", (2,)),
        G.Field("vel", "vector", (3,)),
        G.Field("omega", "pseudovector", (3,)),
        G.Field("frame", "orientation", (3, 3)),
        G.Field("charge", "scalar", ()),
    ),
    targets=(
        G.Field("pos_out", "point", (2, 3)),
        G.Field("mass_out", "scalar", (2,)),
        G.Field("vel_out", "vector", (3,)),
        G.Field("omega_out", "pseudovector", (3,)),
        G.Field("frame_out", "orientation", (3, 3)),
        G.Field("charge_out", "scalar", ()),
    ),
    tokens=4,
)
NO_POINTS = G.Schema(
    inputs=(G.Field("vel", "vector", (2, 3)), G.Field("omega", "pseudovector", (3,))),
    targets=(G.Field("vel_out", "vector", (2, 3)),),
    tokens=3,
)


def _batch(schema: G.Schema, seed: int = 0) -> dict[str, torch.Tensor]:
    return {f.name: _rand(N, schema.tokens, *f.shape, seed=seed + i) for i, f in enumerate(schema.inputs)}


@pytest.mark.parametrize("schema", [SCHEMA, NO_POINTS], ids=["anchored", "no-points"])
def test_schema_embedding_commutes_with_transform(schema: G.Schema, group: G.E3Element) -> None:
    emb = SchemaEmbedding(schema)
    assert emb.anchor == ("pos" if schema is SCHEMA else None)
    batch = _batch(schema)
    mv, s = emb.embed(batch)
    gmv, gs = emb.embed(G.transform(batch, schema.inputs, group))
    assert mv.shape == (N, schema.tokens, emb.in_mv_channels, 16) and s.shape[-1] == emb.in_s_channels
    sign = torch.ones(N, 1, emb.in_mv_channels, 1, dtype=F64)
    for slot in emb.in_mv_slots:
        if slot.field.type is G.FieldType.POINT:
            sign[:, :, slot.start : slot.stop] = group.det[:, None, None, None]
    assert _close(gmv, sign * _apply(_action(group), mv))
    assert torch.equal(gs, s)


def test_schema_embedding_channel_counts_and_round_trip() -> None:
    emb = SchemaEmbedding(SCHEMA)
    assert (emb.in_mv_channels, emb.in_s_channels) == (2 + 1 + 1 + 3, 3)
    assert (emb.out_mv_channels, emb.out_s_channels) == (7, 3)
    assert emb.point_channels == [0, 1]
    batch = _batch(SCHEMA, seed=20)
    out = emb.extract(*emb.embed(batch))  # same layout in and out: extraction inverts embedding
    for name, x in batch.items():
        assert _close(out[name + "_out"], x), name
    # Without scalar inputs the GATr still gets one (constant) scalar channel.
    s = SchemaEmbedding(NO_POINTS).embed(_batch(NO_POINTS))[1]
    assert s.shape == (N, 3, 1) and torch.all(s == 1)


def test_displacement_targets_are_read_as_vectors() -> None:
    emb = SchemaEmbedding(SCHEMA, displacement=frozenset({"pos_out"}))
    assert emb.point_channels == []
    mv = _rand(2, 4, 7, 16, seed=1)
    s = _rand(2, 4, 3, seed=2)
    assert torch.equal(emb.extract(mv, s)["pos_out"], mv[:, :, 0:2, 2:5])
