"""Scaling exponents of the random-feature model: asymptotic formulas and numerical slopes of the theory.

Convention: every exponent is a positive decay rate, L ∝ X^(−exponent). Reference §6:
time r_t = (a−1)/b (N, P → ∞); data min(a−1, 2b) (t, N → ∞); model size min(a−1, b) from the deterministic
equivalent and simulation (the paper states min(a−1, 2b); they differ only for easy tasks a − 1 > b).
Compute C = N·t at P = ∞: N* ∝ C^(r_t/(r_t+r_N)), t* ∝ C^(r_N/(r_t+r_N)), L* ∝ C^(−r_t r_N/(r_t+r_N)).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from equiscale.errors import EquiscaleError
from equiscale.theory.curves import infinite_time_loss, loss_curve
from equiscale.theory.task import INF, Task


@dataclass(frozen=True)
class AsymptoticExponents:
    """Asymptotic exponents for a task (a, b); all positive decay rates except the allocation ones."""

    a: float
    b: float
    time: float  # L ∝ t^(−time), N, P → ∞
    data: float  # L ∝ P^(−data), t, N → ∞
    model: float  # L ∝ N^(−model), t, P → ∞ (deterministic equivalent, simulation)
    model_paper: float  # the paper's stated min(a−1, 2b)
    compute: float  # L* ∝ C^(−compute)
    n_opt: float  # N* ∝ C^n_opt
    t_opt: float  # t* ∝ C^t_opt

    def to_dict(self) -> dict[str, float]:
        """Plain-data form."""
        return asdict(self)


def asymptotic_exponents(a: float, b: float) -> AsymptoticExponents:
    """The closed-form exponents for source exponent a > 1 and capacity exponent b > 0."""
    Task(a, b, 2)  # validates a and b
    r_t = (a - 1) / b
    r_n = min(a - 1, b)
    return AsymptoticExponents(
        a=a, b=b, time=r_t, data=min(a - 1, 2 * b), model=r_n, model_paper=min(a - 1, 2 * b),
        compute=r_t * r_n / (r_t + r_n), n_opt=r_t / (r_t + r_n), t_opt=r_n / (r_t + r_n),
    )


def time_limited_loss(a: float, b: float, t: Any) -> np.ndarray:
    """M, N, P → ∞ asymptote L(t) ≈ (1/b) Γ((a−1)/b) (2t)^(−(a−1)/b)."""
    r = (a - 1) / b
    return (1 / b) * math.gamma(r) * (2 * np.asarray(t, dtype=float)) ** (-r)


def log_slope(x: Any, y: Any) -> float:
    """Least-squares slope of log y against log x (the local scaling exponent, with its sign)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size < 2 or np.any(x <= 0) or np.any(y <= 0) or not np.all(np.isfinite(y)):
        raise EquiscaleError("need at least two positive, finite points to fit a log-log slope")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def time_exponent(task: Task, t: Any, N: float = INF, P: float = INF) -> float:
    """Measured decay rate −d log L / d log t over the times t."""
    return -log_slope(t, loss_curve(task, t, N, P).test_loss)


def _test_loss_at(task: Task, t: float, N: float, P: float) -> float:
    """Test loss at time t (t = inf: the converged loss)."""
    return infinite_time_loss(task, N, P)[0] if math.isinf(t) else loss_curve(task, [t], N, P).test_loss[0]


def width_exponent(task: Task, N_values: Any, t: float = INF, P: float = INF) -> float:
    """Measured decay rate in N of the test loss at time t (t = inf: the converged loss)."""
    N_values = np.asarray(N_values, dtype=float)
    return -log_slope(N_values, [_test_loss_at(task, t, n, P) for n in N_values])


def data_exponent(task: Task, P_values: Any, t: float = INF, N: float = INF) -> float:
    """Measured decay rate in P of the test loss at time t (t = inf: the converged loss)."""
    P_values = np.asarray(P_values, dtype=float)
    return -log_slope(P_values, [_test_loss_at(task, t, N, p) for p in P_values])


def width_convergence_exponent(task: Task, t: float, N_values: Any, P: float = INF) -> float:
    """Decay rate in N of L(t; N) − L(t; ∞): ≈ 1 early (t ≪ N^b), task-dependent (→ a − 1) late."""
    N_values = np.asarray(N_values, dtype=float)
    base = loss_curve(task, [t], INF, P).test_loss[0]
    gap = [loss_curve(task, [t], n, P).test_loss[0] - base for n in N_values]
    return -log_slope(N_values, gap)


def train_test_gap(task: Task, t: Any, N: float, P: float) -> tuple[np.ndarray, np.ndarray]:
    """(t, test − train) for gradient flow: the generalisation gap as data is reused (t ≈ passes over the data)."""
    curve = loss_curve(task, t, N, P)
    return curve.t, curve.test_loss - curve.train_loss


def gap_exponent(task: Task, t: float, P_values: Any, N: float = INF) -> float:
    """Decay rate in P of the train–test gap at time t: ≈ 1 early (O(1/P)), task-dependent after much reuse."""
    P_values = np.asarray(P_values, dtype=float)
    gaps = [train_test_gap(task, [t], N, p)[1][0] for p in P_values]
    return -log_slope(P_values, gaps)
