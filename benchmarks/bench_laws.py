"""Scaling-law fitting speed: the Chinchilla validation fit and its bootstrap (target: 1,000 refits ≤ 60 s on 2 cores).

Fits the 240 digitised Chinchilla points (5 highest-loss dropped, D = C/6N) with the screened multi-start fit, then
times ``--resamples`` bootstrap refits (warm-started from the full-data optimum plus one jittered start) with 1 and
with 2 worker processes, and optionally ``fit_study`` on synthetic records. Prints JSON: medians over ``--repeats``,
plus the fitted parameters and bootstrap intervals so speed and quality are read together.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np

from equiscale.laws import fit_parametric, fit_study, synthetic_records

DATA = Path(__file__).resolve().parents[1] / "tests" / "laws" / "data" / "chinchilla_svg_extracted_data.csv"


def chinchilla() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = np.genfromtxt(DATA, delimiter=",", names=True, dtype=None, encoding="utf-8", comments=None)
    n, c, loss = (rows[k].astype(float) for k in ("Model_Size", "Training_FLOP", "loss"))
    keep = np.argsort(loss)[:-5]
    return n[keep], (c / (6 * n))[keep], loss[keep]


def cpu_seconds() -> float:
    """User + system CPU of this process and its finished children (worker pools)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(fn, repeats: int, cpu: dict[str, list[float]] | None = None, key: str = "") -> tuple[float, object]:
    """Median wall seconds of ``fn`` over ``repeats``; CPU seconds appended to ``cpu[key]`` (the machine is shared:
    under load, CPU time is the steadier figure)."""
    times, out = [], None
    for _ in range(repeats):
        t, c = time.perf_counter(), cpu_seconds()
        out = fn()
        times.append(time.perf_counter() - t)
        if cpu is not None:
            cpu.setdefault(key, []).append(cpu_seconds() - c)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--resamples", type=int, default=1000, help="bootstrap refits to time")
    ap.add_argument("--repeats", type=int, default=1, help="repeats per measurement (median reported)")
    ap.add_argument("--workers", default="1,2", help="comma-separated worker-process counts to time")
    ap.add_argument("--full-grid", action="store_true", help="also time L-BFGS-B from all 4500 grid starts")
    ap.add_argument("--study-resamples", type=int, default=0, help="also time fit_study (2 series, all axes)")
    args = ap.parse_args()
    n, d, loss = chinchilla()
    out: dict[str, object] = {"n_points": int(n.size), "resamples": args.resamples, "repeats": args.repeats}

    cpu: dict[str, list[float]] = {}
    t_fit, fit = timed(lambda: fit_parametric(n, d, loss, axes=("N", "D")), args.repeats, cpu, "full_fit")
    out["full_fit_s"] = t_fit
    out["fit"] = {k: getattr(fit, k) for k in ("E", "A", "B", "alpha", "beta", "a", "objective", "n_at_optimum")}
    if args.full_grid:
        t_full, full = timed(lambda: fit_parametric(n, d, loss, keep_best=None), 1, cpu, "full_grid_fit")
        out["full_grid_fit_s"] = t_full
        out["full_grid_objective"] = full.objective
    for w in (int(x) for x in args.workers.split(",")):
        t_boot, bfit = timed(lambda w=w: fit_parametric(n, d, loss, bootstrap=args.resamples, seed=42, workers=w),
                             args.repeats, cpu, f"bootstrap_workers{w}")
        out[f"bootstrap_workers{w}_s"] = t_boot
        out[f"bootstrap_workers{w}_refit_ms"] = 1e3 * (t_boot - t_fit) / args.resamples
        out["bootstrap_intervals"] = bfit.intervals
        out["bootstrap_std"] = dict(zip(("E", "A", "B", "alpha", "beta"),
                                        np.nanstd(bfit.samples, axis=0).tolist(), strict=True))
        out["bootstrap_failed"] = bfit.n_bootstrap_failed
    if args.study_resamples:
        recs = synthetic_records(seed=0)
        t_study, _ = timed(lambda: fit_study(recs, compute_axis="all", bootstrap=args.study_resamples), 1, cpu,
                           "study")
        out["study"] = {"records": len(recs), "resamples": args.study_resamples, "seconds": t_study}
    out["cpu_s"] = {k: statistics.median(v) for k, v in cpu.items()}
    out["load_average_1min"] = os.getloadavg()[0]
    out["cpu_count"] = os.cpu_count()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
