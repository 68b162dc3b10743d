"""The `equiscale train` command: JSON record, human summary, one-line user errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from equiscale.cli.train import app

ARGS = ["--size", "16x1", "--steps", "6", "--batch-size", "16", "--device", "cpu"]


def test_json_prints_the_run_record(nbody_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--data", str(nbody_dir), *ARGS, "--workdir", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["status"] == "done" and record["config"]["steps"] == 6 and record["config"]["width"] == 16
    assert record["test_loss"] > 0
    assert json.loads((tmp_path / "record.json").read_text()) == record


def test_summary_without_json(nbody_dir: Path, tmp_path: Path) -> None:
    args = ["--data", str(nbody_dir), *ARGS, "--workdir", str(tmp_path), "--augment", "--fresh"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "status done" in result.stdout and "test" in result.stdout


def test_bad_input_is_a_one_line_error(nbody_dir: Path, tmp_path: Path) -> None:
    for extra, message in ((["--family", "mlp"], "unknown model family"), (["--steps", "0"], "steps must be")):
        result = CliRunner().invoke(app, ["--data", str(nbody_dir), *ARGS, *extra, "--workdir", str(tmp_path)])
        assert result.exit_code == 2
        assert result.output.strip().startswith("error:") and message in result.output
    result = CliRunner().invoke(app, ["--data", str(tmp_path / "missing"), *ARGS, "--workdir", str(tmp_path)])
    assert result.exit_code == 2 and "error:" in result.output
