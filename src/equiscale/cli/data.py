"""``equiscale data``: generate benchmark datasets, describe and validate dataset directories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from equiscale.cli._common import emit_json, user_errors
from equiscale.errors import EquiscaleError

app = typer.Typer(help="Generate, inspect and validate datasets.", no_args_is_help=True)


def parse_param(text: str) -> tuple[str, Any]:
    """``key=value`` with the value typed: true/false → bool, then int, float, JSON list/object, else string."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise EquiscaleError(f"--param expects key=value, got {text!r}")
    raw = raw.strip()
    if raw.lower() in ("true", "false"):
        return key, raw.lower() == "true"
    for cast in (int, float):
        try:
            return key, cast(raw)
        except ValueError:
            pass
    if raw and raw[0] in "[{":
        try:
            return key, json.loads(raw)
        except json.JSONDecodeError:
            raise EquiscaleError(f"--param {key}: value {raw!r} is not valid JSON") from None
    return key, raw


def _params(items: list[str] | None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in items or []:
        key, value = parse_param(item)
        if key in params:
            raise EquiscaleError(f"--param {key} given more than once")
        params[key] = value
    return params


def _summary(ds: Any) -> dict[str, Any]:
    meta = ds.meta
    return {
        "path": str(ds.path),
        "benchmark": meta["benchmark"],
        "seed": meta.get("seed"),
        "params": meta.get("params", {}),
        "schema": ds.schema.to_dict(),
        "splits": {s: {"size": ds.size(s), "tokens": ds.tokens(s), **ds.info(s)} for s in ds.splits},
    }


@app.command("generate")
@user_errors
def generate_cmd(
    benchmark: str = typer.Argument(..., help="Benchmark to generate: rigid or nbody."),
    n_train: int = typer.Option(1000, "--n-train", help="Training samples."),
    n_val: int = typer.Option(200, "--n-val", help="Validation samples."),
    n_test: int = typer.Option(200, "--n-test", help="Test samples (also the size of extra test splits)."),
    seed: int = typer.Option(0, "--seed", help="Seed; each split draws from a seed derived from it."),
    out: Path | None = typer.Option(None, "--out", help="Dataset directory (default: a cache directory)."),
    param: list[str] | None = typer.Option(None, "--param", help="Benchmark parameter key=value (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Generate a benchmark dataset (or reuse an identical one already at --out)."""
    from equiscale.data import generate

    ds = generate(
        benchmark, n_train=n_train, n_val=n_val, n_test=n_test, seed=seed, params=_params(param), out=out,
        progress=not as_json,
    )  # fmt: skip
    if as_json:
        emit_json(_summary(ds))
        return
    sizes = ", ".join(f"{s} {ds.size(s)}" for s in ds.splits)
    rate = ds.info("train").get("rejection_rate")
    extra = f"; train rejection rate {rate:.2%}" if rate is not None else ""
    typer.echo(f"dataset {ds.path}: {sizes}{extra}")


@app.command("info")
@user_errors
def info_cmd(
    path: Path = typer.Argument(..., help="Dataset directory."),
    as_json: bool = typer.Option(False, "--json", help="Print the description as JSON."),
) -> None:
    """Describe a dataset: its fields (role, geometric type, shape) and split sizes."""
    from equiscale.data import load

    ds = load(path, verify=False)
    summary = _summary(ds)
    if as_json:
        emit_json(summary)
        return
    console = Console()
    console.print(f"[bold]{summary['benchmark']}[/] dataset at {summary['path']} (seed {summary['seed']})")
    fields = Table("field", "role", "type", "shape", title="schema")
    for role, group in (("input", ds.schema.inputs), ("target", ds.schema.targets)):
        for f in group:
            fields.add_row(f.name, role, f.type.value, str(list(f.shape)))
    console.print(fields)
    splits = Table("split", "samples", "tokens", "rejection rate", title="splits")
    for name, s in summary["splits"].items():
        rate = s.get("rejection_rate")
        splits.add_row(name, str(s["size"]), str(s["tokens"]), "" if rate is None else f"{rate:.2%}")
    console.print(splits)
    if summary["params"]:
        console.print("params: " + ", ".join(f"{k}={v}" for k, v in summary["params"].items()))


@app.command("check")
@user_errors
def check_cmd(
    path: Path = typer.Argument(..., help="Dataset directory to validate."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Validate a dataset directory (meta, field types, shapes, checksums, finite values, statistics)."""
    from equiscale.data import check

    report = check(path)
    if as_json:
        emit_json(report)
        return
    sizes = ", ".join(f"{name} {s['size']}×{s['tokens']}" for name, s in report["splits"].items())
    typer.echo(f"ok: {report['path']} ({report['benchmark']}): {sizes}; checksums {report['checksums']}, "
               f"stats {report['stats']}")  # fmt: skip
