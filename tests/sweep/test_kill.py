"""SIGKILL the whole sweep (driver and workers) three times at random points; the re-run finishes every run once.

Killed runs must resume from their newest checkpoint, not from step 0 (``resumed_from`` in the store and record).
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from equiscale.sweep.store import RunStore

from .helpers import write_plan


def _checkpoints(root: Path) -> set[Path]:
    return set(root.glob("*/ckpt-*.pt"))


def _unfinished_with_checkpoint(root: Path) -> set[str]:
    """Runs that have a checkpoint but no finished record: a kill now interrupts them mid-training."""
    return {d.name for d in root.glob("*") if list(d.glob("ckpt-*.pt")) and not (d / "record.json").exists()}


def _kill_cycles(procs, args: list[str], ckpt_root: Path, cycles: int, seed: int) -> set[str]:
    rng = random.Random(seed)
    interrupted: set[str] = set()
    for _ in range(cycles):
        before = _checkpoints(ckpt_root)
        proc = procs.start(*args)
        deadline = time.monotonic() + 90
        while not (_checkpoints(ckpt_root) - before) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, f"sweep ended before it could be killed:\n{proc.stdout.read()}"
        time.sleep(rng.uniform(0.0, 0.8))
        procs.kill(proc)
        interrupted = _unfinished_with_checkpoint(ckpt_root)
    return interrupted


def _check_outcome(store: Path, planned: int, interrupted: set[str]) -> None:
    with RunStore.open(store) as st:
        rows = st.runs()
        records = st.records(None)
    assert len(rows) == planned and all(r["status"] == "done" for r in rows)
    assert sorted(r["run_id"] for r in records) == sorted(r["run_id"] for r in rows)  # one record per run
    assert all(r["steps_done"] == r["config"]["steps"] for r in records)
    resumed = {r["run_id"]: r["resumed_from"] for r in rows}
    assert interrupted, "no run was interrupted mid-training: the test proved nothing"
    for rid in interrupted:
        assert resumed[rid] is not None and resumed[rid] > 0, (rid, resumed[rid])


def test_sigkill_local_sweep_three_times(tmp_path, dataset_dir, procs) -> None:
    # Runs long enough (seconds each) that a kill lands mid-training even on an idle machine.
    plan = write_plan(tmp_path / "p.yaml", dataset_dir, steps=[600], seed=[0, 1])
    store, ckpt_root = tmp_path / "runs.db", tmp_path / "checkpoints"
    args = [str(plan), "--store", str(store), "--workers", "1", "--quiet"]
    interrupted = _kill_cycles(procs, args, ckpt_root, cycles=3, seed=1)
    final = procs.start(*args)
    out, _ = final.communicate(timeout=180)
    assert final.returncode == 0, out
    _check_outcome(store, 2, interrupted)


@pytest.mark.slow
def test_sigkill_ray_sweep_three_times(tmp_path, dataset_dir, procs) -> None:
    plan = write_plan(tmp_path / "p.yaml", dataset_dir, steps=[600], seed=[0, 1])
    store, ckpt_root = tmp_path / "runs.db", tmp_path / "checkpoints"
    args = [str(plan), "--store", str(store), "--executor", "ray", "--workers", "2", "--quiet"]
    interrupted = _kill_cycles(procs, args, ckpt_root, cycles=3, seed=2)
    final = procs.start(*args)
    out, _ = final.communicate(timeout=300)
    assert final.returncode == 0, out
    _check_outcome(store, 2, interrupted)
