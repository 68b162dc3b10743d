"""Laplace-domain objects: the two-point loss function 𝓛(z₁, z₂) and fixed-Talbot inversion nodes.

See shared/reference/random_feature_theory.md §3.2–3.3. N, P are floats (``inf`` means infinite); ``ensembles`` E
divides the variance over feature draws.
"""

from __future__ import annotations

import numpy as np

from equiscale.theory.kappa import inverse


def talbot_nodes(n: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Unit-time fixed-Talbot nodes u_j and weights w_j, j = −(n−1)…(n−1).

    For time t the nodes are s_j = u_j / t and the weights c_j = w_j / t, so that
    f(t) ≈ Re Σ_j c_j F(s_j) for a Laplace transform F, and L(t) ≈ Re Σ_ij c_i c_j 𝓛(s_i, s_j).
    """
    th = np.arange(-(n - 1), n) * np.pi / n
    r = 2 * n / 5
    u = np.full(th.shape, r, dtype=complex)
    sig = np.zeros(th.shape)
    m = th != 0
    cot = 1 / np.tan(th[m])
    u[m] = r * th[m] * (cot + 1j)
    sig[m] = th[m] + (th[m] * cot - 1) * cot
    w = (r / (2 * n)) * np.exp(u) * (1 + 1j * sig)
    return u, w


def loss_kernel(kap: np.ndarray, lam: np.ndarray, w2: np.ndarray, N: float, P: float, ensembles: int = 1,
                rows: slice | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The bracket B_ij = [S₁ + m₁c/(N(1−d))/E]/(1−γ) for κ_i in ``kap[rows]`` and κ_j in ``kap``.

    𝓛_test(z_i, z_j) = B_ij / (R₁R₃(z_i) R₁R₃(z_j)) and, since 1/(R₁R₃) = κ/z, z_i z_j 𝓛 = κ_i κ_j B_ij.
    Returns (B, R₁ and R₃ at every κ in ``kap``, the indices of the rows in ``kap``).
    """
    iN, iP = inverse(N), inverse(P)
    e2 = 1.0 / (kap[:, None] + lam[None, :])
    idx = np.arange(len(kap))[rows if rows is not None else slice(None)]
    e1 = e2[idx]
    k = len(idx)
    weights = np.stack([lam, lam**2, w2 * lam, w2 * lam**2])  # (4, M)
    stacked = (e1[None, :, :] * weights[:, None, :]).reshape(4 * k, -1)
    m1, m2, s1, s2 = (stacked @ e2.T).reshape(4, k, len(kap))
    g = m2 * iP
    gam = (m1 * iP) / (1 - g)
    kk = kap[idx][:, None] * kap[None, :]
    c = s2 + kk * gam * s1
    d = (m2 + kk * gam * m1) * iN
    bracket = (s1 + m1 * c * iN / (1 - d) / ensembles) / (1 - g)
    q = e2 @ lam
    return bracket, 1 - q * iP, 1 - q * iN, idx


def two_point(kap: np.ndarray, lam: np.ndarray, w2: np.ndarray, N: float, P: float, ensembles: int = 1,
              rows: slice | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Matrices 𝓛_test(z_i, z_j) and 𝓛_train(z_i, z_j) = R₁(z_i)R₁(z_j)𝓛_test for z_i in rows, z_j all nodes."""
    bracket, r1, r3, idx = loss_kernel(kap, lam, w2, N, P, ensembles, rows)
    rr = r1 * r3
    test = bracket / (rr[idx][:, None] * rr[None, :])
    return test, r1[idx][:, None] * r1[None, :] * test
