"""Time a 50-point theory loss curve at M = 10,000 on one core (target: <= 2 s). Prints JSON with medians."""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy loads BLAS

import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from equiscale.theory import Task, loss_curve, simulate  # noqa: E402

torch.set_num_threads(1)


def _median_time(fn, repeats: int) -> tuple[float, float]:
    """Median wall-clock and CPU (process) seconds; CPU time is the honest figure on a shared machine."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return round(statistics.median(wall), 3), round(statistics.median(cpu), 3)


def main() -> None:
    task = Task(2.0, 1.5, 10_000)
    t = np.geomspace(1, 1e5, 50)
    _ = task.eigenvalues, task.target_sq
    cases = {"N=500,P=2000": (500, 2000), "N=P=1000": (1000, 1000), "N=1000,P=inf": (1000, float("inf"))}
    out: dict = {"M": task.M, "points": t.size, "threads": 1, "repeats": 5, "target_s": 2.0,
                 "median_wall_s": {}, "median_cpu_s": {}}
    for name, (N, P) in cases.items():
        wall, cpu = _median_time(lambda N=N, P=P: loss_curve(task, t, N, P), 5)
        out["median_wall_s"][name], out["median_cpu_s"][name] = wall, cpu
    small = Task(1.5, 1.25, 1000)
    out["simulation_per_seed_M1000_N250_P250_wall_s"] = _median_time(
        lambda: simulate(small, t, 250, 250, seeds=1), 3)[0]
    out["load_average_1min"] = os.getloadavg()[0]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
