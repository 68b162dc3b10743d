"""A tiny real n-body dataset and a tiny run config shared by the training tests."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

from equiscale import data
from equiscale.train import RunConfig


@pytest.fixture(scope="session")
def nbody_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("data") / "nbody"
    data.generate("nbody", n_train=64, n_val=32, n_test=32, seed=0, params={"steps": 10}, out=out, progress=False)
    return out


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    """Bit-exact comparisons between runs need a fixed thread count."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture()
def tiny(nbody_dir: Path) -> RunConfig:
    """A 20-step run of a 16-wide, 1-layer transformer with augmentation, checkpoints every 5 steps."""
    return RunConfig(dataset=str(nbody_dir), family="transformer", size=(16, 1), steps=20, batch_size=16,
                     lr=3e-3, augment=True, eval_every=5, checkpoint_every=5, device="cpu")  # fmt: skip


def replace(config: RunConfig, **changes: object) -> RunConfig:
    return dataclasses.replace(config, **changes)
