"""Training-step time of GATr vs a plain pre-LN transformer on CPU (fp32), printed as JSON.

Setup (issue 3): batch 64 × 16 tokens, one MV + one scalar channel in and out, MSE loss, Adam; median of many
forward+backward+Adam steps. The machine is shared, so the load average is recorded next to the medians and the
models are timed in interleaved rounds. Usage: python benchmarks/bench_gatr.py [--threads 2] [--steps 30]
[--rounds 3] [--compile] [--profile].
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import torch
from torch import nn

from equiscale.models import GATr
from equiscale.train import make_optimizer


class PlainTransformer(nn.Module):
    """Linear → pre-LN blocks (MHA, MLP d→2d→d, GELU) → Linear, the non-equivariant baseline of gatr.md §4."""

    def __init__(self, d_in: int, d_out: int, width: int, layers: int, heads: int = 8) -> None:
        super().__init__()
        self.inp = nn.Linear(d_in, width)
        layer = nn.TransformerEncoderLayer(
            width, heads, 2 * width, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
        )
        self.blocks = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.out = nn.Linear(width, d_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.blocks(self.inp(x)))


def make_step(model: nn.Module, inputs: tuple, target: tuple, compiled: bool = False):
    """One training step (forward, MSE against each target, backward, fused Adam) as a closure."""
    opt = make_optimizer(model.parameters(), "adam", lr=1e-4)  # as in training: fused Adam
    fwd = torch.compile(model) if compiled else model

    def step() -> None:
        out = fwd(*inputs)
        out = out if isinstance(out, tuple) else (out,)
        loss = sum(torch.nn.functional.mse_loss(o, t) for o, t in zip(out, target, strict=True))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step


def _time(step, n: int) -> list[float]:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=30, help="timed steps per model per round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds over the models")
    parser.add_argument("--compile", action="store_true", help="also time torch.compile'd models")
    parser.add_argument("--profile", action="store_true", help="print the top ops of one GATr(16, 32) step")
    parser.add_argument("--only", nargs="*", default=None, help="subset of configs to time")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    B, T = 64, 16
    mv, s = torch.randn(B, T, 1, 16), torch.randn(B, T, 1)
    mv_t, s_t = torch.randn(B, T, 1, 16), torch.randn(B, T, 1)
    x, y = torch.randn(B, T, 17), torch.randn(B, T, 17)
    configs = {
        "gatr_16_32_4": (lambda: GATr(1, 1, 16, 1, 1, 32, 4), (mv, s), (mv_t, s_t)),
        "gatr_32_64_4": (lambda: GATr(1, 1, 32, 1, 1, 64, 4), (mv, s), (mv_t, s_t)),
        "transformer_128_4": (lambda: PlainTransformer(17, 17, 128, 4), (x,), (y,)),
    }
    if args.only:
        configs = {k: v for k, v in configs.items() if k in args.only}
    variants = [False, True] if args.compile else [False]
    steps, params = {}, {}
    for name, (build, inputs, target) in configs.items():
        for compiled in variants:
            model = build()
            params[name] = sum(p.numel() for p in model.parameters())
            step = make_step(model, inputs, target, compiled)
            for _ in range(3 if not compiled else 5):  # warm-up (and compilation)
                step()
            steps[(name, compiled)] = step
    samples: dict[tuple[str, bool], list[float]] = {key: [] for key in steps}
    for _ in range(args.rounds):
        for key, step in steps.items():
            samples[key] += _time(step, args.steps)
    result = {
        "threads": args.threads,
        "batch": B,
        "tokens": T,
        "load_average_1m": os.getloadavg()[0],
        "torch": torch.__version__,
        "params": params,
        "median_step_ms": {
            f"{n}{'_compiled' if c else ''}": round(statistics.median(v), 2) for (n, c), v in samples.items()
        },
        "min_step_ms": {f"{n}{'_compiled' if c else ''}": round(min(v), 2) for (n, c), v in samples.items()},
    }
    med = result["median_step_ms"]
    for name in ("gatr_16_32_4", "gatr_32_64_4"):
        if name in med and "transformer_128_4" in med:
            result[f"ratio_{name}_to_transformer"] = round(med[name] / med["transformer_128_4"], 2)
    result["glibc_tunables"] = os.environ.get("GLIBC_TUNABLES", "")
    print(json.dumps(result, indent=2))
    if args.profile:
        from torch.profiler import ProfilerActivity, profile

        step = steps[("gatr_16_32_4", False)]
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(5):
                step()
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))


if __name__ == "__main__":
    main()
