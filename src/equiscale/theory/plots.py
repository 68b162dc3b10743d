"""Matplotlib figure of the theory: loss vs t for several N, the compute-optimal frontier, theory vs simulation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from equiscale.theory.curves import LossCurve, loss_curve
from equiscale.theory.frontier import Frontier, compute_frontier
from equiscale.theory.simulate import SimulatedCurve
from equiscale.theory.task import INF, Task


def plot_theory(task: Task, N_values: Sequence[float] = (16, 64, 256), *, P: float = INF, t: Any = None,
                frontier: Frontier | None = None, simulations: Sequence[SimulatedCurve] = ()) -> Figure:
    """Figure with panels: test loss vs t for each N (P fixed); loss vs compute C = N·t with the frontier
    (computed from these curves at P = ∞ when not given); and, when ``simulations`` are given, theory lines
    against simulation means ± s.e.m. (test and train). Returns the Figure (no pyplot state is touched).
    """
    times = np.geomspace(0.1, 1e4, 40) if t is None else np.asarray(t, dtype=float)
    positive = times[times > 0]
    curves: list[LossCurve] = [loss_curve(task, times, n, P) for n in N_values]
    panels = 3 if simulations else 2
    fig = Figure(figsize=(5 * panels, 4), layout="constrained")
    axes = fig.subplots(1, panels, squeeze=False)[0]

    ax = axes[0]
    for n, c in zip(N_values, curves, strict=True):
        ax.loglog(c.t[c.t > 0], c.test_loss[c.t > 0], label=f"N={n:.4g}")
    ax.set(xlabel="t (learning rate × steps)", ylabel="test loss",
           title=f"a={task.a:g}, b={task.b:g}, M={task.M}, P={P:g}")
    ax.legend(fontsize=8)

    ax = axes[1]
    if frontier is None and len(N_values) >= 3 and positive.size >= 2:
        lo, hi = min(N_values) * positive[0], max(N_values) * positive[-1]
        C = np.geomspace(lo * 10, hi / 10, 8) if hi > 100 * lo else np.geomspace(lo, hi, 8)
        frontier = compute_frontier(task, C, N_values, positive)
    for n in N_values:
        c = loss_curve(task, positive, n, INF) if P != INF else curves[list(N_values).index(n)]
        ax.loglog(n * c.t[c.t > 0], c.test_loss[c.t > 0], color="0.7", lw=1)
    if frontier is not None:
        ax.loglog(frontier.C, frontier.loss, "o-", color="C3",
                  label=f"L* ∝ C^-{frontier.compute:.3f}, N* ∝ C^{frontier.n_opt:.2f}")
        ax.legend(fontsize=8)
    ax.set(xlabel="compute C = N·t", ylabel="test loss (P = ∞)", title="compute-optimal frontier")

    if simulations:
        ax = axes[2]
        for i, sim in enumerate(simulations):
            keep = sim.t > 0
            dense = np.geomspace(sim.t[keep].min(), sim.t[keep].max(), 30) if keep.sum() > 1 else sim.t[keep]
            th = loss_curve(task, dense, sim.N, sim.P, ensembles=sim.ensembles)
            for values, sem, theory, style in ((sim.test_loss, sim.test_sem, th.test_loss, "o"),
                                               (sim.train_loss, sim.train_sem, th.train_loss, "s")):
                ax.errorbar(sim.t[keep], values[keep], yerr=sem[keep], fmt=style, color=f"C{i}", ms=4, capsize=2)
                ax.plot(dense, theory, "-" if style == "o" else "--", color=f"C{i}")
            ax.plot([], [], "-", color=f"C{i}", label=f"N={sim.N}, P={sim.P} ({len(sim.seeds)} seeds)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set(xlabel="t", ylabel="loss (o test, □ train)", title="theory (lines) vs simulation")
        ax.legend(fontsize=8)
    return fig
