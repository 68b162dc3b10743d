"""The Ray executor: each run is a Ray task on a cluster (or a local Ray instance); the driver writes the store.

Tasks ask for ``num_gpus=1`` when the cluster has GPUs, otherwise ``threads`` CPUs. Progress flows back through a
Ray queue actor; outcomes through the task's return value. Checkpoints go to the checkpoint directory, which a real
cluster must put on storage shared by every node, so that a re-run on another node resumes the same run.
An unreachable address fails fast, before any run starts (see :func:`probe_address`).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from equiscale.errors import EquiscaleError
from equiscale.sweep.worker import Task, execute

Handler = Callable[[dict[str, Any]], None]
PROBE_TIMEOUT_S = 3.0


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise EquiscaleError("the ray executor needs Ray: pip install 'equiscale[ray]'") from None
    return ray


def probe_address(address: str | None, timeout: float = PROBE_TIMEOUT_S) -> str | None:
    """Check that a Ray cluster address answers within ``timeout`` seconds; return the address to pass to Ray.

    ``None`` means "start a local Ray instance". ``auto`` looks for ``RAY_ADDRESS`` or the running local cluster's
    address file. ``HOST:PORT`` and ``ray://HOST:PORT`` are probed with a TCP connection, so a typo fails in seconds
    with a one-line message instead of Ray's long retry loop.
    """
    _import_ray()
    if address is None:
        return None
    target = address
    if address == "auto":
        target = os.environ.get("RAY_ADDRESS") or _current_cluster()
        if not target or target == "auto":
            raise EquiscaleError("no running Ray cluster found for --address auto (start one with `ray start --head`)")
    hostport = target.split("://", 1)[-1]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise EquiscaleError(f"bad Ray address {address!r}: expected auto, HOST:PORT or ray://HOST:PORT")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise EquiscaleError(f"cannot reach Ray cluster at {target} ({reason} within {timeout:g} s)") from None
    return address


def _current_cluster() -> str | None:
    path = Path(os.environ.get("RAY_TMPDIR", "/tmp")) / "ray" / "ray_current_cluster"
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


class RayExecutor:
    """Executes tasks as Ray tasks; ``run`` blocks until all are finished, feeding events to a handler."""

    name = "ray"

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        self.address = probe_address(address)
        self.workers = workers
        self.threads = 1
        self.gpus = 0

    def describe(self) -> dict[str, Any]:
        return {"executor": self.name, "address": self.address, "threads_per_task": self.threads,
                "gpus": self.gpus}

    def _connect(self) -> Any:
        ray = _import_ray()
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"log_to_driver": False, "include_dashboard": False,
                                      "configure_logging": False}
            if self.address is None:
                cores = os.cpu_count() or 1
                ray.init(num_cpus=self.workers or cores, **kwargs)
            else:
                ray.init(address=self.address, **kwargs)
        resources = ray.cluster_resources()
        self.gpus = int(resources.get("GPU", 0))
        cpus = int(resources.get("CPU", 1))
        if self.address is None:
            self.threads = max(1, (os.cpu_count() or 1) // max(1, self.workers or os.cpu_count() or 1))
        else:
            self.threads = max(1, min(4, cpus // max(1, self.workers or cpus)))
        return ray

    def run(self, tasks: list[Task], handle: Handler) -> None:
        """Submit every task and relay progress and outcomes to ``handle`` in the driver's thread."""
        ray = self._connect()
        from ray.util.queue import Empty, Queue

        events = Queue()
        opts: dict[str, Any] = {"max_retries": 0}
        if self.gpus:
            opts.update(num_gpus=1, num_cpus=1)
            tasks = [replace(t, device="cuda") for t in tasks]
        else:
            opts.update(num_cpus=self.threads)
        remote = ray.remote(_ray_entry).options(**opts)
        refs = {remote.remote(t, events, self.threads): t for t in tasks}
        try:
            while refs:
                done, _ = ray.wait(list(refs), num_returns=1, timeout=0.2)
                self._drain(events, Empty, handle)
                for ref in done:
                    task = refs.pop(ref)
                    try:
                        handle(ray.get(ref))
                    except Exception as exc:  # the task's process died (node lost, OOM kill, ...)
                        handle({"kind": "error", "run_id": task.run_id, "host": None,
                                "error": " ".join(f"ray task failed: {type(exc).__name__}".split())})
            self._drain(events, Empty, handle)
        finally:
            for ref in refs:
                ray.cancel(ref, force=True)
            events.shutdown()
            if self.address is None:
                ray.shutdown()

    @staticmethod
    def _drain(events: Any, empty: type[Exception], handle: Handler) -> None:
        try:
            batch = events.get_nowait_batch(events.qsize())
        except empty:
            return
        for msg in batch:
            handle(msg)


def _ray_entry(task: Task, events: Any, threads: int) -> dict[str, Any]:
    """Body of one Ray task: size torch's thread pool, then train and report through the queue actor."""
    import torch

    torch.set_num_threads(threads)
    return execute(task, lambda msg: events.put(msg))
