"""Exact simulation of the random-feature model (ground truth for the theory), averaged over seeds.

Per draw: features Ψ (P×M, rows ~ N(0, Λ)), projection A (N×M, iid N(0, 1)), K = AXAᵀ/N with X = ΨᵀΨ/P,
b = AXw*/√N. Training dw/dt = b − Kw from w = 0 is solved in K's eigenbasis: w = U g(κ) Uᵀ b with the spectral
filter g (gradient flow, discrete GD or ridge). Then v = w* − Aᵀw/√N, test = vᵀΛv, train = vᵀXv.
Cost O(N³ + NMP) per draw. Seed i of a run with base seed s uses ``numpy.random.default_rng(s + i)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from equiscale.errors import EquiscaleError
from equiscale.theory.task import Task, check_ensembles, check_integer_count, check_times

Filter = Callable[[np.ndarray], np.ndarray]  # eigenvalues κ (N,) -> coefficients (T, N)


@dataclass(frozen=True)
class SimulatedCurve:
    """Seed-averaged test/train loss with standard errors; ``seeds`` lists the seeds used."""

    t: np.ndarray
    test_loss: np.ndarray
    train_loss: np.ndarray
    test_sem: np.ndarray
    train_sem: np.ndarray
    seeds: list[int]
    task: Task
    N: int
    P: int
    ensembles: int = 1
    eta: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (for JSON)."""
        return {"t": self.t.tolist(), "test_loss": self.test_loss.tolist(), "train_loss": self.train_loss.tolist(),
                "test_sem": self.test_sem.tolist(), "train_sem": self.train_sem.tolist(), "seeds": self.seeds}


def _flow_filter(t: np.ndarray) -> Filter:
    def g(kappa: np.ndarray) -> np.ndarray:
        k = np.clip(kappa, 0.0, None)[None, :]
        tt = t[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            out = -np.expm1(-k * tt) / k
        return np.where(k * tt < 1e-12, tt, out)

    return g


def _gd_filter(t: np.ndarray, eta: float) -> Filter:
    steps = np.rint(t / eta)
    if np.any(np.abs(steps * eta - t) > 1e-9 * np.maximum(t, 1.0)):
        raise EquiscaleError(f"with eta={eta:g} every t must be a whole number of steps times eta")

    def g(kappa: np.ndarray) -> np.ndarray:
        kmax = float(kappa.max())
        if eta * kmax >= 2:
            raise EquiscaleError(f"eta={eta:g} is unstable for this draw: need eta < 2/kappa_max = {2 / kmax:.4g}")
        k = np.clip(kappa, 0.0, None)[None, :]
        T = steps[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            out = -np.expm1(T * np.log1p(-eta * k)) / k
        return np.where(k < 1e-14 / eta, eta * T, out)

    return g


def _one_draw(task: Task, N: int, P: int, ensembles: int, seed: int, filt: Filter) -> tuple[np.ndarray, np.ndarray]:
    """Test and train loss (arrays over the filter's rows) for one seed."""
    rng = np.random.default_rng(seed)
    lam, wstar = task.eigenvalues, task.target
    psi = rng.standard_normal((P, task.M)) * np.sqrt(lam)
    y = psi @ wstar
    beta = 0.0
    for _ in range(ensembles):
        A = rng.standard_normal((N, task.M))
        G = psi @ A.T  # (P, N) = Ψ Aᵀ
        K = G.T @ G / (P * N)
        bvec = G.T @ y / (P * math.sqrt(N))
        kappa, U = np.linalg.eigh(K)
        coef = filt(kappa) * (U.T @ bvec)[None, :]  # (T, N)
        w = coef @ U.T
        beta = beta + (w @ A) / math.sqrt(N)
    v = wstar[None, :] - beta / ensembles
    test = (v**2 * lam).sum(axis=1)
    train = ((v @ psi.T) ** 2).sum(axis=1) / P
    return test, train


def _average(task: Task, N: int, P: int, ensembles: int, seeds: int, seed: int, filt: Filter,
             progress: Callable[[int], None] | None) -> tuple[np.ndarray, ...]:
    if isinstance(seeds, bool) or not isinstance(seeds, (int, np.integer)) or seeds < 1:
        raise EquiscaleError(f"seeds must be an integer >= 1, got {seeds}")
    tests, trains = [], []
    for i in range(seeds):
        te, tr = _one_draw(task, N, P, ensembles, seed + i, filt)
        tests.append(te)
        trains.append(tr)
        if progress is not None:
            progress(1)
    te, tr = np.array(tests), np.array(trains)
    sem = (lambda x: x.std(axis=0, ddof=1) / math.sqrt(seeds)) if seeds > 1 else (lambda x: np.zeros(x.shape[1]))
    return te.mean(axis=0), tr.mean(axis=0), sem(te), sem(tr)


def _check(task: Task, N: float, P: float, ensembles: int) -> tuple[int, int, int]:
    task.check_width(N)
    return check_integer_count("N", N), check_integer_count("P", P), check_ensembles(ensembles)


def simulate(task: Task, t: Any, N: int, P: int, *, seeds: int = 10, seed: int = 0, ensembles: int = 1,
             eta: float | None = None, progress: Callable[[int], None] | None = None) -> SimulatedCurve:
    """Seed-averaged exact test/train loss at times t (gradient flow, or discrete GD with learning rate ``eta``).

    With ``eta``, t = eta × steps must be a whole number of steps. ``progress(1)`` is called after each seed.
    """
    times = check_times(t)
    N, P, E = _check(task, N, P, ensembles)
    if eta is not None and not (math.isfinite(eta) and eta > 0):
        raise EquiscaleError(f"eta must be a number > 0, got {eta}")
    filt = _flow_filter(times) if eta is None else _gd_filter(times, float(eta))
    te, tr, se_te, se_tr = _average(task, N, P, E, seeds, seed, filt, progress)
    return SimulatedCurve(times, te, tr, se_te, se_tr, list(range(seed, seed + seeds)), task, N, P, E, eta)


def simulate_ridge(task: Task, ridge: float, N: int, P: int, *, seeds: int = 10, seed: int = 0,
                   ensembles: int = 1) -> tuple[float, float]:
    """Seed-averaged (test, train) error of ridge random-feature regression, w = (K + ridge·I)⁻¹ b."""
    N, P, E = _check(task, N, P, ensembles)
    if not (math.isfinite(ridge) and ridge > 0):
        raise EquiscaleError(f"ridge must be a number > 0, got {ridge}")
    te, tr, _, _ = _average(task, N, P, E, seeds, seed, lambda k: 1.0 / (k + ridge)[None, :], None)
    return float(te[0]), float(tr[0])
