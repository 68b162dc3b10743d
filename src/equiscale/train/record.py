"""The run record: the plain, JSON-serialisable summary of one run (see docs/interfaces.md)."""

from __future__ import annotations

import math
import platform
from typing import Any

import numpy as np
import torch

import equiscale
from equiscale.train.config import RunConfig

STATUSES = ("done", "diverged", "failed", "running", "queued")


def versions() -> dict[str, str]:
    """Versions of the software that produced a result."""
    return {
        "equiscale": equiscale.__version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def finite_or_none(value: float | None) -> float | None:
    """A float for the record: None when missing or not finite (JSON has no NaN)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def new_record(config: RunConfig, *, device: str) -> dict[str, Any]:
    """A record with every field present, status ``running``; the loop fills in the rest."""
    return {
        "run_id": config.config_hash(),
        "status": "running",
        "config": config.to_dict(),
        "params": None,
        "flops_per_step_measured": None,
        "flops_per_step_nominal": None,
        "flops_measured": None,
        "flops_nominal": None,
        "train_seconds": 0.0,
        "data_seconds": 0.0,
        "eval_seconds": 0.0,
        "total_seconds": 0.0,
        "test_loss": None,
        "final_train_loss": None,
        "final_val_loss": None,
        "epochs": None,
        "steps_done": 0,
        "curve": [],
        "diverged_at": None,
        "device": device,
        "bf16": bool(config.bf16),
        "seeds": {"run": config.seed},
        "versions": versions(),
        "resumed_from": None,
        "notes": [],
    }
