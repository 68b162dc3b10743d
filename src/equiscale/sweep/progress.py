"""Sweep progress: a live rich display (runs done/total, runs in flight with step and loss, ETA) or plain lines.

The ETA is step-weighted: seconds per optimizer step observed in this session × steps still to train, so a grid that
mixes 50- and 5000-step runs gets a sensible estimate.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


def _fmt_eta(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s"


class SweepProgress:
    """Tracks runs and renders them. ``mode``: ``"live"`` (rich, TTY), ``"lines"`` (plain) or ``"off"``."""

    def __init__(self, total: int, *, already_done: int, todo_steps: dict[str, int], mode: str = "lines",
                 stream: TextIO | None = None) -> None:
        self.total, self.done = total, already_done
        self.todo_steps = dict(todo_steps)  # run_id -> steps still to train (updated by progress)
        self.remaining = sum(self.todo_steps.values())
        self.steps_trained = 0
        self.in_flight: dict[str, dict[str, Any]] = {}
        self.mode = mode
        self.stream = stream or sys.stderr
        self.t0 = time.monotonic()
        self._live: Live | None = None
        self._bar: Progress | None = None

    @staticmethod
    def pick_mode(enabled: bool, quiet: bool = False, stream: TextIO | None = None) -> str:
        """``live`` when enabled on a terminal, ``lines`` when enabled elsewhere, ``off`` when quiet/disabled."""
        if quiet or not enabled:
            return "off"
        stream = stream or sys.stderr
        return "live" if getattr(stream, "isatty", lambda: False)() else "lines"

    def __enter__(self) -> SweepProgress:
        if self.mode == "live":
            self._bar = Progress(TextColumn("runs"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                 TextColumn("ETA {task.fields[eta]}"))
            self._task = self._bar.add_task("runs", total=self.total, completed=self.done, eta="?")
            console = Console(file=self.stream)
            self._live = Live(self._render(), console=console, refresh_per_second=4, transient=False)
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.update(self._render())
            self._live.__exit__(None, None, None)

    def eta(self) -> float | None:
        """Seconds left, from this session's observed seconds per step."""
        if self.remaining <= 0:
            return 0.0
        if self.steps_trained <= 0:
            return None
        return (time.monotonic() - self.t0) / self.steps_trained * self.remaining

    # ---- events from the driver ----

    def started(self, run_id: str, label: str, host: str | None, resume_step: int | None) -> None:
        self.in_flight[run_id] = {"label": label, "host": host, "step": resume_step or 0, "loss": None,
                                  "base": resume_step or 0}
        note = f" (resuming from step {resume_step})" if resume_step else ""
        self.line(f"start  {run_id[:10]} {label}{note}")
        self._refresh()

    def progress(self, run_id: str, step: int | None, loss: float | None) -> None:
        run = self.in_flight.get(run_id)
        if run is None or step is None:
            return
        delta = max(0, step - run["step"])
        self.steps_trained += delta
        self.remaining = max(0, self.remaining - delta)
        run["step"], run["loss"] = step, loss
        self._refresh()

    def finished(self, run_id: str, status: str, detail: str = "") -> None:
        run = self.in_flight.pop(run_id, None)
        left = self.todo_steps.get(run_id, 0) - ((run["step"] - run["base"]) if run else 0)
        self.remaining = max(0, self.remaining - max(0, left))
        if status in ("done", "diverged"):
            self.done += 1
        label = run["label"] if run else ""
        self.line(f"{status:<6} {run_id[:10]} {label} {detail}".rstrip())
        self._refresh()

    # ---- rendering ----

    def line(self, text: str) -> None:
        if self.mode == "lines":
            print(f"[{self.done}/{self.total}] {text}", file=self.stream, flush=True)
        elif self.mode == "live" and self._live is not None:
            self._live.console.print(text)

    def _refresh(self) -> None:
        if self._live is not None:
            self._live.update(self._render())

    def _render(self) -> Group:
        assert self._bar is not None
        self._bar.update(self._task, completed=self.done, eta=_fmt_eta(self.eta()))
        table = Table(box=None, show_header=True, header_style="bold")
        for col in ("run", "config", "step", "loss", "host"):
            table.add_column(col)
        for rid, run in list(self.in_flight.items())[:20]:
            loss = "" if run["loss"] is None else f"{run['loss']:.4g}"
            table.add_row(rid[:10], run["label"], str(run["step"]), loss, str(run["host"] or ""))
        return Group(self._bar, table)
