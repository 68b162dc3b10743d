"""Bridge to measured exponents, fitting (a, b) to learning curves, and the theory figure."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from matplotlib.figure import Figure

from equiscale.errors import EquiscaleError
from equiscale.theory import Task, compute_frontier, loss_curve, simulate
from equiscale.theory.bridge import compare_exponents, fit_task, implied_task
from equiscale.theory.plots import plot_theory


@dataclass
class Fitted:
    alpha: float
    beta: float
    gamma: float | None = None


def test_compare_exponents_accepts_dict_and_dataclass() -> None:
    rows = {r["name"]: r for r in compare_exponents(Fitted(alpha=0.45, beta=0.4), 1.5, 1.25)}
    assert rows["alpha"]["theory"] == pytest.approx(0.5) and rows["alpha"]["difference"] == pytest.approx(-0.05)
    assert rows["beta"]["theory"] == pytest.approx(0.4) and rows["beta"]["difference"] == pytest.approx(0.0)
    assert rows["gamma"]["measured"] is None and rows["gamma"]["theory"] == pytest.approx(0.5 * 0.4 / 0.9)
    assert rows["a_N"]["theory"] + rows["a_S"]["theory"] == pytest.approx(1.0)
    same = {r["name"]: r for r in compare_exponents({"alpha": 0.45, "beta": 0.4}, 1.5, 1.25)}
    assert same["alpha"] == rows["alpha"]


def test_easy_task_reports_the_papers_reading_too() -> None:
    rows = {r["name"]: r for r in compare_exponents({}, 4.0, 1.25)}
    assert rows["alpha"]["theory"] == 1.25 and rows["alpha"]["theory_paper"] == 2.5
    hard = {r["name"]: r for r in compare_exponents({}, 1.5, 1.25)}
    assert hard["alpha"]["theory_paper"] is None


def test_implied_task_inverts_the_hard_regime() -> None:
    a, b = implied_task(0.5, 0.4)
    assert (a, b) == pytest.approx((1.5, 1.25))
    rows = {r["name"]: r for r in compare_exponents({"alpha": 0.5, "beta": 0.4}, a, b)}
    assert rows["alpha"]["difference"] == pytest.approx(0) and rows["beta"]["difference"] == pytest.approx(0)
    with pytest.raises(EquiscaleError):
        implied_task(-1, 0.4)
    with pytest.raises(EquiscaleError, match="must be a number"):
        compare_exponents({"alpha": "fast"}, 1.5, 1.25)


def test_fit_recovers_task_from_one_curve() -> None:
    t = np.geomspace(0.1, 1e3, 25)
    rng = np.random.default_rng(0)
    loss = 3.0 * loss_curve(Task(2.0, 1.5, 1000), 0.5 * t).test_loss * np.exp(0.01 * rng.standard_normal(t.size))
    fit = fit_task(t, loss)
    assert (fit.a - 1) / fit.b == pytest.approx(2 / 3, abs=0.02)
    assert fit.a == pytest.approx(2.0, abs=0.15) and fit.b == pytest.approx(1.5, abs=0.15)
    assert fit.rms_log_residual < 0.02


def test_fit_recovers_task_from_several_widths() -> None:
    task = Task(1.5, 1.25, 300)
    t = np.geomspace(0.3, 3e3, 9)
    widths = [10, 30, 90]  # two widths over few times leave (a, b) ill-determined
    loss = np.array([2.0 * loss_curve(task, 0.5 * t, 2 * n).test_loss for n in widths])
    fit = fit_task(t, loss, widths, M=300, initial=(1.8, 1.5))
    assert fit.a == pytest.approx(1.5, abs=0.05) and fit.b == pytest.approx(1.25, abs=0.05)
    assert fit.width_scale == pytest.approx(2.0, rel=0.1)


def test_fit_rejects_bad_curves() -> None:
    with pytest.raises(EquiscaleError, match="shape"):
        fit_task([1, 2, 3], [[1, 2, 3]], N=[10, 20])
    with pytest.raises(EquiscaleError, match="positive"):
        fit_task([1, 2, 3], [1, -2, 3])


def test_plot_theory_returns_figure_with_panels() -> None:
    task = Task(2.0, 1.5, 500)
    t = np.geomspace(1, 1e3, 12)
    sim = simulate(task, [1, 10, 100], 50, 100, seeds=2)
    frontier = compute_frontier(task, [300, 1000, 3000], [10, 30, 100], t)
    fig = plot_theory(task, [10, 30, 100], t=t, frontier=frontier, simulations=[sim])
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert len(fig.axes[0].get_lines()) == 3
    assert len(plot_theory(task, [10, 30, 100], t=t).axes) == 2
