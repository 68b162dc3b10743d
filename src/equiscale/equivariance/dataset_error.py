"""Data equivariance error of a dataset directory: oracle when the benchmark has a simulator, proxy otherwise,
plus the MMD symmetry test of the joint law."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from equiscale import data
from equiscale.equivariance.data_error import oracle_data_error, proxy_data_error
from equiscale.equivariance.mmd import mmd_symmetry_test
from equiscale.errors import EquiscaleError
from equiscale.geometry import FieldType


def _first(ds: data.Dataset, split: str, n: int) -> dict[str, torch.Tensor]:
    """The first ``n`` samples of ``split`` (all fields, float64, raw units)."""
    size = ds.size(split)
    if size < 1:
        raise EquiscaleError(f"split {split!r} is empty")
    return ds.tensors(split, indices=slice(0, min(n, size)), dtype=torch.float64)


def dataset_equivariance(
    path: str,
    *,
    split: str = "test",
    group: str = "E3",
    n_inputs: int = 64,
    n_elements: int = 8,
    seed: int = 0,
    bootstrap: int = 1000,
    mmd: bool = True,
    mmd_group: str = "O3",
    proxy: bool = False,
) -> dict[str, Any]:
    """Measure how far a dataset's map input → target is from ``group``-equivariant.

    With a simulator (``rigid``) the error is exact ("oracle"); otherwise a flexible non-equivariant regressor is fitted
    on the train split and its error is the ("proxy") estimate. ``relative_error`` is the mean relative error
    ‖f*(g·x) − g·f*(x)‖ / ‖f*(x) − centroid‖. ``ee2_sq_per_component`` is in the dataset's standardised units, so it is
    comparable with the test losses (δ²; a strictly equivariant model's loss floor is δ²/2).
    """
    if n_inputs < 2:
        raise EquiscaleError(f"the probe set needs at least 2 inputs, got {n_inputs}")
    ds = data.load(path)
    schema, benchmark = ds.schema, ds.meta.get("benchmark", "custom")
    module = data.benchmark_module(benchmark) if benchmark in data.BENCHMARKS else None
    inputs, _ = schema.split(_first(ds, split, n_inputs))
    target_scale = max(float(np.max(ds.stats[f.name].scale)) for f in schema.targets)
    point_scales = [float(np.max(ds.stats[f.name].scale)) for f in schema.inputs if f.type is FieldType.POINT]
    tau = max(point_scales) if point_scales else 1.0
    result: dict[str, Any] = {"dataset": str(ds.path), "benchmark": benchmark, "group": group, "split": split,
                              "translation_scale": tau}  # fmt: skip
    simulate = getattr(module, "simulate_inputs", None) if module is not None else None
    if simulate is not None and not proxy:
        params = ds.meta.get("params", {})
        err = oracle_data_error(lambda b: simulate(b, params), inputs, schema, group=group, n_elements=n_elements,
                                seed=seed, translation_scale=tau, bootstrap=bootstrap)  # fmt: skip
        result.update(method="oracle", relative_error=err.mean_relative, ree2=err.ree2, max_relative=err.max_relative,
                      ee2_sq_per_component=err.ee2_sq_per_component / target_scale**2,
                      intervals={k: list(v) for k, v in err.intervals.items()},
                      n_inputs=err.n_inputs, n_elements=err.n_elements)  # fmt: skip
    else:
        train_in, train_out = schema.split(_first(ds, "train", 4096))
        res = proxy_data_error(train_in, train_out, inputs, schema, group=group, n_elements=n_elements, seed=seed)
        last = res["curve"][-1]
        result.update(method="proxy", relative_error=last["mean_relative"], ree2=last["ree2"], proxy=res,
                      n_inputs=int(next(iter(inputs.values())).shape[0]), n_elements=n_elements)  # fmt: skip
    if mmd:
        mmd_in, mmd_out = schema.split(data.standardize(_first(ds, split, 400), ds.stats, schema))
        result["mmd"] = mmd_symmetry_test(mmd_in, mmd_out, schema, group=mmd_group, seed=seed)
    return result
