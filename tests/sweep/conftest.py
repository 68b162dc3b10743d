"""Shared fixtures: a tiny n-body dataset and a registry of subprocess sweeps killed at test end."""

from __future__ import annotations

import sys

import pytest

from .helpers import HERE, Procs

if str(HERE) not in sys.path:  # so spawned workers can import the test trainer (tests/sweep/_flaky.py)
    sys.path.insert(0, str(HERE))


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory) -> str:
    from equiscale import data

    out = tmp_path_factory.mktemp("data") / "nbody"
    ds = data.generate("nbody", n_train=64, n_val=16, n_test=16, seed=0, out=out, progress=False)
    return str(ds.path)


@pytest.fixture
def procs():
    p = Procs()
    yield p
    p.close()
