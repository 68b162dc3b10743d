"""Shared schemas and batches for the model tests."""

import torch

from equiscale import geometry as G

PHYSICS = G.Schema(
    inputs=(
        G.Field("pos", "point", (3,)),
        G.Field("vel", "vector", (3,)),
        G.Field("omega", "pseudovector", (3,)),
        G.Field("mass", "scalar", ()),
    ),
    targets=(
        G.Field("pos_next", "point", (3,)),
        G.Field("vel_next", "vector", (3,)),
        G.Field("omega_next", "pseudovector", (3,)),
        G.Field("energy", "scalar", ()),
    ),
    tokens=5,
)


def random_batch(schema: G.Schema, n: int, *, seed: int = 0, dtype: torch.dtype = torch.float64) -> dict:
    """Random input and target fields [n, tokens, *shape]."""
    gen = torch.Generator().manual_seed(seed)
    return {f.name: torch.randn(n, schema.tokens, *f.shape, generator=gen, dtype=dtype) for f in schema.fields.values()}
