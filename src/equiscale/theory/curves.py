"""Expected test and train loss of the random-feature model from the deterministic-equivalent theory.

Gradient flow from w = 0; t = learning rate × steps. L(t) is obtained by fixed-Talbot inversion of the two-point
Laplace transform in both variables (reference §3), with κ continued along the contour from the real node.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from equiscale.errors import EquiscaleError
from equiscale.theory.kappa import continue_along, kappa_min, kappa_real
from equiscale.theory.laplace import loss_kernel, talbot_nodes, two_point
from equiscale.theory.task import INF, Task, check_count, check_ensembles, check_times


@dataclass(frozen=True)
class LossCurve:
    """Expected test/train loss at times ``t`` for one (task, N, P, ensembles)."""

    t: np.ndarray
    test_loss: np.ndarray
    train_loss: np.ndarray
    task: Task
    N: float
    P: float
    ensembles: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, list[float]]:
        """The three JSON keys of ``equiscale theory curve --json``."""
        return {"t": self.t.tolist(), "test_loss": self.test_loss.tolist(), "train_loss": self.train_loss.tolist()}


def _validate(task: Task, N: float, P: float, ensembles: int) -> tuple[float, float, int]:
    return task.check_width(N), check_count("P", P), check_ensembles(ensembles)


def talbot_kappas(task: Task, t: np.ndarray, N: float, P: float, nodes: int = 16) -> np.ndarray:
    """κ at all Talbot nodes s_j = u_j/t for each t > 0 (rows), ordered like :func:`talbot_nodes`."""
    lam = task.eigenvalues
    u, _ = talbot_nodes(nodes)
    pos = u[nodes - 1:]  # θ >= 0, starting at the real node
    kmin = kappa_min(lam, N, P)
    k0 = np.array([kappa_real(pos[0].real / ti, lam, N, P, kmin) for ti in t])
    kap_pos = continue_along(pos[None, :] / t[:, None], k0, lam, N, P)
    # κ(conj z) = conj κ(z) on the physical branch: the θ < 0 half mirrors the θ > 0 half.
    return np.concatenate([np.conj(kap_pos[:, :0:-1]), kap_pos], axis=1)


def loss_curve(task: Task, t: Any, N: float = INF, P: float = INF, *, ensembles: int = 1,
               nodes: int = 16) -> LossCurve:
    """Expected test and train loss L(t; N, P) under gradient flow (N or P = inf for infinite model/data).

    ``ensembles`` E averages the predictions of E independent feature draws on shared data (variance / E).
    ``nodes`` is the Talbot n (2n−1 nodes per variable); n = 16 is accurate to ~6 digits.
    """
    times = check_times(t)
    N, P, E = _validate(task, N, P, ensembles)
    lam, w2 = task.eigenvalues, task.target_sq
    test = np.full(times.shape, task.initial_loss)
    train = test.copy()
    positive = np.flatnonzero(times > 0)
    if positive.size:
        tp = times[positive]
        kap = talbot_kappas(task, tp, N, P, nodes)
        _, w = talbot_nodes(nodes)
        half = slice(nodes - 1, None)
        # Conjugate symmetry: the rows with θ < 0 contribute the conjugates of the rows with θ > 0.
        fold = np.full(nodes, 2.0)
        fold[0] = 1.0
        for row, (i, ti) in enumerate(zip(positive, tp, strict=True)):
            lte, ltr = two_point(kap[row], lam, w2, N, P, E, rows=half)
            c = w / ti
            rc = fold * c[half]
            test[i] = (rc @ lte @ c).real
            train[i] = (rc @ ltr @ c).real
    return LossCurve(times, test, train, task, N, P, E)


def infinite_time_loss(task: Task, N: float, P: float, *, ensembles: int = 1) -> tuple[float, float]:
    """(test, train) at t → ∞: κ_min² B(κ_min, κ_min), train × R₁(κ_min)². Zero when min(N, P) >= M."""
    N, P, E = _validate(task, N, P, ensembles)
    lam = task.eigenvalues
    kmin = kappa_min(lam, N, P)
    if kmin == 0.0:
        return 0.0, 0.0
    if N == P:  # interpolation threshold: the zero-ridge limit diverges (1 − d → 0)
        return INF, 0.0
    bracket, r1, _, _ = loss_kernel(np.array([kmin]), lam, task.target_sq, N, P, E)
    test = float(kmin**2 * bracket[0, 0])
    if not math.isfinite(test) or test < 0:  # interpolation threshold N = P: the zero-ridge limit diverges
        return INF, 0.0
    return test, float(r1[0] ** 2 * test)


def ridge_loss(task: Task, ridge: float, N: float, P: float, *, ensembles: int = 1) -> tuple[float, float]:
    """(test, train) error of ridge-λ random-feature regression: λ²𝓛(λ, λ) (a static check of the theory)."""
    N, P, E = _validate(task, N, P, ensembles)
    if not (isinstance(ridge, (int, float)) and math.isfinite(ridge) and ridge > 0):
        raise EquiscaleError(f"ridge must be a number > 0, got {ridge}")
    lam = task.eigenvalues
    kap = np.array([kappa_real(float(ridge), lam, N, P)])
    lte, ltr = two_point(kap, lam, task.target_sq, N, P, E)
    return float(ridge**2 * lte[0, 0].real), float(ridge**2 * ltr[0, 0].real)
