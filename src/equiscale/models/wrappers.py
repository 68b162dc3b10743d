"""Schema models: a batch of typed input fields in, a dict of predicted target fields out.

Every family (GATr, the baseline transformer, later ones) subclasses :class:`SchemaModel`, so the training loop
only ever sees ``model(batch) -> dict``, ``model.output_regularizer()``, ``model.num_params`` and
``model.nominal_flops(batch, tokens)``.

Residual targets: ``residual={"target": "input"}`` pairs a target with an input field of the same type and shape;
the model then predicts an increment that is added to the input (the same rule for every family). For a GATr
point target the increment is a translation-invariant displacement read like a vector (e1..e3), so the
prediction stays E(3)-equivariant; without pairing a GATr point target is the extracted point itself, as in the
original n-body GATr. Pairing is off by default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import torch
from torch import Tensor, nn

from equiscale.errors import EquiscaleError
from equiscale.geometry import FieldType, Schema
from equiscale.models.embedding import E123, SchemaEmbedding
from equiscale.models.nominal import FLOPS_PER_WEIGHT, EquiLinearShape, attention_flops, transformer_nominal
from equiscale.models.transformer import Transformer, TransformerConfig


def _check_residual(schema: Schema, residual: Mapping[str, str] | None) -> dict[str, str]:
    pairs = dict(residual or {})
    inputs, targets = {f.name: f for f in schema.inputs}, {f.name: f for f in schema.targets}
    for target, source in pairs.items():
        if target not in targets or source not in inputs:
            raise EquiscaleError(f"residual pair {target!r} ← {source!r} must name a target and an input field")
        t, s = targets[target], inputs[source]
        if (t.type, t.shape) != (s.type, s.shape):
            raise EquiscaleError(f"residual pair {target!r} ← {source!r} differs in type or shape")
    return pairs


class SchemaModel(nn.Module):
    """Base of every family. Subclasses set ``family`` and implement :meth:`predict` and :meth:`nominal_flops`."""

    family: ClassVar[str] = ""

    def __init__(self, schema: Schema, width: int, depth: int, *, residual: Mapping[str, str] | None = None) -> None:
        super().__init__()
        if width < 1 or depth < 1:
            raise EquiscaleError(f"model width and depth must be ≥ 1, got width {width}, depth {depth}")
        self.schema, self.width, self.depth = schema, int(width), int(depth)
        self.residual = _check_residual(schema, residual)
        self.seed: int | None = None  # set by the registry

    @property
    def num_params(self) -> int:
        """Trainable parameters (biases included)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def forward(self, batch: Mapping[str, Tensor]) -> dict[str, Tensor]:
        """Standardised input fields [B, tokens, *shape] (extra keys ignored) → predicted target fields."""
        self.schema.check_batch(batch, "inputs")
        inputs = {f.name: batch[f.name] for f in self.schema.inputs}
        out = self.predict(inputs)
        for target, source in self.residual.items():
            out[target] = out[target] + inputs[source]
        return out

    def predict(self, inputs: dict[str, Tensor]) -> dict[str, Tensor]:
        """Targets (increments for residual targets) from the input fields."""
        raise NotImplementedError

    def output_regularizer(self) -> Tensor:
        """An extra loss term from the most recent forward pass (zero unless the family defines one)."""
        return next(self.parameters()).new_zeros(())

    def nominal_flops(self, batch: int, tokens: int) -> dict[str, int]:
        """Nominal training-step FLOPs {"linear", "attention"} for ``batch`` samples of ``tokens`` tokens."""
        raise NotImplementedError

    def describe(self) -> dict[str, object]:
        """JSON-able identity of the model."""
        return {"family": self.family, "width": self.width, "depth": self.depth, "params": self.num_params,
                "seed": self.seed, "residual": dict(self.residual)}  # fmt: skip


