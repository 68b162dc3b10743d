"""Structured bilinear products (geometric product, join) on the internal layout ``[16, ..., channels]``.

A product table with n non-zeros (192 for GP, 81 for join) is evaluated as: gather the right factor's components from
[y, −y] (the sign folded into the index), multiply by the matching left components, and sum each output's terms.
Outputs are grouped by their number of terms so each group is one reshape-sum with no padding. Where all outputs of a
group use the same contiguous left components (GP: the e0-free outputs use x[0:8], the e0 outputs x[0:16]) the left
factor is broadcast instead of gathered. Every step is a plain indexed/elementwise op (torch.compile fuses them).
"""

from __future__ import annotations

import torch
from torch import nn

from equiscale.algebra.tables import GP_TABLE, JOIN_TABLE
from equiscale.models.gatr.layout import PAIRED


class BilinearProduct(nn.Module):
    """(x, y) ↦ Σ_jk T[i, j, k] x_j y_k over the component axis 0, for a 16×16×16 table with entries 0/±1."""

    def __init__(self, table: torch.Tensor) -> None:
        super().__init__()
        perm = torch.tensor(PAIRED)
        table = torch.as_tensor(table)[perm][:, perm][:, :, perm]
        counts = (table != 0).sum(dim=(1, 2))
        left, right, order, self.groups = [], [], [], []
        for n in sorted(set(counts.tolist()), reverse=True):
            outputs = [i for i in range(16) if counts[i] == n]
            lefts = [torch.nonzero(table[i], as_tuple=True)[0].tolist() for i in outputs]
            shared = all(js == lefts[0] for js in lefts) and lefts[0] == list(range(lefts[0][0], lefts[0][0] + n))
            # shared: every output uses the same contiguous left components -> broadcast x, gather only y (j-major)
            if shared:
                positions = [(t, o) for t in range(n) for o in range(len(outputs))]
            else:
                positions = [(t, o) for o in range(len(outputs)) for t in range(n)]
            for t, o in positions:
                i = outputs[o]
                j, k = torch.nonzero(table[i], as_tuple=True)
                left.append(int(j[t]))
                right.append(int(k[t] + 16 * (table[i, j[t], k[t]] < 0)))
            order += outputs
            self.groups.append((len(outputs), n, lefts[0][0] if shared else None))
        self.register_buffer("left", torch.tensor(left), persistent=False)
        self.register_buffer("right", torch.tensor(right), persistent=False)
        inverse = [order.index(i) for i in range(16)]
        self.reorder = inverse != list(range(16))
        self.register_buffer("inverse", torch.tensor(inverse), persistent=False)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        rest = torch.broadcast_shapes(x.shape[1:], y.shape[1:])
        y_signed = torch.cat([y, -y])
        pieces, start = [], 0
        for outputs, n, first in self.groups:
            right = y_signed.index_select(0, self.right[start : start + outputs * n])
            if first is not None:  # j-major terms: x[first + t] multiplies all outputs of the group
                left = x if (first, n) == (0, 16) else x.narrow(0, first, n)
                pieces.append((left.unsqueeze(1) * right.view(n, outputs, *rest)).sum(0))
            else:
                left = x.index_select(0, self.left[start : start + outputs * n])
                pieces.append((left * right).view(outputs, n, *rest).sum(1))
            start += outputs * n
        out = torch.cat(pieces) if len(pieces) > 1 else pieces[0]
        return out.index_select(0, self.inverse) if self.reorder else out


def geometric_product_module() -> BilinearProduct:
    """GP in the internal layout (192 terms: 8 per e0-free output, 16 per e0 output)."""
    return BilinearProduct(torch.as_tensor(GP_TABLE))


def join_module() -> BilinearProduct:
    """Join (regressive product) in the internal layout (81 terms)."""
    return BilinearProduct(torch.as_tensor(JOIN_TABLE))
