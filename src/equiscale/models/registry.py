"""The one registry of model families and sizes: training looks models up here by name and never by class.

A size is (width, depth). For ``gatr``: hidden multivector channels = width, hidden scalar channels = 2·width,
blocks = depth. For ``transformer``: d_model = width, layers = depth (heads: 8, fewer below d = 128). Named presets
(xs … xl) share the depth ladder 2, 3, 4, 6, 8 and span about three decades of parameters in each family.
A later family plugs in with :func:`register_family`; nothing in training changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from equiscale.errors import EquiscaleError
from equiscale.geometry import Schema
from equiscale.models.wrappers import GATrModel, SchemaModel, TransformerModel

Builder = Callable[..., SchemaModel]  # (schema, width, depth, **options) -> SchemaModel


@dataclass(frozen=True)
class Family:
    """A model family: how to build one from (schema, width, depth) and its named sizes."""

    name: str
    build: Builder
    presets: dict[str, tuple[int, int]]
    description: str
    size_meaning: str
    options: dict[str, Any] = field(default_factory=dict)  # default keyword options for ``build``


FAMILIES: dict[str, Family] = {}
PRESETS: dict[str, dict[str, tuple[int, int]]] = {}


def register_family(family: Family) -> None:
    """Add (or replace) a family; its presets become visible in :data:`PRESETS`."""
    FAMILIES[family.name] = family
    PRESETS[family.name] = dict(family.presets)


register_family(
    Family(
        name="gatr",
        build=GATrModel,
        presets={"xs": (8, 2), "s": (16, 3), "m": (32, 4), "l": (64, 6), "xl": (128, 8)},
        description="E(3)-equivariant Geometric Algebra Transformer on schema-embedded multivectors",
        size_meaning="width = hidden multivector channels (scalar channels 2·width), depth = blocks",
    )
)
register_family(
    Family(
        name="transformer",
        build=TransformerModel,
        presets={"xs": (32, 2), "s": (64, 3), "m": (128, 4), "l": (256, 6), "xl": (512, 8)},
        description="plain pre-LN transformer on raw fields flattened per token (not equivariant)",
        size_meaning="width = d_model, depth = layers",
    )
)


def get_family(name: str) -> Family:
    """The registered family ``name``, or an EquiscaleError listing the choices."""
    if name not in FAMILIES:
        raise EquiscaleError(f"unknown model family {name!r}; choose one of {', '.join(sorted(FAMILIES))}")
    return FAMILIES[name]


def resolve_size(family: str, size: str | tuple[int, int] | list[int]) -> tuple[int, int]:
    """(width, depth) from a preset name, a "WIDTHxDEPTH" string or a pair."""
    fam = get_family(family)
    if isinstance(size, str):
        if size in fam.presets:
            return fam.presets[size]
        match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", size)
        if not match:
            choices = ", ".join(fam.presets)
            raise EquiscaleError(f"unknown {family} size {size!r}; choose a preset ({choices}) or WIDTHxDEPTH")
        size = (int(match[1]), int(match[2]))
    try:
        width, depth = (int(v) for v in size)
    except (TypeError, ValueError):
        raise EquiscaleError(f"model size must be a preset name or (width, depth), got {size!r}") from None
    if width < 1 or depth < 1:
        raise EquiscaleError(f"model width and depth must be ≥ 1, got ({width}, {depth})")
    return width, depth


def build_model(
    family: str, size: str | tuple[int, int], schema: Schema, *, seed: int = 0, **options: Any
) -> SchemaModel:
    """A freshly initialised model of ``family`` at ``size`` for ``schema``.

    Parameters are drawn from ``seed`` inside a forked RNG, so building never disturbs the caller's random state
    and the same (family, size, schema, seed, options) always gives the same weights. ``options`` go to the
    family's constructor (e.g. ``residual={"pos_next": "pos"}``, ``num_heads``)."""
    fam = get_family(family)
    width, depth = resolve_size(family, size)
    kwargs: Mapping[str, Any] = {**fam.options, **options}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        model = fam.build(schema, width, depth, **kwargs)
    model.seed = int(seed)
    return model
