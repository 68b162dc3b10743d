"""Helpers for the sweep tests: tiny plans and subprocess sweeps that never outlive a test."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).parent
FIXED = {"batch_size": 16, "lr": 3e-3, "n_eval": 16, "eval_every": 10, "checkpoint_every": 5, "device": "cpu"}


def write_plan(path: Path, dataset: str, **axes) -> Path:
    """A plan on ``dataset`` with defaults (transformer xs, 20 steps, n_train 32, seed 0) overridden by ``axes``."""
    overrides = axes.pop("overrides", None)
    fixed = {**FIXED, **axes.pop("fixed", {})}
    plan = {"name": path.stem, "dataset": {"path": dataset},
            "axes": {"family": ["transformer"], "size": ["xs"], "steps": [20], "n_train": [32], "seed": [0],
                     **axes},
            "fixed": fixed}
    if overrides:
        plan["overrides"] = overrides
    path.write_text(yaml.safe_dump(plan))
    return path


class Procs:
    """Sweep subprocesses in their own process groups; every group is SIGKILLed when the test ends."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def start(self, *args: str) -> subprocess.Popen:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
        proc = subprocess.Popen([sys.executable, "-m", "equiscale.cli.sweep", *args], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True, env=env)
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def close(self) -> None:
        for proc in self.procs:
            self.kill(proc)
            if proc.stdout:
                proc.stdout.close()
