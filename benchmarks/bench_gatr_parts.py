"""Where a GATr training step spends its time: interleaved in-process ablations, printed as JSON.

Each variant replaces one component by a trivial map of the same shapes (products → x·y, attention/MLP → 0.5·x,
layer norm / gated GELU → identity, query/key features → plain packing of x). The steps of all variants are
interleaved in one process, so the differences ("cost") are robust to the machine's slow drifts, which on a shared
2-core VM move absolute medians by ±30 %. Usage: python benchmarks/bench_gatr_parts.py [--width 16] [--steps 15].
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import time

import torch

from equiscale import geometry as G
from equiscale.models.gatr import attention, network, products
from equiscale.models.gatr.heads import pack_heads
from equiscale.models.registry import build_model
from equiscale.train import make_optimizer


@contextlib.contextmanager
def _patched(obj: object, name: str, value: object):
    old = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, old)


VARIANTS = {
    "full": [],
    "products": [(products.BilinearProduct, "forward", lambda self, x, y: x * y)],
    "layer_norm": [(network, "equi_layer_norm", lambda x, s: (x, s))],
    "gated_gelu": [(network, "gated_gelu", lambda x, s: (x, s))],
    "attention": [(attention.GeometricAttention, "forward", lambda self, x, s: (x * 0.5, s * 0.5))],
    "qk_features": [(attention, "qk_features", lambda mv, s, heads, key: pack_heads(heads, s, mv[:7], mv[:5]))],
    "mlp": [(network.GeometricMLP, "forward", lambda self, x, s, r: (x * 0.5, s * 0.5))],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--width", type=int, default=16, help="hidden multivector channels (scalars 2×, 4 blocks)")
    parser.add_argument("--steps", type=int, default=15, help="timed steps per variant")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    inputs = (G.Field("x", "point", (3,)), G.Field("m", "scalar", ()))
    schema = G.Schema(inputs=inputs, targets=(G.Field("y", "point", (3,)),), tokens=16)
    gen = torch.Generator().manual_seed(0)
    batch = {f.name: torch.randn(64, 16, *f.shape, generator=gen) for f in schema.fields.values()}
    model = build_model("gatr", (args.width, 4), schema, seed=0)
    opt = make_optimizer(model.parameters(), "adam", lr=1e-4)

    def step(patches: list) -> float:
        with contextlib.ExitStack() as stack:
            for patch in patches:
                stack.enter_context(_patched(*patch))
            start = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            out = model(batch)
            loss = ((out["y"] - batch["y"]) ** 2).mean() + 0.01 * model.output_regularizer()
            loss.backward()
            opt.step()
            return time.perf_counter() - start

    for patches in VARIANTS.values():  # warm-up
        step(patches)
        step(patches)
    times = {name: [] for name in VARIANTS}
    for _ in range(args.steps):
        for name, patches in VARIANTS.items():
            times[name].append(step(patches))
    median = {name: statistics.median(t) * 1e3 for name, t in times.items()}
    cost = {name: round(median["full"] - m, 1) for name, m in median.items() if name != "full"}
    print(json.dumps({"width": args.width, "step_ms_median": round(median["full"], 1), "cost_ms": cost}, indent=2))


if __name__ == "__main__":
    main()
