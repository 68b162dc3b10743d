"""Huber loss on log-loss for sums of power laws, in the log-sum-exp parametrisation (reference §2.1).

A law with k power-law terms and an optional floor,

    L(x_1..x_k) = E + Σ_j exp(c_j) · x_j^(−p_j),

has log-prediction  log L̂ = LSE(c_1 − p_1 log x_1, …, c_k − p_k log x_k, e)  with e = log E. The parameter vector is
θ = [c_1..c_k, (e), p_1..p_k]. The objective is the weighted **sum** (not mean: see reference §2.3 item 1) of
Huber_δ(log L̂ − log L). Weights are bootstrap multiplicities (counts of each run in a resample).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HUBER_DELTA = 1e-3


@dataclass(frozen=True)
class LogSumExpHuber:
    """Objective J(θ) and its analytic gradient for fixed data ``log_x`` (k, n) and ``log_y`` (n,)."""

    log_x: np.ndarray
    log_y: np.ndarray
    floor: bool
    delta: float = HUBER_DELTA

    @property
    def k(self) -> int:
        return self.log_x.shape[0]

    @property
    def n_params(self) -> int:
        return 2 * self.k + int(self.floor)

    def split(self, theta: np.ndarray) -> tuple[np.ndarray, float | None, np.ndarray]:
        """θ → (coefficients c, floor e or None, exponents p)."""
        k = self.k
        e = float(theta[k]) if self.floor else None
        return theta[:k], e, theta[k + int(self.floor):]

    def _arguments(self, theta: np.ndarray) -> np.ndarray:
        """The LSE arguments, shape (k [+1], n)."""
        c, e, p = self.split(theta)
        if e is None:
            return c[:, None] - p[:, None] * self.log_x
        terms = np.empty((self.k + 1, self.log_x.shape[1]))
        np.multiply(p[:, None], self.log_x, out=terms[:-1])
        np.subtract(c[:, None], terms[:-1], out=terms[:-1])
        terms[-1] = e
        return terms

    def log_predict(self, theta: np.ndarray) -> np.ndarray:
        """log L̂ for every data point."""
        s = self._arguments(theta)
        m = s.max(axis=0)
        return m + np.log(np.exp(s - m).sum(axis=0))

    def value_and_grad(self, theta: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """J(θ) and ∂J/∂θ (float64). Hot loop of every fit: kept to a minimum of array operations."""
        s = self._arguments(theta)
        m = s.max(axis=0)
        ex = np.exp(s - m)
        tot = ex.sum(axis=0)
        r = m + np.log(tot) - self.log_y
        a = np.abs(r)
        q = np.minimum(a, self.delta)
        h = q * (a - 0.5 * q)  # Huber_δ(r) = q(|r| − q/2), q = min(|r|, δ)
        psi = np.copysign(q, r)  # Huber_δ'(r) = clip(r, −δ, δ)
        if weights is not None:
            value = float(h @ weights)
            psi *= weights
        else:
            value = float(h.sum())
        v = psi / tot  # ψ_i / Σ_j exp(s_ji − m_i): turns ex into ψ-weighted softmax weights
        k = self.k
        grad = np.empty(self.n_params)
        grad[:k + int(self.floor)] = ex @ v
        grad[k + int(self.floor):] = -((ex[:k] * self.log_x) @ v)
        return value, grad

    def values(self, thetas: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """J for many parameter vectors at once, shape (m,) — used to screen the start grid."""
        k = self.k
        c = thetas[:, :k]
        p = thetas[:, k + int(self.floor):]
        s = c[:, :, None] - p[:, :, None] * self.log_x[None]
        if self.floor:
            e = np.broadcast_to(thetas[:, k, None, None], (thetas.shape[0], 1, s.shape[2]))
            s = np.concatenate([s, e], axis=1)
        m = s.max(axis=1)
        r = m + np.log(np.exp(s - m[:, None]).sum(axis=1)) - self.log_y[None]
        a = np.abs(r)
        d = self.delta
        h = np.where(a <= d, 0.5 * r * r, d * (a - 0.5 * d))
        return h.sum(axis=1) if weights is None else h @ weights
