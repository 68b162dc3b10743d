"""Synthetic run records drawn from known laws — for tests of the fitters and of anything that consumes StudyFit.

Losses follow L = E + A·N^(−α) + B·S^(−β) + C_D·D^(−β_D) with multiplicative log-normal noise; compute follows
C = κ·N·S with a per-family κ. Every draw comes from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

#: Default laws: "gatr" better per parameter-step but ~10x more FLOPs per parameter per step than "transformer".
DEFAULT_LAWS: dict[str, dict[str, float]] = {
    "gatr": {"E": 1e-3, "A": 2.0, "B": 3.0, "alpha": 0.5, "beta": 0.45, "kappa": 2000.0, "data_B": 5.0,
             "data_beta": 0.6},
    "transformer": {"E": 1e-3, "A": 4.0, "B": 3.0, "alpha": 0.45, "beta": 0.45, "kappa": 200.0, "data_B": 20.0,
                    "data_beta": 0.55},
}


def synthetic_records(
    laws: dict[str, dict[str, float]] | None = None,
    *,
    params: Sequence[float] = (1e3, 3e3, 1e4, 3e4, 1e5, 3e5),
    steps: Sequence[int] = (100, 300, 1000, 3000, 10000),
    n_train: Sequence[int] = (256, 1024, 4096, 16384),
    batch_size: int = 64,
    noise: float = 0.01,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Run records of the run store's shape for every series in ``laws`` (keys: family or family+aug).

    The full (params × steps) grid is generated at the largest ``n_train``; the smaller data sets are run at the
    largest and smallest model only, at every step count. Data limitation adds data_B·D^(−data_beta) to the loss.
    """
    rng = np.random.default_rng(seed)
    laws = laws or DEFAULT_LAWS
    out: list[dict[str, Any]] = []
    d_max = max(n_train)
    for series, p in laws.items():
        family, _, aug = series.partition("+")
        for d in n_train:
            sizes = params if d == d_max else (min(params), max(params))
            for n in sizes:
                for s in steps:
                    loss = p["E"] + p["A"] * n ** -p["alpha"] + p["B"] * s ** -p["beta"]
                    loss += p.get("data_B", 0.0) * d ** -p.get("data_beta", 1.0)
                    loss *= float(np.exp(rng.normal(0.0, noise)))
                    fps = p["kappa"] * n
                    secs = 1e-9 * fps * s * float(np.exp(rng.normal(0.0, 0.05)))
                    out.append({
                        "run_id": f"{series}-{int(n)}-{s}-{d}", "status": "done",
                        "config": {"family": family, "augment": bool(aug), "steps": int(s), "n_train": int(d),
                                   "batch_size": batch_size, "seed": 0},
                        "params": int(n), "flops_per_step_measured": fps, "flops_per_step_nominal": 1.5 * fps,
                        "flops_measured": fps * s, "flops_nominal": 1.5 * fps * s, "train_seconds": secs,
                        "total_seconds": 1.1 * secs, "test_loss": loss, "final_train_loss": loss,
                        "final_val_loss": loss, "epochs": s * batch_size / d,
                    })
    return out
