"""``equiscale equivariance model|data``: measured equivariance errors of trained models and of datasets."""

from __future__ import annotations

from pathlib import Path

import typer

from equiscale.cli._common import emit_json, user_errors, working

app = typer.Typer(help="Measure equivariance errors of trained models and of datasets.", no_args_is_help=True)

GROUP = typer.Option("E3", "--group", help="Group: E3, SE3, O3, SO3, T3, SO2z, O2z, E3z, SE3z.")
N_INPUTS = typer.Option(64, "--n-inputs", min=2, help="Probe inputs (first samples of the split).")
SEED = typer.Option(0, "--seed", help="Seed of the group elements and the bootstrap.")
BOOT = typer.Option(1000, "--bootstrap", min=0, help="Bootstrap resamples over inputs for the intervals.")
JSON = typer.Option(False, "--json", help="Print the result as JSON.")


def _table(title: str, rows: list[tuple[str, object]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_header=False)
    table.add_column("quantity", style="bold")
    table.add_column("value")
    for key, value in rows:
        table.add_row(key, f"{value:.4g}" if isinstance(value, float) else str(value))
    Console().print(table)


@app.command("data")
@user_errors
def data_command(
    directory: Path = typer.Argument(..., help="Dataset directory."),
    group: str = GROUP,
    split: str = typer.Option("test", "--split", help="Split whose inputs form the probe set."),
    n_inputs: int = N_INPUTS,
    elements: int = typer.Option(8, "--elements", min=1, help="Group elements per input."),
    seed: int = SEED,
    bootstrap: int = BOOT,
    mmd: bool = typer.Option(True, "--mmd/--no-mmd", help="Also run the MMD test of the joint law's symmetry."),
    mmd_group: str = typer.Option("O3", "--mmd-group", help="Compact group for the MMD test."),
    proxy: bool = typer.Option(False, "--proxy", help="Use the fitted-model proxy even when a simulator exists."),
    json_out: bool = JSON,
) -> None:
    """How far the dataset's map input → target is from equivariant (exact for simulated benchmarks)."""
    from equiscale.equivariance.dataset_error import dataset_equivariance

    with working(f"measuring the data equivariance error of {directory}"):
        res = dataset_equivariance(str(directory), split=split, group=group, n_inputs=n_inputs, n_elements=elements,
                                   seed=seed, bootstrap=bootstrap, mmd=mmd, mmd_group=mmd_group,
                                   proxy=proxy)  # fmt: skip
    if json_out:
        emit_json(res)
        return
    rows = [(k, res[k]) for k in ("benchmark", "method", "group", "relative_error", "ree2") if k in res]
    if "ee2_sq_per_component" in res:
        rows.append(("δ² per component (standardised)", res["ee2_sq_per_component"]))
    if "mmd" in res:
        rows += [("MMD² (" + res["mmd"]["group"] + ")", res["mmd"]["mmd2"]), ("MMD p-value", res["mmd"]["p_value"])]
    _table(f"data equivariance error of {directory}", rows)


@app.command("model")
@user_errors
def model_command(
    store: Path = typer.Option(Path("runs.db"), "--store", help="Run store written by `equiscale sweep`."),
    run: str = typer.Option(..., "--run", help="Run id (or a unique prefix)."),
    checkpoint_dir: Path | None = typer.Option(
        None, "--checkpoint-dir", help="Checkpoint root of the sweep (default: <store dir>/checkpoints)."
    ),
    group: str = GROUP,
    split: str = typer.Option("test", "--split", help="Split whose inputs form the probe set."),
    n_inputs: int = N_INPUTS,
    elements: int = typer.Option(16, "--elements", min=1, help="Group elements per input."),
    seed: int = SEED,
    bootstrap: int = BOOT,
    lie: bool = typer.Option(True, "--lie/--no-lie", help="Also compute the Lie-derivative (local) error."),
    json_out: bool = JSON,
) -> None:
    """Equivariance errors of a trained run's final model: full group, per factor, Lie derivative, symmetrisation."""
    from equiscale import data
    from equiscale.equivariance.run_error import model_report
    from equiscale.sweep.store import RunStore
    from equiscale.train.trained import load_trained_model

    with RunStore.open(store) as st:
        row = st.get(run)
    root = checkpoint_dir if checkpoint_dir is not None else store.parent / "checkpoints"
    model, cfg, step = load_trained_model(root / row["run_id"])
    with working(f"measuring the equivariance error of run {row['run_id']}"):
        res = model_report(model, data.load(cfg.dataset, verify=False), group=group, split=split,
                           n_inputs=n_inputs, n_elements=elements, seed=seed, bootstrap=bootstrap, lie=lie)
    res.update(run_id=row["run_id"], family=cfg.family, augment=cfg.augment, step=step)
    if json_out:
        emit_json(res)
        return
    err = res["error"]
    rows: list[tuple[str, object]] = [("family", cfg.family + ("+aug" if cfg.augment else "")), ("step", step),
                                      (f"relative error ({group})", err["mean_relative"]), ("REE₂", err["ree2"]),
                                      ("worst case (relative)", err["max_relative"])]  # fmt: skip
    rows += [(f"relative error: {k}", v["mean_relative"]) for k, v in res["factors"].items()]
    if "lie_derivative" in res:
        rows.append(("relative LEE", res["lie_derivative"]["relative_lee"]))
    rows.append(("symmetrisation gain (O3)", res["symmetrisation"]["gain"]))
    _table(f"equivariance of run {row['run_id']}", rows)
