"""Group averaging (the Reynolds operator) and the identity EE₂² = 2‖f − Qf‖² (``equivariance_metrics.md`` §3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from equiscale.equivariance._batch import Batch, Model, call, check_inputs, flatten
from equiscale.equivariance.model_error import pairwise_errors
from equiscale.geometry import E3Element, Schema, sample, transform


def _orbit(f: Model, x: Batch, schema: Schema, elements: list[E3Element], dtype: torch.dtype) -> list[Batch]:
    """[g_k⁻¹ · f(g_k · x) for each k] in float64; each g_k is one element (broadcast) or one per input."""
    out = []
    for g in elements:
        y = call(f, transform(x, schema.inputs, g, dtype=torch.float64), dtype, schema.targets)
        out.append(transform(y, schema.targets, g.inverse()))
    return out


def symmetrize(f: Model, schema: Schema, *, group: str = "O3", k: int = 32, seed: int = 0) -> Model:
    """Q_K f: the average of g⁻¹·f(g·x) over K fixed group elements drawn from ``group`` with ``seed``."""
    drawn = sample(group, k, seed=seed)
    elements = [drawn[i] for i in range(k)]

    def q(inputs: Mapping[str, Tensor]) -> Batch:
        dtype = next(iter(inputs.values())).dtype
        orbit = _orbit(f, dict(inputs), schema, elements, dtype)
        return {t.name: torch.stack([o[t.name] for o in orbit]).mean(0).to(dtype) for t in schema.targets}

    return q


def reynolds_check(
    f: Model, inputs: dict[str, Tensor], schema: Schema, *, group: str = "O3", k: int = 64, seed: int = 0
) -> dict[str, Any]:
    """Both sides of EE₂² = 2‖f − Qf‖² on a probe set, with the O(1/K) Monte-Carlo bias of Q_K removed.

    Holds when λ is Haar on a compact group, the inputs' law is invariant and the output action orthogonal; a ratio
    far from 1 flags a non-invariant input law. Returns ``ee2_sq``, ``dist_sq`` (bias-corrected ‖f − Qf‖²),
    ``dist_sq_raw`` (‖f − Q_K f‖²) and ``ratio`` = ee2_sq / (2 dist_sq).
    """
    check_inputs(inputs, schema)
    dtype = next(iter(inputs.values())).dtype
    x = {n: v.to(torch.float64) for n, v in inputs.items()}
    fx = flatten(call(f, x, dtype, schema.targets), schema.targets)
    gen = torch.Generator().manual_seed(seed)
    n = fx.shape[0]
    elements = [sample(group, n, seed=gen) for _ in range(k)]  # independent per input: no shared-draw noise
    orbit = torch.stack([flatten(o, schema.targets) for o in _orbit(f, x, schema, elements, dtype)])
    qf = orbit.mean(0)
    dist_raw = (fx - qf).pow(2).sum(1).mean()
    var = orbit.var(dim=0, unbiased=True).sum(1).mean()
    dist = dist_raw - var / k
    e2, _, _ = pairwise_errors(f, inputs, schema, group=group, n_elements=k, seed=seed + 1)
    ee2_sq = e2.mean()
    return {
        "group": group,
        "k": k,
        "ee2_sq": float(ee2_sq),
        "dist_sq": float(dist),
        "dist_sq_raw": float(dist_raw),
        "ratio": float(ee2_sq / (2 * dist)) if dist > 0 else float("nan"),
    }


def symmetrisation_gain(
    f: Model,
    inputs: dict[str, Tensor],
    targets: dict[str, Tensor],
    schema: Schema,
    *,
    group: str = "O3",
    k: int = 32,
    seed: int = 0,
) -> dict[str, float]:
    """Test MSE of f minus test MSE of Q_K f (per output component): the loss attributable to imperfect symmetry."""
    check_inputs(inputs, schema)
    dtype = next(iter(inputs.values())).dtype
    y = flatten(targets, schema.targets)
    loss_f = (flatten(call(f, inputs, dtype, schema.targets), schema.targets) - y).pow(2).mean()
    qf = symmetrize(f, schema, group=group, k=k, seed=seed)
    loss_q = (flatten(call(qf, inputs, dtype, schema.targets), schema.targets) - y).pow(2).mean()
    gain = float(loss_f - loss_q)
    loss = float(loss_f)
    return {"loss": loss, "symmetrised_loss": float(loss_q), "gain": gain, "relative_gain": gain / loss}
