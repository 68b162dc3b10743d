"""GATr layers on the internal layout [16, batch, tokens, channels] (see ``layout.py``) and the network."""

from equiscale.models.gatr.attention import GeometricAttention
from equiscale.models.gatr.bilinear import GeometricBilinear
from equiscale.models.gatr.layout import to_internal, to_storage
from equiscale.models.gatr.linear import EquiLinear
from equiscale.models.gatr.network import GATr, GATrBlock, GeometricMLP
from equiscale.models.gatr.nonlinear import equi_layer_norm, gated_gelu
from equiscale.models.gatr.products import BilinearProduct, geometric_product_module, join_module

__all__ = [
    "BilinearProduct",
    "EquiLinear",
    "GATr",
    "GATrBlock",
    "GeometricAttention",
    "GeometricBilinear",
    "GeometricMLP",
    "equi_layer_norm",
    "gated_gelu",
    "geometric_product_module",
    "join_module",
    "to_internal",
    "to_storage",
]
