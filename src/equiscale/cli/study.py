"""``equiscale study``: dataset → sweep → fits → report in one resumable command."""

from __future__ import annotations

from pathlib import Path

import typer

from equiscale.cli._common import emit_json, exit_if_runs_failed, resumable, user_errors


@user_errors
def study_command(
    preset: str = typer.Option(..., "--preset",
                               help="smoke (≈1 min), quick (≤15 min on 2 CPU cores), paper (GPU cluster) or a "
                                    "plan file PLAN.yaml (one or more sweep plans separated by ---)."),
    out: Path = typer.Option(..., "--out", help="Study directory: runs.db, checkpoints/, report/."),
    executor: str = typer.Option("local", "--executor", help="Where runs execute: local (processes) or ray."),
    address: str | None = typer.Option(None, "--address", help="Ray cluster address (auto, HOST:PORT)."),
    workers: int | None = typer.Option(None, "--workers", help="Parallel runs (local default: half the CPU cores)."),
    data_dir: Path | None = typer.Option(None, "--data-dir",
                                         help="Dataset cache (default: $EQUISCALE_CACHE/datasets)."),
    bootstrap: int | None = typer.Option(None, "--bootstrap", min=0,
                                         help="Bootstrap resamples for the report (default per preset)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
    json_out: bool = typer.Option(False, "--json", help="Print the study summary as JSON."),
) -> None:
    """Generate (or reuse) the dataset, run the sweep, fit every law and write DIR/report/index.html.

    Re-running the same command skips finished runs, resumes interrupted ones and rebuilds the report.
    """
    from equiscale.study import run_study

    with resumable():
        summary = run_study(preset, out, executor=executor, address=address, workers=workers, progress=True,
                            quiet=quiet or json_out, data_dir=data_dir, bootstrap=bootstrap)
    if json_out:
        emit_json(summary)
    else:
        typer.echo(f"study {summary['study']}: {summary['runs_done']} runs done ({summary['new']} new) in "
                   f"{summary['wall_seconds']:.1f} s; dataset {summary['dataset']} (cache {summary['dataset_cache']})")
        typer.echo(f"report: {summary['report']}")
        for v in summary["verdicts"]:
            typer.echo(f"- {v}")
    exit_if_runs_failed(summary["failed"], announce=not json_out)


app = typer.Typer(help="Run a whole scaling study.", no_args_is_help=True)
app.command("study")(study_command)
