"""Models: the E(3)-equivariant GATr (``models.gatr``) and its non-equivariant counterparts."""

from equiscale.models.gatr import GATr

__all__ = ["GATr"]
