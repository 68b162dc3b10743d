"""Compute accounting of one training step: parameters, measured FLOPs and nominal FLOPs.

*Measured* FLOPs run one forward + backward under ``torch.utils.flop_counter.FlopCounterMode``, which counts
matmul-like ops only: mm/addmm/bmm/baddbmm (so ``nn.Linear`` and ``einsum``), convolutions and fused attention
kernels. It does not count elementwise work (GELU, norms, gating, the point-extraction division), reductions,
``index_add``/``scatter``/gather-based sparse products, or — on CPU — the fused SDPA kernel
(``_scaled_dot_product_flash_attention_for_cpu``), which torch's registry omits; we add that one with torch's own
SDPA formulas so CPU and GPU counts agree. Geometric products written as einsum over dense 16×16×16 tables are
counted as dense bmm work; sparse gather–multiply–sum kernels are not counted at all.

*Nominal* FLOPs follow the GATr papers' convention (:mod:`equiscale.models.nominal`), with attention reported
separately and in the sum.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn
from torch.utils import flop_counter
from torch.utils.flop_counter import FlopCounterMode

_aten = torch.ops.aten


def _cpu_sdpa_forward(query: Any, key: Any, value: Any, *args: Any, out_shape: Any = None, **kwargs: Any) -> int:
    return flop_counter.sdpa_flop_count(query, key, value)


def _cpu_sdpa_backward(
    grad_out: Any, query: Any, key: Any, value: Any, *args: Any, out_shape: Any = None, **kwargs: Any
) -> int:
    return flop_counter.sdpa_backward_flop_count(grad_out, query, key, value)


def _custom_mapping() -> dict[Any, Any]:
    mapping = {}
    for name, formula in (
        ("_scaled_dot_product_flash_attention_for_cpu", _cpu_sdpa_forward),
        ("_scaled_dot_product_flash_attention_for_cpu_backward", _cpu_sdpa_backward),
    ):
        op = getattr(_aten, name, None)
        if op is not None:
            mapping[op] = formula
    return mapping


def count_params(model: nn.Module) -> int:
    """Trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _loss(model: nn.Module, batch: Mapping[str, Tensor]) -> Tensor:
    """MSE against the batch's targets when present, else the mean square of the predictions."""
    preds = model(batch)
    terms = [((p - batch[k]) ** 2).mean() if k in batch else (p**2).mean() for k, p in preds.items()]
    loss = torch.stack(terms).sum()
    reg = getattr(model, "output_regularizer", None)
    return loss + 0.01 * reg() if callable(reg) else loss


def measured_train_step_flops(model: nn.Module, batch: Mapping[str, Tensor]) -> int:
    """FLOPs counted by FlopCounterMode for one forward + backward on ``batch``; gradients are left untouched."""
    saved = {p: p.grad for p in model.parameters()}
    for p in saved:
        p.grad = None
    try:
        with FlopCounterMode(display=False, custom_mapping=_custom_mapping()) as counter:
            _loss(model, batch).backward()
    finally:
        for p, g in saved.items():
            p.grad = g
    return int(counter.get_total_flops())


def _batch_shape(model: nn.Module, batch: Mapping[str, Tensor]) -> tuple[int, int]:
    schema = getattr(model, "schema", None)
    name = schema.inputs[0].name if schema is not None else next(iter(batch))
    B, T = batch[name].shape[:2]
    return int(B), int(T)


def train_step_flops(model: nn.Module, batch: Mapping[str, Tensor]) -> dict[str, int]:
    """Per-step compute of training ``model`` on ``batch``.

    Returns ``{"measured", "nominal", "nominal_linear", "nominal_attention", "params", "batch", "tokens"}``:
    measured by FlopCounterMode (forward + backward), nominal = linear (6 per weight per token, MV pairs as dense
    16×16) + attention (3 × 2·T²·(Σ d_qk + Σ d_v) per layer and sample)."""
    B, T = _batch_shape(model, batch)
    nominal = model.nominal_flops(B, T)  # type: ignore[operator]
    return {
        "measured": measured_train_step_flops(model, batch),
        "nominal": int(nominal["linear"] + nominal["attention"]),
        "nominal_linear": int(nominal["linear"]),
        "nominal_attention": int(nominal["attention"]),
        "params": count_params(model),
        "batch": B,
        "tokens": T,
    }
