"""Learning-rate schedule: linear warm-up, then cosine decay to a floor (or constant), as a pure function of step.

Being a function of the step alone, the schedule needs no state of its own in a checkpoint.
"""

from __future__ import annotations

import math


def lr_at(step: int, *, peak: float, steps: int, warmup_steps: int, schedule: str, floor: float) -> float:
    """Learning rate for optimizer step ``step`` (0-based) of a ``steps``-step run.

    Warm-up: ``peak × (step + 1) / (warmup_steps + 1)`` for ``step < warmup_steps``. Then ``cosine`` decays from
    ``peak`` at the end of warm-up to ``floor × peak`` at the last step; ``constant`` stays at ``peak``.
    """
    if step < warmup_steps:
        return peak * (step + 1) / (warmup_steps + 1)
    if schedule == "constant":
        return peak
    span = max(1, steps - 1 - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / span)
    return peak * (floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress)))
