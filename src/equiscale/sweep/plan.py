"""Sweep plans: a YAML grid of training runs, validated up front with one-line messages naming the key.

A plan names a dataset (a benchmark to generate, or an existing dataset directory), the axes of the grid
(family × size × steps × n_train × seed × augment), fixed hyper-parameters shared by every run and optional
per-family overrides. Validation happens before anything is written, so a bad plan never touches the store.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from equiscale.errors import EquiscaleError

TOP_KEYS = ("name", "description", "dataset", "axes", "fixed", "overrides")
DATASET_KEYS = ("benchmark", "params", "n_train", "n_val", "n_test", "seed", "path")
AXES = ("family", "size", "steps", "n_train", "seed", "augment")
# Config keys that the plan sets itself; `fixed`/`overrides` may not set them.
RESERVED = ("family", "width", "depth", "size", "steps", "n_train", "seed", "augment", "dataset", "lr_effective")


@dataclass(frozen=True)
class DatasetSpec:
    """Where a plan's data comes from: a benchmark request (generated, cached) or an existing directory."""

    benchmark: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    n_train: int = 0
    n_val: int = 0
    n_test: int = 0
    seed: int = 0
    path: str | None = None


@dataclass(frozen=True)
class Plan:
    """A validated sweep plan. ``axes`` values are lists; a size is a preset name or a ``(width, depth)`` pair."""

    source: str
    name: str
    dataset: DatasetSpec
    axes: dict[str, list[Any]]
    fixed: dict[str, Any]
    overrides: dict[str, dict[str, Any]]
    base_dir: Path = Path(".")

    def configs(self, dataset_path: str) -> list[dict[str, Any]]:
        """The config dict (``RunConfig`` fields) of every planned run in grid order, on dataset ``dataset_path``."""
        out = []
        grid = itertools.product(*(self.axes[a] for a in AXES))
        for family, size, steps, n_train, seed, augment in grid:
            cfg = dict(self.fixed)
            cfg.update(self.overrides.get(family, {}))
            cfg.update(family=family, size=size, steps=steps, n_train=n_train, seed=seed, augment=augment,
                       dataset=dataset_path)
            out.append(cfg)
        return out

    @property
    def size(self) -> int:
        """Number of planned runs (before de-duplication by run identity)."""
        return math.prod(len(self.axes[a]) for a in AXES)


