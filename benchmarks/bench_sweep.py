"""Sweep overhead on CPU: the fraction of wall time spent outside optimizer steps, and runs per hour.

A small sweep (``--runs`` seeds of one model, ``--steps`` steps each) runs through the real driver, local executor
and store. ``overhead_fraction`` = 1 − Σ train_seconds / (wall × workers): everything that is not an optimizer step
(process start-up, data loading, evaluation, checkpoints, store writes) as a share of the capacity used. The target
is ≤ 10 % for runs of ≥ 500 steps. ``in_run_overhead_fraction`` is the same inside the trainer only (1 − Σ train /
Σ total), separating the trainer's own costs from the sweep machinery's. Prints JSON with medians over ``--repeats``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

import yaml

from equiscale import data
from equiscale.sweep import read_records, run_sweep


def one_sweep(root: Path, dataset: str, args: argparse.Namespace) -> dict[str, float]:
    plan = {"name": "bench", "dataset": {"path": dataset},
            "axes": {"family": [args.family], "size": [args.size], "steps": [args.steps], "n_train": [args.n_train],
                     "seed": list(range(args.runs))},
            "fixed": {"batch_size": args.batch_size, "n_eval": 64, "device": "cpu"}}
    path = root / "plan.yaml"
    path.write_text(yaml.safe_dump(plan))
    summary = run_sweep(path, root / "runs.db", workers=args.workers, progress=False)
    records = read_records(root / "runs.db")
    assert len(records) == args.runs, summary
    wall, workers = summary["wall_seconds"], summary["workers"]
    train = sum(r["train_seconds"] for r in records)
    total = sum(r["total_seconds"] for r in records)
    return {"wall_seconds": wall, "train_seconds": train, "run_total_seconds": total,
            "overhead_fraction": 1.0 - train / (wall * workers), "in_run_overhead_fraction": 1.0 - train / total,
            "runs_per_hour": args.runs / wall * 3600.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--family", default="transformer")
    ap.add_argument("--size", default="xs")
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--workers", type=int, default=None, help="default: the local executor's default")
    ap.add_argument("--n-train", type=int, default=256)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ds = data.generate("nbody", n_train=args.n_train, n_val=64, n_test=64, seed=0, out=Path(tmp) / "data",
                           progress=False)
        results = []
        for i in range(args.repeats):
            root = Path(tmp) / f"rep{i}"
            root.mkdir()
            results.append(one_sweep(root, str(ds.path), args))
    med = {k: statistics.median(r[k] for r in results) for k in results[0]}
    print(json.dumps({"benchmark": "sweep", "config": vars(args), "median": med, "repeats": results,
                      "target": {"overhead_fraction_max": 0.10, "for_steps_at_least": 500}}, indent=2))


if __name__ == "__main__":
    main()
