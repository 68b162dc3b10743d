"""Generation throughput of the data benchmarks (accepted samples per second through each module's ``generate``).

Prints JSON: per benchmark the median samples/s (wall clock, and per CPU-second, which is robust to a shared host)
over a few runs on 2 torch threads. ``rigid`` is skipped with a note
when its module is absent. Usage: ``python benchmarks/bench_data.py [--n N] [--n-rigid N] [--repeats R]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from equiscale.data import benchmark_module
from equiscale.errors import EquiscaleError


def measure(name: str, n: int, repeats: int) -> dict:
    try:
        module = benchmark_module(name)
    except EquiscaleError as exc:
        return {"skipped": str(exc)}
    params = module.validate_params({})
    module.generate(min(n, 64), 0, params)  # warm-up
    rates, cpu_rates, rejection = [], [], None
    for r in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        _, info = module.generate(n, 1000 + r, params)
        rates.append(n / (time.perf_counter() - start))
        cpu_rates.append(n / (time.process_time() - cpu))
        rejection = info.get("rejection_rate")
    return {
        "n": n,
        "repeats": repeats,
        "samples_per_s": statistics.median(rates),
        "samples_per_cpu_s": statistics.median(cpu_rates),  # per second of process CPU time: robust to a busy host
        "rejection_rate": rejection,
        "runs": [round(x, 1) for x in rates],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=4096, help="nbody samples per run")
    parser.add_argument("--n-rigid", type=int, default=64, help="rigid samples per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per benchmark (median reported)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    out = {
        "threads": 2,
        "torch": torch.__version__,
        "nbody": measure("nbody", args.n, args.repeats),
        "rigid": measure("rigid", args.n_rigid, args.repeats),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
