import numpy as np
from scipy.optimize import approx_fprime

from equiscale.laws._objective import LogSumExpHuber
from equiscale.laws._optimize import start_grid


def _problem(floor: bool):
    rng = np.random.default_rng(1)
    lx = np.log(rng.uniform(1e3, 1e7, (2, 40)))
    ly = np.log(np.exp(-1) + np.exp(2 - 0.4 * lx[0]) + np.exp(3 - 0.5 * lx[1])) + rng.normal(0, 0.01, 40)
    theta = np.array([2.1, 2.9, -1.2, 0.42, 0.47]) if floor else np.array([2.1, 2.9, 0.42, 0.47])
    return LogSumExpHuber(lx, ly, floor=floor), theta, rng.integers(0, 3, 40).astype(float)


def test_analytic_gradient_matches_finite_differences():
    for floor in (True, False):
        obj, theta, w = _problem(floor)
        for weights in (None, w):
            grad = obj.value_and_grad(theta, weights)[1]
            num = approx_fprime(theta, lambda t, ww=weights, o=obj: o.value_and_grad(t, ww)[0], 1e-7)
            np.testing.assert_allclose(grad, num, rtol=1e-4, atol=1e-9)


def test_batched_values_match_single_evaluation_and_weights_count_runs():
    obj, theta, w = _problem(True)
    thetas = np.stack([theta, theta + 0.1])
    single = [obj.value_and_grad(t)[0] for t in thetas]
    np.testing.assert_allclose(obj.values(thetas), single, rtol=1e-12)
    # integer weights == duplicating runs
    dup = LogSumExpHuber(np.repeat(obj.log_x, w.astype(int), axis=1), np.repeat(obj.log_y, w.astype(int)), True)
    np.testing.assert_allclose(obj.value_and_grad(theta, w)[0], dup.value_and_grad(theta)[0], rtol=1e-12)


def test_huber_is_quadratic_inside_delta_and_linear_outside():
    obj = LogSumExpHuber(np.zeros((1, 2)), np.array([0.0, 0.0]), floor=False)
    # prediction log L̂ = c with exponent irrelevant (log x = 0): residual r = c
    small, big = 5e-4, 0.1
    assert np.isclose(obj.value_and_grad(np.array([small, 0.0]))[0], 2 * 0.5 * small**2)
    assert np.isclose(obj.value_and_grad(np.array([big, 0.0]))[0], 2 * 1e-3 * (big - 0.5e-3))


def test_start_grid_is_the_reference_grid_of_4500_points():
    obj, _, _ = _problem(True)
    grid = start_grid(obj)
    assert grid.shape == (4500, 5)
    assert set(np.unique(grid[:, 3])) == {0.0, 0.5, 1.0, 1.5, 2.0}
    assert grid[:, 2].max() <= obj.log_y.min()
