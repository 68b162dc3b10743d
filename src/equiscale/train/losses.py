"""Losses in the dataset's standardised units: MSE over every float of every target field, and evaluation."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

import torch
from torch import Tensor, nn

from equiscale.geometry import Schema


def squared_error(pred: Mapping[str, Tensor], target: Mapping[str, Tensor], schema: Schema) -> tuple[Tensor, int]:
    """(sum of squared errors over all target fields, number of floats), in float32."""
    total = torch.zeros((), dtype=torch.float32, device=next(iter(target.values())).device)
    count = 0
    for f in schema.targets:
        diff = pred[f.name].float() - target[f.name].float()
        total = total + diff.square().sum()
        count += diff.numel()
    return total, count


def mse(pred: Mapping[str, Tensor], target: Mapping[str, Tensor], schema: Schema) -> Tensor:
    """Mean squared error over every float of every target field (fields weighted by their size)."""
    total, count = squared_error(pred, target, schema)
    return total / count


def autocast(device: torch.device, enabled: bool) -> contextlib.AbstractContextManager:
    """bf16 autocast on ``device`` when ``enabled``; a no-op context otherwise."""
    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)


@torch.no_grad()
def evaluate(
    model: nn.Module,
    batch: Mapping[str, Tensor],
    schema: Schema,
    *,
    batch_size: int,
    limit: int | None = None,
    bf16: bool = False,
) -> float:
    """MSE of ``model`` over the first ``limit`` samples (all when None) of a standardised ``batch``."""
    n = next(iter(batch.values())).shape[0]
    n = n if limit is None else min(n, limit)
    device = next(iter(batch.values())).device
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    try:
        for start in range(0, n, batch_size):
            chunk = {k: v[start : start + batch_size] for k, v in batch.items()}
            inputs, targets = schema.split(chunk)
            with autocast(device, bf16):
                pred = model(inputs)
            s, c = squared_error(pred, targets, schema)
            total += float(s)
            count += c
    finally:
        model.train(was_training)
    return total / max(count, 1)
