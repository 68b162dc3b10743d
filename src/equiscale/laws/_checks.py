"""Input checks shared by the fitters: every failure is a one-line EquiscaleError saying what is missing."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from equiscale.errors import EquiscaleError


def as_positive_array(name: str, values: Sequence[float] | np.ndarray, n: int | None = None) -> np.ndarray:
    """``values`` as a 1-D float64 array of finite positive numbers (they are logged), of length ``n`` if given."""
    try:
        arr = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise EquiscaleError(f"{name} must be a sequence of numbers ({exc})") from None
    if n is not None and arr.size != n:
        raise EquiscaleError(f"{name} has {arr.size} values but there are {n} runs; give one value per run")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise EquiscaleError(f"{name} has {bad.size} non-finite value(s) (at run index {_first(bad)}); "
                             f"drop or rerun those runs")
    bad = np.flatnonzero(arr <= 0)
    if bad.size:
        raise EquiscaleError(f"{name} must be positive (it is fitted in log space); {bad.size} value(s) ≤ 0 "
                             f"(at run index {_first(bad)})")
    return arr


def require_runs(what: str, n_runs: int, needed: int) -> None:
    """At least ``needed`` runs (points) for a fit with that many free parameters plus one."""
    if n_runs < needed:
        raise EquiscaleError(f"{what} needs at least {needed} runs, got {n_runs}; add runs")


def require_span(what: str, axis: str, values: np.ndarray, needed: int) -> None:
    """At least ``needed`` distinct values along an axis, or the exponent of that axis is not identified."""
    distinct = np.unique(values)
    if distinct.size < needed:
        shown = ", ".join(f"{v:.4g}" for v in distinct[:4])
        raise EquiscaleError(f"{what} needs runs at ≥ {needed} distinct {axis} values to identify its exponent, "
                             f"got {distinct.size} ({shown}); add runs at other {axis} values")


def span_decades(values: np.ndarray) -> float:
    """log10(max/min): the reference asks for ≥ 1.5 decades per axis for a well-identified fit."""
    return float(np.log10(values.max() / values.min()))


def _first(idx: np.ndarray, k: int = 5) -> str:
    shown = ", ".join(str(int(i)) for i in idx[:k])
    return shown + (", …" if idx.size > k else "")
