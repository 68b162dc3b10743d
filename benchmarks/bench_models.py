"""Training-step cost of the model families: median wall time (forward + backward + Adam), params, FLOPs.

Default: CPU, fp32, 2 threads, batch 64 × 16 tokens, inputs one point (one MV channel) and one scalar, target one
point. GPU: ``--device cuda --dtype bf16 --batch 256 --tokens 64`` (bf16 autocast). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from contextlib import nullcontext

import torch

from equiscale import geometry as G
from equiscale.models.flops import train_step_flops
from equiscale.models.registry import build_model
from equiscale.train import make_optimizer

MODELS = [("gatr", (16, 4)), ("gatr", (32, 4)), ("transformer", (128, 4))]  # GATr (c, s = 2c, blocks)


def _schema(tokens: int) -> G.Schema:
    return G.Schema(
        inputs=(G.Field("x", "point", (3,)), G.Field("m", "scalar", ())),
        targets=(G.Field("y", "point", (3,)),),
        tokens=tokens,
    )


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bench(family: str, size: tuple[int, int], args: argparse.Namespace) -> dict:
    device = torch.device(args.device)
    schema = _schema(args.tokens)
    gen = torch.Generator().manual_seed(0)
    batch = {f.name: torch.randn(args.batch, args.tokens, *f.shape, generator=gen) for f in schema.fields.values()}
    model = build_model(family, size, schema, seed=0)
    flops = train_step_flops(model, batch)  # counted on CPU in fp32; the counts do not depend on the device
    model = model.to(device)
    batch = {k: v.to(device) for k, v in batch.items()}
    opt = make_optimizer(model.parameters(), "adam", lr=1e-4)  # as in training: fused Adam
    autocast = torch.autocast(device.type, dtype=torch.bfloat16) if args.dtype == "bf16" else nullcontext()

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        with autocast:
            out = model(batch)
            loss = ((out["y"].float() - batch["y"]) ** 2).mean() + 0.01 * model.output_regularizer().float()
        loss.backward()
        opt.step()

    times = []
    for i in range(args.warmup + args.repeats):
        _sync(device)
        start = time.perf_counter()
        step()
        _sync(device)
        if i >= args.warmup:
            times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return {
        "family": family, "width": size[0], "depth": size[1], "params": flops["params"],
        "flops_measured": flops["measured"], "flops_nominal": flops["nominal"],
        "flops_nominal_linear": flops["nominal_linear"], "flops_nominal_attention": flops["nominal_attention"],
        "step_seconds_median": median, "step_seconds_all": times,
        "measured_tflops_per_s": flops["measured"] / median / 1e12,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32", help="bf16 = autocast")
    parser.add_argument("--batch", type=int, default=64, help="samples per step")
    parser.add_argument("--tokens", type=int, default=16, help="tokens per sample")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--repeats", type=int, default=7, help="timed steps (median reported)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results = [bench(family, size, args) for family, size in MODELS]
    meta = {k: getattr(args, k) for k in ("device", "dtype", "batch", "tokens", "threads", "repeats", "warmup")}
    print(json.dumps({"config": {**meta, "torch": torch.__version__}, "results": results}, indent=2))


if __name__ == "__main__":
    main()
