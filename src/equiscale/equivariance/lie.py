"""Lie-derivative (local) equivariance error along the continuous generators of SE(3) (Gruver et al., 2023).

(L_A f)(x) = J_f(x)·(dρ_X(A) x) − dρ_Y(A) f(x), computed with one forward-mode ``torch.func.jvp`` per generator.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from equiscale.equivariance._batch import Model, centred, centroid, check_inputs, flatten
from equiscale.geometry import Field, FieldType, Schema

_SKEW = {
    "rot_x": ((2, 1, 1.0), (1, 2, -1.0)),
    "rot_y": ((0, 2, 1.0), (2, 0, -1.0)),
    "rot_z": ((1, 0, 1.0), (0, 1, -1.0)),
}
GENERATORS = (*_SKEW, "trans_x", "trans_y", "trans_z")


def _skew(name: str) -> Tensor:
    A = torch.zeros(3, 3, dtype=torch.float64)
    for i, j, v in _SKEW[name]:
        A[i, j] = v
    return A


def tangent(batch: Mapping[str, Tensor], fields: tuple[Field, ...], generator: str) -> dict[str, Tensor]:
    """dρ(A)·batch: the infinitesimal action of a generator on every typed field (table of §7)."""
    out = {}
    for f in fields:
        x = batch[f.name]
        if f.type is FieldType.SCALAR:
            out[f.name] = torch.zeros_like(x)
        elif generator.startswith("trans"):
            t = torch.zeros_like(x)
            if f.type is FieldType.POINT:
                t[..., "xyz".index(generator[-1])] = 1.0
            out[f.name] = t
        elif f.type is FieldType.ORIENTATION:
            out[f.name] = _skew(generator).to(x) @ x
        else:  # point, vector, pseudovector: identity component, so det R = 1
            out[f.name] = x @ _skew(generator).to(x).T
    return out


def lie_derivative_error(f: Model, inputs: dict[str, Tensor], schema: Schema) -> dict[str, Any]:
    """Local equivariance error: per generator mean ‖L_A f(x)‖², their sum (LEE), and LEE / E‖f(x) − c‖².

    Runs the model in float64 (cast inputs); the model itself must accept float64 (e.g. ``model.double()``).
    """
    check_inputs(inputs, schema)
    x = {k: v.to(torch.float64) for k, v in inputs.items()}
    names = [t.name for t in schema.targets]

    def g(batch: dict[str, Tensor]) -> dict[str, Tensor]:
        out = f(batch)
        return {k: out[k] for k in names}

    per_gen: dict[str, float] = {}
    fx: dict[str, Tensor] = {}
    for gen in GENERATORS:
        fx, jv = torch.func.jvp(g, (x,), (tangent(x, schema.inputs, gen),))
        lie = {k: jv[k] - v for k, v in tangent(fx, schema.targets, gen).items()}
        per_gen[gen] = float(flatten(lie, schema.targets).pow(2).sum(1).mean().detach())
    centred_out = centred({k: v.detach() for k, v in fx.items()}, schema.targets, centroid(x, schema))
    norm_sq = float(flatten(centred_out, schema.targets).pow(2).sum(1).mean())
    lee = sum(per_gen.values())
    return {"per_generator": per_gen, "lee": lee, "relative_lee": lee / max(norm_sq, 1e-300)}
