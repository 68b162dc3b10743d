"""The sweep driver: validate everything, then queue the plan's runs in the store and execute what is left.

Order matters for failure modes: the plan, the store path, the executor (Ray address probe) and every run's config
are checked before the store is created or any data generated, so a bad sweep fails in seconds, touching nothing.
Re-running is idempotent: ``done``/``diverged`` runs are skipped, ``running`` (driver killed) and ``failed`` runs
resume from their newest good checkpoint, ``queued`` runs start; new axis values only add new runs.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from equiscale.errors import EquiscaleError
from equiscale.sweep.identity import PLACEHOLDER_DATASET, label, resolve_runs
from equiscale.sweep.plan import DatasetSpec, Plan, load_plan
from equiscale.sweep.progress import SweepProgress
from equiscale.sweep.store import FINAL, RunStore, check_writable
from equiscale.sweep.worker import DEFAULT_TRAINER, Task

EXECUTORS = ("local", "ray")


def make_executor(kind: str, *, address: str | None = None, workers: int | None = None) -> Any:
    """A ``LocalExecutor`` or ``RayExecutor`` (which probes ``address`` now, failing fast if unreachable)."""
    if workers is not None and workers < 1:
        raise EquiscaleError(f"--workers must be >= 1, got {workers}")
    if kind == "local":
        if address is not None:
            raise EquiscaleError("--address only applies to --executor ray")
        from equiscale.sweep.local import LocalExecutor

        return LocalExecutor(workers)
    if kind == "ray":
        from equiscale.sweep.ray_executor import RayExecutor

        return RayExecutor(address, workers)
    raise EquiscaleError(f"unknown executor {kind!r}; choose one of {', '.join(EXECUTORS)}")


def default_store(plan: Plan) -> Path:
    """``runs.db`` beside the plan file."""
    return plan.base_dir / "runs.db"


def prepare_dataset(spec: DatasetSpec, data_dir: Path | None) -> tuple[str, int]:
    """The dataset directory of a plan and its train size; a benchmark request is generated once and reused.

    Generated data goes to ``data_dir/<benchmark>-<hash of the request>`` or, without ``data_dir``, to the data
    room's shared cache (``$EQUISCALE_CACHE/datasets``).
    """
    from equiscale import data

    if spec.path is not None:
        ds = data.load(spec.path, verify=True)
        return spec.path, int(ds.size("train"))
    out = None
    if data_dir is not None:
        request = {"benchmark": spec.benchmark, "params": spec.params, "seed": spec.seed,
                   "sizes": [spec.n_train, spec.n_val, spec.n_test]}
        digest = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()[:12]
        out = Path(data_dir) / f"{spec.benchmark}-{digest}"
    ds = data.generate(spec.benchmark, n_train=spec.n_train, n_val=spec.n_val, n_test=spec.n_test, seed=spec.seed,
                       params=spec.params, out=out, progress=False)
    return str(Path(ds.path).resolve()), int(ds.size("train"))


def run_sweep(plan: Plan | str | Path, store_path: str | Path | None = None, *, executor: str = "local",
              address: str | None = None, workers: int | None = None, progress: bool = True,
              quiet: bool = False, checkpoint_dir: str | Path | None = None, data_dir: str | Path | None = None,
              trainer: str = DEFAULT_TRAINER) -> dict[str, Any]:
    """Run (or resume) every run of ``plan``; return a summary dict. The driver is the only writer of the store.

    ``checkpoint_dir`` (default ``<store dir>/checkpoints``) holds one directory per run id; ``data_dir`` (default:
    the data room's cache) holds generated datasets. ``trainer`` is ``"module:function"`` with the signature of
    :func:`equiscale.sweep.worker.train` (for tests and extensions).
    """
    t0 = time.monotonic()
    plan = plan if isinstance(plan, Plan) else load_plan(plan)
    store_path = Path(store_path) if store_path is not None else default_store(plan)
    check_writable(store_path)
    store_dir = store_path.resolve().parent
    ckpt_root = Path(checkpoint_dir) if checkpoint_dir is not None else store_dir / "checkpoints"
    exe = make_executor(executor, address=address, workers=workers)
    # Validate every run's config before creating anything (the dataset may not exist yet).
    resolve_runs(plan, PLACEHOLDER_DATASET, plan.dataset.n_train or None)
    dataset_path, available = prepare_dataset(plan.dataset, Path(data_dir) if data_dir else None)
    planned = resolve_runs(plan, dataset_path, available)

    store_path.parent.mkdir(parents=True, exist_ok=True)
    with RunStore.open(store_path, create=True) as store:
        new = store.add_runs(planned, plan=plan.name)
        rows = store.runs(ids=planned)
        todo = [r for r in rows if r["status"] not in FINAL]
        skipped = len(rows) - len(todo)
        tasks = [Task(r["run_id"], r["config"], str(ckpt_root / r["run_id"]), trainer) for r in todo]
        todo_steps = {r["run_id"]: int(r["config"]["steps"]) - int(r["checkpoint_step"] or 0) for r in todo}
        mode = SweepProgress.pick_mode(progress, quiet)
        display = SweepProgress(len(rows), already_done=skipped, todo_steps=todo_steps, mode=mode)
        driver = _Driver(store, display, {r["run_id"]: label(r["config"]) for r in todo})
        with display:
            if tasks:
                exe.run(tasks, driver.handle)
        final = store.runs(ids=planned)
    counts = {s: sum(r["status"] == s for r in final) for s in ("done", "diverged", "failed", "running", "queued")}
    return {
        "plan": plan.name,
        "store": str(store_path),
        "checkpoint_dir": str(ckpt_root),
        "dataset": dataset_path,
        **exe.describe(),
        "planned": len(planned),
        "new": new,
        "skipped": skipped,
        "attempted": len(tasks),
        "counts": counts,
        "resumed": sorted(driver.resumed),
        "failed": [{"run_id": r["run_id"], "error": r["error"]} for r in final if r["status"] == "failed"],
        "notes": driver.notes,
        "wall_seconds": round(time.monotonic() - t0, 3),
    }


class _Driver:
    """Turns worker messages into store writes and display updates (runs in the driver's thread only)."""

    def __init__(self, store: RunStore, display: SweepProgress, labels: dict[str, str]) -> None:
        self.store, self.display, self.labels = store, display, labels
        self.resumed: set[str] = set()
        self.notes: list[dict[str, str]] = []
        self._ckpt: dict[str, int] = {}
        self._over: set[str] = set()  # runs with an outcome: late "started"/"progress" messages are ignored

    def handle(self, msg: dict[str, Any]) -> None:
        kind, rid = msg.get("kind"), msg.get("run_id")
        if rid not in self.labels or rid in self._over:
            return
        if kind in ("record", "error"):
            self._over.add(rid)
        if kind == "started":
            self.store.mark_running(rid, host=str(msg.get("host")), resumed_from=msg.get("resume_step"))
            self.display.started(rid, self.labels[rid], msg.get("host"), msg.get("resume_step"))
        elif kind == "progress":
            step = msg.get("checkpoint_step")
            if isinstance(step, int) and self._ckpt.get(rid) != step:
                self._ckpt[rid] = step
                self.store.mark_checkpoint(rid, step)
            self.display.progress(rid, msg.get("step"), msg.get("loss"))
        elif kind == "record":
            record = msg["record"]
            if record.get("status") not in FINAL:
                self.store.fail(rid, f"trainer returned status {record.get('status')!r}")
                self.display.finished(rid, "failed")
                return
            status = self.store.finish(rid, record, host=msg.get("host"))
            if record.get("resumed_from"):
                self.resumed.add(rid)
            for note in record.get("notes") or []:
                self.notes.append({"run_id": rid, "note": str(note)})
                self.display.line(f"note   {rid[:10]} {note}")
            loss = record.get("test_loss")
            detail = f"test_loss={loss:.4g}" if isinstance(loss, float) else ""
            self.display.finished(rid, status, detail)
        elif kind == "error":
            self.store.fail(rid, str(msg.get("error")))
            self.display.finished(rid, "failed", str(msg.get("error")))
