"""Seeded subsets, epoch-wise batches and the learning-rate schedule."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from equiscale.train.sampling import EpochSampler, derive_seed, train_subset
from equiscale.train.schedule import lr_at


def test_subset_is_deterministic_nested_and_seed_dependent() -> None:
    a = train_subset(1000, 100, seed=1)
    assert np.array_equal(a, train_subset(1000, 100, seed=1))
    assert len(np.unique(a)) == 100 and a.min() >= 0 and a.max() < 1000
    assert set(train_subset(1000, 30, seed=1)) <= set(a)  # smaller D sees a subset of larger D's data
    assert not np.array_equal(a, train_subset(1000, 100, seed=2))
    assert np.array_equal(train_subset(50, 50, seed=0), np.arange(50))


def test_epoch_sampler_covers_each_epoch_once() -> None:
    n, b = 10, 4
    sampler = EpochSampler(n, b, seed=0)
    stream = np.concatenate([sampler.batch(s) for s in range(10)])  # 40 draws = 4 epochs, batches straddle
    for epoch in range(4):
        assert sorted(stream[epoch * n : (epoch + 1) * n]) == list(range(n))
    assert not np.array_equal(stream[:n], stream[n : 2 * n])  # a fresh permutation per epoch
    again = EpochSampler(n, b, seed=0)
    assert np.array_equal(again.batch(7), sampler.batch(7))  # pure function of (seed, step): resumable
    assert not np.array_equal(EpochSampler(n, b, seed=1).batch(0), sampler.batch(0))


def test_derived_seeds_differ_by_purpose_and_counter() -> None:
    seeds = {derive_seed(0, p, c) for p in range(1, 5) for c in range(5)}
    assert len(seeds) == 20 and all(0 <= s < 2**63 for s in seeds)


@pytest.mark.parametrize("schedule", ["cosine", "constant"])
def test_schedule_warmup_peak_and_floor(schedule: str) -> None:
    kw = {"peak": 1.0, "steps": 100, "warmup_steps": 10, "schedule": schedule, "floor": 0.01}
    warm = [lr_at(s, **kw) for s in range(10)]
    assert all(x < y for x, y in itertools.pairwise(warm)) and warm[-1] < 1.0
    assert lr_at(10, **kw) == pytest.approx(1.0)
    if schedule == "cosine":
        lrs = [lr_at(s, **kw) for s in range(10, 100)]
        assert all(x >= y for x, y in itertools.pairwise(lrs))
        assert lr_at(99, **kw) == pytest.approx(0.01)
    else:
        assert lr_at(99, **kw) == 1.0
