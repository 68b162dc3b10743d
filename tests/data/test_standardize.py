"""Standardisation: statistics per field type, inversion, and preservation of E(3) equivariance."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import equiscale.data as eqd
from equiscale.errors import EquiscaleError
from equiscale.geometry import E3Element, sample, transform


def test_stats_per_type(nbody_dir):
    ds = eqd.load(nbody_dir)
    st = ds.stats
    # All point fields share one frame.
    assert np.array_equal(st["positions"].mean, st["final_positions"].mean)
    assert np.array_equal(st["positions"].scale, st["final_positions"].scale)
    assert st["velocities"].mean.tolist() == [0, 0, 0] and st["velocities"].scale.shape == ()
    z = eqd.standardize(ds.tensors("train", dtype=torch.float64), st, ds.schema)
    assert z["masses"].mean().item() == pytest.approx(0, abs=1e-9) and z["masses"].std(unbiased=False).item() == (
        pytest.approx(1, rel=1e-6)
    )
    assert (z["velocities"] ** 2).mean().item() == pytest.approx(1, rel=1e-6)
    points = torch.cat([z["positions"], z["final_positions"]]).reshape(-1, 3)
    assert points.mean(0).abs().max() < 1e-9 and (points**2).sum(-1).mean().item() == pytest.approx(3, rel=1e-6)
    # Stored stats equal recomputed ones.
    again = eqd.compute_stats(ds.arrays("train"), ds.schema)
    for name in st:
        np.testing.assert_allclose(again[name].mean, st[name].mean)


def test_roundtrip_keeps_dtype_and_device(nbody_dir):
    ds = eqd.load(nbody_dir)
    batch = ds.tensors("val")
    z = eqd.standardize(batch, ds.stats, ds.schema)
    back = eqd.destandardize(z, ds.stats, ds.schema)
    for name, x in batch.items():
        assert back[name].dtype == torch.float32
        torch.testing.assert_close(back[name], x, atol=1e-4, rtol=1e-5)
    with pytest.raises(EquiscaleError, match="not in the dataset schema"):
        eqd.standardize({"spin": batch["masses"]}, ds.stats, ds.schema)


def test_standardisation_commutes_with_e3_up_to_conjugation(nbody_dir):
    """standardize(g·x) = g'·standardize(x) with g' = (R, (t + R c − c)/s) for every field at once."""
    ds = eqd.load(nbody_dir)
    batch = ds.tensors("test", dtype=torch.float64)
    g = sample("E3", ds.size("test"), seed=4, translation_scale=5.0)
    c = torch.as_tensor(ds.stats["positions"].mean)
    s = float(ds.stats["positions"].scale)
    g_std = E3Element(g.R, (g.t + g.R @ c - c) / s)
    lhs = eqd.standardize(transform(batch, ds.schema, g), ds.stats, ds.schema)
    rhs = transform(eqd.standardize(batch, ds.stats, ds.schema), ds.schema, g_std)
    for name in batch:
        torch.testing.assert_close(lhs[name], rhs[name], atol=1e-9, rtol=1e-9)
