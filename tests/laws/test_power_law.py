import json

import numpy as np
import pytest

from equiscale.errors import EquiscaleError
from equiscale.laws import best_per_x, fit_parametric, fit_power_law, pareto_frontier


def _compute_law(noise: float, seed: int, E: float = 0.01, A: float = 50.0, gamma: float = 0.25):
    rng = np.random.default_rng(seed)
    c = np.logspace(10, 16, 30)
    return c, (E + A * c**-gamma) * np.exp(rng.normal(0.0, noise, c.size))


@pytest.mark.parametrize("seed", [0, 1])
def test_recovers_compute_exponent_with_floor(seed):
    c, loss = _compute_law(0.01, seed)
    fit = fit_power_law(c, loss)
    assert fit.gamma == pytest.approx(0.25, abs=0.02)
    assert fit.E == pytest.approx(0.01, rel=0.15)


def test_pure_power_law_recovers_and_underestimates_near_a_floor():
    c, loss = _compute_law(0.01, 0, E=0.0)
    assert fit_power_law(c, loss, irreducible=False).gamma == pytest.approx(0.25, abs=0.01)
    c, loss = _compute_law(0.0, 0)  # floor present: the pure law's slope is too shallow (reference §5)
    pure = fit_power_law(c, loss, irreducible=False)
    assert pure.E == 0.0 and pure.gamma < 0.22


def test_frontier_is_the_lower_envelope():
    c = np.array([1.0, 2.0, 2.0, 3.0, 4.0, 5.0])
    loss = np.array([5.0, 6.0, 4.0, 4.5, 3.0, 3.0])
    assert pareto_frontier(c, loss).tolist() == [0, 2, 4]
    assert best_per_x(c, loss).tolist() == [0, 2, 3, 4, 5]


def test_frontier_of_a_parametric_grid_follows_its_frontier_exponent():
    n = np.repeat(np.logspace(3, 6, 10), 10)
    s = np.tile(np.logspace(2, 5, 10), 10)
    loss = 20 * n**-0.5 + 10 * s**-0.4  # no floor: frontier is a pure power law with γ = αβ/(α+β)
    fit = fit_power_law(6 * n * s, loss, frontier=True, irreducible=False)
    assert fit.n_points < n.size and fit.reduction == "frontier"
    assert fit.gamma == pytest.approx(0.5 * 0.4 / 0.9, abs=0.02)
    assert np.all(np.diff(fit.loss_points) < 0)


def test_frontier_gamma_is_consistent_with_parametric_fit():
    rng = np.random.default_rng(4)
    n = np.repeat(np.logspace(3, 6, 8), 8)
    s = np.tile(np.logspace(2, 5, 8), 8)
    loss = (20 * n**-0.5 + 10 * s**-0.4) * np.exp(rng.normal(0, 0.01, n.size))
    law = fit_power_law(6 * n * s, loss, frontier=True, irreducible=False)
    par = fit_parametric(n, s, loss, irreducible=False)
    assert law.gamma == pytest.approx(par.gamma, abs=0.03)


def test_bootstrap_intervals_band_and_json():
    c, loss = _compute_law(0.01, 2)
    fit = fit_power_law(c, loss, bootstrap=30, seed=3)
    lo, hi = fit.intervals["gamma"]
    assert lo < fit.gamma < hi and lo - 0.02 < 0.25 < hi + 0.02
    blo, bhi = fit.band(c)
    assert np.all(blo <= fit.predict(c) * 1.001) and np.all(bhi >= fit.predict(c) * 0.999)
    assert fit_power_law(c, loss, bootstrap=30, seed=3).intervals == fit.intervals
    json.dumps(fit.to_dict(), allow_nan=False)


def test_errors():
    c, loss = _compute_law(0.0, 0)
    with pytest.raises(EquiscaleError, match="at least 4 runs"):
        fit_power_law(c[:3], loss[:3])
    with pytest.raises(EquiscaleError, match="distinct C"):
        fit_power_law(np.full(6, 1e12), loss[:6])
    with pytest.raises(EquiscaleError, match="non-finite"):
        fit_power_law(c, np.where(np.arange(c.size) == 2, np.inf, loss))
    with pytest.raises(EquiscaleError, match="frontier"):  # monotone increasing loss: a one-point frontier
        fit_power_law(c, loss[::-1], frontier=True)
