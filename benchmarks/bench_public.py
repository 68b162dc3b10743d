"""equiscale's GATr against the public GATr code base on the same machine, timed interleaved, printed as JSON.

The original GATr package is not on PyPI; its maintained successor ``lgatr`` (L-GATr, same authors' code base, same
16-component multivector layers: EquiLinear, geometric bilinear, gated GELU, equivariant layer norm, multi-query
geometric attention) is, and needs only torch: ``pip install lgatr==2.0.0`` (``make bench`` installs it). It is
Lorentz- rather than E(3)-equivariant, so it is the nearest public relative, not the same model. Its variants:
- ``dense``: every linear map and the geometric product as dense 16×16(×16) einsums — the public GATr design;
- ``default``: lgatr 2.0's defaults (sparse geometric product, dense linear maps);
- ``sparse``: sparse product and per-grade linear maps.
Same sizes for all (hidden c multivector / 2c scalar channels, 4 blocks, 8 heads, multi-query, attention and MLP
width ×2), batch 64 × 16 tokens, one multivector + one scalar channel in and out, the training step of
``bench_gatr.py`` (MSE, fused Adam). Steps of all
models alternate in one process, so slow drifts of a shared machine cancel in the ratios.
Usage: python benchmarks/bench_public.py [--widths 16 32] [--rounds 7] [--threads 2].
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from bench_gatr import make_step  # the same step as bench_gatr.py (run from benchmarks/ or as a script)
from equiscale.models import GATr

VARIANTS = {"dense": (False, False), "default": (True, False), "sparse": (True, True)}  # (sparse_gp, sparse_linear)


def _lgatr_class() -> type:
    try:
        from lgatr import LGATr
    except ImportError:
        raise SystemExit("bench_public needs lgatr: pip install lgatr==2.0.0 (or make bench)") from None
    return LGATr


def _lgatr(c: int, variant: str) -> torch.nn.Module:
    LGATr = _lgatr_class()
    sparse_gp, sparse_linear = VARIANTS[variant]
    return LGATr(
        num_blocks=4, in_mv_channels=1, out_mv_channels=1, hidden_mv_channels=c,
        in_s_channels=1, out_s_channels=1, hidden_s_channels=2 * c,
        attention={"num_heads": 8, "multi_query": True, "attn_ratio": 2}, mlp={"mlp_ratio": 2, "num_layers_mlp": 2},
        primitives={"subgroup": False, "sparse_gp": sparse_gp, "sparse_linear": sparse_linear},
    )  # fmt: skip


def bench(c: int, rounds: int) -> dict:
    gen = torch.Generator().manual_seed(0)
    mv, s, target_mv, target_s = (torch.randn(64, 16, 1, *shape, generator=gen) for shape in ((16,), (), (16,), ()))
    models = {"equiscale": GATr(1, 1, c, 1, 1, 2 * c, num_blocks=4, num_heads=8)}
    models |= {f"lgatr_{v}": _lgatr(c, v) for v in VARIANTS}
    steps = {name: make_step(model, (mv, s), (target_mv, target_s)) for name, model in models.items()}
    for step in steps.values():  # warm-up
        step()
        step()
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    ours = times["equiscale"]
    return {
        name: {
            "params": sum(p.numel() for p in models[name].parameters()),
            "step_seconds_median": statistics.median(t),
            "ratio_to_equiscale": statistics.median(a / b for a, b in zip(t, ours, strict=True)),
        }
        for name, t in times.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--widths", type=int, nargs="+", default=[16, 32], help="hidden multivector channels c")
    parser.add_argument("--rounds", type=int, default=7, help="timed steps per model (interleaved)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    _lgatr_class()  # fail before building anything when lgatr is missing

    results = {str(c): bench(c, args.rounds) for c in args.widths}
    print(json.dumps({"config": vars(args) | {"torch": torch.__version__}, "results": results}, indent=2))


if __name__ == "__main__":
    main()
