"""Distributional symmetry test: MMD between data and its transformed copy, with a permutation p-value (§4.4).

To keep the permutation test exact, the sample is split in two halves: the first half is kept as is, the second
half is transformed by independent g_i ~ λ. Under H0 (the joint law of (x, y) is invariant) the two halves are
i.i.d. from one law, so label permutations are exchangeable and the level holds at any sample size.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from equiscale.equivariance._batch import check_inputs, flatten
from equiscale.errors import EquiscaleError
from equiscale.geometry import Schema, sample, transform


def _mmd2_unbiased(K: Tensor, labels: Tensor) -> Tensor:
    """Unbiased MMD² for each row of ``labels`` ([P, n] booleans: True = second sample) given the kernel matrix."""
    a = (~labels).to(K.dtype)
    b = labels.to(K.dtype)
    n_a, n_b = a.sum(1), b.sum(1)
    diag = K.diagonal()
    aK, bK = a @ K, b @ K
    kaa = ((aK * a).sum(1) - a @ diag) / (n_a * (n_a - 1))
    kbb = ((bK * b).sum(1) - b @ diag) / (n_b * (n_b - 1))
    kab = (aK * b).sum(1) / (n_a * n_b)
    return kaa + kbb - 2 * kab


def mmd_two_sample(z1: Tensor, z2: Tensor, *, permutations: int = 500, seed: int = 0) -> dict[str, Any]:
    """Gaussian-kernel MMD two-sample test (median-distance bandwidth) with a permutation p-value."""
    if z1.shape[0] < 2 or z2.shape[0] < 2:
        raise EquiscaleError("the MMD test needs at least 2 samples in each group")
    z = torch.cat([z1, z2]).to(torch.float64)
    d2 = torch.cdist(z, z).pow(2)
    bandwidth_sq = d2[torch.triu_indices(len(z), len(z), 1).unbind()].median().clamp_min(1e-12)
    K = torch.exp(-d2 / (2 * bandwidth_sq))
    n = len(z)
    observed = torch.zeros(1, n, dtype=torch.bool)
    observed[0, z1.shape[0] :] = True
    gen = torch.Generator().manual_seed(seed)
    perms = torch.argsort(torch.rand(permutations, n, generator=gen), dim=1)
    stat = _mmd2_unbiased(K, observed)[0]
    null = _mmd2_unbiased(K, observed[0][perms])
    p_value = (1 + (null >= stat).sum()) / (1 + permutations)
    return {"mmd2": float(stat), "p_value": float(p_value), "permutations": permutations, "n": [len(z1), len(z2)]}


def mmd_symmetry_test(
    inputs: dict[str, Tensor],
    targets: dict[str, Tensor],
    schema: Schema,
    *,
    group: str = "O3",
    permutations: int = 500,
    seed: int = 0,
    translation_scale: float = 1.0,
) -> dict[str, Any]:
    """Test H0 "the joint law of (inputs, targets) is invariant under ``group``".

    Use a compact group (O3, SO3, O2z …) unless the data's law is translation-invariant: no probability measure on
    translations leaves a bounded scene distribution invariant, so E3 would reject for that reason alone.
    """
    n = check_inputs(inputs, schema)
    if n < 8:
        raise EquiscaleError(f"the MMD symmetry test needs at least 8 samples, got {n}")
    half = n // 2
    both = {**inputs, **targets}
    first = {k: v[:half] for k, v in both.items()}
    second = {k: v[half : 2 * half] for k, v in both.items()}
    g = sample(group, half, seed=seed, translation_scale=translation_scale)
    moved = transform(second, schema, g, dtype=torch.float64)
    fields = (*schema.inputs, *schema.targets)
    out = mmd_two_sample(flatten(first, fields), flatten(moved, fields), permutations=permutations, seed=seed + 1)
    out["group"] = group
    return out
