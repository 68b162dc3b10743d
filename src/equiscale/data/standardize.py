"""Equivariance-preserving standardisation of typed fields.

Each field gets an isotropic :class:`FieldStats` computed on the train split:

- points: ``(x − c)/s`` with one centroid ``c`` and one RMS radius ``s`` shared by *all* point fields, so that a
  translation of the inputs is the same translation of the targets in standardised units;
- vectors and pseudovectors: ``x/s`` (mean 0, ``s`` the RMS component), which commutes with every rotation;
- scalars: ``(x − mean)/std`` per component;
- orientations: unchanged (rotation matrices are already normalised).

Standardised data is therefore acted on by a conjugated group element, and equivariance is preserved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from equiscale.errors import EquiscaleError
from equiscale.geometry import FieldType, Schema

_EPS = 1e-12


@dataclass(frozen=True, eq=False)
class FieldStats:
    """``standardised = (x − mean)/scale``; ``mean`` broadcasts against the field's trailing axes."""

    mean: np.ndarray
    scale: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        return {"mean": np.asarray(self.mean).tolist(), "scale": np.asarray(self.scale).tolist()}

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> FieldStats:
        try:
            mean = np.asarray(data["mean"], dtype=np.float64)
            scale = np.asarray(data["scale"], dtype=np.float64)
        except (KeyError, TypeError, ValueError) as exc:
            raise EquiscaleError(f"malformed field statistics {dict(data)!r}: {exc}") from None
        if not (np.isfinite(mean).all() and np.isfinite(scale).all() and (scale > 0).all()):
            raise EquiscaleError(f"field statistics must be finite with positive scale, got {dict(data)!r}")
        return FieldStats(mean, scale)


def compute_stats(arrays: Mapping[str, np.ndarray], schema: Schema) -> dict[str, FieldStats]:
    """Per-field statistics of the (train) ``arrays`` [n, tokens, *shape], following the rules above."""
    out: dict[str, FieldStats] = {}
    points = [f.name for f in schema.fields.values() if f.type is FieldType.POINT]
    if points:
        flat = np.concatenate([np.asarray(arrays[name], dtype=np.float64).reshape(-1, 3) for name in points])
        if len(flat) == 0:
            raise EquiscaleError("cannot compute standardisation statistics: the train split is empty")
        centroid = flat.mean(axis=0)
        scale = np.sqrt(((flat - centroid) ** 2).sum(axis=1).mean() / 3)
        for name in points:
            out[name] = FieldStats(centroid, np.asarray(max(scale, _EPS)))
    for name, f in schema.fields.items():
        if f.type is FieldType.POINT:
            continue
        x = np.asarray(arrays[name], dtype=np.float64)
        if x.shape[0] == 0:
            raise EquiscaleError("cannot compute standardisation statistics: the train split is empty")
        if f.type in (FieldType.VECTOR, FieldType.PSEUDOVECTOR):
            out[name] = FieldStats(np.zeros(3), np.asarray(max(np.sqrt((x**2).mean()), _EPS)))
        elif f.type is FieldType.SCALAR:
            x = x.reshape(-1, *f.shape)
            out[name] = FieldStats(x.mean(axis=0), np.maximum(x.std(axis=0), _EPS))
        else:
            out[name] = FieldStats(np.zeros(()), np.ones(()))
    return out


def _apply(batch: Mapping[str, Tensor], stats: Mapping[str, FieldStats], schema: Schema, inverse: bool) -> dict:
    fields = schema.fields
    out = {}
    for name, x in batch.items():
        if name not in fields:
            raise EquiscaleError(f"field {name!r} is not in the dataset schema")
        if name not in stats:
            raise EquiscaleError(f"no standardisation statistics for field {name!r}")
        x = torch.as_tensor(x)
        mean = torch.as_tensor(stats[name].mean, dtype=x.dtype, device=x.device)
        scale = torch.as_tensor(stats[name].scale, dtype=x.dtype, device=x.device)
        out[name] = x * scale + mean if inverse else (x - mean) / scale
    return out


def standardize(batch: Mapping[str, Tensor], stats: Mapping[str, FieldStats], schema: Schema) -> dict[str, Tensor]:
    """Map every field of ``batch`` to standardised units (dtype and device kept)."""
    return _apply(batch, stats, schema, inverse=False)


def destandardize(batch: Mapping[str, Tensor], stats: Mapping[str, FieldStats], schema: Schema) -> dict[str, Tensor]:
    """Inverse of :func:`standardize`: back to the dataset's physical units."""
    return _apply(batch, stats, schema, inverse=True)
