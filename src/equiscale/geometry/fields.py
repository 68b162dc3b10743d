"""Geometric field types, dataset schemas, and the action of E(3) on typed batches.

The schema is the single source of truth for how data transforms: augmentation, model embeddings and equivariance
measurement all go through :func:`transform`, so a field's type is interpreted in exactly one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import torch
from torch import Tensor

from equiscale.errors import EquiscaleError
from equiscale.geometry.group import E3Element


class FieldType(str, Enum):
    """How a field transforms under g = (R, t)."""

    SCALAR = "scalar"  # invariant
    POINT = "point"  # x ↦ R x + t
    VECTOR = "vector"  # v ↦ R v (e.g. velocity)
    PSEUDOVECTOR = "pseudovector"  # w ↦ det(R) R w (e.g. angular velocity)
    ORIENTATION = "orientation"  # Q ↦ R Q (a frame of column vectors)

    @classmethod
    def parse(cls, value: str | FieldType) -> FieldType:
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(t.value for t in cls)
            raise EquiscaleError(f"unknown field type {value!r}; expected one of {names}") from None


@dataclass(frozen=True)
class Field:
    """One named field: its geometric type and its per-token shape (a batch has shape [batch, tokens, *shape])."""

    name: str
    type: FieldType
    shape: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", FieldType.parse(self.type))
        object.__setattr__(self, "shape", tuple(int(s) for s in self.shape))
        if not self.name or not self.name.replace("_", "").isalnum():
            raise EquiscaleError(f"field name {self.name!r} must be a non-empty identifier")
        if any(s < 1 for s in self.shape):
            raise EquiscaleError(f"field {self.name!r} has a non-positive dimension in shape {list(self.shape)}")
        if self.type in (FieldType.POINT, FieldType.VECTOR, FieldType.PSEUDOVECTOR) and self.shape[-1:] != (3,):
            kind = self.type.value
            raise EquiscaleError(f"{kind} field {self.name!r} must have last dimension 3, got {list(self.shape)}")
        if self.type is FieldType.ORIENTATION and self.shape[-2:] != (3, 3):
            raise EquiscaleError(f"orientation field {self.name!r} must end in (3, 3), got {list(self.shape)}")

    @property
    def numel(self) -> int:
        """Number of floats per token."""
        out = 1
        for s in self.shape:
            out *= s
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type.value, "shape": list(self.shape)}

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Field:
        try:
            return Field(str(data["name"]), data["type"], tuple(data.get("shape", ())))
        except (KeyError, TypeError) as exc:
            raise EquiscaleError(f"malformed field description {dict(data)!r}: {exc}") from None


@dataclass(frozen=True)
class Schema:
    """Typed input and target fields of a dataset, with the (default) number of tokens per sample.

    Token counts may differ between splits of one dataset (e.g. an object-generalisation split with more bodies);
    models are permutation-equivariant over tokens and do not depend on the count."""

    inputs: tuple[Field, ...]
    targets: tuple[Field, ...]
    tokens: int
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        names = [f.name for f in (*self.inputs, *self.targets)]
        if len(set(names)) != len(names):
            raise EquiscaleError(f"field names must be unique across inputs and targets, got {names}")
        if not self.inputs or not self.targets:
            raise EquiscaleError("a schema needs at least one input field and one target field")
        if self.tokens < 1:
            raise EquiscaleError(f"tokens per sample must be ≥ 1, got {self.tokens}")

    @property
    def fields(self) -> dict[str, Field]:
        """All fields by name, inputs first."""
        return {f.name: f for f in (*self.inputs, *self.targets)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "tokens": self.tokens,
            "inputs": [f.to_dict() for f in self.inputs],
            "targets": [f.to_dict() for f in self.targets],
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Schema:
        try:
            inputs = tuple(Field.from_dict(f) for f in data["inputs"])
            targets = tuple(Field.from_dict(f) for f in data["targets"])
            return Schema(inputs, targets, int(data["tokens"]))
        except (KeyError, TypeError) as exc:
            raise EquiscaleError(f"malformed schema: missing or invalid {exc}") from None

    def split(self, batch: Mapping[str, Tensor]) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        """(input fields, target fields) of a batch holding both."""
        return {f.name: batch[f.name] for f in self.inputs}, {f.name: batch[f.name] for f in self.targets}

    def check_batch(self, batch: Mapping[str, Tensor], which: str = "all") -> None:
        """Raise EquiscaleError unless ``batch`` holds the ``which`` fields ("inputs", "targets", "all") with the
        declared per-token shapes and a common [batch, tokens] prefix."""
        wanted = {"inputs": self.inputs, "targets": self.targets, "all": (*self.inputs, *self.targets)}[which]
        lead: tuple[int, ...] | None = None
        for f in wanted:
            if f.name not in batch:
                raise EquiscaleError(f"batch is missing field {f.name!r}")
            x = batch[f.name]
            if tuple(x.shape[2:]) != f.shape or x.ndim != 2 + len(f.shape):
                raise EquiscaleError(
                    f"field {f.name!r} has shape {list(x.shape)}, expected [batch, tokens, *{list(f.shape)}]"
                )
            if lead is None:
                lead = tuple(x.shape[:2])
            elif tuple(x.shape[:2]) != lead:
                raise EquiscaleError(f"field {f.name!r} has batch size {x.shape[0]}, expected {lead[0]}")


def act(field_type: FieldType | str, x: Tensor, g: E3Element) -> Tensor:
    """Apply g (batch of n elements, or 1 broadcast) to a field ``x`` of shape [n, ...] by its type."""
    field_type = FieldType.parse(field_type)
    if field_type is FieldType.SCALAR:
        return x
    R, t = g.R.to(device=x.device, dtype=x.dtype), g.t.to(device=x.device, dtype=x.dtype)
    n = x.shape[0]
    if R.shape[0] not in (1, n):
        raise EquiscaleError(f"{R.shape[0]} group elements cannot act on a batch of {n}")
    R = R.expand(n, 3, 3)
    if field_type is FieldType.ORIENTATION:
        flat = x.reshape(n, -1, 3, 3)
        return (R.unsqueeze(1) @ flat).reshape(x.shape)
    flat = x.reshape(n, -1, 3)
    out = flat @ R.transpose(-1, -2)
    if field_type is FieldType.POINT:
        out = out + t.expand(n, 3).unsqueeze(1)
    elif field_type is FieldType.PSEUDOVECTOR:
        out = out * torch.linalg.det(R).reshape(n, 1, 1)
    return out.reshape(x.shape)


def _types(fields: Schema | Iterable[Field] | Mapping[str, FieldType | str]) -> dict[str, FieldType]:
    if isinstance(fields, Schema):
        return {name: f.type for name, f in fields.fields.items()}
    if isinstance(fields, Mapping):
        return {name: FieldType.parse(t) for name, t in fields.items()}
    return {f.name: f.type for f in fields}


def transform(
    batch: Mapping[str, Tensor],
    fields: Schema | Iterable[Field] | Mapping[str, FieldType | str],
    g: E3Element,
    *,
    dtype: torch.dtype | None = None,
) -> dict[str, Tensor]:
    """Apply ``g`` to every field of ``batch`` according to its declared type.

    ``fields`` is a Schema, a list of Fields or a name → type mapping. Every key of ``batch`` must be typed. With
    ``dtype`` (e.g. ``torch.float64``) fields and g are cast first, so the action is exact to that precision.
    """
    types = _types(fields)
    out = {}
    for name, x in batch.items():
        if name not in types:
            raise EquiscaleError(f"field {name!r} has no declared geometric type")
        if dtype is not None:
            x = x.to(dtype)
        out[name] = act(types[name], x, g)
    return out


def permute_tokens(batch: Mapping[str, Tensor], perm: Tensor) -> dict[str, Tensor]:
    """Reorder the token axis (axis 1) of every field by ``perm``."""
    return {name: x[:, perm] for name, x in batch.items()}
