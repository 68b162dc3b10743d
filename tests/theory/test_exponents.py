"""Numerical exponents of the theory against the asymptotic formulas, and the compute-optimal frontier."""

from __future__ import annotations

import numpy as np
import pytest

from equiscale.theory import (
    Task,
    asymptotic_exponents,
    compute_frontier,
    data_exponent,
    gap_exponent,
    loss_curve,
    time_exponent,
    time_limited_loss,
    width_convergence_exponent,
)


@pytest.mark.parametrize(("a", "b"), [(4.0, 1.25), (2.0, 1.5)])
def test_time_exponent_matches_asymptote(a: float, b: float) -> None:
    # Regime: N, P = inf and M >> t^(1/b) so the truncated tail is negligible.
    measured = time_exponent(Task(a, b, 4000), np.geomspace(10, 100, 5))
    assert measured == pytest.approx(asymptotic_exponents(a, b).time, abs=0.02)


def test_time_limited_prefactor() -> None:
    task = Task(4.0, 1.25, 4000)
    t = np.array([30.0, 100.0])
    np.testing.assert_allclose(loss_curve(task, t).test_loss, time_limited_loss(4.0, 1.25, t), rtol=0.05)


def test_data_exponent_matches_asymptote() -> None:
    measured = data_exponent(Task(2.0, 1.5, 20000), [50, 100, 200, 400])
    assert measured == pytest.approx(asymptotic_exponents(2.0, 1.5).data, abs=0.02)


def test_early_corrections_are_one_over_width_and_data() -> None:
    task = Task(1.5, 1.25, 4000)
    assert width_convergence_exponent(task, 0.3, [200, 400, 800, 1600]) == pytest.approx(1.0, abs=0.02)
    assert gap_exponent(task, 0.3, [200, 400, 800, 1600]) == pytest.approx(1.0, abs=0.02)
    # After much data reuse the gap decays more slowly in P (task-dependent), as in the reference §5.
    assert gap_exponent(task, 1e4, [200, 400, 800, 1600]) < 0.8


def test_asymptotic_formulas() -> None:
    hard = asymptotic_exponents(2.0, 1.5)  # a − 1 < b: N* ∝ C^(1/(1+b)), t* ∝ C^(b/(1+b))
    assert hard.n_opt == pytest.approx(1 / 2.5) and hard.t_opt == pytest.approx(1.5 / 2.5)
    assert hard.compute == pytest.approx(1 / 2.5)
    easy = asymptotic_exponents(4.0, 1.25)
    assert easy.model == 1.25 and easy.model_paper == 2.5 and easy.data == 2.5
    assert easy.compute == pytest.approx(1.25 * 3 / (3 + 1.25**2))


def test_numerical_frontier_follows_asymptotic_exponents() -> None:
    task = Task(2.0, 1.5, 3000)
    frontier = compute_frontier(task, np.geomspace(10**3, 10**5.5, 6), np.geomspace(10, 1000, 9),
                                np.geomspace(1, 1e4, 17))
    pred = asymptotic_exponents(2.0, 1.5)
    assert frontier.compute == pytest.approx(pred.compute, abs=0.05)
    assert frontier.n_opt == pytest.approx(pred.n_opt, abs=0.05)
    assert frontier.t_opt == pytest.approx(pred.t_opt, abs=0.05)
    assert frontier.n_opt + frontier.t_opt == pytest.approx(1.0)
    assert np.all(np.diff(frontier.loss) < 0) and not frontier.on_edge.any()
    assert frontier.t_opt > frontier.n_opt  # steps outgrow parameters when b > 1


@pytest.mark.slow
def test_numerical_frontier_reference_points() -> None:
    task = Task(2.0, 1.5, 30000)
    C = 10 ** np.arange(2.5, 6.51, 0.25)
    frontier = compute_frontier(task, C, np.geomspace(10, 2000, 14), np.geomspace(1, 1e5, 40), skip=2)
    assert frontier.compute == pytest.approx(0.393, abs=0.01)
    for c, loss in [(1e4, 0.0576), (1e5, 0.0233), (1e6, 0.00940)]:
        i = int(np.argmin(abs(frontier.C - c)))
        assert frontier.loss[i] == pytest.approx(loss, rel=0.02)
