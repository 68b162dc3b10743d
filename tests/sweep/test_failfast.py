"""A bad sweep fails before any run starts: one line, exit code 2, and the store is not even created."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from equiscale.cli.sweep import app

from .helpers import write_plan


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize(
    ("axes", "message"),
    [
        ({"family": ["mlp"]}, "axes.family: unknown family 'mlp'"),
        ({"steps": [-5]}, "axes.steps: must be >= 1, got -5"),
        ({"n_train": [65]}, "axes.n_train: 65 exceeds the dataset's 64 training samples"),
        ({"fixed": {"optimiser": "sgd"}}, "fixed.optimiser: unknown hyper-parameter"),
        ({"fixed": {"optimizer": "sgd"}}, "unknown optimizer 'sgd'"),
    ],
)
def test_plan_errors(tmp_path, dataset_dir, axes, message) -> None:
    plan = write_plan(tmp_path / "p.yaml", dataset_dir, **axes)
    result = _invoke(str(plan))
    assert result.exit_code == 2, result.output
    assert message in result.output and result.output.startswith("error: ") and result.output.count("\n") == 1
    assert not (tmp_path / "runs.db").exists() and not (tmp_path / "checkpoints").exists()


def test_unknown_key_and_bad_yaml(tmp_path, dataset_dir) -> None:
    plan = write_plan(tmp_path / "p.yaml", dataset_dir)
    data = yaml.safe_load(plan.read_text())
    data["axis"] = {}
    plan.write_text(yaml.safe_dump(data))
    result = _invoke(str(plan))
    assert result.exit_code == 2 and "axis: unknown key" in result.output
    plan.write_text("axes: [unclosed\n")
    result = _invoke(str(plan))
    assert result.exit_code == 2 and "bad YAML at line" in result.output
    assert not (tmp_path / "runs.db").exists()


def test_unreachable_ray_address_and_unwritable_store(tmp_path, dataset_dir) -> None:
    plan = write_plan(tmp_path / "p.yaml", dataset_dir)
    result = _invoke(str(plan), "--executor", "ray", "--address", "127.0.0.1:9")
    assert result.exit_code == 2 and "cannot reach Ray cluster at 127.0.0.1:9" in result.output
    assert not (tmp_path / "runs.db").exists()
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    result = _invoke(str(plan), "--store", str(blocker / "runs.db"))
    assert result.exit_code == 2 and "not writable" in result.output
    result = _invoke(str(plan), "--executor", "slurm")
    assert result.exit_code == 2 and "unknown executor 'slurm'" in result.output
    assert not (tmp_path / "runs.db").exists() and not (tmp_path / "checkpoints").exists()
