"""``equiscale report`` (figures, index.html, summary.json) and ``equiscale fit`` (fitted laws as a table)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from equiscale.cli._common import emit_json, user_errors, working
from equiscale.errors import EquiscaleError


def _records(store: Path) -> list[dict[str, Any]]:
    from equiscale.sweep import read_records

    if not store.is_file():
        raise EquiscaleError(f"run store not found: {store}")
    return read_records(store, status="done")


@user_errors
def report_command(
    store: Path = typer.Option(..., "--store", help="Run store (SQLite) written by `equiscale sweep`/`study`."),
    out: Path = typer.Option(..., "--out", help="Report directory (index.html, summary.json, figures); replaced."),
    bootstrap: int = typer.Option(1000, "--bootstrap", min=0, help="Bootstrap resamples over runs for intervals."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap resamples."),
    no_theory: bool = typer.Option(False, "--no-theory", help="Leave out the random-feature theory panel."),
    json_out: bool = typer.Option(False, "--json", help="Print paths and verdicts as JSON."),
) -> None:
    """Fit every law and write a self-contained HTML report with figures (PNG + PDF) and summary.json."""
    import json

    from equiscale.report import build_report

    records = _records(store)
    with working(f"fitting {len(records)} runs ({bootstrap} bootstrap resamples) and writing the report"):
        index = build_report(records, out, bootstrap=bootstrap, seed=seed, theory=not no_theory)
    summary = json.loads((index.parent / "summary.json").read_text(encoding="utf-8"))
    result = {"index": str(index), "summary": str(index.parent / "summary.json"),
              "figures": [f["png"] for f in summary.get("figures", [])],
              "verdicts": [v["text"] for v in summary.get("verdicts", [])], "notes": summary.get("notes", [])}
    if json_out:
        emit_json(result)
        return
    typer.echo(f"report: {index} ({len(result['figures'])} figures)")
    for v in result["verdicts"]:
        typer.echo(f"- {v}")


def _iv(fit: dict[str, Any], key: str) -> str:
    from equiscale.report.verdicts import fmt

    iv = (fit.get("intervals") or {}).get(key)
    v = fmt(fit.get(key), 3)
    return f"{v} [{fmt(iv[0], 3)}, {fmt(iv[1], 3)}]" if iv and None not in iv else v


@user_errors
def fit_command(
    store: Path = typer.Option(..., "--store", help="Run store (SQLite) written by `equiscale sweep`/`study`."),
    axis: str = typer.Option("flops_measured", "--axis",
                             help="Compute axis: flops_measured, flops_nominal or train_seconds."),
    bootstrap: int = typer.Option(200, "--bootstrap", min=0, help="Bootstrap resamples over runs for intervals."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap resamples."),
    json_out: bool = typer.Option(False, "--json", help="Print every fit as JSON (StudyFit.to_dict())."),
) -> None:
    """Fit L(N, S), the compute frontier and the data law per series; print a table (or JSON)."""
    from equiscale.laws import AXES, fit_study

    if axis not in AXES:
        raise EquiscaleError(f"unknown axis {axis!r}; use one of {', '.join(AXES)}")
    records = _records(store)
    with working(f"fitting {len(records)} runs ({bootstrap} bootstrap resamples)"):
        fits = fit_study(records, compute_axis=axis, bootstrap=bootstrap, seed=seed).to_dict()
    if json_out:
        emit_json(fits)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"fits on {axis} ({bootstrap} bootstrap resamples, 95% intervals)")
    for col in ("series", "runs", "α", "β", "E", "γ = αβ/(α+β)", "a (N_opt ∝ C^a)", f"γ of L({axis})", "notes"):
        table.add_column(col)
    for name, s in fits["series"].items():
        p = s.get("parametric") or {}
        law = (s.get("compute_laws", {}).get(axis) or {}).get("floor") or {}
        table.add_row(name, f"{s['n_runs_fitted']}/{s['n_runs']}", *(_iv(p, k) if p else "—" for k in
                      ("alpha", "beta", "E", "gamma", "a")), _iv(law, "gamma") if law else "—", str(len(s["notes"])))
    Console().print(table)
    for name, s in fits["series"].items():
        for n in s["notes"]:
            typer.echo(f"{name}: {n}", err=True)


app = typer.Typer(help="Fit scaling laws and write reports.", no_args_is_help=True)
app.command("report")(report_command)
app.command("fit")(fit_command)
