"""Structured bilinear products (geometric product, join) on the internal layout ``[16, ..., channels]``.

A product table T[i, j, k] ∈ {0, ±1} has one term s·x_j·y_k per non-zero (192 for GP, 81 for join). The terms are
covered by *runs*: consecutive outputs i..i+n whose left and right components each advance by 0 or 1 with one sign,
e.g. ``out[0:16] = x[0] * y[0:16]`` (the scalar part of x). A run is one fused multiply-add on contiguous component
slices, so no intermediate bigger than the output is ever formed and the memory traffic stays at a few passes over
the operands. Autograd goes through a custom Function: the backward is two products of the same kind with transposed
tables (no scatter), and the forward-mode rule (the Lie derivative uses ``torch.func.jvp``) is two forward products.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import torch
from torch import nn
from torch.autograd.function import once_differentiable

from equiscale.algebra.tables import GP_TABLE, JOIN_TABLE
from equiscale.models.gatr.function import Function
from equiscale.models.gatr.layout import PAIRED

Run = tuple[int, int, int, int, int, int, float]  # (out, n, left, left step, right, right step, sign)


def _runs(table: torch.Tensor) -> list[Run]:
    """Cover the non-zeros of ``table`` [out, left, right] by maximal runs, longest first (greedy)."""
    terms = {(int(i), int(j), int(k)): float(table[i, j, k]) for i, j, k in torch.nonzero(table).tolist()}
    runs: list[Run] = []
    while terms:
        best: Run | None = None
        for (i, j, k), s in terms.items():
            for dj, dk in ((1, 1), (0, 1), (1, 0), (0, 0)):
                n = 1
                while terms.get((i + n, j + n * dj, k + n * dk)) == s:
                    n += 1
                if best is None or n > best[1]:
                    best = (i, n, j, dj, k, dk, s)
        assert best is not None
        i, n, j, dj, k, dk, s = best
        for t in range(n):
            del terms[(i + t, j + t * dj, k + t * dk)]
        runs.append(best)
    return sorted(runs, key=lambda r: (-r[1], r[0]))


_CHUNK = 16384  # columns per task: below torch's intra-op grain, so each task runs on one core without OpenMP
_POOL: tuple[int, ThreadPoolExecutor] | None = None


def _pool() -> ThreadPoolExecutor:
    """A per-process pool (recreated after fork) with one worker per torch CPU thread."""
    global _POOL
    if _POOL is None or _POOL[0] != os.getpid():
        _POOL = (os.getpid(), ThreadPoolExecutor(max_workers=torch.get_num_threads(), thread_name_prefix="gatr"))
    return _POOL[1]


class _Table:
    """The runs of one table, applied with one ``torch._foreach_addcmul_`` (a C++ loop, not ~100 Python calls).

    The runs are row operations too small for torch's own threading, so on CPU operands of ≥ 2·16384 columns are
    cut into column blocks that a thread pool works on in parallel (torch releases the GIL inside each op).
    """

    def __init__(self, table: torch.Tensor) -> None:
        self.runs = _runs(table)
        first = self.runs[0]
        self.covers_all = first[0] == 0 and first[1] == 16  # the first run writes every output: no zero-fill
        self.rest = self.runs[1:] if self.covers_all else self.runs
        self.signs = [run[-1] for run in self.rest]

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Σ over runs on [16, M] operands → [16, M]."""
        out = torch.empty_like(x)
        serial = x.device.type != "cpu" or torch.get_num_threads() < 2 or x.shape[1] < 2 * _CHUNK
        if serial or torch._C._functorch.is_functorch_wrapped_tensor(x):
            self._apply(x, y, out)
            return out
        blocks = [slice(a, min(a + _CHUNK, x.shape[1])) for a in range(0, x.shape[1], _CHUNK)]
        inference = torch.is_inference_mode_enabled()  # thread-local, like grad mode: carried into the workers

        def work(b: slice) -> None:
            with torch.inference_mode(inference), torch.no_grad():
                self._apply(x[:, b], y[:, b], out[:, b])

        list(_pool().map(work, blocks))
        return out

    def plain(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The same sums without in-place ops: differentiable by autograd, and what torch.compile fuses."""
        rows: list[torch.Tensor | None] = [None] * 16
        for i, n, j, dj, k, dk, s in self.runs:
            for t in range(n):
                term = x[j + t * dj] * y[k + t * dk]
                row = rows[i + t]
                rows[i + t] = (term if s > 0 else -term) if row is None else (row + term if s > 0 else row - term)
        return torch.stack([r if r is not None else torch.zeros_like(x[0]) for r in rows])

    def _apply(self, x: torch.Tensor, y: torch.Tensor, out: torch.Tensor) -> None:
        if self.covers_all:
            _, _, j, dj, k, dk, s = self.runs[0]
            torch.mul(x if dj else x[j : j + 1], y if dk else y[k : k + 1], out=out)
            if s < 0:
                out.neg_()
        else:
            out.zero_()
        x_rows, y_rows, out_rows = x.unbind(0), y.unbind(0), out.unbind(0)
        outs, lefts, rights = [], [], []
        for i, n, j, dj, k, dk, _ in self.rest:
            if n == 1:
                outs.append(out_rows[i])
                lefts.append(x_rows[j])
                rights.append(y_rows[k])
            else:
                outs.append(out[i : i + n])
                lefts.append(x[j : j + n] if dj else x[j : j + 1])
                rights.append(y[k : k + n] if dk else y[k : k + 1])
        torch._foreach_addcmul_(outs, lefts, rights, self.signs)


class _BilinearFn(Function):
    """out = T(x, y) on [16, M] operands; backward and jvp are products with transposed tables."""

    @staticmethod
    def forward(x: torch.Tensor, y: torch.Tensor, product: BilinearProduct) -> torch.Tensor:
        with torch.no_grad():  # under torch.func transforms forward runs with grad mode on; the kernels use out=
            return product.forward_table(x, y)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: torch.Tensor) -> None:
        x, y, product = inputs
        ctx.product = product
        ctx.save_for_backward(x, y)
        ctx.save_for_forward(x, y)

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor | None, None]:
        x, y = ctx.saved_tensors
        grad = grad.contiguous()
        gx = ctx.product.left_table(grad, y) if ctx.needs_input_grad[0] else None
        gy = ctx.product.right_table(grad, x) if ctx.needs_input_grad[1] else None
        return gx, gy, None

    @staticmethod
    def jvp(ctx: Any, dx: torch.Tensor | None, dy: torch.Tensor | None, _: None) -> torch.Tensor:
        x, y = ctx.saved_tensors
        table = ctx.product.forward_table
        with torch.no_grad():
            out = table(dx.contiguous(), y) if dx is not None else None
            if dy is not None:
                part = table(x, dy.contiguous())
                out = part if out is None else out.add_(part)
        return out


class BilinearProduct(nn.Module):
    """(x, y) ↦ Σ_jk T[i, j, k] x_j y_k over the component axis 0 (broadcasting the rest), T in storage order."""

    def __init__(self, table: torch.Tensor) -> None:
        super().__init__()
        perm = torch.tensor(PAIRED)
        table = torch.as_tensor(table)[perm][:, perm][:, :, perm].to(torch.int8)
        self.forward_table = _Table(table)
        self.left_table = _Table(table.permute(1, 0, 2))  # ∂/∂x_j = Σ_ik T[i, j, k] g_i y_k
        self.right_table = _Table(table.permute(2, 0, 1))  # ∂/∂y_k = Σ_ij T[i, j, k] g_i x_j

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        dtype = torch.promote_types(x.dtype, y.dtype)
        shape = torch.broadcast_shapes(x.shape, y.shape)
        flat = [t.to(dtype).expand(shape).reshape(16, -1) for t in (x, y)]
        if torch.compiler.is_compiling():  # dynamo cannot trace Functions with a jvp; inductor fuses the plain sums
            return self.forward_table.plain(flat[0], flat[1]).view(shape)
        return _BilinearFn.apply(flat[0], flat[1], self).view(shape)


def geometric_product_module() -> BilinearProduct:
    """GP in the internal layout (192 terms)."""
    return BilinearProduct(torch.as_tensor(GP_TABLE))


def join_module() -> BilinearProduct:
    """Join (regressive product) in the internal layout (81 terms)."""
    return BilinearProduct(torch.as_tensor(JOIN_TABLE))
