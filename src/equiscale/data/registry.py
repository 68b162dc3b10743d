"""Benchmark lookup by name (imported lazily, so one missing benchmark does not break the others) and split seeds."""

from __future__ import annotations

import hashlib
import importlib
from types import ModuleType

from equiscale.errors import EquiscaleError

BENCHMARKS: dict[str, str] = {
    "rigid": "rigid bodies interacting through contact-free pair forces (equiscale's own benchmark)",
    "nbody": "gravitational n-body task of the GATr paper (1 star + 3 planets, 100 Euler steps)",
}
BASE_SPLITS = ("train", "val", "test")


def benchmark_module(name: str) -> ModuleType:
    """The module ``equiscale.data.<name>`` implementing the benchmark contract (see docs/interfaces.md)."""
    if name not in BENCHMARKS:
        raise EquiscaleError(f"unknown benchmark {name!r}; choose one of {', '.join(BENCHMARKS)}")
    try:
        return importlib.import_module(f"equiscale.data.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"equiscale.data.{name}":
            raise EquiscaleError(f"benchmark {name!r} is not available in this installation") from None
        raise


def benchmark_splits(module: ModuleType, params: dict) -> tuple[str, ...]:
    """train/val/test plus the benchmark's extra splits (e.g. nbody's ``test_objects`` and ``test_e3``)."""
    extra = getattr(module, "extra_splits", None)
    return BASE_SPLITS + (tuple(extra(params)) if extra is not None else ())


def split_seed(seed: int, split: str) -> int:
    """A 63-bit seed derived from (seed, split): each split is drawn independently of the others' sizes."""
    digest = hashlib.sha256(f"equiscale-split:{int(seed)}:{split}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1
