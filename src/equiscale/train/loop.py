"""One training run: data subset, model, optimizer, fixed-step loop, evaluation, checkpoints and the run record.

Determinism: the subset, the batch of every step and the augmentation elements of every step are pure functions of
the run seed (:mod:`equiscale.train.sampling`), the learning rate is a pure function of the step, and the checkpoint
holds model, optimizer, torch RNG states and the loop's accumulators. A run resumed from any checkpoint therefore
reproduces the uninterrupted run exactly on the same device and thread count.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from equiscale import data
from equiscale.errors import EquiscaleError
from equiscale.files import atomic_write_text
from equiscale.models.registry import build_model
from equiscale.train import checkpoint as ckpt
from equiscale.train.augment import augment_batch
from equiscale.train.config import RunConfig
from equiscale.train.losses import autocast, evaluate, mse
from equiscale.train.record import finite_or_none, new_record
from equiscale.train.sampling import TORCH, EpochSampler, derive_seed, train_subset
from equiscale.train.schedule import lr_at

Progress = Callable[[int, float], None]
RECORD_FILE = "record.json"
PROBE_INPUTS = 32  # inputs in the per-run equivariance probe (x 4 group elements x 6 groups)


def pick_device(name: str) -> torch.device:
    """``auto`` → CUDA when available, else CPU; ``cuda`` without a GPU is a user error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise EquiscaleError("device 'cuda' requested but no CUDA device is available")
    return torch.device(name)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _load_split(dataset: Any, split: str, indices: Any, device: torch.device) -> dict[str, Tensor]:
    """A whole split (or the rows ``indices``), standardised with the train statistics, on ``device``."""
    raw = dataset.tensors(split, indices=indices, dtype=torch.float32, device=device)
    return data.standardize(raw, dataset.stats, dataset.schema)


_FUSED_DEVICES = ("cpu", "cuda")  # devices with fused Adam/AdamW kernels (torch >= 2.4)


def make_optimizer(params: Any, name: str, lr: float, weight_decay: float = 0.0) -> torch.optim.Optimizer:
    """Adam or AdamW, fused (one kernel for all parameters) on devices that have the fused kernel.

    On CPU the default per-parameter loop costs ~5x the fused step for GATr's ~130 small parameter tensors.
    """
    params = list(params)
    cls = torch.optim.AdamW if name == "adamw" else torch.optim.Adam
    fused = all(p.device.type in _FUSED_DEVICES and p.is_floating_point() for p in params)
    return cls(params, lr=lr, weight_decay=weight_decay, fused=fused or None)


def _make_optimizer(model: nn.Module, cfg: RunConfig) -> torch.optim.Optimizer:
    return make_optimizer(model.parameters(), cfg.optimizer, cfg.lr_effective, cfg.weight_decay)


def _regularizer(model: nn.Module) -> Tensor | None:
    """The model's output regulariser of its last forward pass, if the family defines one (GATr)."""
    fn = getattr(model, "output_regularizer", None)
    return fn() if callable(fn) else None


def _finished_record(workdir: Path, run_id: str) -> dict[str, Any] | None:
    import json

    path = workdir / RECORD_FILE
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if record.get("run_id") == run_id and record.get("status") in ("done", "diverged"):
        return record
    return None


