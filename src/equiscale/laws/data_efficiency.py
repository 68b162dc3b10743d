"""Data-efficiency law: loss vs number of training samples D at the longest training, L(D) = E + B·D^(−β).

Among a family's runs at its largest step count, the best run (lowest test loss over model sizes and seeds) at each
distinct D forms the curve; each point carries its number of epochs = steps × batch / D, because a small data set at
long training is seen many times (where augmentation is expected to help). Bootstrap resamples re-pick the best run
per D from the drawn runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from equiscale.laws import _checks
from equiscale.laws._serialize import jsonable
from equiscale.laws.bootstrap import CONFIDENCE
from equiscale.laws.power_law import PowerLawFit, best_per_x, fit_power_law


@dataclass
class DataEfficiencyFit:
    """The best loss per data size at the longest training, its epochs, and the fitted power law in D."""

    steps: int
    n_train: list[int]
    loss: list[float]
    epochs: list[float]
    law: PowerLawFit
    notes: list[str] = field(default_factory=list)

    def predict(self, n_train: Sequence[float] | np.ndarray | float) -> np.ndarray:
        """Predicted loss at ``n_train`` samples (at the longest training)."""
        return self.law.predict(n_train)

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"steps": self.steps, "points": {"n_train": self.n_train, "loss": self.loss,
                                                         "epochs": self.epochs},
                         "law": self.law.to_dict(), "notes": self.notes})


def fit_data_efficiency(
    n_train: Sequence[float] | np.ndarray,
    steps: Sequence[float] | np.ndarray,
    batch_size: Sequence[float] | np.ndarray,
    loss: Sequence[float] | np.ndarray,
    *,
    irreducible: bool = True,
    bootstrap: int = 0,
    seed: int = 0,
    workers: int = 1,
    confidence: float = CONFIDENCE,
) -> DataEfficiencyFit:
    """Fit loss vs ``n_train`` over the runs at the largest ``steps`` (one entry per run in every argument)."""
    loss_arr = _checks.as_positive_array("loss", loss)
    m = loss_arr.size
    d = _checks.as_positive_array("n_train", n_train, m)
    s = _checks.as_positive_array("steps", steps, m)
    bs = _checks.as_positive_array("batch_size", batch_size, m)
    longest = s == s.max()
    d, loss_arr, bs = d[longest], loss_arr[longest], bs[longest]
    law = fit_power_law(d, loss_arr, irreducible=irreducible, bootstrap=bootstrap, seed=seed, workers=workers,
                        confidence=confidence, axis="n_train", reduction="min_per_x")
    best = best_per_x(d, loss_arr)
    top = float(s.max())
    epochs = [top * float(bs[i]) / float(d[i]) for i in best]
    fit = DataEfficiencyFit(steps=int(top), n_train=[int(v) for v in d[best]], loss=[float(v) for v in loss_arr[best]],
                            epochs=epochs, law=law)
    if max(epochs) < 1.0:
        fit.notes.append("every point is below one epoch: the curve measures training length, not data reuse")
    return fit
