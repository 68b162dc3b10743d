"""Invalid parameters give one-line EquiscaleErrors; the CLI prints them and exits with code 2."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from equiscale.cli.theory import app
from equiscale.errors import EquiscaleError
from equiscale.theory import Task, infinite_time_loss, loss_curve, ridge_loss

runner = CliRunner()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Task(1.0, 1.5, 100), "a must be"),
        (lambda: Task(0.5, 1.5, 100), "a must be"),
        (lambda: Task(2.0, 0.0, 100), "b must be"),
        (lambda: Task(2.0, -1.0, 100), "b must be"),
        (lambda: Task(2.0, 1.5, 1), "M must be"),
        (lambda: loss_curve(Task(2.0, 1.5, 100), [1.0], 0.5, 10), "N must be >= 1"),
        (lambda: loss_curve(Task(2.0, 1.5, 100), [1.0], 10, 0), "P must be >= 1"),
        (lambda: loss_curve(Task(2.0, 1.5, 100), [1.0, -1.0], 10, 10), "t must be finite and >= 0"),
        (lambda: loss_curve(Task(2.0, 1.5, 100), [math.inf], 10, 10), "t must be finite"),
        (lambda: loss_curve(Task(2.0, 1.5, 100), [1.0], 200, 10), "M=100 is too small for N=200"),
        (lambda: loss_curve(Task(2.0, 1.5, 100), [1.0], 10, 10, ensembles=0), "ensembles"),
        (lambda: infinite_time_loss(Task(2.0, 1.5, 100), 10, "many"), "P must be a number"),
        (lambda: ridge_loss(Task(2.0, 1.5, 100), -1.0, 10, 10), "ridge must be"),
    ],
)
def test_invalid_parameters_raise_one_line_errors(make, message: str) -> None:
    with pytest.raises(EquiscaleError, match=message) as info:
        make()
    assert "\n" not in str(info.value)


def test_curve_json_has_exactly_the_three_keys() -> None:
    result = runner.invoke(app, ["curve", "--a", "1.5", "--b", "1.25", "--M", "800", "--N", "200", "--P", "200",
                                 "--t", "1,10,100", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"t", "test_loss", "train_loss"}
    assert data["t"] == [1.0, 10.0, 100.0]
    assert data["test_loss"] == pytest.approx([1.3135, 0.5546, 0.3406], abs=5.1e-5)
    assert data["train_loss"] == pytest.approx([1.26585, 0.44575, 0.14142], abs=5.1e-6)


def test_curve_accepts_infinite_sizes_and_simulates(tmp_path) -> None:
    result = runner.invoke(app, ["curve", "--a", "2", "--b", "1.5", "--M", "300", "--t", "1,10", "--json"])
    assert result.exit_code == 0, result.output
    png = tmp_path / "curve.png"
    result = runner.invoke(app, ["curve", "--a", "2", "--b", "1.5", "--M", "300", "--N", "30", "--P", "60",
                                 "--t", "1,10", "--simulate", "--seeds", "2", "--plot", str(png)])
    assert result.exit_code == 0, result.output
    assert "test (sim)" in result.stdout and png.stat().st_size > 1000


def test_frontier_and_exponents_commands() -> None:
    result = runner.invoke(app, ["frontier", "--a", "2", "--b", "1.5", "--M", "1000", "--n-grid", "10,300,5",
                                 "--t-grid", "1,3000,12", "--c-grid", "300,10000,4", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["C"]) == 4 and data["asymptotic"]["n_opt"] == pytest.approx(0.4)
    result = runner.invoke(app, ["exponents", "--a", "2", "--b", "1.5", "--alpha", "0.9", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)["exponents"]}
    assert rows["alpha"]["difference"] == pytest.approx(-0.1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["curve", "--a", "1", "--b", "1.5"], "a must be"),
        (["curve", "--a", "2", "--b", "0"], "b must be"),
        (["curve", "--a", "2", "--b", "1.5", "--N", "0"], "N must be >= 1"),
        (["curve", "--a", "2", "--b", "1.5", "--P", "0.5"], "P must be >= 1"),
        (["curve", "--a", "2", "--b", "1.5", "--t", "1,-5"], "t must be finite and >= 0"),
        (["curve", "--a", "2", "--b", "1.5", "--t", "1,x"], "--t must be a comma-separated list"),
        (["curve", "--a", "2", "--b", "1.5", "--M", "100", "--N", "500"], "M=100 is too small for N=500"),
        (["curve", "--a", "2", "--b", "1.5", "--M", "100", "--simulate"], "N must be finite"),
        (["curve", "--a", "2", "--b", "1.5", "--eta", "0.1"], "--eta applies to --simulate only"),
        (["frontier", "--a", "2", "--b", "1.5", "--n-grid", "10,5"], "--n-grid must be 'min,max,count'"),
        (["exponents", "--a", "0.9", "--b", "1.5"], "a must be"),
    ],
)
def test_cli_errors_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
