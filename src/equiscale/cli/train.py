"""``equiscale train``: train one model on one dataset and print its run record."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from equiscale.cli._common import emit_json, user_errors
from equiscale.errors import EquiscaleError

app = typer.Typer(help="Train one run (one model, one dataset, fixed steps).", no_args_is_help=True)


@user_errors
def train_command(
    data: Path = typer.Option(..., "--data", help="Dataset directory (from `equiscale data generate`)."),
    family: str = typer.Option("transformer", help="Model family (gatr, transformer, …)."),
    size: str = typer.Option("xs", help="Size preset name, or WIDTHxDEPTH (e.g. 64x4)."),
    steps: int = typer.Option(200, help="Optimizer steps (fixed, no early stopping)."),
    n_train: int | None = typer.Option(None, "--n-train", help="Training samples D (seeded subset); default all."),
    batch_size: int = typer.Option(64, "--batch-size", help="Batch size."),
    optimizer: str = typer.Option("adam", help="Optimizer: adam or adamw."),
    lr: float = typer.Option(3e-4, help="Peak learning rate at the base width."),
    lr_scaling: str = typer.Option("inverse_width", "--lr-scaling", help="inverse_width (lr × base/width) or none."),
    lr_base_width: int | None = typer.Option(None, "--lr-base-width", help="Base width; default smallest preset."),
    weight_decay: float = typer.Option(0.0, "--weight-decay", help="Weight decay (decoupled with adamw)."),
    warmup_fraction: float = typer.Option(0.05, "--warmup-fraction", help="Linear warm-up as a fraction of steps."),
    warmup_steps: int | None = typer.Option(None, "--warmup-steps", help="Warm-up in steps (overrides fraction)."),
    schedule: str = typer.Option("cosine", help="cosine (decay to the floor) or constant."),
    lr_floor: float = typer.Option(0.01, "--lr-floor", help="Final lr as a fraction of the peak (cosine)."),
    grad_clip: float | None = typer.Option(10.0, "--grad-clip", help="Gradient-norm clip; 0 = off."),
    augment: bool = typer.Option(False, "--augment/--no-augment", help="Random E(3) element per sample per step."),
    augment_group: str = typer.Option("E3", "--augment-group", help="Group to augment with (E3, SE3, SO3, …)."),
    translation_scale: float = typer.Option(1.0, "--translation-scale", help="Augmentation translation std."),
    regularizer_weight: float = typer.Option(0.01, "--regularizer-weight", help="Weight of a model's regulariser."),
    seed: int = typer.Option(0, help="Run seed (subset, batches, augmentation, initialisation)."),
    device: str = typer.Option("auto", help="auto, cpu or cuda."),
    bf16: bool = typer.Option(False, "--bf16/--fp32", help="bf16 autocast for forward passes."),
    eval_every: int | None = typer.Option(None, "--eval-every", help="Validation cadence; default steps/10."),
    eval_batch_size: int = typer.Option(256, "--eval-batch-size", help="Batch size for evaluation."),
    n_eval: int | None = typer.Option(1024, "--n-eval", help="Samples for periodic validation / final train loss."),
    checkpoint_every: int | None = typer.Option(None, "--checkpoint-every", help="Checkpoint cadence; 0 = never."),
    model_options: str = typer.Option("{}", "--model-options", help="JSON keyword options of the model builder."),
    workdir: Path | None = typer.Option(None, help="Checkpoints and record.json; default runs/<run id>."),
    fresh: bool = typer.Option(False, "--fresh", help="Ignore existing checkpoints and start from step 0."),
    json_out: bool = typer.Option(False, "--json", help="Print the run record as JSON."),
) -> None:
    """Train one model for a fixed number of steps and report its losses, FLOPs and time."""
    from equiscale.train import RunConfig, train_run

    try:
        options = json.loads(model_options)
    except ValueError:
        raise EquiscaleError(f"--model-options must be a JSON object, got {model_options!r}") from None
    config = RunConfig(
        dataset=str(data), family=family, size=size, steps=steps, n_train=n_train,
        batch_size=batch_size, optimizer=optimizer, lr=lr, lr_scaling=lr_scaling, lr_base_width=lr_base_width,
        weight_decay=weight_decay, warmup_fraction=warmup_fraction, warmup_steps=warmup_steps, schedule=schedule,
        lr_floor=lr_floor, grad_clip=grad_clip or None, augment=augment, augment_group=augment_group,
        translation_scale=translation_scale, regularizer_weight=regularizer_weight, seed=seed, device=device,
        bf16=bf16, eval_every=eval_every, eval_batch_size=eval_batch_size, n_eval=n_eval,
        checkpoint_every=checkpoint_every, model_options=options,
    )  # fmt: skip
    run_dir = workdir if workdir is not None else Path("runs") / config.config_hash()
    if json_out:
        emit_json(train_run(config, workdir=run_dir, resume=not fresh))
        return
    record = _train_with_bar(config, run_dir, resume=not fresh)
    _print_summary(record, run_dir)


def _train_with_bar(config: object, run_dir: Path, *, resume: bool) -> dict:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from equiscale.train import train_run

    columns = (TextColumn("train"), BarColumn(), MofNCompleteColumn(), TextColumn("loss {task.fields[loss]}"),
               TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("train", total=config.steps, loss="…")  # type: ignore[attr-defined]

        def progress(step: int, loss: float) -> None:
            bar.update(task, completed=step, loss=f"{loss:.4g}")

        return train_run(config, workdir=run_dir, resume=resume, progress=progress)  # type: ignore[arg-type]


def _print_summary(record: dict, run_dir: Path) -> None:
    def fmt(value: object) -> str:
        return "n/a" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)

    lines = [
        f"run {record['run_id']}  status {record['status']}"
        + (f" at step {record['diverged_at']}" if record.get("diverged_at") else ""),
        f"params {record['params']}  epochs {fmt(record['epochs'])}  device {record['device']}",
        f"loss train {fmt(record['final_train_loss'])}  val {fmt(record['final_val_loss'])}  "
        f"test {fmt(record['test_loss'])}",
        f"FLOPs measured {fmt(record['flops_measured'])}  nominal {fmt(record['flops_nominal'])}  "
        f"train {record['train_seconds']:.2f}s  total {record['total_seconds']:.2f}s",
        f"record {run_dir / 'record.json'}",
    ]
    for note in record.get("notes", []):
        lines.append(f"note: {note}")
    typer.echo("\n".join(lines))


app.command("run")(train_command)
