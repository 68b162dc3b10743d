"""Data equivariance error δ: exact from a simulator (oracle) and a proxy from a flexible fitted model (§4)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from scipy.optimize import curve_fit
from torch import Tensor

from equiscale.equivariance._batch import Batch, Model, check_inputs, flatten
from equiscale.equivariance.model_error import EquivarianceError, model_equivariance_error
from equiscale.errors import EquiscaleError
from equiscale.geometry import Schema


def oracle_data_error(simulate: Model, inputs: Batch, schema: Schema, **kwargs: Any) -> EquivarianceError:
    """δ exactly: the equivariance error of the simulator's own map input → target (float64 throughout)."""
    return model_equivariance_error(simulate, {k: v.to(torch.float64) for k, v in inputs.items()}, schema, **kwargs)


class RandomFeatureRegressor:
    """A flexible, deliberately non-equivariant regressor: ridge regression on random Fourier features of the
    flattened raw inputs (bandwidth from the median pairwise distance), plus a linear term."""

    def __init__(self, schema: Schema, *, features: int = 1024, ridge: float = 1e-3, seed: int = 0) -> None:
        self.schema, self.features, self.ridge, self.seed = schema, features, ridge, seed

    def _phi(self, x: Tensor) -> Tensor:
        z = (x - self.mean) / self.scale
        return torch.cat([torch.cos(z @ self.W + self.b) * (2 / self.features) ** 0.5, z, torch.ones_like(z[:, :1])], 1)

    def fit(self, inputs: Batch, targets: Batch) -> RandomFeatureRegressor:
        x, y = flatten(inputs, self.schema.inputs), flatten(targets, self.schema.targets)
        self.mean, self.scale = x.mean(0), x.std(0).clamp_min(1e-12)
        z = (x - self.mean) / self.scale
        sub = z[: min(len(z), 512)]
        bandwidth = torch.cdist(sub, sub).median().clamp_min(1e-6)
        gen = torch.Generator().manual_seed(self.seed)
        self.W = torch.randn(x.shape[1], self.features, generator=gen, dtype=torch.float64) / bandwidth
        self.b = 2 * torch.pi * torch.rand(self.features, generator=gen, dtype=torch.float64)
        phi = self._phi(x)
        gram = phi.T @ phi + self.ridge * len(phi) * torch.eye(phi.shape[1], dtype=torch.float64)
        self.coef = torch.linalg.solve(gram, phi.T @ y)
        return self

    def __call__(self, inputs: Batch) -> Batch:
        x = flatten(inputs, self.schema.inputs)
        y = self._phi(x) @ self.coef
        n, tokens = next(iter(inputs.values())).shape[:2]
        out, i = {}, 0
        for f in self.schema.targets:
            out[f.name] = y[:, i : i + tokens * f.numel].reshape(n, tokens, *f.shape)
            i += tokens * f.numel
        return out


def proxy_data_error(
    inputs: Batch,
    targets: Batch,
    probe: Batch,
    schema: Schema,
    *,
    sizes: list[int] | None = None,
    group: str = "E3",
    n_elements: int = 8,
    seed: int = 0,
    features: int = 1024,
) -> dict[str, Any]:
    """δ̂(n): the equivariance error of a flexible model fitted on n samples, for several n, and an extrapolation
    δ̂(n) = δ + c·n^(−r) when ≥ 3 sizes are available. Biased upwards by estimation error at small n."""
    n = check_inputs(inputs, schema)
    check_inputs(probe, schema)
    sizes = sorted({min(s, n) for s in (sizes or [n // 8, n // 4, n // 2, n])} - {0})
    if not sizes or sizes[-1] < 8:
        raise EquiscaleError(f"the proxy data error needs at least 8 training samples, got {n}")
    curve = []
    for size in sizes:
        model = RandomFeatureRegressor(schema, features=features, seed=seed).fit(
            {k: v[:size] for k, v in inputs.items()}, {k: v[:size] for k, v in targets.items()}
        )
        err = model_equivariance_error(model, probe, schema, group=group, n_elements=n_elements, seed=seed, bootstrap=0)
        curve.append({"n": size, "ree2": err.ree2, "mean_relative": err.mean_relative, "ee2": err.ee2})
    result: dict[str, Any] = {"group": group, "curve": curve, "extrapolated_mean_relative": None}
    if len(curve) >= 3:
        ns = np.array([c["n"] for c in curve], dtype=float)
        vals = np.array([c["mean_relative"] for c in curve])
        try:
            (delta, c, r), _ = curve_fit(
                lambda m, d, c, r: d + c * m ** (-r), ns, vals, p0=(vals[-1] / 2, vals[0], 0.5),
                bounds=([0, 0, 0.01], [np.inf, np.inf, 3]), maxfev=20000,
            )  # fmt: skip
            result["extrapolated_mean_relative"] = float(delta)
            result["extrapolation"] = {"delta": float(delta), "c": float(c), "r": float(r)}
        except RuntimeError:
            result["extrapolation"] = None
    return result
