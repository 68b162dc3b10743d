"""Typed schema fields ↔ GATr multivector and scalar channels (the "interface" of gatr.md §2).

Component order: [1, e0, e1, e2, e3, e01, e02, e03, e12, e13, e23, e012, e013, e023, e123, e0123]. Let ρ_g be the
Pin(3,0,1) action of g = (R, t) on multivectors. Embeddings E are chosen so that E(g·x) = ρ_g(E(x)) for every g in
E(3), except points, where E(g·x) = det(R) ρ_g(E(x)) (the projective sign of a point; gatr.md §2, chirality).

* scalar s → auxiliary scalar channels (all components of the token's scalar fields, flattened); invariant.
* point x → trivector P(x): e123 = 1, e023 = −x₁, e013 = x₂, e012 = −x₃ (one MV channel per point).
* vector v (R v), one MV channel each. A token with an *anchor* (the first point of its first input point field,
  p) carries v as the plane through p with normal v: e1..e3 = v, e0 = −v·p. Planes map to planes with no sign
  (ρ_g(n·e + d e0) = (Rn)·e + (d − Rn·t) e0 for reflections too), incidence is preserved, and a plane is fixed by
  its normal and one point, so E(g·v) = ρ_g(E(v)) exactly. Its e0-free part (v itself) is what extraction reads,
  and e0∧(plane) = e0∧v is one equivariant linear map away. Without an anchor v becomes the ideal line
  e0∧v (e01, e02, e03 = v), which is translation-invariant and maps as Rv under all of O(3) because ρ_g(e0) = e0.
* pseudovector w (det(R) R w), one MV channel each. The e0-free bivector B(w) = w₁e23 + w₂e31 + w₃e12 is the line
  through the origin along w: B(a×b) = a∧b, so under O(3) B(w) ↦ B(det(R) R w), but a translation moves the line
  (adds e0i terms), so B(w) alone is *not* translation-equivariant. With an anchor p, w is carried as the line
  through p along w, L = T(p) B(w) T(p)~ = B(w) + (p×w)·(e01, e02, e03); lines map to lines, and a line is fixed
  by its e0-free part and one point, so E(g·w) = ρ_g(E(w)) exactly, with the det(R) coming from the bivector.
  Without an anchor w becomes the ideal point (point at infinity in direction w): e023 = −w₁, e013 = w₂,
  e012 = −w₃. It is the limit of P(λw)/λ, hence maps as det(R) P(R w) → exactly the pseudovector law.
* orientation Q (R Q) → its three columns, each embedded as a vector (with an anchor: the three body-frame
  coordinate planes through p, the rigid-object embedding of gatr.md §2).

Extraction reads translation-invariant parts: points by the guarded division x = (−m₁₃, m₁₂, −m₁₁)/h (equivariant
under reflections too, because h flips with the trivector), vectors from e1..e3 (R v for all of E(3)),
pseudovectors from the e0-free bivector (det(R) R w), scalars from the scalar channels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import Tensor

from equiscale.algebra import embed_plane, embed_point, extract_point
from equiscale.geometry import Field, FieldType, Schema

E123 = 14  # the homogeneous coordinate h of a point


def _place(values: dict[int, Tensor], like: Tensor) -> Tensor:
    """A multivector [..., 16] with the given components set and the rest zero."""
    mv = like.new_zeros(*like.shape[:-1], 16)
    for idx, val in values.items():
        mv[..., idx] = val
    return mv


def embed_ideal_line(v: Tensor) -> Tensor:
    """The ideal line e0∧v = v₁e01 + v₂e02 + v₃e03: translation-invariant, maps as R v under O(3)."""
    v1, v2, v3 = v.unbind(-1)
    return _place({5: v1, 6: v2, 7: v3}, v)


def embed_line(w: Tensor, through: Tensor) -> Tensor:
    """The line through ``through`` along ``w``: B(w) + (through × w)·(e01, e02, e03), B(w) = w₁e23 + w₂e31 + w₃e12."""
    w1, w2, w3 = w.unbind(-1)
    m1, m2, m3 = torch.linalg.cross(through, w, dim=-1).unbind(-1)
    return _place({5: m1, 6: m2, 7: m3, 8: w3, 9: -w2, 10: w1}, w)


def embed_ideal_point(w: Tensor) -> Tensor:
    """The point at infinity in direction ``w``: e023 = −w₁, e013 = w₂, e012 = −w₃; maps as det(R) R w."""
    w1, w2, w3 = w.unbind(-1)
    return _place({11: -w3, 12: w2, 13: -w1}, w)


def extract_vector(mv: Tensor) -> Tensor:
    """The translation-invariant vector part e1..e3 of ``mv`` [..., 16] (a plane normal; maps as R v)."""
    return mv[..., 2:5]


def extract_pseudovector(mv: Tensor) -> Tensor:
    """The translation-invariant e0-free bivector of ``mv`` read as w = (e23, −e13, e12) (maps as det(R) R w)."""
    return torch.stack([mv[..., 10], -mv[..., 9], mv[..., 8]], dim=-1)


@dataclass(frozen=True)
class Slot:
    """Where one field lives: ``count`` consecutive channels from ``start`` (MV channels, or scalar channels)."""

    field: Field
    start: int
    count: int

    @property
    def stop(self) -> int:
        return self.start + self.count


def _channels(f: Field) -> int:
    """MV channels (geometric types) or scalar channels (scalars) a field occupies per token."""
    return f.numel if f.type is FieldType.SCALAR else f.numel // 3


def _layout(fields: tuple[Field, ...]) -> tuple[list[Slot], list[Slot], int, int]:
    mv_slots, s_slots, n_mv, n_s = [], [], 0, 0
    for f in fields:
        c = _channels(f)
        if f.type is FieldType.SCALAR:
            s_slots.append(Slot(f, n_s, c))
            n_s += c
        else:
            mv_slots.append(Slot(f, n_mv, c))
            n_mv += c
    return mv_slots, s_slots, n_mv, n_s


def _as_triples(f: Field, x: Tensor) -> Tensor:
    """[B, T, *shape] → [B, T, channels, 3]; an orientation's columns become its channels."""
    if f.type is FieldType.ORIENTATION:
        x = x.transpose(-1, -2)
    return x.reshape(*x.shape[:2], -1, 3)


