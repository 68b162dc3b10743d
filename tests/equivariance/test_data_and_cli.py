"""Data equivariance error of the rigid benchmark vs gravity, and the `equivariance data|model` commands."""

import itertools
import json
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from equiscale import data
from equiscale.cli import app
from equiscale.data import rigid
from equiscale.equivariance import oracle_data_error

runner = CliRunner()


@pytest.fixture(scope="module")
def rigid_inputs() -> dict:
    arrays, _ = rigid.generate(12, 0, rigid.validate_params({}))
    return {k: torch.from_numpy(v).double() for k, v in arrays.items() if k in rigid.INPUTS}


def test_rigid_data_error_zero_without_gravity_and_monotone_in_it(rigid_inputs) -> None:
    schema = rigid.schema()
    errors = []
    for g in (0.0, 0.5, 1.0, 2.0):
        params = rigid.validate_params({"gravity": g})
        err = oracle_data_error(lambda b, p=params: rigid.simulate_inputs(b, p), rigid_inputs, schema,
                                group="E3", n_elements=3, bootstrap=0)  # fmt: skip
        errors.append(err.mean_relative)
    assert errors[0] < 1e-9
    assert all(b > a * 1.2 for a, b in itertools.pairwise(errors)), errors
    # Gravity along z leaves rotations about z, vertical mirrors and translations: no error under that subgroup.
    params = rigid.validate_params({"gravity": 2.0})
    err = oracle_data_error(lambda b: rigid.simulate_inputs(b, params), rigid_inputs, schema, group="E3z",
                            n_elements=3, bootstrap=0)  # fmt: skip
    assert err.mean_relative < 1e-9


def test_data_command_json(tmp_path: Path) -> None:
    ds = data.generate("rigid", n_train=8, n_val=4, n_test=8, seed=0, params={"gravity": 1.0},
                       out=tmp_path / "g1", progress=False)  # fmt: skip
    res = runner.invoke(app, ["equivariance", "data", str(ds.path), "--n-inputs", "8", "--elements", "2",
                              "--bootstrap", "20", "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["method"] == "oracle" and out["group"] == "E3"
    assert out["relative_error"] > 0.05 and out["ee2_sq_per_component"] > 0
    assert 0 < out["mmd"]["p_value"] <= 1


def test_model_command_on_a_stored_run(tmp_path: Path) -> None:
    from equiscale.sweep.store import RunStore
    from equiscale.train import RunConfig, train_run

    ds = data.generate("nbody", n_train=32, n_val=8, n_test=16, seed=0, out=tmp_path / "nb", progress=False)
    cfg = RunConfig(family="gatr", size="xs", steps=3, dataset=str(ds.path), batch_size=8).resolve(available=32)
    run_id = cfg.config_hash()
    record = train_run(cfg, workdir=tmp_path / "checkpoints" / run_id)
    with RunStore.open(tmp_path / "runs.db", create=True) as store:
        store.add_runs({run_id: cfg.to_dict()})
        store.finish(run_id, record)
    args = ["equivariance", "model", "--store", str(tmp_path / "runs.db"), "--run", run_id[:8], "--n-inputs", "8",
            "--elements", "2", "--bootstrap", "20", "--group", "SE3", "--json"]  # fmt: skip
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["run_id"] == run_id and out["family"] == "gatr" and out["step"] == 3
    assert out["error"]["mean_relative"] < 1e-4  # GATr is SE(3)-equivariant on raw fields, float32 round-off
    assert out["factors"]["permutation"]["mean_relative"] < 1e-5
    assert out["lie_derivative"]["relative_lee"] < 1e-16  # float64 copy: exact up to round-off
    bad = runner.invoke(app, ["equivariance", "model", "--store", str(tmp_path / "runs.db"), "--run", "zzzz"])
    assert bad.exit_code == 2 and "no run with id" in bad.output


@pytest.mark.parametrize(
    ("args", "message"),
    [(["equivariance", "data", "/nonexistent/dir"], "error:"),
     (["equivariance", "model", "--store", "/nonexistent/runs.db", "--run", "ab"], "error:")],
)  # fmt: skip
def test_bad_input_is_one_line_exit_2(args: list[str], message: str) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert message in res.output and "Traceback" not in res.output
