"""The internal multivector layout of the GATr layers: components first, channels last, e0-free half first.

Storage order (``algebra``) keeps grades contiguous in the last axis. The layers instead use ``[16, *batch, channels]``
with components permuted to ``PAIRED = [1, e1, e2, e3, e12, e13, e23, e123 | e0, e01, e02, e03, e012, e013, e023,
e0123]``: internal component ``i + 8`` is ``e0 · (component i)`` with sign +1. Then
- every component slice ``x[i]`` is a contiguous ``[tokens, channels]`` matrix, so an equivariant linear map is one
  batched matmul over components (channels are the matmul's inner dimension);
- the 8 e0-free components (the only ones the inner product sees) are ``x[:8]``, and the "multiply by e0" basis maps
  send ``x[:8]`` to ``x[8:]`` slot by slot.
"""

from __future__ import annotations

import torch

from equiscale.algebra.tables import GRADES

#: Storage index of each internal component.
PAIRED: tuple[int, ...] = (0, 2, 3, 4, 8, 9, 10, 14, 1, 5, 6, 7, 11, 12, 13, 15)
#: Internal index of each storage component.
PAIRED_INVERSE: tuple[int, ...] = tuple(PAIRED.index(i) for i in range(16))
#: Grade of each internal component.
PAIRED_GRADES: tuple[int, ...] = tuple(GRADES[i] for i in PAIRED)
#: Internal indices used by attention: inner-product block (no e123) and the trivector (e012, e013, e023, e123).
INNER_NO_E123: slice = slice(0, 7)
TRIVECTOR: tuple[int, ...] = (PAIRED_INVERSE[11], PAIRED_INVERSE[12], PAIRED_INVERSE[13], PAIRED_INVERSE[14])
E123: int = PAIRED_INVERSE[14]


def to_internal(mv: torch.Tensor) -> torch.Tensor:
    """[..., channels, 16] storage layout → [16, ..., channels] internal layout (one copy)."""
    idx = torch.tensor(PAIRED, device=mv.device)
    return mv.index_select(-1, idx).movedim(-1, 0).contiguous()


def to_storage(x: torch.Tensor) -> torch.Tensor:
    """[16, ..., channels] internal layout → [..., channels, 16] storage layout."""
    idx = torch.tensor(PAIRED_INVERSE, device=x.device)
    return x.index_select(0, idx).movedim(0, -1)
