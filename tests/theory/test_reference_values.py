"""The theory reproduces the reference values of shared/reference/random_feature_theory.md §7.1 and §7.3."""

from __future__ import annotations

import math

import numpy as np
import pytest

from equiscale.theory import Task, infinite_time_loss, loss_curve, ridge_loss

TIMES = [1, 10, 100, 1e3, 1e4, 1e5]

# (M, N, P, a, b) -> (test row, train row), printed as in the reference (rounded).
REFERENCE = {
    (800, 200, 200, 1.5, 1.25): (
        "1.3135 0.5546 0.3406 0.4087 0.8401 2.2703", "1.26585 0.44575 0.14142 0.04347 0.01364 0.00431"),
    (800, 100, 400, 1.5, 1.25): (
        "1.3220 0.5863 0.4015 0.4314 0.4368 0.4368", "1.2981 0.52908 0.28428 0.24589 0.2457 0.2457"),
    (800, 400, 100, 1.5, 1.25): (
        "1.3176 0.5652 0.3618 0.3743 0.3782 0.3782", "1.22334 0.3609 0.04932 2.4e-4 0 0"),
    (2000, 500, 500, 1.5, 1.25): (
        "1.3243 0.5292 0.2572 0.2190 0.3565 0.8654", "1.30387 0.4799 0.16117 0.04962 0.01542 0.00486"),
    (2000, 250, 1000, 2.0, 1.5): (
        "0.5934 0.1346 0.0406 0.0221 0.0221 0.0226", "0.59041 0.13112 0.03644 0.01606 0.01277 0.01272"),
}


def _tolerance(text: str) -> float:
    """1e-4 relative, or half a unit in the last printed digit when the reference is rounded coarser."""
    ref = float(text)
    if ref == 0:
        return 1e-6
    mantissa = text.lower().split("e")[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = int(text.lower().split("e")[1]) if "e" in text.lower() else 0
    return max(1e-4 * abs(ref), 0.5 * 10.0 ** (exponent - decimals) * 1.01)


def _assert_row(values: np.ndarray, row: str) -> None:
    for value, text in zip(values, row.split(), strict=True):
        assert abs(value - float(text)) <= _tolerance(text), (value, text)


@pytest.mark.parametrize("case", list(REFERENCE))
def test_loss_curve_matches_reference(case: tuple) -> None:
    M, N, P, a, b = case
    curve = loss_curve(Task(a, b, M), TIMES, N, P)
    _assert_row(curve.test_loss, REFERENCE[case][0])
    _assert_row(curve.train_loss, REFERENCE[case][1])


def test_interpolation_threshold_is_non_monotone() -> None:
    curve = loss_curve(Task(1.5, 1.25, 800), TIMES, 200, 200)
    i = int(np.argmin(curve.test_loss))
    assert 0 < i < len(TIMES) - 1
    assert curve.test_loss[-1] > 2 * curve.test_loss[i]
    assert np.all(np.diff(curve.train_loss) < 0)  # train keeps falling while test rises
    assert infinite_time_loss(Task(1.5, 1.25, 800), 200, 200)[0] == math.inf
    assert infinite_time_loss(Task(2.0, 1.5, 100), 1, 1) == (math.inf, 0.0)


@pytest.mark.parametrize(("N", "P"), [(100, 400), (400, 100), (250, 1000)])
def test_late_time_plateau_equals_infinite_time_limit(N: int, P: int) -> None:
    task = Task(1.5, 1.25, 800) if P != 1000 else Task(2.0, 1.5, 2000)
    test, train = infinite_time_loss(task, N, P)
    curve = loss_curve(task, [1e7], N, P)
    assert curve.test_loss[0] == pytest.approx(test, rel=1e-3)
    assert curve.train_loss[0] == pytest.approx(train, rel=1e-3, abs=1e-8)
    if P < N:
        assert train < 1e-12  # enough features to interpolate the data


def test_time_zero_is_the_initial_loss() -> None:
    task = Task(2.0, 1.5, 500)
    curve = loss_curve(task, [0.0, 1e-6], 50, 80)
    assert curve.test_loss[0] == curve.train_loss[0] == pytest.approx(np.sum(np.arange(1, 501) ** -2.0))
    assert curve.test_loss[1] == pytest.approx(task.initial_loss, rel=1e-4)


RIDGE = {  # (N, P): [(test, train) for ridge 1e-3, 1e-2, 1e-1]
    (200, 200): [(0.36669, 0.05488), (0.35860, 0.17743), (0.64369, 0.54091)],
    (100, 400): [(0.41133, 0.24952), (0.41505, 0.31338), (0.67133, 0.61827)],
    (400, 100): [(0.36150, 0.00482), (0.38347, 0.08678), (0.65657, 0.46181)],
}


@pytest.mark.parametrize("NP", list(RIDGE))
def test_ridge_matches_reference(NP: tuple[int, int]) -> None:
    task = Task(1.5, 1.25, 800)
    for ridge, (test, train) in zip([1e-3, 1e-2, 1e-1], RIDGE[NP], strict=True):
        got = ridge_loss(task, ridge, *NP)
        assert got[0] == pytest.approx(test, rel=1e-4, abs=5e-6)
        assert got[1] == pytest.approx(train, rel=1e-4, abs=5e-6)


def test_infinite_model_and_data_is_plain_spectral_decay() -> None:
    # N = P = inf: v(t) = exp(−Λt) w*, so L(t) = Σ k^(−a) e^(−2λ_k t) exactly; train = test.
    task = Task(2.0, 1.5, 1000)
    t = np.array([0.5, 5.0, 50.0])
    curve = loss_curve(task, t)
    exact = (task.target_sq * task.eigenvalues * np.exp(-2 * np.outer(t, task.eigenvalues))).sum(axis=1)
    np.testing.assert_allclose(curve.test_loss, exact, rtol=1e-6)
    np.testing.assert_allclose(curve.train_loss, exact, rtol=1e-6)


def test_ensembling_reduces_only_the_variance() -> None:
    task = Task(1.5, 1.25, 800)
    one, many = (loss_curve(task, [100.0], 100, 400, ensembles=e).test_loss[0] for e in (1, 1000))
    infinite_n = loss_curve(task, [100.0], math.inf, 400).test_loss[0]
    assert many < one
    assert many > infinite_n  # the bias of a finite feature set stays
