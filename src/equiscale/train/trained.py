"""Reopen a finished (or interrupted) run: its model with the newest verified weights, for measurement and reports."""

from __future__ import annotations

import os
from pathlib import Path

import torch

from equiscale.errors import EquiscaleError
from equiscale.models.registry import build_model
from equiscale.train import checkpoint as ckpt
from equiscale.train.config import RunConfig


def load_trained_model(
    workdir: str | os.PathLike[str], *, device: str | torch.device = "cpu"
) -> tuple[torch.nn.Module, RunConfig, int]:
    """(model in eval mode, its resolved RunConfig, the step of its weights) from the newest good checkpoint.

    Training writes a checkpoint at its last step, so for a finished run these are the final weights."""
    found = ckpt.latest_good(Path(workdir), rename_corrupt=False)
    if found.state is None:
        detail = f" ({'; '.join(found.problems)})" if found.problems else ""
        raise EquiscaleError(f"no usable checkpoint in {workdir}{detail}")
    cfg = RunConfig.from_dict(found.state["config"])
    from equiscale import data

    schema = data.load(cfg.dataset, verify=False).schema
    model = build_model(cfg.family, (cfg.width, cfg.depth), schema, seed=cfg.seed, **cfg.model_options)
    model.load_state_dict(found.state["model"])
    return model.to(device).eval(), cfg, int(found.state["loop"]["step"])
