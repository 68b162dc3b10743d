"""Models: the E(3)-equivariant GATr (``models.gatr``), the baseline transformer, schema wrappers and the registry.

``build_model(family, size, schema)`` is the one way the training loop gets a model; ``flops`` (a submodule) does the
compute accounting.
"""

from equiscale.models.embedding import SchemaEmbedding
from equiscale.models.gatr import GATr
from equiscale.models.registry import FAMILIES, PRESETS, Family, build_model, register_family, resolve_size
from equiscale.models.transformer import Transformer, TransformerConfig
from equiscale.models.wrappers import GATrModel, SchemaModel, TransformerModel

__all__ = [
    "FAMILIES",
    "PRESETS",
    "Family",
    "GATr",
    "GATrModel",
    "SchemaEmbedding",
    "SchemaModel",
    "Transformer",
    "TransformerConfig",
    "TransformerModel",
    "build_model",
    "register_family",
    "resolve_size",
]
