"""Data augmentation: a fresh random E(3) element per sample per step, applied to inputs and targets alike.

Augmentation acts on *standardised* batches. Standardisation is isotropic per field (points are centred and scaled,
vectors scaled), so it commutes with rotations and reflections and maps translations to translations: applying g in
standardised units is applying an element of the same group in raw units. Translations are drawn with standard
deviation ``translation_scale`` (default 1, i.e. about the spread of the standardised positions).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from equiscale.geometry import E3Element, Schema, sample, transform
from equiscale.train.sampling import AUGMENT, derive_seed


def augmentation_elements(
    n: int, *, seed: int, step: int, group: str = "E3", translation_scale: float = 1.0
) -> E3Element:
    """The ``n`` group elements used at optimizer step ``step`` of a run with seed ``seed`` (float64, CPU)."""
    return sample(group, n, seed=derive_seed(seed, AUGMENT, step), translation_scale=translation_scale)


def augment_batch(
    batch: Mapping[str, Tensor],
    schema: Schema,
    *,
    seed: int,
    step: int,
    group: str = "E3",
    translation_scale: float = 1.0,
) -> dict[str, Tensor]:
    """Apply one element per sample (the same one to every field of that sample) through the schema's types."""
    n = next(iter(batch.values())).shape[0]
    g = augmentation_elements(n, seed=seed, step=step, group=group, translation_scale=translation_scale)
    first = next(iter(batch.values()))
    g = g.to(dtype=first.dtype if first.is_floating_point() else torch.float32, device=first.device)
    return transform(batch, schema, g)
