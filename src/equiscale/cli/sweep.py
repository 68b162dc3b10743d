"""``equiscale sweep PLAN.yaml``: run (or resume) every run of a sweep plan into a SQLite run store."""

from __future__ import annotations

from pathlib import Path

import typer

from equiscale.cli._common import emit_json, exit_if_runs_failed, resumable, user_errors


@user_errors
def sweep_command(
    plan: Path = typer.Argument(..., help="Sweep plan (YAML); see plans/example.yaml and docs/sweeps.md."),
    store: Path | None = typer.Option(None, "--store", help="Run store (SQLite); default: runs.db beside the plan."),
    executor: str = typer.Option("local", "--executor", help="Where runs execute: local (processes) or ray."),
    address: str | None = typer.Option(
        None, "--address", help="Ray cluster: auto, HOST:PORT or ray://HOST:PORT (default: a local Ray instance)."
    ),
    workers: int | None = typer.Option(
        None, "--workers", help="Parallel runs (local: default one per GPU, else half the CPU cores)."
    ),
    checkpoint_dir: Path | None = typer.Option(
        None, "--checkpoint-dir", help="Checkpoint root, one folder per run (default: <store dir>/checkpoints)."
    ),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Where generated datasets go (default: the shared cache, $EQUISCALE_CACHE/datasets)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary at the end."),
) -> None:
    """Run every planned run not yet done; re-running resumes interrupted runs and skips finished ones."""
    from equiscale.sweep.engine import run_sweep

    with resumable():
        summary = run_sweep(plan, store, executor=executor, address=address, workers=workers, progress=True,
                            quiet=quiet, checkpoint_dir=checkpoint_dir, data_dir=data_dir)
    if json_out:
        emit_json(summary)
    else:
        c = summary["counts"]
        typer.echo(f"{summary['planned']} runs: {c['done']} done, {c['diverged']} diverged, {c['failed']} failed "
                   f"({summary['new']} new, {summary['skipped']} already finished) in {summary['wall_seconds']:.1f} s; "
                   f"store {summary['store']}")
    exit_if_runs_failed(summary["failed"], announce=not json_out)


app = typer.Typer(help="Run sweep plans.", no_args_is_help=True)
app.command("sweep")(sweep_command)

if __name__ == "__main__":  # `python -m equiscale.cli.sweep PLAN ...` (used by the kill/resume tests)
    app()
