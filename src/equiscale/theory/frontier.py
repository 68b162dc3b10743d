"""Compute-optimal frontier of the random-feature model: C = N·t at P = ∞ (online data; no factor 6).

Numerically: theory curves L(t; N) on a log grid of N, log-log interpolated in t; for each budget C the best N on
the grid (refined by a parabola through its neighbours in log N), then fitted slopes of L*, N*, t* against C.
Asymptotically: see :func:`equiscale.theory.exponents.asymptotic_exponents`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from equiscale.errors import EquiscaleError
from equiscale.theory.curves import loss_curve
from equiscale.theory.exponents import asymptotic_exponents, log_slope
from equiscale.theory.task import INF, Task, check_times


@dataclass(frozen=True)
class Frontier:
    """Compute-optimal points (C, L*, N*, t*) and the fitted exponents L* ∝ C^(−compute), N* ∝ C^n_opt, …"""

    C: np.ndarray
    loss: np.ndarray
    N: np.ndarray
    t: np.ndarray
    compute: float
    n_opt: float
    t_opt: float
    task: Task
    on_edge: np.ndarray  # True where the optimum sits on the edge of the N grid (unreliable)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form, with the asymptotic predictions beside the fitted exponents."""
        pred = asymptotic_exponents(self.task.a, self.task.b)
        return {
            "C": self.C.tolist(), "loss": self.loss.tolist(), "N": self.N.tolist(), "t": self.t.tolist(),
            "on_edge": self.on_edge.tolist(),
            "fitted": {"compute": self.compute, "n_opt": self.n_opt, "t_opt": self.t_opt},
            "asymptotic": {"compute": pred.compute, "n_opt": pred.n_opt, "t_opt": pred.t_opt},
        }


def loss_grid(task: Task, N_grid: Any, t_grid: Any, *,
              progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Test loss at P = ∞ on the (N, t) grid: array (len(N_grid), len(t_grid))."""
    rows = []
    for n in N_grid:
        rows.append(loss_curve(task, t_grid, n, INF).test_loss)
        if progress is not None:
            progress(1)
    return np.array(rows)


def _parabola_min(x: np.ndarray, y: np.ndarray, i: int) -> tuple[float, float]:
    """Vertex of the parabola through points i−1, i, i+1 (falls back to the grid point)."""
    if i == 0 or i == len(x) - 1 or not np.all(np.isfinite(y[i - 1:i + 2])):
        return float(x[i]), float(y[i])
    c2, c1, c0 = np.polyfit(x[i - 1:i + 2], y[i - 1:i + 2], 2)
    if c2 <= 0:
        return float(x[i]), float(y[i])
    xv = float(np.clip(-c1 / (2 * c2), x[i - 1], x[i + 1]))
    return xv, float(c0 + c1 * xv + c2 * xv * xv)


def compute_frontier(task: Task, C_values: Any, N_grid: Any, t_grid: Any, *, skip: int = 0,
                     progress: Callable[[int], None] | None = None) -> Frontier:
    """Numerical compute-optimal frontier from theory curves; slopes fitted over C_values[skip:]."""
    C = np.asarray(C_values, dtype=float)
    Ns = np.unique(np.asarray(N_grid, dtype=float))
    ts = np.unique(check_times(t_grid))
    if np.any(C <= 0) or C.size - skip < 2 or Ns.size < 3 or ts.size < 2 or ts[0] <= 0:
        raise EquiscaleError("frontier needs >= 2 positive budgets C, >= 3 values of N and >= 2 times t > 0")
    for n in Ns:
        task.check_width(n)
    log_loss = np.log(loss_grid(task, Ns, ts, progress=progress))
    logN, logt = np.log(Ns), np.log(ts)
    best_loss, best_n, edge = [], [], []
    for c in C:
        lt = np.log(c) - logN
        inside = (lt >= logt[0]) & (lt <= logt[-1])
        vals = np.array([np.interp(x, logt, row) if ok else np.inf
                         for x, row, ok in zip(lt, log_loss, inside, strict=True)])
        if not np.any(np.isfinite(vals)):
            raise EquiscaleError(f"budget C={c:g} is outside the grid: no N with C/N inside the t range")
        i = int(np.argmin(vals))
        finite = np.flatnonzero(np.isfinite(vals))
        edge.append(i in (finite[0], finite[-1]))
        ln, ll = _parabola_min(logN, vals, i)
        best_n.append(np.exp(ln))
        best_loss.append(np.exp(ll))
    L, N = np.array(best_loss), np.array(best_n)
    t = C / N
    fit = slice(skip, None)
    return Frontier(C, L, N, t, -log_slope(C[fit], L[fit]), log_slope(C[fit], N[fit]), log_slope(C[fit], t[fit]),
                    task, np.array(edge))
