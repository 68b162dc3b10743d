import json

import numpy as np
import pytest

from equiscale.errors import EquiscaleError
from equiscale.laws import fit_parametric


def test_chinchilla_refit_reproduces_epoch(chinchilla):
    n, d, loss = chinchilla
    fit = fit_parametric(n, d, loss, axes=("N", "D"))
    assert fit.alpha == pytest.approx(0.348, rel=0.03)
    assert fit.beta == pytest.approx(0.366, rel=0.03)
    assert fit.a == pytest.approx(0.366 / (0.348 + 0.366), rel=0.03)
    assert fit.E == pytest.approx(1.817, abs=0.01)
    assert 470 < fit.A < 490 and 2000 < fit.B < 2200
    # tighter than Epoch's own parameters (reference §6.3: 1.0183e-3 vs 1.0186e-3)
    assert fit.objective < 1.0186e-3 and fit.objective == pytest.approx(1.0183e-3, rel=1e-3)


def test_noiseless_law_is_recovered_exactly(parametric_grid):
    n, s, loss = parametric_grid(noise=0.0, seed=0)
    fit = fit_parametric(n, s, loss)
    np.testing.assert_allclose(fit.params(), [0.01, 2.0, 3.0, 0.5, 0.45], rtol=1e-6)
    np.testing.assert_allclose(fit.predict(n, s), loss, rtol=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_noisy_synthetic_recovery_within_reference_tolerance(seed, parametric_grid):
    n, s, loss = parametric_grid(noise=0.01, seed=seed)
    fit = fit_parametric(n, s, loss)
    assert abs(fit.alpha - 0.5) < 0.02 and abs(fit.beta - 0.45) < 0.02
    assert abs(fit.a - 0.45 / 0.95) < 0.02


def test_bootstrap_intervals_cover_truth_and_are_seeded(parametric_grid):
    n, s, loss = parametric_grid(noise=0.01, seed=3)
    fit = fit_parametric(n, s, loss, bootstrap=20, seed=7)
    again = fit_parametric(n, s, loss, bootstrap=20, seed=7)
    other = fit_parametric(n, s, loss, bootstrap=20, seed=8)
    assert fit.intervals == again.intervals and fit.intervals != other.intervals
    for name, truth in {"alpha": 0.5, "beta": 0.45, "a": 0.45 / 0.95}.items():
        lo, hi = fit.intervals[name]
        assert lo < getattr(fit, name) < hi and lo - 0.02 < truth < hi + 0.02
    assert set(fit.intervals) >= {"E", "A", "B", "alpha", "beta", "a", "b", "gamma"}
    assert fit.samples.shape == (20, 5) and fit.n_bootstrap_failed == 0
    d = fit.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["intervals"]["alpha"] == list(fit.intervals["alpha"]) and d["bootstrap"]["n"] == 20


def test_fixed_zero_floor(parametric_grid):
    n, s, loss = parametric_grid(noise=0.0, seed=0, law=(0.0, 2.0, 3.0, 0.5, 0.45))
    fit = fit_parametric(n, s, loss, irreducible=False)
    assert fit.E == 0.0 and fit.alpha == pytest.approx(0.5, abs=1e-4)


def test_errors_name_what_is_missing(parametric_grid):
    n, s, loss = parametric_grid(noise=0.0, seed=0)
    with pytest.raises(EquiscaleError, match="at least 6 runs"):
        fit_parametric(n[:4], s[:4], loss[:4])
    with pytest.raises(EquiscaleError, match="distinct N"):
        fit_parametric(np.full(n.size, 1e4), s, loss)
    with pytest.raises(EquiscaleError, match="distinct S"):
        fit_parametric(n, np.full(n.size, 100.0), loss)
    bad = loss.copy()
    bad[3] = np.nan
    with pytest.raises(EquiscaleError, match="non-finite"):
        fit_parametric(n, s, bad)
    with pytest.raises(EquiscaleError, match="positive"):
        fit_parametric(n, s, -loss)
    with pytest.raises(EquiscaleError, match="one value per run"):
        fit_parametric(n[:-1], s, loss)
