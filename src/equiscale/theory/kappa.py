"""The renormalised ridge κ(z) of the deterministic equivalent, solved on the right branch.

z = κ (1 − Q(κ)/P)(1 − Q(κ)/N) with Q(κ) = Σ_k λ_k/(λ_k + κ). For real z > 0 the root is the unique one above
κ_min (Q(κ_min) = min(N, P) when that is below M, else 0). At complex Talbot nodes κ is continued from the real node
along the contour with Newton steps (starting Newton at κ = z lands on the wrong branch at large t). N, P = inf are
passed as reciprocals 0.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq


def inverse(x: float) -> float:
    """1/x with 1/inf = 0 (infinite model or data)."""
    return 0.0 if math.isinf(x) else 1.0 / x


def dof(lam: np.ndarray, kappa: float) -> float:
    """Degrees of freedom Q(κ) = Σ λ/(λ+κ) for a real κ."""
    return float(np.sum(lam / (lam + kappa)))


def kappa_min(lam: np.ndarray, N: float, P: float) -> float:
    """The static zero-ridge κ: Q(κ_min) = min(N, P) if that is below M, else 0."""
    B = min(N, P)
    if B >= len(lam):
        return 0.0
    hi = 10.0 * lam.sum() / B + 1.0
    return float(brentq(lambda k: dof(lam, k) - B, 1e-300, hi, xtol=1e-300, rtol=1e-15))


def kappa_real(z: float, lam: np.ndarray, N: float, P: float, kmin: float | None = None) -> float:
    """κ(z) for real z > 0 on the physical branch (bracketing root finder on (κ_min, ∞))."""
    iN, iP = inverse(N), inverse(P)
    if kmin is None:
        kmin = kappa_min(lam, N, P)

    def f(k: float) -> float:
        q = dof(lam, k)
        return k * (1 - q * iP) * (1 - q * iN) - z

    hi = z + lam.sum() * (iN + iP) + 1.0
    while f(hi) < 0:
        hi *= 2
    return float(brentq(f, max(kmin * (1 + 1e-15), 1e-300), hi, xtol=1e-300, rtol=1e-14))


def _newton(z: np.ndarray, k0: np.ndarray, lam: np.ndarray, iN: float, iP: float,
            maxiter: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised Newton for κ at complex z from starts k0; returns (κ, converged mask)."""
    k = k0.astype(complex).copy()
    active = np.ones(k.shape, dtype=bool)
    for _ in range(maxiter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        kk = k[idx]
        e = 1.0 / (lam[None, :] + kk[:, None])
        le = lam * e
        q = le.sum(axis=1)
        dq = -(le * e).sum(axis=1)
        r1, r3 = 1 - q * iP, 1 - q * iN
        step = (kk * r1 * r3 - z[idx]) / (r1 * r3 - kk * dq * (r3 * iP + r1 * iN))
        ok = np.isfinite(step)
        k[idx] = np.where(ok, kk - step, kk)
        # Quadratic convergence: once a step is below 1e-7 relative, the remaining error is ~1e-14.
        active[idx] = ~ok | (np.abs(step) > 1e-7 * np.abs(kk))
    return k, ~active


def _continue(z_from: complex, k_from: complex, z_to: complex, lam: np.ndarray, iN: float, iP: float,
              depth: int = 0) -> complex:
    """Scalar fallback: continue κ from z_from to z_to in smaller steps when a direct Newton step fails."""
    k, ok = _newton(np.array([z_to]), np.array([k_from]), lam, iN, iP)
    if ok[0] or depth > 12:
        return complex(k[0])
    z_mid = 0.5 * (z_from + z_to)
    k_mid = _continue(z_from, k_from, z_mid, lam, iN, iP, depth + 1)
    return _continue(z_mid, k_mid, z_to, lam, iN, iP, depth + 1)


def continue_along(z: np.ndarray, k_start: np.ndarray, lam: np.ndarray, N: float, P: float) -> np.ndarray:
    """κ along paths z[:, 0] → z[:, 1] → … (one path per row), given κ at z[:, 0] on the right branch."""
    iN, iP = inverse(N), inverse(P)
    rows, cols = z.shape
    kap = np.empty((rows, cols), dtype=complex)
    kap[:, 0] = k_start
    for j in range(1, cols):
        start = kap[:, j - 1]
        if j >= 2:  # linear extrapolation in z from the two previous nodes saves Newton steps
            start = start + (kap[:, j - 1] - kap[:, j - 2]) * (z[:, j] - z[:, j - 1]) / (z[:, j - 1] - z[:, j - 2])
        k, ok = _newton(z[:, j], start, lam, iN, iP)
        for i in np.flatnonzero(~ok):
            k[i] = _continue(z[i, j - 1], kap[i, j - 1], z[i, j], lam, iN, iP)
        kap[:, j] = k
    return kap
