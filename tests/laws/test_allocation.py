import numpy as np
import pytest

from equiscale.laws import compute_for_loss, compute_optimal, fit_parametric, frontier, frontier_numeric
from equiscale.laws.allocation import weighted_medians

EPOCH = np.array([1.8170, 482.01, 2085.43, 0.34781303, 0.36585412])
UNROUNDED = np.array([1.6934, 406.40, 410.72, 0.33917084, 0.2849083])
BUDGETS = np.array([1e21, 5.76e23, 1e25])


@pytest.mark.parametrize(("params", "n_opt", "d_per_n", "l_opt"), [
    (EPOCH, [2.78e9, 7.24e10, 3.13e11], [21.5, 18.3, 17.1], [2.305, 1.974, 1.911]),
    (UNROUNDED, [2.22e9, 4.04e10, 1.49e11], [33.9, 58.9, 75.5], [2.295, 1.918, 1.838]),
])
def test_reference_frontier_table(params, n_opt, d_per_n, l_opt):
    f = frontier(params, 6.0, BUDGETS)
    np.testing.assert_allclose(f["n_opt"], n_opt, rtol=5e-3)
    np.testing.assert_allclose(f["s_opt"] / f["n_opt"], d_per_n, rtol=5e-3)
    np.testing.assert_allclose(f["l_opt"], l_opt, rtol=5e-4)
    np.testing.assert_allclose(6.0 * f["n_opt"] * f["s_opt"], BUDGETS, rtol=1e-12)


@pytest.mark.parametrize("c", [1e19, 1e21, 1e25])
def test_numeric_minimiser_agrees_with_closed_form(c):
    n_num, l_num = frontier_numeric(EPOCH, 6.0, c)
    f = frontier(EPOCH, 6.0, c)
    assert n_num == pytest.approx(float(f["n_opt"][0]), rel=1e-3)
    assert l_num == pytest.approx(float(f["l_opt"][0]), rel=1e-6)


def test_compute_for_loss_inverts_the_frontier():
    c = np.logspace(18, 26, 5)
    loss = frontier(EPOCH, 6.0, c)["l_opt"]
    np.testing.assert_allclose(compute_for_loss(EPOCH, 6.0, loss), c, rtol=1e-9)
    assert np.isinf(compute_for_loss(EPOCH, 6.0, [1.0]))[0]  # below the floor E


def test_weighted_medians():
    v = np.array([3.0, 1.0, 2.0, 5.0])
    w = np.array([[1, 1, 1, 1], [0, 2, 0, 1], [1, 0, 0, 0]], dtype=float)
    np.testing.assert_allclose(weighted_medians(v, w), [2.5, 1.0, 3.0])


def test_allocation_from_bootstrapped_fit(parametric_grid):
    n, s, loss = parametric_grid(noise=0.01, seed=0)
    fit = fit_parametric(n, s, loss, bootstrap=15, seed=1)
    alloc = compute_optimal(fit, 100.0, axis="flops_measured", budgets=[1e8, 1e10])
    assert alloc.a == pytest.approx(fit.beta / (fit.alpha + fit.beta))
    lo, hi = alloc.intervals["a"]
    assert lo <= alloc.a <= hi
    assert alloc.intervals["kappa"] == (100.0, 100.0)
    (n_lo, n_hi), _ = alloc.intervals["at_budgets"]["n_opt"]
    assert n_lo <= alloc.n_opt(1e8)[0] <= n_hi
    # κ only shifts prefactors: N_opt ∝ κ^(−a) at fixed C
    other = compute_optimal(fit, 1000.0)
    assert other.n_opt(1e10)[0] / alloc.n_opt(1e10)[0] == pytest.approx(10 ** -alloc.a)
    d = alloc.to_dict()
    assert d["at_budgets"]["l_opt"][0] == pytest.approx(float(alloc.l_opt(1e8)[0]))
