"""Validation of a dataset directory, generated or brought by the user (``benchmark: "custom"``).

Layout: ``meta.json`` plus one ``<split>/<field>.npy`` per split and field, each ``[size, tokens, *shape]``. Required
meta keys: ``format_version``, ``benchmark``, ``schema`` (a ``Schema.to_dict()``) and ``splits`` (name → size, or
name → ``{"size": n, ...}``; ``train`` is required). Optional: ``arrays`` (``"<split>/<field>.npy"`` →
``{"sha256": ...}``; required for generated benchmarks), ``stats`` (field → ``{"mean", "scale"}``; computed from the
train split when absent), ``params``, ``seed``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from equiscale.data.standardize import FieldStats, compute_stats
from equiscale.errors import EquiscaleError
from equiscale.geometry import Schema

FORMAT_VERSION = 1
META = "meta.json"
REQUIRED_KEYS = ("format_version", "benchmark", "schema", "splits")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def array_key(split: str, field: str) -> str:
    """Path of an array relative to the dataset directory (also its key in ``meta["arrays"]``)."""
    return f"{split}/{field}.npy"


def read_meta(path: str | Path) -> dict[str, Any]:
    """Read and structurally validate ``meta.json``; split sizes are normalised to ``{"size": n, ...}`` dicts."""
    path = Path(path)
    if not path.exists():
        raise EquiscaleError(f"dataset directory {str(path)!r} does not exist")
    if not path.is_dir():
        raise EquiscaleError(f"{str(path)!r} is not a directory (a dataset is a directory with {META})")
    meta_path = path / META
    if not meta_path.is_file():
        raise EquiscaleError(f"{str(path)!r} is not a dataset: {META} is missing")
    try:
        meta = json.loads(meta_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise EquiscaleError(f"{meta_path} is not valid JSON: {exc}") from None
    if not isinstance(meta, dict):
        raise EquiscaleError(f"{meta_path} must hold a JSON object")
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    if missing:
        raise EquiscaleError(f"{meta_path} is missing key(s) {missing}")
    version = meta["format_version"]
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION:
        raise EquiscaleError(f"unsupported dataset format_version {version!r}; expected 1..{FORMAT_VERSION}")
    if not isinstance(meta["benchmark"], str):
        raise EquiscaleError(f"meta benchmark must be a string, got {meta['benchmark']!r}")
    splits = meta["splits"]
    if not isinstance(splits, dict) or "train" not in splits:
        raise EquiscaleError("meta splits must be an object with at least a 'train' split")
    norm = {}
    for name, spec in splits.items():
        spec = {"size": spec} if isinstance(spec, int) and not isinstance(spec, bool) else spec
        size = spec.get("size") if isinstance(spec, dict) else None
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise EquiscaleError(f"split {name!r} needs a non-negative integer size, got {spec!r}")
        if not name.replace("_", "").isalnum():
            raise EquiscaleError(f"split name {name!r} must be an identifier")
        norm[name] = dict(spec)
    meta["splits"] = norm
    if not isinstance(meta["schema"], dict):
        raise EquiscaleError("meta schema must be an object (a Schema.to_dict())")
    return meta


def _load_array(path: Path, key: str) -> np.ndarray:
    file = path / key
    if not file.is_file():
        raise EquiscaleError(f"dataset {str(path)!r} is missing array {key}")
    try:
        return np.load(file, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise EquiscaleError(f"cannot read array {key} (corrupted?): {exc}") from None


Arrays = dict[str, dict[str, np.ndarray]]


def inspect_dataset(path: str | Path, *, deep: bool = True) -> tuple[dict[str, Any], Schema, Arrays]:
    """Validate the dataset at ``path``; return (meta, schema, memory-mapped arrays by split and field).

    Always checks meta keys, field types and array shapes against the schema and split sizes. With ``deep`` it also
    verifies checksums and that every value is finite."""
    path = Path(path)
    meta = read_meta(path)
    schema = Schema.from_dict(meta["schema"])
    checksums = meta.get("arrays") or {}
    if not isinstance(checksums, dict):
        raise EquiscaleError("meta arrays must map '<split>/<field>.npy' to {'sha256': ...}")
    if not checksums and meta["benchmark"] != "custom":
        raise EquiscaleError(f"generated dataset {str(path)!r} has no checksums in {META}")
    arrays: dict[str, dict[str, np.ndarray]] = {}
    for split, spec in meta["splits"].items():
        arrays[split] = {}
        tokens = spec.get("tokens")
        for name, f in schema.fields.items():
            key = array_key(split, name)
            x = _load_array(path, key)
            if not np.issubdtype(x.dtype, np.floating):
                raise EquiscaleError(f"array {key} has dtype {x.dtype}; expected float32 or float64")
            expected = [spec["size"], tokens if tokens is not None else "tokens", *f.shape]
            if x.ndim != 2 + len(f.shape) or x.shape[0] != spec["size"] or tuple(x.shape[2:]) != f.shape:
                raise EquiscaleError(f"array {key} has shape {list(x.shape)}, expected {expected}")
            if tokens is not None and x.shape[1] != tokens:
                raise EquiscaleError(f"array {key} has {x.shape[1]} tokens, but meta says split {split!r} has {tokens}")
            tokens = x.shape[1]
            if deep:
                _verify(path, key, x, checksums.get(key))
            arrays[split][name] = x
        spec["tokens"] = tokens
    if meta["splits"]["train"]["tokens"] != schema.tokens:
        n_tok = meta["splits"]["train"]["tokens"]
        raise EquiscaleError(f"the train split has {n_tok} tokens per sample but the schema says {schema.tokens}")
    if "stats" in meta:
        stats = meta["stats"]
        missing = [n for n in schema.fields if not isinstance(stats, dict) or n not in stats]
        if missing:
            raise EquiscaleError(f"meta stats lack field(s) {missing}")
        for name in schema.fields:
            FieldStats.from_dict(stats[name])
    return meta, schema, arrays


def _verify(path: Path, key: str, x: np.ndarray, entry: Any) -> None:
    if entry is not None:
        expected = entry.get("sha256") if isinstance(entry, dict) else entry
        if sha256_file(path / key) != expected:
            raise EquiscaleError(f"checksum mismatch for {key} in {str(path)!r}: the file is corrupted or was modified")
    if not np.isfinite(x).all():
        raise EquiscaleError(f"array {key} contains NaN or Inf values")


def check(path: str | Path) -> dict[str, Any]:
    """Fully validate a dataset directory and return a JSON-able report; raise EquiscaleError on the first problem.

    Checks meta keys, known field types, array presence, shapes consistent across fields and with meta, checksums
    (when recorded), finite values, and that standardisation statistics are present or computable."""
    meta, schema, arrays = inspect_dataset(path, deep=True)
    stats_state = "present"
    if "stats" not in meta:
        compute_stats(arrays["train"], schema)
        stats_state = "computed"
    return {
        "ok": True,
        "path": str(Path(path)),
        "benchmark": meta["benchmark"],
        "format_version": meta["format_version"],
        "splits": {name: {"size": s["size"], "tokens": s["tokens"]} for name, s in meta["splits"].items()},
        "fields": [f.to_dict() | {"role": role} for role, fs in (("input", schema.inputs), ("target", schema.targets))
                   for f in fs],
        "checksums": "verified" if meta.get("arrays") else "absent",
        "stats": stats_state,
    }
