"""Small helpers shared by the estimators: typed field lists, float64 casting, flattening and centring."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
from torch import Tensor

from equiscale.errors import EquiscaleError
from equiscale.geometry import Field, FieldType, Schema

Batch = dict[str, Tensor]
Model = Callable[[Batch], Mapping[str, Tensor]]


def check_inputs(inputs: Mapping[str, Tensor], schema: Schema) -> int:
    """Validate a probe set of input fields against the schema; return its size."""
    if not inputs:
        raise EquiscaleError("empty probe set: no input fields given")
    names = {f.name for f in schema.inputs}
    unknown = set(inputs) - names
    if unknown:
        raise EquiscaleError(f"probe set has fields {sorted(unknown)} that are not inputs of the schema")
    schema.check_batch(inputs, which="inputs")
    n = next(iter(inputs.values())).shape[0]
    if n < 1:
        raise EquiscaleError("empty probe set: zero inputs")
    return n


def call(f: Model, batch: Mapping[str, Tensor], dtype: torch.dtype, targets: tuple[Field, ...]) -> Batch:
    """Evaluate ``f`` on ``batch`` cast to ``dtype`` and return its target fields in float64."""
    out = f({k: v.to(dtype) for k, v in batch.items()})
    missing = [t.name for t in targets if t.name not in out]
    if missing:
        raise EquiscaleError(f"model output lacks target fields {missing}")
    return {t.name: out[t.name].to(torch.float64) for t in targets}


def flatten(batch: Mapping[str, Tensor], fields: tuple[Field, ...]) -> Tensor:
    """Concatenate the named fields of a batch into [batch, features] (float64)."""
    return torch.cat([batch[f.name].reshape(batch[f.name].shape[0], -1).to(torch.float64) for f in fields], dim=1)


def centroid(inputs: Mapping[str, Tensor], schema: Schema) -> Tensor | None:
    """Mean of all point-typed input coordinates per sample ([batch, 3]), or None if there are no points."""
    pts = [inputs[f.name].reshape(inputs[f.name].shape[0], -1, 3) for f in schema.inputs if f.type is FieldType.POINT]
    if not pts:
        return None
    return torch.cat(pts, dim=1).to(torch.float64).mean(dim=1)


def centred(outputs: Mapping[str, Tensor], targets: tuple[Field, ...], c: Tensor | None) -> Batch:
    """Subtract the input centroid from point-typed outputs so relative errors ignore the scene's position."""
    if c is None:
        return dict(outputs)
    out = {}
    for f in targets:
        x = outputs[f.name]
        if f.type is FieldType.POINT:
            shape = (x.shape[0],) + (1,) * (x.ndim - 2) + (3,)
            x = x - c.reshape(shape)
        out[f.name] = x
    return out
