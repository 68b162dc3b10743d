"""Run identity: a planned config resolved by ``RunConfig`` and hashed; the hash is the run's id in the store."""

from __future__ import annotations

from typing import Any

from equiscale.errors import EquiscaleError
from equiscale.sweep.plan import Plan

PLACEHOLDER_DATASET = "<dataset>"


def label(config: dict[str, Any]) -> str:
    """Short human label of a run: ``gatr+aug 16x2 steps=200 n=64 seed=0``."""
    size = f"{config.get('width')}x{config.get('depth')}" if config.get("width") else str(config.get("size"))
    series = str(config.get("family")) + ("+aug" if config.get("augment") else "")
    return f"{series} {size} steps={config.get('steps')} n={config.get('n_train')} seed={config.get('seed')}"


def resolve_runs(plan: Plan, dataset_path: str, available: int | None) -> dict[str, dict[str, Any]]:
    """``{run_id: resolved config dict}`` of every planned run (duplicates spelled differently collapse).

    Raises EquiscaleError naming the plan and the run when a config does not resolve (bad hyper-parameter, ...).
    """
    from equiscale.train import RunConfig

    out: dict[str, dict[str, Any]] = {}
    for cfg in plan.configs(dataset_path):
        try:
            resolved = RunConfig.from_dict(cfg).resolve(available=available)
        except EquiscaleError as exc:
            raise EquiscaleError(f"{plan.source}: run {label(cfg)}: {exc}") from None
        out.setdefault(resolved.config_hash(), resolved.to_dict())
    return out
