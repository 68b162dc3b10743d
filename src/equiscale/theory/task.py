"""The power-law task of the random-feature model and the checks on its parameters.

λ_k = k^(−b) (capacity), (w*_k)² λ_k = k^(−a) (source), k = 1..M. N random features and P samples may be
``math.inf`` in the theory (infinite model / infinite data), but must be finite integers in the simulation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from equiscale.errors import EquiscaleError

INF = math.inf


@dataclass(frozen=True)
class Task:
    """A power-law teacher: exponents ``a`` (source, > 1) and ``b`` (capacity, > 0) truncated at ``M`` features."""

    a: float
    b: float
    M: int = 4000

    def __post_init__(self) -> None:
        if not (isinstance(self.a, (int, float)) and math.isfinite(self.a) and self.a > 1):
            raise EquiscaleError(f"a must be a number > 1 (the target power k^-a must be summable), got {self.a}")
        if not (isinstance(self.b, (int, float)) and math.isfinite(self.b) and self.b > 0):
            raise EquiscaleError(f"b must be a number > 0 (spectrum k^-b must decay), got {self.b}")
        if isinstance(self.M, bool) or not isinstance(self.M, (int, np.integer)) or self.M < 2:
            raise EquiscaleError(f"M must be an integer >= 2 (number of features), got {self.M}")

    @cached_property
    def eigenvalues(self) -> np.ndarray:
        """λ_k = k^(−b), k = 1..M."""
        return np.arange(1, self.M + 1, dtype=float) ** (-self.b)

    @cached_property
    def target_sq(self) -> np.ndarray:
        """(w*_k)² = k^(−(a−b)), so that (w*_k)² λ_k = k^(−a)."""
        return np.arange(1, self.M + 1, dtype=float) ** (-(self.a - self.b))

    @property
    def target(self) -> np.ndarray:
        """w*_k = k^(−(a−b)/2) (positive signs)."""
        return np.sqrt(self.target_sq)

    @property
    def initial_loss(self) -> float:
        """L(0) = Σ_k k^(−a): the loss of the zero predictor."""
        return float(np.sum(self.target_sq * self.eigenvalues))

    def check_width(self, N: float) -> float:
        """Validate a number of random features N (``inf`` allowed); M must be at least N."""
        N = check_count("N", N)
        if math.isfinite(N) and N > self.M:
            raise EquiscaleError(f"M={self.M} is too small for N={N:g}: need M >= N (raise --M or lower --N)")
        return N


def check_count(name: str, value: float, *, allow_inf: bool = True) -> float:
    """Validate N or P: a number >= 1, or ``inf`` when allowed. Returns it as float."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise EquiscaleError(f"{name} must be a number >= 1, got {value!r}") from None
    if math.isnan(v) or v < 1:
        raise EquiscaleError(f"{name} must be >= 1, got {value}")
    if math.isinf(v) and not allow_inf:
        raise EquiscaleError(f"{name} must be finite here, got {value}")
    return v


def check_integer_count(name: str, value: float) -> int:
    """Validate a finite integer N or P (the simulation draws actual matrices)."""
    v = check_count(name, value, allow_inf=False)
    if v != int(v):
        raise EquiscaleError(f"{name} must be an integer for the simulation, got {value}")
    return int(v)


def check_times(t: float | Iterable[float]) -> np.ndarray:
    """Validate training times (t = learning rate × steps): finite and >= 0. Returns a 1-D float array."""
    arr = np.atleast_1d(np.asarray(t, dtype=float))
    if arr.ndim != 1 or arr.size == 0:
        raise EquiscaleError("t must be a non-empty list of times")
    bad = arr[~np.isfinite(arr) | (arr < 0)]
    if bad.size:
        raise EquiscaleError(f"t must be finite and >= 0, got {bad[0]:g}")
    return arr


def check_ensembles(E: int) -> int:
    """Validate an ensemble size (number of independent feature draws averaged)."""
    if isinstance(E, bool) or not isinstance(E, (int, np.integer)) or E < 1:
        raise EquiscaleError(f"ensembles must be an integer >= 1, got {E}")
    return int(E)
