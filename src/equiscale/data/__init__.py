"""Benchmarks and dataset directories: generate, load, validate and standardise typed data.

``generate(benchmark, n_train=…, n_val=…, n_test=…)`` writes (or reuses) a dataset directory; ``load(path)`` opens
one; ``check(path)`` validates a directory, including one a user wrote by hand (``benchmark: "custom"``).
"""

from equiscale.data.check import FORMAT_VERSION, check
from equiscale.data.registry import BENCHMARKS, benchmark_module, split_seed
from equiscale.data.standardize import FieldStats, compute_stats, destandardize, standardize
from equiscale.data.store import Dataset, cache_dir, generate, load

__all__ = [
    "BENCHMARKS",
    "FORMAT_VERSION",
    "Dataset",
    "FieldStats",
    "benchmark_module",
    "cache_dir",
    "check",
    "compute_stats",
    "destandardize",
    "generate",
    "load",
    "split_seed",
    "standardize",
]