class GATrModel(SchemaModel):
    """Schema embedding → GATr (hidden_mv = width, hidden_s = 2·width, blocks = depth) → extraction."""

    family: ClassVar[str] = "gatr"

    def __init__(
        self, schema: Schema, width: int, depth: int, *, num_heads: int = 8,
        residual: Mapping[str, str] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(schema, width, depth, residual=residual)
        from equiscale.models.gatr import GATr  # the network lives in its own sub-package

        points = {t for t in self.residual if schema.fields[t].type is FieldType.POINT}
        self.embedding = e = SchemaEmbedding(schema, displacement=frozenset(points))
        self.hidden_s, self.num_heads = 2 * self.width, num_heads
        self.net = GATr(
            in_mv_channels=e.in_mv_channels, out_mv_channels=e.out_mv_channels, hidden_mv_channels=self.width,
            in_s_channels=e.in_s_channels, out_s_channels=e.out_s_channels, hidden_s_channels=self.hidden_s,
            num_blocks=self.depth, num_heads=num_heads,
        )  # fmt: skip
        self._freeze_unreachable()
        self._last_h: Tensor | None = None

    def _freeze_unreachable(self) -> None:
        """Freeze (and zero) weights that cannot affect a prediction, so they get no updates and no count: embedded
        inputs have no grade-0 part (the input layer's MV-scalar → scalar map reads zeros), and extraction never reads
        an output multivector's scalar part (the output layer's scalar-slot bias and scalar → MV map)."""
        for layer, names in ((self.net.linear_in, ("mv_to_s",)), (self.net.linear_out, ("bias_mv", "s_to_mv"))):
            for name in names:
                p = getattr(layer, name, None)
                if isinstance(p, nn.Parameter):
                    p.requires_grad_(False)
                    p.data.zero_()

    def predict(self, inputs: dict[str, Tensor]) -> dict[str, Tensor]:
        mv, s = self.net(*self.embedding.embed(inputs))
        channels = self.embedding.point_channels
        self._last_h = mv[:, :, channels, E123] if channels else None
        return self.embedding.extract(mv, s)

    def output_regularizer(self) -> Tensor:
        """(|h| − 1)² on the e123 component of output point channels of the last forward pass, summed over tokens
        and channels, averaged over the batch (gatr.md §6; the n-body setup weighs it 0.01). Keeps h away from 0
        so the guarded point extraction stays stable."""
        if self._last_h is None:
            return super().output_regularizer()
        return ((self._last_h.abs() - 1) ** 2).sum(dim=(1, 2)).mean()

    def nominal_flops(self, batch: int, tokens: int) -> dict[str, int]:
        """Read off the network's actual layers: every EquiLinear (in_mv, out_mv, in_s, out_s) and every attention
        (heads, h_mv, h_s); equals :func:`~equiscale.models.nominal.gatr_nominal` for the reference architecture."""
        weights, attention = 0, 0
        for m in self.net.modules():
            if all(hasattr(m, a) for a in ("in_mv", "out_mv", "in_s", "out_s")):
                weights += EquiLinearShape(m.in_mv, m.out_mv, m.in_s, m.out_s).nominal_weights
            if all(hasattr(m, a) for a in ("heads", "h_mv", "h_s")):
                qk, v = m.heads * (12 * m.h_mv + m.h_s), m.heads * (16 * m.h_mv + m.h_s)
                attention += batch * attention_flops(tokens, qk, v)
        return {"linear": FLOPS_PER_WEIGHT * weights * batch * tokens, "attention": attention}


class TransformerModel(SchemaModel):
    """Raw input fields flattened per token → baseline transformer (d_model = width, layers = depth) → targets."""

    family: ClassVar[str] = "transformer"

    def __init__(
        self, schema: Schema, width: int, depth: int, *, num_heads: int | None = None,
        residual: Mapping[str, str] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(schema, width, depth, residual=residual)
        in_features = sum(f.numel for f in schema.inputs)
        out_features = sum(f.numel for f in schema.targets)
        self.config = TransformerConfig(in_features, out_features, self.width, self.depth, num_heads)
        self.net = Transformer(self.config)

    def predict(self, inputs: dict[str, Tensor]) -> dict[str, Tensor]:
        first = inputs[self.schema.inputs[0].name]
        B, T = first.shape[:2]
        x = torch.cat([inputs[f.name].reshape(B, T, -1) for f in self.schema.inputs], dim=-1)
        y = self.net(x).split([f.numel for f in self.schema.targets], dim=-1)
        return {f.name: part.reshape(B, T, *f.shape) for f, part in zip(self.schema.targets, y, strict=True)}

    def nominal_flops(self, batch: int, tokens: int) -> dict[str, int]:
        weights = sum(m.weight.numel() for m in self.net.modules() if isinstance(m, nn.Linear))
        return transformer_nominal(weights=weights, d_model=self.width, layers=self.depth, batch=batch, tokens=tokens)
