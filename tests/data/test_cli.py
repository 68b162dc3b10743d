"""The ``equiscale data`` command group: success paths and one-line errors with exit code 2."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from equiscale.cli.data import app, parse_param

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args))


def test_parse_param_types():
    assert parse_param("steps=10") == ("steps", 10)
    assert parse_param("dt=1e-3") == ("dt", 0.001)
    assert parse_param("flag=True") == ("flag", True)
    assert parse_param("mode = fast") == ("mode", "fast")
    assert parse_param("sizes=[1, 2]") == ("sizes", [1, 2])


def test_generate_info_check(tmp_path):
    out = tmp_path / "ds"
    args = ["generate", "nbody", "--n-train", "30", "--n-val", "5", "--n-test", "5", "--seed", "2", "--out", str(out)]
    res = _run(*args, "--param", "steps=50", "--param", "dt=0.002", "--json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["params"]["steps"] == 50 and summary["params"]["dt"] == 0.002
    assert summary["splits"]["train"]["size"] == 30 and summary["splits"]["test_objects"]["tokens"] == 6
    res = _run(*args, "--param", "steps=50", "--param", "dt=0.002")  # the same request: reused
    assert res.exit_code == 0 and res.stdout.startswith(f"dataset {out}: train 30")
    res = _run("info", str(out))
    assert res.exit_code == 0
    for word in ("final_positions", "target", "point", "velocities", "vector", "[3]", "test_e3"):
        assert word in res.stdout
    info = json.loads(_run("info", str(out), "--json").stdout)
    assert info["schema"]["inputs"][0] == {"name": "masses", "type": "scalar", "shape": [1]}
    res = _run("check", str(out))
    assert res.exit_code == 0 and res.stdout.startswith("ok:") and "checksums verified" in res.stdout
    assert json.loads(_run("check", str(out), "--json").stdout)["ok"] is True


def _one_line_error(res, fragment: str) -> None:
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], res.output
    assert "Traceback" not in res.output


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["generate", "fluid"], "unknown benchmark 'fluid'"),
        (["generate", "nbody", "--param", "planets=2"], "unknown nbody parameter"),
        (["generate", "nbody", "--param", "dt"], "--param expects key=value"),
        (["generate", "nbody", "--param", "dt=-1"], "dt must be positive"),
        (["generate", "nbody", "--param", "steps=1.5"], "steps must be a positive integer"),
        (["generate", "nbody", "--param", "dt=1", "--param", "dt=2"], "given more than once"),
        (["generate", "nbody", "--n-train", "0"], "n_train must be at least 1"),
        (["info", "nowhere"], "does not exist"),
        (["check", "nowhere"], "does not exist"),
    ],
)
def test_errors(tmp_path, args, fragment):
    _one_line_error(_run(*args, "--out", str(tmp_path / "x")) if args[0] == "generate" else _run(*args), fragment)


def test_check_reports_corruption_and_overwrite_refusal(nbody_dir, tmp_path):
    import shutil

    ds = shutil.copytree(nbody_dir, tmp_path / "copy")
    _one_line_error(_run("generate", "nbody", "--n-train", "7", "--out", str(ds)), "holds a different dataset")
    x = np.load(ds / "test" / "velocities.npy")
    x[0, 0, 0] = np.nan
    np.save(ds / "test" / "velocities.npy", x)
    _one_line_error(_run("check", str(ds)), "checksum mismatch for test/velocities.npy")
