"""The parametric law L(N, S) = E + A·N^(−α) + B·S^(−β) (Chinchilla approach 3, reference §2).

The second axis is training steps S at fixed batch size in equiscale studies, or a sample/token count D when data is
the axis (e.g. the Chinchilla validation, D = C / 6N). Fitted with the sum-reduced Huber (δ = 1e-3) on log-loss in the
log-sum-exp parametrisation, L-BFGS-B with analytic gradient and tight tolerances from the reference's 4500-point
initialisation grid (screened: see ``_engine``), with E constrained to [0, min L].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from equiscale.laws import _checks
from equiscale.laws._engine import KEEP_BEST, fit_and_bootstrap
from equiscale.laws._objective import LogSumExpHuber
from equiscale.laws._optimize import start_grid
from equiscale.laws._serialize import jsonable
from equiscale.laws._threads import blas_single_thread
from equiscale.laws.bootstrap import CONFIDENCE, intervals_of

PARAMS = ("E", "A", "B", "alpha", "beta")
#: Span (decades) per axis below which E, B and β trade off along a ridge (reference §2.3 item 4).
MIN_DECADES = 1.5


@dataclass
class ParametricFit:
    """Fitted L(N, S) = E + A·N^(−α) + B·S^(−β); ``intervals`` hold bootstrap percentile intervals when bootstrapped.

    ``samples`` (bootstrap rows of E, A, B, alpha, beta) stay in memory for derived quantities and comparisons but are
    not part of ``to_dict()``.
    """

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    objective: float
    n_runs: int
    n_starts: int
    n_at_optimum: int
    irreducible: bool = True
    axes: tuple[str, str] = ("N", "S")
    bootstrap: int = 0
    seed: int = 0
    confidence: float = CONFIDENCE
    n_bootstrap_failed: int = 0
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    span_decades: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    samples: np.ndarray | None = field(default=None, repr=False)

    @property
    def a(self) -> float:
        """Compute-optimal exponent of N: N_opt ∝ C^a with a = β/(α+β)."""
        return self.beta / (self.alpha + self.beta)

    @property
    def b(self) -> float:
        """Compute-optimal exponent of S: S_opt ∝ C^b with b = α/(α+β)."""
        return self.alpha / (self.alpha + self.beta)

    @property
    def gamma(self) -> float:
        """Frontier exponent γ = αβ/(α+β): L_opt − E ∝ C^(−γ)."""
        return self.alpha * self.beta / (self.alpha + self.beta)

    def params(self) -> np.ndarray:
        """(E, A, B, alpha, beta) as an array, the column order of ``samples``."""
        return np.array([self.E, self.A, self.B, self.alpha, self.beta])

    def predict(self, n: Sequence[float] | np.ndarray | float, s: Sequence[float] | np.ndarray | float) -> np.ndarray:
        """Predicted loss at parameters ``n`` and steps (or samples) ``s`` (broadcasting)."""
        n = np.asarray(n, dtype=np.float64)
        s = np.asarray(s, dtype=np.float64)
        return self.E + self.A * n ** (-self.alpha) + self.B * s ** (-self.beta)

    def to_dict(self) -> dict[str, Any]:
        n_ax, s_ax = self.axes
        return jsonable({
            "law": f"E + A*{n_ax}^-alpha + B*{s_ax}^-beta",
            **{k: getattr(self, k) for k in PARAMS},
            "a": self.a, "b": self.b, "gamma": self.gamma,
            "irreducible": self.irreducible,
            "objective": self.objective, "n_runs": self.n_runs,
            "n_starts": self.n_starts, "n_at_optimum": self.n_at_optimum,
            "bootstrap": {"n": self.bootstrap, "seed": self.seed, "failed": self.n_bootstrap_failed,
                          "confidence": self.confidence},
            "intervals": self.intervals, "span_decades": self.span_decades, "notes": self.notes,
        })


def theta_to_params(theta: np.ndarray, irreducible: bool) -> np.ndarray:
    """Optimiser vector(s) [log A, log B, (log E), α, β] → (E, A, B, α, β); works row-wise on 2-D input."""
    t = np.atleast_2d(theta)
    e = np.exp(t[:, 2]) if irreducible else np.zeros(len(t))
    p0 = 3 if irreducible else 2
    out = np.column_stack([e, np.exp(t[:, 0]), np.exp(t[:, 1]), t[:, p0], t[:, p0 + 1]])
    return out if np.ndim(theta) == 2 else out[0]


def derived_samples(samples: np.ndarray) -> dict[str, np.ndarray]:
    """Per-resample parameters and derived exponents (a, b, γ) by name."""
    E, A, B, al, be = samples.T
    with np.errstate(all="ignore"):
        return {"E": E, "A": A, "B": B, "alpha": al, "beta": be,
                "a": be / (al + be), "b": al / (al + be), "gamma": al * be / (al + be)}


@blas_single_thread
def fit_parametric(
    n: Sequence[float] | np.ndarray,
    d: Sequence[float] | np.ndarray,
    loss: Sequence[float] | np.ndarray,
    *,
    bootstrap: int = 0,
    seed: int = 0,
    irreducible: bool = True,
    workers: int = 1,
    keep_best: int | None = KEEP_BEST,
    confidence: float = CONFIDENCE,
    axes: tuple[str, str] = ("N", "S"),
) -> ParametricFit:
    """Fit L(N, D) = E + A·N^(−α) + B·D^(−β) to one loss per run.

    ``n``: parameters per run; ``d``: steps (at fixed batch) or samples/tokens; ``loss``: final test loss.
    ``bootstrap``: number of run resamples for percentile intervals on every parameter and on a, b, γ (seeded by
    ``seed``; ``workers`` > 1 refits in processes). ``irreducible=False`` fixes E = 0. ``keep_best=None`` runs
    L-BFGS-B from all 4500 grid starts instead of the best-screened ``keep_best``.
    """
    loss_arr = _checks.as_positive_array("loss", loss)
    m = loss_arr.size
    n_arr = _checks.as_positive_array(axes[0], n, m)
    d_arr = _checks.as_positive_array(axes[1], d, m)
    n_free = 5 if irreducible else 4
    what = "parametric fit L(N, S)"
    _checks.require_runs(what, m, n_free + 1)
    needed = 3 if irreducible else 2
    _checks.require_span(what, axes[0], n_arr, needed)
    _checks.require_span(what, axes[1], d_arr, needed)

    obj = LogSumExpHuber(np.log(np.vstack([n_arr, d_arr])), np.log(loss_arr), floor=irreducible)
    best, thetas = fit_and_bootstrap(obj, start_grid(obj), keep_best=keep_best, bootstrap=bootstrap, seed=seed,
                                     workers=workers)
    spans = {axes[0]: _checks.span_decades(n_arr), axes[1]: _checks.span_decades(d_arr)}
    notes = [f"{ax} spans only {v:.2f} decades (< {MIN_DECADES}): E, B and the exponents may trade off"
             for ax, v in spans.items() if v < MIN_DECADES]
    fit = ParametricFit(*map(float, theta_to_params(best.theta, irreducible)), objective=best.objective, n_runs=m,
                        n_starts=best.n_starts, n_at_optimum=best.n_at_optimum, irreducible=irreducible, axes=axes,
                        bootstrap=bootstrap, seed=seed, confidence=confidence, span_decades=spans, notes=notes)
    if irreducible and fit.E >= 0.999 * float(loss_arr.min()):
        fit.notes.append("E sits at the smallest observed loss (its upper bound): the floor is not identified")
    if thetas is not None:
        samples = theta_to_params(thetas, irreducible)
        fit.samples = samples
        fit.n_bootstrap_failed = int(np.sum(~np.all(np.isfinite(samples), axis=1)))
        fit.intervals = intervals_of(derived_samples(samples), confidence)
    return fit
