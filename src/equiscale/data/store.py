"""Dataset directories: generation (deterministic, cached, atomic) and memory-mapped loading.

A dataset is a directory holding ``meta.json`` and one ``<split>/<field>.npy`` per split and field (float32,
``[size, tokens, *shape]``). ``meta.json`` records the benchmark (or ``custom``), its parameters, the seed and the
per-split seeds derived from it, the schema, split sizes and token counts, generator info (e.g. rejection rates),
per-array sha256 checksums, standardisation statistics of the train split and the format version.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from equiscale import __version__
from equiscale.data.check import FORMAT_VERSION, META, array_key, inspect_dataset, read_meta, sha256_file
from equiscale.data.registry import benchmark_module, benchmark_splits, split_seed
from equiscale.data.standardize import FieldStats, compute_stats
from equiscale.errors import EquiscaleError
from equiscale.files import atomic_directory, atomic_write_text
from equiscale.geometry import Schema


class Dataset:
    """A dataset directory opened for reading; arrays are memory-mapped, never loaded whole."""

    def __init__(self, path: Path, meta: dict[str, Any], schema: Schema, arrays: dict[str, dict[str, np.ndarray]]):
        self.path = path
        self.meta = meta
        self.schema = schema
        self._arrays = arrays
        self._stats: dict[str, FieldStats] | None = None

    def __repr__(self) -> str:
        sizes = ", ".join(f"{s}={self.size(s)}" for s in self.splits)
        return f"Dataset({self.meta['benchmark']!r}, {sizes}, path={str(self.path)!r})"

    @property
    def splits(self) -> tuple[str, ...]:
        """Split names in meta order (train, val, test, then any extra splits)."""
        return tuple(self.meta["splits"])

    def _split(self, split: str) -> dict[str, Any]:
        if split not in self.meta["splits"]:
            raise EquiscaleError(f"dataset has no split {split!r}; it has {', '.join(self.splits)}")
        return self.meta["splits"][split]

    def size(self, split: str) -> int:
        """Number of samples in ``split``."""
        return int(self._split(split)["size"])

    def tokens(self, split: str) -> int:
        """Tokens (bodies) per sample in ``split``; may differ between splits."""
        return int(self._split(split)["tokens"])

    def info(self, split: str) -> dict[str, Any]:
        """Generator information for ``split`` (e.g. rejection rate), empty for custom datasets."""
        return dict(self._split(split).get("info", {}))

    def arrays(self, split: str) -> dict[str, np.ndarray]:
        """Field name → read-only memory-mapped array ``[size, tokens, *shape]``."""
        self._split(split)
        return dict(self._arrays[split])

    def tensors(
        self,
        split: str,
        indices: Sequence[int] | np.ndarray | torch.Tensor | slice | None = None,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
    ) -> dict[str, torch.Tensor]:
        """Field name → tensor of the samples ``indices`` (all when None), copied out of the memory map."""
        size = self.size(split)
        if isinstance(indices, torch.Tensor):
            indices = indices.cpu().numpy()
        if indices is not None and not isinstance(indices, slice):
            indices = np.asarray(indices, dtype=np.int64)
            if indices.size and (indices.min() < -size or indices.max() >= size):
                raise EquiscaleError(f"sample index out of range for split {split!r} of size {size}")
        out = {}
        for name, x in self._arrays[split].items():
            part = x if indices is None else x[indices]
            out[name] = torch.from_numpy(np.array(part, copy=True)).to(dtype=dtype, device=device)
        return out

    @property
    def stats(self) -> dict[str, FieldStats]:
        """Standardisation statistics of the train split (from meta, or computed once when absent)."""
        if self._stats is None:
            if "stats" in self.meta:
                self._stats = {n: FieldStats.from_dict(self.meta["stats"][n]) for n in self.schema.fields}
            else:
                self._stats = compute_stats(self._arrays["train"], self.schema)
        return self._stats


def load(path: str | os.PathLike[str], *, verify: bool = True) -> Dataset:
    """Open the dataset directory ``path``. With ``verify`` checksums and finiteness are checked too (slower)."""
    path = Path(path)
    meta, schema, arrays = inspect_dataset(path, deep=verify)
    return Dataset(path, meta, schema, arrays)


def cache_dir() -> Path:
    """Where generated datasets go by default: ``$EQUISCALE_CACHE/datasets`` or ``~/.cache/equiscale/datasets``."""
    root = os.environ.get("EQUISCALE_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "equiscale") / "datasets"


def _request(benchmark: str, params: dict[str, Any], seed: int, sizes: dict[str, int]) -> dict[str, Any]:
    return {"benchmark": benchmark, "params": params, "seed": seed, "sizes": sizes, "format_version": FORMAT_VERSION}


def _request_hash(request: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()[:16]


def _difference(old: dict[str, Any], new: dict[str, Any]) -> str:
    """Name the first differing entry of two requests, e.g. ``sizes.test=100 (requested 200)``."""
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            if a != b:
                return f"{key}.{_difference(a, b)}"
        elif a != b:
            return f"{key}={a!r} (requested {b!r})"
    return "nothing"


def _check_sizes(sizes: dict[str, int]) -> None:
    for name, n in sizes.items():
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise EquiscaleError(f"{name} must be a non-negative integer, got {n!r}")
    if sizes["n_train"] < 1:
        raise EquiscaleError("n_train must be at least 1 (standardisation statistics come from the train split)")


@contextlib.contextmanager
def _progress_bar(enabled: bool, total: int, label: str) -> Iterator[Callable[[int], None] | None]:
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    from rich.console import Console

    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda k: bar.advance(task, k)


def _existing(out: Path, request: dict[str, Any]) -> Dataset | None:
    """The dataset already at ``out`` if it answers ``request``; None if ``out`` is free; else an error."""
    if not out.exists():
        return None
    if out.is_dir() and not any(out.iterdir()):
        out.rmdir()
        return None
    meta = read_meta(out)
    if meta.get("request") != request:
        diff = _difference(meta.get("request") or {}, request)
        raise EquiscaleError(f"{str(out)!r} holds a different dataset ({diff}); choose another --out or remove it")
    return load(out, verify=False)


def generate(
    benchmark: str,
    *,
    n_train: int,
    n_val: int,
    n_test: int,
    seed: int = 0,
    params: dict[str, Any] | None = None,
    out: str | os.PathLike[str] | None = None,
    progress: bool = True,
) -> Dataset:
    """Generate (or reuse) the dataset ``benchmark`` with the given split sizes, written atomically to ``out``.

    Deterministic in ``seed``; each split draws from its own seed derived from (seed, split), so changing ``n_test``
    leaves train unchanged. Extra splits of a benchmark (nbody: ``test_objects``, ``test_e3``) get ``n_test`` samples.
    The same request at an existing ``out`` returns it without regenerating; a different one raises EquiscaleError.
    """
    module = benchmark_module(benchmark)
    params = module.validate_params(params or {})
    sizes = {"n_train": n_train, "n_val": n_val, "n_test": n_test}
    _check_sizes(sizes)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise EquiscaleError(f"seed must be a non-negative integer, got {seed!r}")
    sizes, seed = {k: int(v) for k, v in sizes.items()}, int(seed)
    request = _request(benchmark, params, seed, sizes)
    out = Path(out) if out is not None else cache_dir() / f"{benchmark}-{_request_hash(request)}"
    found = _existing(out, request)
    if found is not None:
        return found
    schema = module.schema(params)
    splits = benchmark_splits(module, params)
    split_sizes = {s: sizes["n_" + s] if s in ("train", "val") else sizes["n_test"] for s in splits}
    try:
        with atomic_directory(out) as tmp, _progress_bar(progress, sum(split_sizes.values()), benchmark) as advance:
            meta = _write_splits(tmp, module, schema, params, seed, split_sizes, advance)
            meta.update(request=request, request_hash=_request_hash(request))
            atomic_write_text(tmp / META, json.dumps(meta, indent=2, allow_nan=False) + "\n")
    except OSError:
        found = _existing(out, request)  # another process may have finished the same request first
        if found is None:
            raise
        return found
    return load(out, verify=False)


def _write_splits(
    tmp: Path,
    module: Any,
    schema: Schema,
    params: dict[str, Any],
    seed: int,
    split_sizes: dict[str, int],
    advance: Callable[[int], None] | None,
) -> dict[str, Any]:
    """Generate every split into ``tmp``; return the meta dict (without the request)."""
    meta: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "benchmark": module.NAME,
        "params": params,
        "seed": seed,
        "schema": schema.to_dict(),
        "splits": {},
        "arrays": {},
        "stats": {},
        "versions": {"equiscale": __version__, "numpy": np.__version__, "torch": torch.__version__},
    }
    train: dict[str, np.ndarray] = {}
    for split, n in split_sizes.items():
        s_seed = split_seed(seed, split)
        arrays, info = module.generate(n, s_seed, params, split=split, progress=advance)
        tokens = _check_generated(module.NAME, split, n, arrays, schema)
        (tmp / split).mkdir()
        for name, x in arrays.items():
            key = array_key(split, name)
            np.save(tmp / key, np.ascontiguousarray(x, dtype=np.float32), allow_pickle=False)
            meta["arrays"][key] = {"sha256": sha256_file(tmp / key), "shape": list(x.shape), "dtype": "float32"}
        meta["splits"][split] = {"size": n, "tokens": tokens, "seed": s_seed, "info": info}
        if split == "train":
            train = arrays
    meta["stats"] = {name: st.to_dict() for name, st in compute_stats(train, schema).items()}
    return meta


def _check_generated(name: str, split: str, n: int, arrays: dict[str, np.ndarray], schema: Schema) -> int:
    """Guard against a benchmark module breaking its contract; return the split's token count."""
    if set(arrays) != set(schema.fields):
        raise RuntimeError(f"{name} generated fields {sorted(arrays)}, schema has {sorted(schema.fields)}")
    tokens = {x.shape[1] for x in arrays.values() if x.ndim >= 2}
    for field_name, x in arrays.items():
        f = schema.fields[field_name]
        if x.shape[0] != n or x.ndim != 2 + len(f.shape) or tuple(x.shape[2:]) != f.shape or len(tokens) != 1:
            raise RuntimeError(f"{name} generated {split}/{field_name} with shape {list(x.shape)}")
        if not np.isfinite(x).all():
            raise EquiscaleError(f"{name} generated NaN or Inf values in {split}/{field_name}; check the parameters")
    return tokens.pop()
