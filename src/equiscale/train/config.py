"""One training run's configuration: defaults, validation, JSON round-trip and the run's identity hash.

A :class:`RunConfig` is what the user (or a sweep plan) writes. :meth:`RunConfig.resolve` turns it into a fully
explicit config (width/depth instead of a preset name, the effective learning rate, eval/checkpoint cadences, n_train
filled in); :meth:`RunConfig.config_hash` hashes that resolved form, so two spellings of the same run share one id.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from equiscale.errors import EquiscaleError

OPTIMIZERS = ("adam", "adamw")
SCHEDULES = ("cosine", "constant")
DEVICES = ("auto", "cpu", "cuda")
LR_SCALINGS = ("inverse_width", "none")

# Fields that do not change the trained weights or the final losses; left out of the run's identity so that the same
# run executed on another machine, or with a different checkpoint or evaluation cadence, is recognised as the same.
NON_IDENTITY_FIELDS = frozenset({"device", "checkpoint_every", "eval_every", "eval_batch_size", "keep_checkpoints"})


@dataclass
class RunConfig:
    """Everything that defines one training run. Defaults are laptop-sized (see docs/training.md)."""

    dataset: str = ""  # dataset directory (equiscale.data.load)
    family: str = "transformer"  # a key of equiscale.models.FAMILIES
    size: str | tuple[int, int] = "xs"  # preset name (models.PRESETS[family]) or explicit (width, depth)
    steps: int = 200  # optimizer steps (fixed; no early stopping)
    n_train: int | None = None  # training samples D (seeded subset of the train split); None = all
    batch_size: int = 64
    optimizer: str = "adam"  # adam | adamw
    lr: float = 3e-4  # peak learning rate at the base width (see lr_scaling)
    lr_scaling: str = "inverse_width"  # inverse_width: lr × base_width / width above the base width; none
    lr_base_width: int | None = None  # None = width of the family's smallest preset
    weight_decay: float = 0.0
    warmup_fraction: float = 0.05  # linear warm-up over this fraction of the steps …
    warmup_steps: int | None = None  # … unless given explicitly in steps
    schedule: str = "cosine"  # cosine (to lr_floor × peak) | constant (after warm-up)
    lr_floor: float = 0.01  # final learning rate as a fraction of the peak
    grad_clip: float | None = 10.0  # global gradient-norm clip; None = off
    augment: bool = False  # fresh random E(3) element per sample per step
    augment_group: str = "E3"  # a key of equiscale.geometry.GROUPS
    translation_scale: float = 1.0  # std of augmentation translations, in standardised units
    regularizer_weight: float = 0.01  # weight of a model's output regulariser (GATr), training loss only
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda
    bf16: bool = False  # bf16 autocast for forward passes
    eval_every: int | None = None  # validation cadence in steps; None = steps // 10; 0 = only at the end
    eval_batch_size: int = 256
    n_eval: int | None = 1024  # samples used by periodic validation and final train loss; None = all
    checkpoint_every: int | None = None  # None = steps // 5; 0 = never
    keep_checkpoints: int = 2  # newest checkpoints kept (≥ 2 so that a corrupted newest one has a fallback)
    # Filled in by resolve():
    width: int | None = None
    depth: int | None = None
    lr_effective: float | None = None
    model_options: dict[str, Any] = field(default_factory=dict)  # keyword options of the family's builder

    # -- serialisation -----------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (a size tuple becomes a list)."""
        out = dataclasses.asdict(self)
        if isinstance(self.size, tuple):
            out["size"] = list(self.size)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> RunConfig:
        """Build from a dict (e.g. a run record's ``config``); unknown keys are an error."""
        known = {f.name for f in dataclasses.fields(RunConfig)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise EquiscaleError(f"unknown run config field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        values = dict(data)
        if isinstance(values.get("size"), list):
            values["size"] = tuple(values["size"])
        return RunConfig(**values)

    @staticmethod
    def from_json(text: str) -> RunConfig:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise EquiscaleError(f"run config is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise EquiscaleError("run config JSON must be an object")
        return RunConfig.from_dict(data)

    # -- validation and resolution ---------------------------------------------------------------------------
    def validate(self) -> None:
        """Check field values that need no dataset or model registry; raise EquiscaleError naming the problem."""
        if not self.dataset:
            raise EquiscaleError("run config needs a dataset directory (dataset=...)")
        _check_int(self.steps, "steps", 1)
        _check_int(self.batch_size, "batch_size", 1)
        if self.n_train is not None:
            _check_int(self.n_train, "n_train", 1)
        _choice(self.optimizer, "optimizer", OPTIMIZERS)
        _choice(self.schedule, "schedule", SCHEDULES)
        _choice(self.device, "device", DEVICES)
        _choice(self.lr_scaling, "lr_scaling", LR_SCALINGS)
        _check_float(self.lr, "lr", positive=True)
        _check_float(self.weight_decay, "weight_decay")
        _check_float(self.translation_scale, "translation_scale")
        _check_float(self.regularizer_weight, "regularizer_weight")
        if not 0.0 <= float(self.warmup_fraction) < 1.0:
            raise EquiscaleError(f"warmup_fraction must be in [0, 1), got {self.warmup_fraction}")
        if self.warmup_steps is not None:
            _check_int(self.warmup_steps, "warmup_steps", 0)
        if not 0.0 <= float(self.lr_floor) <= 1.0:
            raise EquiscaleError(f"lr_floor must be in [0, 1] (a fraction of the peak lr), got {self.lr_floor}")
        if self.grad_clip is not None:
            _check_float(self.grad_clip, "grad_clip", positive=True)
        if self.lr_base_width is not None:
            _check_int(self.lr_base_width, "lr_base_width", 1)
        for name in ("eval_every", "checkpoint_every"):
            if getattr(self, name) is not None:
                _check_int(getattr(self, name), name, 0)
        _check_int(self.eval_batch_size, "eval_batch_size", 1)
        if self.n_eval is not None:
            _check_int(self.n_eval, "n_eval", 1)
        _check_int(self.keep_checkpoints, "keep_checkpoints", 1)
        _check_int(self.seed, "seed", 0)
        if not isinstance(self.model_options, dict):
            raise EquiscaleError(f"model_options must be a mapping, got {self.model_options!r}")
        from equiscale.geometry import GROUPS

        _choice(self.augment_group, "augment_group", tuple(GROUPS))

    def resolve(self, *, available: int | None = None) -> RunConfig:
        """Return a copy with every derived field explicit: width/depth, lr_effective, cadences, n_train.

        ``available`` is the size of the dataset's train split (checked against n_train, filled in when None); when
        it is not given and n_train is None, the dataset's metadata is read to find it.
        """
        self.validate()
        width, depth, base = _resolve_size(self.family, self.size)
        out = dataclasses.replace(self, width=width, depth=depth, model_options=dict(self.model_options))
        out.dataset = str(Path(self.dataset).expanduser().resolve())
        if self.lr_base_width is None:
            out.lr_base_width = base
        out.lr_effective = effective_lr(self.lr, width, out.lr_base_width or width, self.lr_scaling)
        if self.warmup_steps is None:
            out.warmup_steps = math.floor(self.warmup_fraction * self.steps)
        if out.warmup_steps >= self.steps:
            raise EquiscaleError(f"warmup_steps ({out.warmup_steps}) must be smaller than steps ({self.steps})")
        if self.eval_every is None:
            out.eval_every = max(1, self.steps // 10)
        if self.checkpoint_every is None:
            out.checkpoint_every = max(1, self.steps // 5)
        if available is None and self.n_train is None:
            available = _train_size(out.dataset)
        if available is not None:
            if self.n_train is None:
                out.n_train = int(available)
            elif self.n_train > available:
                raise EquiscaleError(f"n_train={self.n_train} exceeds the {available} training samples available")
        return out

    def identity(self) -> dict[str, Any]:
        """The fields that define the result: the resolved config minus :data:`NON_IDENTITY_FIELDS` and minus
        ``size`` (a preset name and its (width, depth) are the same run; width and depth stay)."""
        data = self.to_dict()
        return {k: v for k, v in sorted(data.items()) if k not in NON_IDENTITY_FIELDS and k != "size"}

    def config_hash(self) -> str:
        """16-hex-digit sha256 of :meth:`identity` of the resolved config: the run's id."""
        resolved = self if self.width is not None and self.lr_effective is not None else self.resolve()
        text = json.dumps(resolved.identity(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    @property
    def epochs(self) -> float | None:
        """steps × batch_size / n_train (None until n_train is known)."""
        return None if not self.n_train else self.steps * self.batch_size / self.n_train


def effective_lr(lr: float, width: int, base_width: int, scaling: str) -> float:
    """The muP-inspired width rule: ``lr × min(1, base_width / width)`` (``scaling="none"``: ``lr``)."""
    if scaling == "none" or width <= base_width:
        return float(lr)
    return float(lr) * base_width / width


def _resolve_size(family: str, size: str | tuple[int, int]) -> tuple[int, int, int | None]:
    """(width, depth, the family's base width) from the model registry (preset name, "WIDTHxDEPTH" or a pair)."""
    from equiscale.models.registry import PRESETS, get_family, resolve_size

    get_family(family)  # unknown family → EquiscaleError listing the choices
    width, depth = resolve_size(family, size)
    base = min((int(w) for w, _ in PRESETS.get(family, {}).values()), default=None)
    return int(width), int(depth), base


def _train_size(path: str) -> int:
    from equiscale import data

    return int(data.load(path, verify=False).size("train"))


def _check_int(value: Any, name: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise EquiscaleError(f"{name} must be an integer ≥ {minimum}, got {value!r}")


def _check_float(value: Any, name: str, *, positive: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (positive and value == 0):
        raise EquiscaleError(f"{name} must be a finite number {'> 0' if positive else '≥ 0'}, got {value!r}")


def _choice(value: Any, name: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise EquiscaleError(f"unknown {name} {value!r}; choose one of {', '.join(choices)}")
