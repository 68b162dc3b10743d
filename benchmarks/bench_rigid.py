"""Throughput of the ``rigid`` generator: samples/s (median of several runs) and the extrapolated time for 100,000.

Target: 100,000 default samples in ≤ 60 s on a 2-core CPU (``--threads 2``). The machine may be shared, so the JSON
records the load average before and after and the process CPU time beside the wall time: on a busy machine the wall
time overstates the cost, and CPU seconds / threads is the better estimate of the unloaded wall time.

    python benchmarks/bench_rigid.py --samples 10000 --repeats 3 --threads 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import torch

from equiscale.data import rigid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000, help="accepted samples per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs (the median is reported)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--device", default="cpu", help="torch device (cpu, cuda)")
    parser.add_argument("--params", default="{}", help="JSON object of rigid parameters (defaults otherwise)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    params = json.loads(args.params)
    rigid.generate(64, seed=12345, params=params, device=args.device)  # warm-up
    load_before = os.getloadavg()
    walls, cpus, infos = [], [], []
    for r in range(args.repeats):
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        t0, c0 = time.perf_counter(), time.process_time()
        _, info = rigid.generate(args.samples, seed=r, params=params, device=args.device)
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        infos.append(info)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    result = {
        "benchmark": "rigid.generate",
        "samples": args.samples,
        "repeats": args.repeats,
        "threads": args.threads,
        "device": args.device,
        "params": rigid.validate_params(params),
        "wall_s": walls,
        "cpu_s": cpus,
        "samples_per_s": args.samples / wall,
        "samples_per_cpu_s": args.samples / cpu,
        "extrapolated_100k_wall_s": 100_000 * wall / args.samples,
        "extrapolated_100k_wall_s_best": 100_000 * min(walls) / args.samples,
        "extrapolated_100k_cpu_s_per_thread": 100_000 * cpu / args.samples / args.threads,
        "target_100k_s": 60.0,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "cpu_count": os.cpu_count(),
        "rejection_rate": statistics.median(i["rejection_rate"] for i in infos),
        "rejected_by": infos[0]["rejected_by"],
        "energy_error_median": statistics.median(i["energy_error_median"] for i in infos),
        "energy_error_max": max(i["energy_error_max"] for i in infos),
        "interacting_fraction": statistics.median(i["interacting_fraction"] for i in infos),
        "torch": torch.__version__,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
