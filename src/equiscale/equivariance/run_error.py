"""The full equivariance diagnosis of one trained model on its dataset (the ``equivariance model`` command)."""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

from equiscale import data
from equiscale.equivariance.lie import lie_derivative_error
from equiscale.equivariance.model_error import decomposed_errors, model_equivariance_error
from equiscale.equivariance.reynolds import symmetrisation_gain
from equiscale.errors import EquiscaleError


def model_report(
    model: nn.Module,
    dataset: data.Dataset,
    *,
    group: str = "E3",
    split: str = "test",
    n_inputs: int = 64,
    n_elements: int = 16,
    seed: int = 0,
    bootstrap: int = 1000,
    lie: bool = True,
    gain_k: int = 16,
) -> dict[str, Any]:
    """Errors of ``model`` on the first ``n_inputs`` standardised samples of ``split``: the full group with bootstrap
    intervals, each factor, the Lie derivative (float64 copy of the model) and the symmetrisation gain under O(3)."""
    if n_inputs < 2:
        raise EquiscaleError(f"the probe set needs at least 2 inputs, got {n_inputs}")
    schema = dataset.schema
    n = min(n_inputs, dataset.size(split))
    batch = data.standardize(dataset.tensors(split, indices=slice(0, n)), dataset.stats, schema)
    inputs, targets = schema.split(batch)
    model = model.eval()
    out: dict[str, Any] = {"group": group, "split": split}
    with torch.no_grad():
        out["error"] = model_equivariance_error(
            model, inputs, schema, group=group, n_elements=n_elements, seed=seed, bootstrap=bootstrap
        ).to_dict()
        out["factors"] = {k: v.to_dict() for k, v in decomposed_errors(model, inputs, schema, seed=seed).items()}
        out["symmetrisation"] = symmetrisation_gain(model, inputs, targets, schema, group="O3", k=gain_k, seed=seed)
    if lie:
        out["lie_derivative"] = lie_derivative_error(copy.deepcopy(model).double(), inputs, schema)
    return out