def train_run(
    config: RunConfig,
    *,
    workdir: str | os.PathLike[str],
    resume: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Train one run and return its record (docs/interfaces.md); checkpoints and ``record.json`` go to ``workdir``.

    With ``resume`` a finished record of the same run is returned as is, and an interrupted run continues from the
    newest checkpoint that verifies (corrupted ones are skipped and reported in ``record["notes"]``). Without it, old
    checkpoints in ``workdir`` are removed first. ``progress(step, loss)`` is called after every optimizer step.
    A non-finite loss or gradient ends the run with status ``diverged``; other exceptions propagate.
    """
    started = time.perf_counter()
    dataset = data.load(config.dataset)
    cfg = config.resolve(available=dataset.size("train"))
    run_id = cfg.config_hash()
    device = pick_device(cfg.device)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    if resume:
        done = _finished_record(workdir, run_id)
        if done is not None:
            return done
    else:
        for path in ckpt.list_checkpoints(workdir):
            path.unlink()

    record = new_record(cfg, device=str(device))
    schema = dataset.schema
    torch.manual_seed(derive_seed(cfg.seed, TORCH))
    subset = train_subset(dataset.size("train"), cfg.n_train, cfg.seed)
    train = _load_split(dataset, "train", subset, device)
    val = _load_split(dataset, "val", None, device)
    model = build_model(cfg.family, (cfg.width, cfg.depth), schema, seed=cfg.seed, **cfg.model_options).to(device)
    optimizer = _make_optimizer(model, cfg)
    sampler = EpochSampler(cfg.n_train, cfg.batch_size, cfg.seed)
    record["params"] = int(model.num_params)
    record["seeds"] = {"run": cfg.seed, "model": cfg.seed, "torch": derive_seed(cfg.seed, TORCH)}
    _measure_flops(record, model, {k: v[sampler.batch(0)] for k, v in train.items()}, schema)

    loop = {"step": 0, "curve": [], "loss_sum": 0.0, "loss_count": 0, "train_seconds": 0.0, "data_seconds": 0.0,
            "eval_seconds": 0.0, "total_seconds": 0.0}  # fmt: skip
    found = ckpt.latest_good(workdir) if resume else ckpt.Found()
    record["notes"].extend(found.problems)
    if found.state is not None:
        if found.state.get("run_id") != run_id:
            raise EquiscaleError(f"workdir {workdir} holds checkpoints of another run ({found.state.get('run_id')})")
        model.load_state_dict(found.state["model"])
        optimizer.load_state_dict(found.state["optimizer"])
        _set_rng_state(found.state["rng"])
        loop.update(found.state["loop"])
        record["resumed_from"] = loop["step"]
    elif found.problems:
        record["notes"].append("no good checkpoint left: restarted from step 0")
    prior_total = loop["total_seconds"]

    model.train()
    while loop["step"] < cfg.steps:
        step = loop["step"]
        t_data = time.perf_counter()
        batch = {k: v[sampler.batch(step)] for k, v in train.items()}
        if cfg.augment:
            batch = augment_batch(batch, schema, seed=cfg.seed, step=step, group=cfg.augment_group,
                                  translation_scale=cfg.translation_scale)  # fmt: skip
        inputs, targets = schema.split(batch)
        lr = lr_at(step, peak=cfg.lr_effective, steps=cfg.steps, warmup_steps=cfg.warmup_steps,
                   schedule=cfg.schedule, floor=cfg.lr_floor)  # fmt: skip
        for group in optimizer.param_groups:
            group["lr"] = lr
        _sync(device)
        t_step = time.perf_counter()
        loop["data_seconds"] += t_step - t_data
        loss_value, ok = _step(model, optimizer, inputs, targets, schema, cfg, device)
        _sync(device)
        loop["train_seconds"] += time.perf_counter() - t_step
        loop["step"] = step + 1
        if not ok:
            record["status"] = "diverged"
            record["diverged_at"] = step + 1
            record["notes"].append(f"non-finite loss or gradient at step {step + 1} (lr {lr:.3g})")
            break
        loop["loss_sum"] += loss_value
        loop["loss_count"] += 1
        done_steps = loop["step"]
        if (cfg.eval_every and done_steps % cfg.eval_every == 0) or done_steps == cfg.steps:
            t_eval = time.perf_counter()
            val_loss = evaluate(model, val, schema, batch_size=cfg.eval_batch_size, limit=cfg.n_eval, bf16=cfg.bf16)
            loop["eval_seconds"] += time.perf_counter() - t_eval
            train_mean = loop["loss_sum"] / max(1, loop["loss_count"])
            loop["curve"].append({"step": done_steps, "train_loss": train_mean, "val_loss": val_loss, "lr": lr})
            loop["loss_sum"], loop["loss_count"] = 0.0, 0
        if (cfg.checkpoint_every and done_steps % cfg.checkpoint_every == 0) or done_steps == cfg.steps:
            loop["total_seconds"] = prior_total + time.perf_counter() - started
            state = {"run_id": run_id, "config": cfg.to_dict(), "model": model.state_dict(),
                     "optimizer": optimizer.state_dict(), "rng": _rng_state(), "loop": dict(loop)}  # fmt: skip
            ckpt.save_checkpoint(workdir, done_steps, state, keep=max(2, cfg.keep_checkpoints))
        if progress is not None:
            progress(done_steps, loss_value)

    if record["status"] == "running":
        record["status"] = "done"
        _final_losses(record, model, dataset, train, val, cfg, device)
        record["equivariance"] = _equivariance_probe(model, dataset, device)
    _finish(record, loop, cfg, prior_total + time.perf_counter() - started)
    atomic_write_text(workdir / RECORD_FILE, _to_json(record))
    return record


def _step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    inputs: dict[str, Tensor],
    targets: dict[str, Tensor],
    schema: Any,
    cfg: RunConfig,
    device: torch.device,
) -> tuple[float, bool]:
    """One optimizer step; returns (reported MSE, whether loss and gradients were finite)."""
    optimizer.zero_grad(set_to_none=True)
    with autocast(device, cfg.bf16):
        pred = model(inputs)
    loss = mse(pred, targets, schema)
    total = loss
    reg = _regularizer(model)
    if reg is not None and cfg.regularizer_weight:
        total = loss + cfg.regularizer_weight * reg.float()
    loss_value = float(loss.detach())
    if not math.isfinite(loss_value) or not math.isfinite(float(total.detach())):
        return loss_value, False
    total.backward()
    if cfg.grad_clip is not None:
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
    else:
        norm = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in model.parameters() if p.grad is not None]))
    if not math.isfinite(float(norm)):
        return loss_value, False
    optimizer.step()
    return loss_value, True


def _measure_flops(record: dict[str, Any], model: nn.Module, batch: dict[str, Tensor], schema: Any) -> None:
    """FLOPs of one training step (forward + backward) on a real batch, without disturbing the RNG or gradients."""
    from equiscale.models import flops

    with torch.random.fork_rng(devices=[]):
        counted = flops.train_step_flops(model, batch)
    model.zero_grad(set_to_none=True)
    record["flops_per_step_measured"] = int(counted["measured"])
    record["flops_per_step_nominal"] = int(counted["nominal"])


def _final_losses(
    record: dict[str, Any], model: nn.Module, dataset: Any, train: dict, val: dict, cfg: RunConfig, device: Any
) -> None:
    """Final train loss (first n_eval subset samples, unaugmented), full validation and test losses."""
    kw = {"batch_size": cfg.eval_batch_size, "bf16": cfg.bf16}
    record["final_train_loss"] = evaluate(model, train, dataset.schema, limit=cfg.n_eval, **kw)
    record["final_val_loss"] = evaluate(model, val, dataset.schema, **kw)
    if "test" in dataset.splits:
        test = _load_split(dataset, "test", None, device)
        record["test_loss"] = evaluate(model, test, dataset.schema, **kw)
    else:
        record["notes"].append("dataset has no test split: test_loss is null")


def _equivariance_probe(model: nn.Module, dataset: Any, device: torch.device) -> dict[str, Any]:
    """Model equivariance errors on a fixed, seeded probe set: the first test (or val) samples, 4 elements each."""
    from equiscale.equivariance.probe import probe_equivariance

    split = "test" if "test" in dataset.splits else "val"
    n = min(PROBE_INPUTS, dataset.size(split))
    inputs, _ = dataset.schema.split(_load_split(dataset, split, list(range(n)), torch.device("cpu")))

    def on_device(batch: dict[str, Tensor]) -> dict[str, Tensor]:
        return {k: v.cpu() for k, v in model({k: v.to(device) for k, v in batch.items()}).items()}

    model.eval()
    with torch.no_grad(), torch.random.fork_rng(devices=[]):
        result = probe_equivariance(on_device, inputs, dataset.schema)
    result["split"] = split
    return result


def _finish(record: dict[str, Any], loop: dict[str, Any], cfg: RunConfig, total_seconds: float) -> None:
    steps = int(loop["step"])
    record["steps_done"] = steps
    record["epochs"] = steps * cfg.batch_size / cfg.n_train
    record["curve"] = [{k: finite_or_none(v) if k != "step" else v for k, v in p.items()} for p in loop["curve"]]
    for key in ("train_seconds", "data_seconds", "eval_seconds"):
        record[key] = float(loop[key])
    record["total_seconds"] = float(total_seconds)
    for key in ("final_train_loss", "final_val_loss", "test_loss"):
        record[key] = finite_or_none(record[key])
    if record["flops_per_step_measured"] is not None:
        record["flops_measured"] = record["flops_per_step_measured"] * steps
        record["flops_nominal"] = record["flops_per_step_nominal"] * steps


def _to_json(record: dict[str, Any]) -> str:
    import json

    return json.dumps(record, indent=2, allow_nan=False)
