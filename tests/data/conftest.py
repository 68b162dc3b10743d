"""Shared fixtures for the data tests: one torch thread (the test machine is shared) and small cached datasets."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import equiscale.data as eqd


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def nbody_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small nbody dataset generated once per session (read-only for tests)."""
    out = tmp_path_factory.mktemp("nbody") / "ds"
    eqd.generate("nbody", n_train=120, n_val=20, n_test=30, seed=3, out=out, progress=False)
    return out
