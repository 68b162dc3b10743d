"""The local executor: runs on this machine in a pool of spawned worker processes.

One worker per GPU when CUDA is available (each pinned to its own device), otherwise ``workers`` CPU processes
(default: one per core up to 3 cores, else ``cores // 2``) with ``cores // workers`` torch threads each. Workers
send progress through a multiprocessing queue; results come back through futures; the driver alone writes the
store. Workers die with the driver (``PR_SET_PDEATHSIG`` on Linux, plus a parent-pid check at every progress
report), so a killed sweep leaves no orphans training runs nobody will record.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing as mp
import os
import queue as queue_mod
import signal
import sys
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from typing import Any

from equiscale.sweep.worker import Task, execute

Handler = Callable[[dict[str, Any]], None]

_QUEUE: Any = None
_PARENT: int | None = None


def default_workers(cores: int | None = None) -> int:
    """Default number of CPU worker processes: one per core on small machines (a run of a small model gains little
    from a second thread, but a second run doubles throughput), else half the cores with two threads each."""
    cores = cores or os.cpu_count() or 1
    return cores if cores <= 3 else cores // 2


def cuda_devices() -> int:
    """Number of visible CUDA devices (0 without torch/CUDA)."""
    try:
        import torch

        return torch.cuda.device_count() if torch.cuda.is_available() else 0
    except Exception:
        return 0


class LocalExecutor:
    """Executes tasks in spawned processes; ``run`` blocks until all are finished, feeding events to a handler."""

    name = "local"

    def __init__(self, workers: int | None = None, *, gpus: int | None = None) -> None:
        self.gpus = cuda_devices() if gpus is None else gpus
        cores = os.cpu_count() or 1
        if self.gpus:
            self.workers = min(workers or self.gpus, self.gpus)
        else:
            self.workers = workers or default_workers(cores)
        self.threads = max(1, cores // self.workers)

    def describe(self) -> dict[str, Any]:
        return {"executor": self.name, "workers": self.workers, "threads_per_worker": self.threads,
                "gpus": self.gpus}

    def run(self, tasks: list[Task], handle: Handler) -> None:
        """Run every task; call ``handle`` in this (the driver's) thread for every message and outcome."""
        ctx = mp.get_context("spawn")
        events = ctx.Queue()
        pending = list(tasks)
        while pending:
            pending = self._run_pool(ctx, events, pending, handle)

    def _run_pool(self, ctx: Any, events: Any, tasks: list[Task], handle: Handler) -> list[Task]:
        """One pool's life; returns tasks that never started if the pool broke (a worker was killed)."""
        gpu_ids = ctx.Queue()
        for i in range(self.gpus):
            gpu_ids.put(i)
        if self.gpus:
            tasks = [replace(t, device="cuda") for t in tasks]
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx, initializer=_init_worker,
                                   initargs=(events, self.threads, gpu_ids if self.gpus else None, os.getpid()))
        futures: dict[Future[dict[str, Any]], Task] = {pool.submit(_run_task, t): t for t in tasks}
        started: set[str] = set()
        leftovers: list[Task] = []
        try:
            while futures:
                done, _ = wait(futures, timeout=0.2, return_when=FIRST_COMPLETED)
                _drain(events, handle, started)
                for fut in done:
                    task = futures.pop(fut)
                    try:
                        handle(fut.result())
                    except BrokenProcessPool:
                        if task.run_id in started:
                            handle({"kind": "error", "run_id": task.run_id, "host": None,
                                    "error": "worker process died (killed or out of memory)"})
                        else:
                            leftovers.append(task)
            _drain(events, handle, started)
        finally:
            _shutdown(pool)
        return leftovers


def _drain(events: Any, handle: Handler, started: set[str]) -> None:
    while True:
        try:
            msg = events.get_nowait()
        except queue_mod.Empty:
            return
        if msg.get("kind") == "started":
            started.add(msg["run_id"])
        handle(msg)


def _shutdown(pool: ProcessPoolExecutor) -> None:
    """Stop the pool now: cancel queued tasks and kill workers still running (Ctrl-C, errors)."""
    procs = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.kill()
    for p in procs:
        p.join(timeout=5)


def _init_worker(events: Any, threads: int, gpu_ids: Any, parent: int) -> None:
    """Worker start-up: die with the driver, size torch's thread pool, claim a GPU."""
    global _QUEUE, _PARENT
    _QUEUE, _PARENT = events, parent
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(3)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    os.environ["OMP_NUM_THREADS"] = str(threads)
    if gpu_ids is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = str(gpu_ids.get())
    import torch

    torch.set_num_threads(threads)
    with contextlib.suppress(Exception):  # pay the heavy lazy imports once per worker, not once per run
        import torch._dynamo  # the first optimizer construction imports it: seconds

        import equiscale.train  # noqa: F401


def _run_task(task: Task) -> dict[str, Any]:
    return execute(task, _QUEUE.put, parent_pid=_PARENT)
