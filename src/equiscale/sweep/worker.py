"""What runs inside a worker process (local pool or Ray task): one training run, reported back as messages.

Workers never touch the run store. They send small dict messages to the driver through a ``report`` callable
(a multiprocessing queue locally, a Ray queue actor on a cluster) and return one outcome message:

- ``{"kind": "started", "run_id", "host", "pid", "resume_step"}`` when the run begins,
- ``{"kind": "progress", "run_id", "step", "steps", "loss", "checkpoint_step"}`` while it trains (throttled),
- outcome ``{"kind": "record", "run_id", "host", "record"}`` or ``{"kind": "error", "run_id", "host", "error"}``.
"""

from __future__ import annotations

import importlib
import os
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Report = Callable[[dict[str, Any]], None]
DEFAULT_TRAINER = "equiscale.sweep.worker:train"
PROGRESS_INTERVAL_S = 0.5


@dataclass(frozen=True)
class Task:
    """One run for a worker: its id, resolved config (RunConfig fields), checkpoint directory and trainer."""

    run_id: str
    config: dict[str, Any]
    workdir: str
    trainer: str = DEFAULT_TRAINER
    device: str | None = None  # e.g. "cuda" when the worker owns a GPU; None keeps the config's device


def train(config: dict[str, Any], *, workdir: str, progress: Callable[..., None]) -> dict[str, Any]:
    """The default trainer: ``equiscale.train.train_run`` resuming from the newest good checkpoint in ``workdir``."""
    from equiscale.train import RunConfig, train_run

    return train_run(RunConfig.from_dict(config), workdir=workdir, resume=True, progress=progress)


def last_checkpoint_step(workdir: str | Path) -> int | None:
    """Step of the newest checkpoint file in ``workdir`` (by name; not verified), or None."""
    names = sorted(Path(workdir).glob("ckpt-*.pt")) if Path(workdir).is_dir() else []
    if not names:
        return None
    try:
        return int(names[-1].stem.split("-")[1])
    except (IndexError, ValueError):
        return None


def execute(task: Task, report: Report, *, parent_pid: int | None = None) -> dict[str, Any]:
    """Run ``task`` and return its outcome message; exceptions become ``error`` outcomes (one line)."""
    host = f"{socket.gethostname()}:{os.getpid()}"
    report({"kind": "started", "run_id": task.run_id, "host": host, "pid": os.getpid(),
            "resume_step": last_checkpoint_step(task.workdir)})
    config = dict(task.config)
    if task.device is not None:
        config["device"] = task.device
    callback = _Progress(task.run_id, config, report, parent_pid)
    try:
        Path(task.workdir).mkdir(parents=True, exist_ok=True)
        record = _load(task.trainer)(config, workdir=task.workdir, progress=callback)
    except Exception as exc:
        where = traceback.extract_tb(exc.__traceback__)[-1]
        message = " ".join(f"{type(exc).__name__}: {exc}".split())
        return {"kind": "error", "run_id": task.run_id, "host": host,
                "error": f"{message} ({Path(where.filename).name}:{where.lineno})"}
    return {"kind": "record", "run_id": task.run_id, "host": host, "record": record}


class _Progress:
    """The trainer's ``progress(step, loss)`` callback: forwards step/loss at most every PROGRESS_INTERVAL_S seconds
    and immediately when a checkpoint was just written (step multiple of ``checkpoint_every``, or the last step).

    Also the orphan guard: if the driver died (parent pid changed), exit rather than train for nobody.
    """

    def __init__(self, run_id: str, config: dict[str, Any], report: Report, parent_pid: int | None) -> None:
        self.run_id, self.report, self.parent_pid = run_id, report, parent_pid
        self.steps = int(config.get("steps") or 0)
        self.every = int(config.get("checkpoint_every") or 0)
        self.last = 0.0
        self.checkpoint_step: int | None = None

    def __call__(self, step: int, loss: float | None = None) -> None:
        if self.parent_pid is not None and os.getppid() != self.parent_pid:
            os._exit(3)  # the driver is gone: nobody will store this run's result
        new_ckpt = step == self.steps or bool(self.every and step % self.every == 0)
        if new_ckpt:
            self.checkpoint_step = step
        now = time.monotonic()
        if not new_ckpt and now - self.last < PROGRESS_INTERVAL_S:
            return
        self.last = now
        self.report({"kind": "progress", "run_id": self.run_id, "step": int(step), "steps": self.steps,
                     "loss": float(loss) if isinstance(loss, int | float) else None,
                     "checkpoint_step": self.checkpoint_step})


def _load(spec: str) -> Callable[..., dict[str, Any]]:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)
