"""A test trainer: the real one, but the first attempt of every run crashes after CRASH_AT steps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from equiscale.sweep.worker import train as real_train

CRASH_AT = 12


def train(config: dict[str, Any], *, workdir: str, progress: Any) -> dict[str, Any]:
    marker = Path(workdir) / "crashed-once"
    if marker.exists():
        return real_train(config, workdir=workdir, progress=progress)

    def hook(step: int, loss: float) -> None:
        progress(step, loss)
        if step >= CRASH_AT:
            marker.touch()
            raise RuntimeError(f"injected crash at step {step}")

    return real_train(config, workdir=workdir, progress=hook)
