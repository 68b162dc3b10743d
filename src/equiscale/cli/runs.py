"""``equiscale runs list|show``: inspect a sweep's run store."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from equiscale.cli._common import emit_json, user_errors
from equiscale.errors import EquiscaleError

app = typer.Typer(help="Inspect the runs of a sweep's run store.", no_args_is_help=True)

STORE = typer.Option(Path("runs.db"), "--store", help="Run store (SQLite file written by `equiscale sweep`).")


def _console() -> Console:
    """A rich console; wide when not a terminal, so piped tables are not folded into 80 columns."""
    return Console() if sys.stdout.isatty() else Console(width=160)


def _fmt(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


@app.command("list")
@user_errors
def list_runs(
    store: Path = STORE,
    status: str | None = typer.Option(None, "--status", help="Only runs with this status (done, failed, ...)."),
    json_out: bool = typer.Option(False, "--json", help="Print the runs as JSON."),
) -> None:
    """One line per run: id, status, grid coordinates, attempts, test loss, error."""
    from rich.table import Table

    from equiscale.sweep.store import STATUSES, RunStore

    if status is not None and status not in STATUSES:
        raise EquiscaleError(f"unknown status {status!r}; choose one of {', '.join(STATUSES)}")
    with RunStore.open(store) as st:
        rows = st.runs(status)
        losses = {r["run_id"]: r.get("test_loss") for r in st.records(None)}
    for r in rows:
        r["test_loss"] = losses.get(r["run_id"])
    if json_out:
        emit_json(rows)
        return
    table = Table(title=f"{len(rows)} runs in {store}")
    cols = ("run", "status", "series", "size", "steps", "n_train", "seed", "tries", "resumed", "test_loss")
    for col in cols:
        table.add_column(col, no_wrap=col in ("run", "status", "series"))
    for r in rows:
        series = f"{r['family']}{'+aug' if r['augment'] else ''}"
        table.add_row(r["run_id"][:10], r["status"], series, f"{r['width']}x{r['depth']}", *(
            _fmt(r.get(c)) for c in ("steps", "n_train", "seed", "attempts", "resumed_from", "test_loss")))
    console = _console()
    console.print(table)
    for r in rows:
        if r.get("error"):
            console.print(f"{r['run_id'][:10]} {r['status']}: {r['error']}", overflow="fold")


@app.command("show")
@user_errors
def show_run(
    run_id: str = typer.Argument(..., help="Run id (or a unique prefix)."),
    store: Path = STORE,
    json_out: bool = typer.Option(False, "--json", help="Print the run row and its record as JSON."),
) -> None:
    """Everything stored about one run: status, config, timings and its record (curve, final figures)."""
    from rich.table import Table

    from equiscale.sweep.store import RunStore

    with RunStore.open(store) as st:
        run = st.get(run_id)
    if json_out:
        emit_json(run)
        return
    table = Table(title=f"run {run['run_id']}", show_header=False)
    table.add_column("key", style="bold")
    table.add_column("value", overflow="fold")
    for key in ("status", "host", "attempts", "checkpoint_step", "resumed_from", "error"):
        table.add_row(key, _fmt(run.get(key)))
    for key, value in sorted(run["config"].items()):
        table.add_row(f"config.{key}", _fmt(value))
    record = run.get("record") or {}
    for key in ("test_loss", "final_train_loss", "final_val_loss", "params", "flops_measured", "train_seconds",
                "total_seconds", "diverged_at", "device"):
        if key in record:
            table.add_row(key, _fmt(record[key]))
    for note in record.get("notes") or []:
        table.add_row("note", str(note))
    curve = record.get("curve") or []
    if curve:
        table.add_row("curve", " ".join(f"{p['step']}:{_fmt(p.get('val_loss'))}" for p in curve))
    _console().print(table)