def _from_triples(f: Field, x: Tensor) -> Tensor:
    """Inverse of :func:`_as_triples`."""
    if f.type is FieldType.ORIENTATION:
        return x.reshape(*x.shape[:2], *f.shape[:-2], 3, 3).transpose(-1, -2)
    return x.reshape(*x.shape[:2], *f.shape)


class SchemaEmbedding:
    """Maps a schema's input fields to GATr channels and GATr outputs back to target fields.

    ``displacement`` names point targets predicted as a translation-invariant offset (read like a vector) to be
    added to an input point by the caller, instead of as an absolute point.
    """

    def __init__(self, schema: Schema, *, displacement: frozenset[str] = frozenset()) -> None:
        self.schema = schema
        self.displacement = frozenset(displacement)
        self.in_mv_slots, self.in_s_slots, n_mv, n_s = _layout(schema.inputs)
        self.out_mv_slots, self.out_s_slots, m_mv, m_s = _layout(schema.targets)
        points = [f for f in schema.inputs if f.type is FieldType.POINT]
        self.anchor: str | None = points[0].name if points else None
        # GATr needs ≥ 1 channel of each kind; a missing scalar input becomes a constant-1 channel.
        self.in_mv_channels, self.in_s_channels = max(n_mv, 1), max(n_s, 1)
        self.out_mv_channels, self.out_s_channels = max(m_mv, 1), max(m_s, 1)

    @property
    def point_channels(self) -> list[int]:
        """Output MV channels read as absolute points (their e123 component is regularised towards |h| = 1)."""
        return [
            c
            for slot in self.out_mv_slots
            if slot.field.type is FieldType.POINT and slot.field.name not in self.displacement
            for c in range(slot.start, slot.stop)
        ]

    def embed(self, inputs: Mapping[str, Tensor]) -> tuple[Tensor, Tensor]:
        """Input fields [B, T, *shape] → (mv [B, T, in_mv_channels, 16], s [B, T, in_s_channels])."""
        first = inputs[self.schema.inputs[0].name]
        B, T = first.shape[:2]
        anchor = None if self.anchor is None else inputs[self.anchor].reshape(B, T, -1, 3)[:, :, :1]
        parts = []
        for slot in self.in_mv_slots:
            f, x = slot.field, _as_triples(slot.field, inputs[slot.field.name])
            if f.type is FieldType.POINT:
                parts.append(embed_point(x))
            elif f.type is FieldType.PSEUDOVECTOR:
                parts.append(embed_ideal_point(x) if anchor is None else embed_line(x, anchor.expand_as(x)))
            else:  # vectors and orientation columns
                parts.append(embed_ideal_line(x) if anchor is None else embed_plane(x, anchor.expand_as(x)))
        mv = torch.cat(parts, dim=2) if parts else first.new_zeros(B, T, 1, 16)
        scalars = [inputs[slot.field.name].reshape(B, T, -1) for slot in self.in_s_slots]
        s = torch.cat(scalars, dim=2) if scalars else first.new_ones(B, T, 1)
        return mv, s

    def extract(self, mv: Tensor, s: Tensor) -> dict[str, Tensor]:
        """GATr outputs (mv [B, T, out_mv_channels, 16], s [B, T, out_s_channels]) → target fields."""
        out = {}
        for slot in self.out_mv_slots:
            f, m = slot.field, mv[:, :, slot.start : slot.stop]
            if f.type is FieldType.POINT and f.name not in self.displacement:
                x = extract_point(m)
            elif f.type is FieldType.PSEUDOVECTOR:
                x = extract_pseudovector(m)
            else:
                x = extract_vector(m)
            out[f.name] = _from_triples(f, x)
        for slot in self.out_s_slots:
            out[slot.field.name] = s[:, :, slot.start : slot.stop].reshape(*s.shape[:2], *slot.field.shape)
        return out