def load_plan(path: str | Path) -> Plan:
    """Read and validate a plan file; raises EquiscaleError with a one-line message on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EquiscaleError(f"plan file not found: {path}") from None
    except (IsADirectoryError, UnicodeDecodeError, PermissionError) as exc:
        raise EquiscaleError(f"cannot read plan {path}: {type(exc).__name__}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise EquiscaleError(f"{path.name}: bad YAML{where}: {problem}") from None
    return parse_plan(data, source=path.name, base_dir=path.resolve().parent)


def parse_plan(data: Any, *, source: str = "plan", base_dir: str | Path = ".") -> Plan:
    """Validate a plan given as plain data (the parsed YAML)."""
    chk = _Checker(source)
    if not isinstance(data, dict):
        chk.fail("", "the plan must be a mapping with keys " + ", ".join(TOP_KEYS))
    chk.keys(data, "", TOP_KEYS)
    for key in ("dataset", "axes"):
        if key not in data:
            chk.fail(key, "missing (required)")
    base_dir = Path(base_dir)
    dataset = _parse_dataset(chk, data["dataset"], base_dir)
    axes = _parse_axes(chk, data["axes"], dataset)
    fixed = chk.mapping(data.get("fixed") or {}, "fixed")
    _check_hparams(chk, fixed, "fixed")
    overrides_raw = chk.mapping(data.get("overrides") or {}, "overrides")
    overrides: dict[str, dict[str, Any]] = {}
    for fam, over in overrides_raw.items():
        if fam not in axes["family"]:
            chk.fail(f"overrides.{fam}", f"family not in axes.family ({', '.join(axes['family'])})")
        over = chk.mapping(over or {}, f"overrides.{fam}")
        _check_hparams(chk, over, f"overrides.{fam}")
        overrides[fam] = dict(over)
    name = data.get("name", Path(source).stem)
    if not isinstance(name, str) or not name:
        chk.fail("name", "must be a non-empty string")
    return Plan(source=source, name=name, dataset=dataset, axes=axes, fixed=dict(fixed), overrides=overrides,
                base_dir=base_dir)


class _Checker:
    """Builds one-line messages ``<source>: <key>: <problem>``."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> None:
        prefix = f"{self.source}: {key}: " if key else f"{self.source}: "
        raise EquiscaleError(prefix + problem)

    def mapping(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(key, f"must be a mapping, got {type(value).__name__}")
        for k in value:
            if not isinstance(k, str):
                self.fail(key, f"keys must be strings, got {k!r}")
        return value

    def keys(self, value: dict[str, Any], key: str, allowed: tuple[str, ...]) -> None:
        for k in value:
            if k not in allowed:
                where = f"{key}.{k}" if key else str(k)
                self.fail(where, f"unknown key (allowed: {', '.join(allowed)})")

    def int_(self, value: Any, key: str, *, minimum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"must be an integer, got {value!r}")
        if value < minimum:
            self.fail(key, f"must be >= {minimum}, got {value}")
        return value

    def listify(self, value: Any, key: str) -> list[Any]:
        values = value if isinstance(value, list) else [value]
        if not values:
            self.fail(key, "must not be empty")
        return values


def _parse_dataset(chk: _Checker, raw: Any, base_dir: Path) -> DatasetSpec:
    raw = chk.mapping(raw, "dataset")
    chk.keys(raw, "dataset", DATASET_KEYS)
    if ("benchmark" in raw) == ("path" in raw):
        chk.fail("dataset", "give exactly one of 'benchmark' (generate) or 'path' (existing dataset directory)")
    if "path" in raw:
        extra = sorted(set(raw) - {"path"})
        if extra:
            chk.fail(f"dataset.{extra[0]}", "only allowed with 'benchmark', not with 'path'")
        if not isinstance(raw["path"], str):
            chk.fail("dataset.path", "must be a string")
        path = Path(raw["path"]).expanduser()
        path = path if path.is_absolute() else base_dir / path
        if not (path / "meta.json").is_file():
            chk.fail("dataset.path", f"not a dataset directory (no meta.json): {path}")
        return DatasetSpec(path=str(path.resolve()))
    bench = raw["benchmark"]
    benchmarks = _benchmarks()
    if not isinstance(bench, str) or (benchmarks and bench not in benchmarks):
        chk.fail("dataset.benchmark", f"unknown benchmark {bench!r} (known: {', '.join(sorted(benchmarks))})")
    params = dict(chk.mapping(raw.get("params") or {}, "dataset.params"))
    if bench in benchmarks:
        try:
            params = benchmarks[bench].validate_params(params)
        except EquiscaleError as exc:
            chk.fail("dataset.params", str(exc))
    if "n_train" not in raw:
        chk.fail("dataset.n_train", "missing (required with 'benchmark')")
    return DatasetSpec(
        benchmark=bench,
        params=params,
        n_train=chk.int_(raw["n_train"], "dataset.n_train", minimum=1),
        n_val=chk.int_(raw.get("n_val", 64), "dataset.n_val", minimum=1),
        n_test=chk.int_(raw.get("n_test", 64), "dataset.n_test", minimum=1),
        seed=chk.int_(raw.get("seed", 0), "dataset.seed", minimum=0),
    )


def _parse_axes(chk: _Checker, raw: Any, dataset: DatasetSpec) -> dict[str, list[Any]]:
    raw = chk.mapping(raw, "axes")
    chk.keys(raw, "axes", AXES)
    for key in ("family", "size", "steps", "n_train"):
        if key not in raw:
            chk.fail(f"axes.{key}", "missing (required)")
    families, presets = _families()
    axes: dict[str, list[Any]] = {}
    fams = chk.listify(raw["family"], "axes.family")
    for fam in fams:
        if not isinstance(fam, str) or (families and fam not in families):
            chk.fail("axes.family", f"unknown family {fam!r} (known: {', '.join(sorted(families))})")
    axes["family"] = _unique(fams)
    sizes = []
    for i, size in enumerate(chk.listify(raw["size"], "axes.size")):
        key = f"axes.size[{i}]"
        if isinstance(size, str):
            for fam in axes["family"]:
                if presets and size not in presets.get(fam, {}):
                    known = ", ".join(presets.get(fam, {}))
                    chk.fail(key, f"unknown size preset {size!r} for family {fam!r} (known: {known})")
            sizes.append(size)
        elif isinstance(size, list) and len(size) == 2:
            sizes.append((chk.int_(size[0], f"{key}.width", minimum=1), chk.int_(size[1], f"{key}.depth", minimum=1)))
        else:
            chk.fail(key, f"must be a preset name or [width, depth], got {size!r}")
    axes["size"] = _unique(sizes)
    axes["steps"] = _unique([chk.int_(s, "axes.steps", minimum=1) for s in chk.listify(raw["steps"], "axes.steps")])
    n_trains = [chk.int_(n, "axes.n_train", minimum=1) for n in chk.listify(raw["n_train"], "axes.n_train")]
    available = dataset.n_train if dataset.benchmark else _dataset_train_size(dataset.path)
    for n in n_trains:
        if available is not None and n > available:
            chk.fail("axes.n_train", f"{n} exceeds the dataset's {available} training samples")
    axes["n_train"] = _unique(n_trains)
    axes["seed"] = _unique([chk.int_(s, "axes.seed", minimum=0) for s in chk.listify(raw.get("seed", 0), "axes.seed")])
    augs = chk.listify(raw.get("augment", False), "axes.augment")
    for a in augs:
        if not isinstance(a, bool):
            chk.fail("axes.augment", f"must be true or false, got {a!r}")
    axes["augment"] = _unique(augs)
    return axes


def _check_hparams(chk: _Checker, values: dict[str, Any], key: str) -> None:
    known = _config_fields()
    for k, v in values.items():
        if k in RESERVED:
            chk.fail(f"{key}.{k}", "set by the plan's axes/dataset, not here")
        if known and k not in known:
            chk.fail(f"{key}.{k}", f"unknown hyper-parameter (known: {', '.join(sorted(known - set(RESERVED)))})")
        if isinstance(v, float) and not math.isfinite(v):
            chk.fail(f"{key}.{k}", f"must be finite, got {v}")
        if k in ("lr", "batch_size", "weight_decay", "warmup_steps") and (isinstance(v, bool) or
                                                                            not isinstance(v, int | float)):
            chk.fail(f"{key}.{k}", f"must be a number, got {v!r}")
        if k in ("lr", "batch_size") and v <= 0:
            chk.fail(f"{key}.{k}", f"must be > 0, got {v}")


def _unique(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return seen


# ---- lookups in other rooms (lazy: keep plan parsing importable and fast) ----

def _benchmarks() -> dict[str, Any]:
    import importlib

    out = {}
    for name in ("nbody", "rigid"):
        try:
            out[name] = importlib.import_module(f"equiscale.data.{name}")
        except ImportError:
            continue
    return out


def _families() -> tuple[tuple[str, ...], dict[str, dict[str, tuple[int, int]]]]:
    try:
        from equiscale.models import FAMILIES, PRESETS
    except ImportError:
        try:  # the registry module itself, should the package not re-export it
            from equiscale.models.registry import FAMILIES, PRESETS
        except ImportError:
            return (), {}
    return tuple(FAMILIES), {f: dict(p) for f, p in PRESETS.items()}


def _config_fields() -> set[str]:
    try:
        import dataclasses

        from equiscale.train import RunConfig
    except ImportError:
        return set()
    return {f.name for f in dataclasses.fields(RunConfig)}


def _dataset_train_size(path: str | None) -> int | None:
    if path is None:
        return None
    try:
        from equiscale.data import load
    except ImportError:
        return None
    try:
        return load(path, verify=False).size("train")
    except EquiscaleError as exc:
        raise EquiscaleError(f"dataset.path: {exc}") from None
