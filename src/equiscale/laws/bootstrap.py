"""Bootstrap over runs (reference §3): resample runs with replacement, refit, take percentile intervals.

A resample is represented by multiplicity weights (how often each run was drawn), which the weighted objective uses
directly — no data copies. Every draw comes from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from equiscale.laws._threads import limit_worker_blas

#: Percentile-interval coverage used everywhere unless asked otherwise.
CONFIDENCE = 0.95


def resample_weights(n_runs: int, n_boot: int, seed: int) -> np.ndarray:
    """(n_boot, n_runs) draw counts: each row is one resample of ``n_runs`` runs with replacement."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_runs, size=(n_boot, n_runs))
    offsets = (np.arange(n_boot) * n_runs)[:, None]
    return np.bincount((draws + offsets).ravel(), minlength=n_boot * n_runs).reshape(n_boot, n_runs).astype(float)


def run_refits(refit: Callable[[np.ndarray], np.ndarray], weights: np.ndarray, workers: int = 1) -> np.ndarray:
    """Apply ``refit`` to every resample row; rows that fail come back as NaN. ``workers > 1`` uses processes.

    ``refit`` must be picklable (a module-level function or a ``functools.partial`` of one) when ``workers > 1``.
    """
    workers = max(1, min(int(workers), os.cpu_count() or 1, len(weights)))
    if workers == 1:
        rows = [refit(w) for w in weights]
    else:
        chunk = max(1, len(weights) // (4 * workers))
        with ProcessPoolExecutor(max_workers=workers, initializer=limit_worker_blas) as pool:
            rows = list(pool.map(refit, weights, chunksize=chunk))
    return np.asarray(rows, dtype=np.float64)


def percentile_interval(samples: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Equal-tailed percentile interval of the finite samples (NaN, NaN if there are none)."""
    s = np.asarray(samples, dtype=np.float64)
    s = s[np.isfinite(s)]
    if s.size == 0:
        return (float("nan"), float("nan"))
    tail = 50.0 * (1.0 - confidence)
    lo, hi = np.percentile(s, [tail, 100.0 - tail])
    return (float(lo), float(hi))


def percentile_band(samples: np.ndarray, confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise percentile band over axis 0 of (n_boot, n_points) samples, ignoring non-finite rows per point."""
    tail = 50.0 * (1.0 - confidence)
    s = np.where(np.isfinite(samples), samples, np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns → NaN bounds, on purpose
        lo, hi = np.nanpercentile(s, [tail, 100.0 - tail], axis=0)
    return lo, hi


def intervals_of(
    named_samples: dict[str, np.ndarray], confidence: float = CONFIDENCE
) -> dict[str, tuple[float, float]]:
    """Percentile interval for each named sample vector."""
    return {k: percentile_interval(v, confidence) for k, v in named_samples.items()}


def jitter_starts(theta: np.ndarray, k: int, floor: bool, centre: np.ndarray, n: int, seed: int,
                  scale: float = 0.15) -> np.ndarray:
    """``n`` perturbed copies of a warm start: exponents moved by ±``scale``, coefficients moved so every term keeps
    its value at the data centre (``centre[j]`` = median log x_j), i.e. a nearby, sensible start."""
    rng = np.random.default_rng(seed)
    out = np.repeat(theta[None], n, axis=0)
    dp = rng.uniform(-scale, scale, size=(n, k))
    p0 = k + int(floor)
    out[:, p0:] = np.clip(out[:, p0:] + dp, 0.0, None)
    out[:, :k] += (out[:, p0:] - theta[p0:]) * centre
    return out
