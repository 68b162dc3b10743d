"""The base of the GATr layers' autograd Functions: ``torch.autograd.Function`` minus a per-call signature binding.

For a Function with ``setup_context``, ``torch.autograd.Function.apply`` binds default arguments through
``inspect.signature`` on every call (≈ 25 µs, a tenth of a small GATr step's Python overhead). The layers call
their Functions with every argument positional and define no defaults, so the binding is the identity; outside
functorch transforms it is skipped. Inside transforms (``torch.func.jvp`` for the Lie derivative, vmap, grad) torch's
own path runs unchanged.
"""

from __future__ import annotations

import torch
from torch._functorch.utils import unwrap_dead_wrappers


class Function(torch.autograd.Function):
    """``torch.autograd.Function`` whose ``apply`` takes positional arguments only and skips signature binding."""

    @classmethod
    def apply(cls, *args):  # type: ignore[override]
        if torch._C._are_functorch_transforms_active():
            return super().apply(*args)
        return super(torch.autograd.Function, cls).apply(*unwrap_dead_wrappers(args))
