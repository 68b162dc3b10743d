"""Monte-Carlo model equivariance error: ‖f(g·x) − g·f(x)‖ over many inputs × many group elements.

Definitions follow ``equivariance_metrics.md`` §2: transforms are built and applied in float64, the model runs in its
own dtype, errors are compared in float64. Relative errors use outputs centred on the input centroid.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch import Tensor

from equiscale.equivariance._batch import Model, call, centred, centroid, check_inputs, flatten
from equiscale.geometry import E3Element, Schema, sample, transform

FACTORS = {
    "rotation": "SO3",
    "parity": "parity",
    "translation": "T3",
    "permutation": "permutation",
}


@dataclass
class EquivarianceError:
    """Summary of e(x, g) = ‖f(g·x) − g·f(x)‖ over a probe set; all fields plain floats."""

    group: str
    n_inputs: int
    n_elements: int
    ee2: float  # sqrt(mean e²): the L² model equivariance error (summed over output components)
    ee2_sq_per_component: float  # mean e² / number of output components: comparable with an MSE loss
    ree2: float  # ee2 / sqrt(mean ‖f(x) − centroid‖²)
    mean_relative: float  # mean over pairs of e / (‖f(x) − centroid‖ + η)
    max_relative: float  # worst case over pairs (empirical sup, relative)
    max_abs: float  # worst case over pairs (absolute)
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)  # 95 % bootstrap over inputs

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["intervals"] = {k: list(v) for k, v in self.intervals.items()}
        return d


def _act(group: str, batch: dict[str, Tensor], fields: Any, g: Any) -> dict[str, Tensor]:
    if group == "permutation":
        return {k: v[torch.arange(v.shape[0])[:, None], g] for k, v in batch.items()}
    return transform(batch, fields, g, dtype=torch.float64)


def _draw(group: str, n: int, tokens: int, gen: torch.Generator, translation_scale: float) -> Any:
    if group == "permutation":
        return torch.argsort(torch.rand(n, tokens, generator=gen), dim=1)
    if group == "parity":  # the improper factor alone: x ↦ −x about the origin
        ident = E3Element.identity(n)
        return E3Element(-ident.R, ident.t)
    return sample(group, n, seed=gen, translation_scale=translation_scale)


def pairwise_errors(
    f: Model,
    inputs: dict[str, Tensor],
    schema: Schema,
    *,
    group: str = "E3",
    n_elements: int = 16,
    seed: int = 0,
    translation_scale: float = 1.0,
) -> tuple[Tensor, Tensor, int]:
    """Squared errors e²[input, element], squared centred output norms [input], and the output width."""
    n = check_inputs(inputs, schema)
    if n_elements < 1:
        raise ValueError("n_elements must be ≥ 1")
    dtype = next(iter(inputs.values())).dtype
    x = {k: v.to(torch.float64) for k, v in inputs.items()}
    tokens = next(iter(x.values())).shape[1]
    fx = call(f, x, dtype, schema.targets)
    fx_c = centred(fx, schema.targets, centroid(x, schema))
    norm_sq = flatten(fx_c, schema.targets).pow(2).sum(1)
    gen = torch.Generator().manual_seed(seed)
    errs = []
    for _ in range(n_elements):
        g = _draw(group, n, tokens, gen, translation_scale)
        f_gx = call(f, _act(group, x, schema.inputs, g), dtype, schema.targets)
        g_fx = _act(group, fx, schema.targets, g)
        errs.append((flatten(f_gx, schema.targets) - flatten(g_fx, schema.targets)).pow(2).sum(1))
    width = flatten(fx, schema.targets).shape[1]
    return torch.stack(errs, dim=1), norm_sq, width


def _summaries(e2: np.ndarray, norm_sq: np.ndarray, width: int, eta: float) -> dict[str, float]:
    rel = np.sqrt(e2) / (np.sqrt(norm_sq)[:, None] + eta)
    return {
        "ee2": float(np.sqrt(e2.mean())),
        "ee2_sq_per_component": float(e2.mean() / width),
        "ree2": float(np.sqrt(e2.mean() / max(norm_sq.mean(), 1e-300))),
        "mean_relative": float(rel.mean()),
    }


def model_equivariance_error(
    f: Model,
    inputs: dict[str, Tensor],
    schema: Schema,
    *,
    group: str = "E3",
    n_elements: int = 16,
    seed: int = 0,
    translation_scale: float = 1.0,
    bootstrap: int = 1000,
    eta: float = 1e-12,
) -> EquivarianceError:
    """Estimate the equivariance error of ``f`` (a dict → dict callable) on a probe set of ``inputs``.

    ``group`` is a key of ``geometry.GROUPS`` or one of the factors "parity" (x ↦ −x) and "permutation" (random token
    orders). Each input gets ``n_elements`` independent group elements. Intervals: percentile bootstrap over inputs.
    """
    e2_t, norm_t, width = pairwise_errors(
        f, inputs, schema, group=group, n_elements=n_elements, seed=seed, translation_scale=translation_scale
    )
    e2, norm_sq = e2_t.numpy(), norm_t.numpy()
    point = _summaries(e2, norm_sq, width, eta)
    intervals: dict[str, tuple[float, float]] = {}
    if bootstrap > 0 and e2.shape[0] > 1:
        rng = np.random.default_rng(seed)
        idx = rng.integers(0, e2.shape[0], size=(bootstrap, e2.shape[0]))
        boots = [_summaries(e2[i], norm_sq[i], width, eta) for i in idx]
        for key in point:
            vals = np.array([b[key] for b in boots])
            intervals[key] = (float(np.quantile(vals, 0.025)), float(np.quantile(vals, 0.975)))
    rel = np.sqrt(e2) / (np.sqrt(norm_sq)[:, None] + eta)
    return EquivarianceError(
        group=group,
        n_inputs=int(e2.shape[0]),
        n_elements=int(e2.shape[1]),
        max_relative=float(rel.max()),
        max_abs=float(np.sqrt(e2.max())),
        intervals=intervals,
        **point,
    )


def decomposed_errors(
    f: Model, inputs: dict[str, Tensor], schema: Schema, *, n_elements: int = 8, seed: int = 0, **kwargs: Any
) -> dict[str, EquivarianceError]:
    """Errors per factor of E(3) × permutations (rotation, parity, translation, permutation): violations usually
    come from one factor."""
    return {
        name: model_equivariance_error(f, inputs, schema, group=group, n_elements=n_elements, seed=seed, **kwargs)
        for name, group in FACTORS.items()
    }


__all__ = ["FACTORS", "EquivarianceError", "decomposed_errors", "model_equivariance_error", "pairwise_errors"]
