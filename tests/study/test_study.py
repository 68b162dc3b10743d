"""The study command: presets load, bad input is one line (exit 2), smoke runs end to end and re-runs idempotently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from equiscale.cli.report import fit_command, report_command
from equiscale.cli.study import study_command
from equiscale.errors import EquiscaleError
from equiscale.study import PRESETS, load_study

runner = CliRunner()


def _app(*commands) -> typer.Typer:
    app = typer.Typer()
    for c in commands:
        app.command(c.__name__.removesuffix("_command"))(c)
    app.command("noop", hidden=True)(lambda: None)  # keep sub-command names with one command
    return app


APP = _app(study_command, report_command, fit_command)


@pytest.mark.parametrize("name", PRESETS)
def test_presets_are_valid_plans_on_one_dataset(name: str) -> None:
    study, plans, path = load_study(name)
    assert study == name and path.is_file() and plans
    assert len({repr(p.dataset) for p in plans}) == 1
    series = {f + ("+aug" if a else "") for p in plans for f in p.axes["family"] for a in p.axes["augment"]}
    assert series == {"gatr", "transformer", "transformer+aug"}
    # every law is fittable: ≥ 3 sizes × 3 steps at the largest data size, ≥ 4 data sizes at the longest training
    for fam in series:
        grid = [p for p in plans if fam.split("+")[0] in p.axes["family"]]
        assert max(len(p.axes["size"]) for p in grid) >= 3 and max(len(p.axes["steps"]) for p in grid) >= 3
        assert len({d for p in grid for d in p.axes["n_train"]}) >= 4


@pytest.mark.parametrize("args, message", [
    (["--preset", "huge"], "unknown preset 'huge'"),
    (["--preset", "missing/plan.yaml"], "plan file not found"),
])
def test_bad_input_is_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    res = runner.invoke(APP, ["study", *args, "--out", str(tmp_path / "s")])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert not (tmp_path / "s").exists()


def test_bad_plan_content_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "plan.yaml"
    bad.write_text("name: x\ndataset: {benchmark: rigid, n_train: 8}\naxes: {family: nope, size: xs, steps: 1, "
                   "n_train: 8}\n")
    with pytest.raises(EquiscaleError, match="nope"):
        load_study(bad)
    res = runner.invoke(APP, ["study", "--preset", str(bad), "--out", str(tmp_path / "s")])
    assert res.exit_code == 2 and res.output.startswith("error: ")


def test_report_and_fit_need_a_store(tmp_path: Path) -> None:
    for cmd in (["report", "--store", str(tmp_path / "none.db"), "--out", str(tmp_path / "r")],
                ["fit", "--store", str(tmp_path / "none.db")]):
        res = runner.invoke(APP, cmd)
        assert res.exit_code == 2 and res.output.strip() == f"error: run store not found: {tmp_path / 'none.db'}"


def test_smoke_study_end_to_end_and_idempotent(tmp_path: Path) -> None:
    out, data = tmp_path / "study", tmp_path / "data"
    args = ["study", "--preset", "smoke", "--out", str(out), "--data-dir", str(data), "--json"]
    res = runner.invoke(APP, args)
    assert res.exit_code == 0, res.output
    first = json.loads(res.output)
    assert first["runs_done"] == first["new"] > 0 and first["failed"] == []
    assert (out / "runs.db").is_file() and (out / "report" / "index.html").is_file()
    assert first["dataset"].startswith(str(data)) and first["dataset_cache"] == str(data)
    summary = json.loads((out / "report" / "summary.json").read_text())
    assert {s for s in summary["fits"]["series"]} == {"gatr", "transformer", "transformer+aug"}
    assert summary["verdicts"]
    data_errors = summary["equivariance"]["data"]
    assert len(data_errors) == 1 and next(iter(data_errors.values())) < 1e-9  # rigid without gravity: exact symmetry
    assert all(r["error"] < 1e-4 for r in summary["equivariance"]["runs"] if r["series"] == "gatr")
    again = json.loads(runner.invoke(APP, args).output)
    assert again["new"] == 0 and again["runs_done"] == first["runs_done"]
    res = runner.invoke(APP, ["fit", "--store", str(out / "runs.db"), "--bootstrap", "0", "--json"])
    assert res.exit_code == 0 and set(json.loads(res.output)["series"]) == {"gatr", "transformer", "transformer+aug"}
    res = runner.invoke(APP, ["report", "--store", str(out / "runs.db"), "--out", str(tmp_path / "r"),
                              "--bootstrap", "0", "--no-theory"])
    assert res.exit_code == 0 and (tmp_path / "r" / "index.html").is_file()
