"""``equiscale theory``: the solvable random-feature model of scaling laws (curves, frontier, exponents)."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from equiscale.cli._common import emit_json, user_errors
from equiscale.errors import EquiscaleError

app = typer.Typer(help="Solvable random-feature model of neural scaling laws (Bordelon, Atanasov & Pehlevan).",
                  no_args_is_help=True)

A_OPT = typer.Option(..., "--a", help="Source exponent a > 1: target power (w*_k)² λ_k = k^-a.")
B_OPT = typer.Option(..., "--b", help="Capacity exponent b > 0: spectrum λ_k = k^-b.")
M_OPT = typer.Option(4000, "--M", help="Number of features (spectrum truncation); must be >= N.")
JSON_OPT = typer.Option(False, "--json", help="Print JSON on stdout instead of a table.")
PLOT_OPT = typer.Option(None, "--plot", help="Also write a PNG figure to this path.")

_err = Console(stderr=True)


@contextlib.contextmanager
def _progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr (stdout stays clean for --json); yields an advance(n) callback."""
    columns = (TextColumn(label), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn())
    with Progress(*columns, console=_err, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def _floats(text: str, option: str) -> list[float]:
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise EquiscaleError(f"{option} must be a comma-separated list of numbers, got {text!r}") from None
    if not values:
        raise EquiscaleError(f"{option} must list at least one number")
    return values


def _task(a: float, b: float, M: int) -> Any:
    from equiscale.theory import Task

    return Task(a, b, M)


def _save(fig: Any, path: Path) -> None:
    import io

    from equiscale.files import atomic_write_bytes

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120)
    atomic_write_bytes(path, buf.getvalue())
    _err.print(f"wrote {path}")


@app.command("curve")
@user_errors
def curve(
    a: float = A_OPT,
    b: float = B_OPT,
    M: int = M_OPT,
    N: float = typer.Option(math.inf, "--N", help="Random features (model size); 'inf' for an infinite model."),
    P: float = typer.Option(math.inf, "--P", help="Training samples; 'inf' for online (infinite) data."),
    t: str = typer.Option("1,10,100,1000,10000", "--t", help="Comma-separated times t = learning rate × steps."),
    ensembles: int = typer.Option(1, "--ensembles", help="Average of E independent feature draws (shared data)."),
    simulate: bool = typer.Option(False, "--simulate", help="Also run the exact simulation (needs finite N, P)."),
    seeds: int = typer.Option(10, "--seeds", help="Number of simulation seeds (seed, seed+1, …)."),
    seed: int = typer.Option(0, "--seed", help="First simulation seed."),
    eta: float = typer.Option(None, "--eta", help="Simulate discrete GD with this learning rate (t = eta × steps)."),
    json_out: bool = JSON_OPT,
    plot: Path = PLOT_OPT,
) -> None:
    """Expected test/train loss L(t; N, P) from the theory (and optionally the simulation)."""
    from equiscale.theory import loss_curve
    from equiscale.theory import simulate as run_simulation
    from equiscale.theory.plots import plot_theory

    task = _task(a, b, M)
    times = _floats(t, "--t")
    theory = loss_curve(task, times, N, P, ensembles=ensembles)
    sim = None
    if simulate:
        with _progress("simulating", seeds) as advance:
            sim = run_simulation(task, times, N, P, seeds=seeds, seed=seed, ensembles=ensembles, eta=eta,
                                 progress=advance)
    elif eta is not None:
        raise EquiscaleError("--eta applies to --simulate only (the theory is gradient flow)")
    if plot is not None:
        widths = [N] if math.isfinite(N) else [16, 64, 256]
        grid = np.geomspace(0.1, max(max(times), 1.0) * 10, 40)
        _save(plot_theory(task, widths, P=P, t=grid, simulations=[sim] if sim else ()), plot)
    if json_out:
        out: dict[str, Any] = theory.to_dict()
        if sim is not None:
            out["simulation"] = sim.to_dict()
        emit_json(out)
        return
    table = Table(title=f"a={a:g} b={b:g} M={M} N={N:g} P={P:g} E={ensembles}")
    for col in ["t", "test (theory)", "train (theory)"] + (["test (sim)", "train (sim)"] if sim else []):
        table.add_column(col, justify="right")
    for i, ti in enumerate(theory.t):
        row = [f"{ti:g}", f"{theory.test_loss[i]:.5g}", f"{theory.train_loss[i]:.5g}"]
        if sim is not None:
            row += [f"{sim.test_loss[i]:.5g} ± {sim.test_sem[i]:.2g}",
                    f"{sim.train_loss[i]:.5g} ± {sim.train_sem[i]:.2g}"]
        table.add_row(*row)
    Console().print(table)


