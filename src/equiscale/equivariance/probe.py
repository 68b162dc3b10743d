"""The cheap per-run probe recorded for every finished run: a fixed, seeded set of inputs and group elements."""

from __future__ import annotations

from typing import Any

from equiscale.equivariance._batch import Batch, Model
from equiscale.equivariance.model_error import FACTORS, model_equivariance_error
from equiscale.geometry import Schema

PROBE_GROUPS = {"E3": "E3", "SE3": "SE3", **FACTORS}


def probe_equivariance(
    f: Model, inputs: Batch, schema: Schema, *, n_elements: int = 4, seed: int = 0, translation_scale: float = 1.0
) -> dict[str, Any]:
    """Relative equivariance errors of ``f`` on a fixed probe set, for the full group and each factor.

    Returns ``{"groups": {name: {"ree2", "mean_relative", "max_relative", "ee2_sq_per_component"}}, "n_inputs", …}``
    — plain data for the run store. ``inputs`` should be a fixed slice of the test split in standardised units.
    """
    groups: dict[str, Any] = {}
    for name, group in PROBE_GROUPS.items():
        err = model_equivariance_error(
            f, inputs, schema, group=group, n_elements=n_elements, seed=seed,
            translation_scale=translation_scale, bootstrap=0,
        )  # fmt: skip
        groups[name] = {
            "ree2": err.ree2,
            "mean_relative": err.mean_relative,
            "max_relative": err.max_relative,
            "ee2_sq_per_component": err.ee2_sq_per_component,
        }
    n_inputs = next(iter(inputs.values())).shape[0]
    return {"groups": groups, "n_inputs": int(n_inputs), "n_elements": n_elements, "seed": seed}