@app.command("frontier")
@user_errors
def frontier(
    a: float = A_OPT,
    b: float = B_OPT,
    M: int = M_OPT,
    n_range: str = typer.Option("10,1000,9", "--n-grid", help="Model sizes as 'min,max,count' (log-spaced)."),
    t_range: str = typer.Option("1,10000,25", "--t-grid", help="Times as 'min,max,count' (log-spaced)."),
    c_range: str = typer.Option("1000,300000,6", "--c-grid", help="Compute budgets C = N·t as 'min,max,count'."),
    skip: int = typer.Option(0, "--skip", help="Leave the smallest budgets out of the slope fits."),
    json_out: bool = JSON_OPT,
    plot: Path = PLOT_OPT,
) -> None:
    """Compute-optimal frontier (P = ∞): N*(C), t*(C), L*(C) from theory curves, beside the asymptotic exponents."""
    from equiscale.theory import compute_frontier
    from equiscale.theory.plots import plot_theory

    task = _task(a, b, M)
    grids = []
    for text, option in ((n_range, "--n-grid"), (t_range, "--t-grid"), (c_range, "--c-grid")):
        lo_hi_n = _floats(text, option)
        if len(lo_hi_n) != 3 or not 0 < lo_hi_n[0] <= lo_hi_n[1] or lo_hi_n[2] < 2 or lo_hi_n[2] != int(lo_hi_n[2]):
            raise EquiscaleError(f"{option} must be 'min,max,count' with 0 < min <= max and count >= 2, got {text!r}")
        grids.append(np.geomspace(lo_hi_n[0], lo_hi_n[1], int(lo_hi_n[2])))
    with _progress("theory curves", len(grids[0])) as advance:
        result = compute_frontier(task, grids[2], grids[0], grids[1], skip=skip, progress=advance)
    if plot is not None:
        _save(plot_theory(task, list(grids[0][:: max(1, len(grids[0]) // 4)]), t=grids[1], frontier=result), plot)
    data = result.to_dict()
    if json_out:
        emit_json(data)
        return
    table = Table(title=f"compute-optimal frontier a={a:g} b={b:g} M={M}")
    for col in ("C", "L*", "N*", "t*", "edge"):
        table.add_column(col, justify="right")
    for i in range(len(result.C)):
        table.add_row(f"{result.C[i]:.4g}", f"{result.loss[i]:.4g}", f"{result.N[i]:.4g}", f"{result.t[i]:.4g}",
                      "yes" if result.on_edge[i] else "")
    Console().print(table)
    for key in ("compute", "n_opt", "t_opt"):
        typer.echo(f"{key}: fitted {data['fitted'][key]:.3f}  asymptotic {data['asymptotic'][key]:.3f}")


@app.command("exponents")
@user_errors
def exponents(
    a: float = A_OPT,
    b: float = B_OPT,
    M: int = M_OPT,
    alpha: float = typer.Option(None, "--alpha", help="Measured parameter exponent (L ∝ N^-alpha)."),
    beta: float = typer.Option(None, "--beta", help="Measured step exponent (L ∝ steps^-beta)."),
    gamma: float = typer.Option(None, "--gamma", help="Measured compute exponent (L* ∝ C^-gamma)."),
    a_n: float = typer.Option(None, "--a-N", help="Measured optimal-size exponent (N* ∝ C^a_N)."),
    a_s: float = typer.Option(None, "--a-S", help="Measured optimal-steps exponent (S* ∝ C^a_S)."),
    numeric: bool = typer.Option(False, "--numeric", help="Also measure slopes of the theory curves at this M."),
    json_out: bool = JSON_OPT,
) -> None:
    """Predicted exponents for (a, b), beside measured ones when given."""
    from equiscale.theory import data_exponent, time_exponent, width_exponent
    from equiscale.theory.bridge import compare_exponents

    task = _task(a, b, M)
    rows = compare_exponents({"alpha": alpha, "beta": beta, "gamma": gamma, "a_N": a_n, "a_S": a_s}, a, b)
    out: dict[str, Any] = {"a": a, "b": b, "exponents": rows}
    if numeric:
        sizes = np.geomspace(max(2.0, M / 400), max(4.0, M / 50), 4)
        out["numeric"] = {
            "time": time_exponent(task, np.geomspace(10, 100, 5)),
            "model": width_exponent(task, sizes),
            "data": data_exponent(task, sizes),
            "sizes": sizes.tolist(),
        }
    if json_out:
        emit_json(out)
        return
    table = Table(title=f"exponents for a={a:g} b={b:g} (positive = decay rate)")
    for col in ("name", "meaning", "theory", "paper", "measured", "difference") + (("numeric",) if numeric else ()):
        table.add_column(col)
    numeric_names = {"alpha": "model", "beta": "time", "data": "data"}
    for r in rows:
        cells = [r["name"], r["meaning"], f"{r['theory']:.3f}",
                 "" if r["theory_paper"] is None else f"{r['theory_paper']:.3f}",
                 "" if r["measured"] is None else f"{r['measured']:.3f}",
                 "" if r["difference"] is None else f"{r['difference']:+.3f}"]
        if numeric:
            key = numeric_names.get(r["name"])
            cells.append("" if key is None else f"{out['numeric'][key]:.3f}")
        table.add_row(*cells)
    Console().print(table)
