"""The sweep driver end to end with real worker processes: statuses, idempotence, growth, retries, corruption."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from equiscale.cli.runs import app as runs_app
from equiscale.sweep import read_records, run_sweep
from equiscale.sweep.store import RunStore

from .helpers import write_plan


def test_sweep_records_divergence_is_idempotent_and_adds_only_new_runs(tmp_path, dataset_dir) -> None:
    store = tmp_path / "runs.db"
    plan = write_plan(tmp_path / "p.yaml", dataset_dir, family=["gatr", "transformer"],
                      overrides={"transformer": {"lr": 1e30}})
    first = run_sweep(plan, store, workers=2, progress=False)
    assert first["planned"] == first["new"] == first["attempted"] == 2
    assert first["counts"]["done"] == 1 and first["counts"]["diverged"] == 1 and not first["failed"]
    with RunStore.open(store) as st:
        rows = {r["family"]: r for r in st.runs()}
        diverged = st.get(rows["transformer"]["run_id"])
    assert rows["gatr"]["status"] == "done" and rows["transformer"]["status"] == "diverged"
    assert diverged["record"]["diverged_at"] is not None and diverged["config"]["lr"] == 1e30
    records = read_records(store)
    assert [r["config"]["family"] for r in records] == ["gatr"] and records[0]["test_loss"] > 0
    assert records[0]["curve"] and records[0]["config"]["width"] > 0

    again = run_sweep(plan, store, workers=2, progress=False)  # nothing to do: done and diverged are final
    assert again["new"] == 0 and again["attempted"] == 0 and again["skipped"] == 2

    grown = write_plan(tmp_path / "p.yaml", dataset_dir, family=["gatr", "transformer"], seed=[0, 1],
                       overrides={"transformer": {"lr": 1e30}})
    third = run_sweep(grown, store, workers=2, progress=False)
    assert third["planned"] == 4 and third["new"] == 2 and third["attempted"] == 2 and third["skipped"] == 2
    with RunStore.open(store) as st:
        assert st.counts()["done"] == 2 and st.counts()["diverged"] == 2
        assert all(r["attempts"] == 1 for r in st.runs())  # nothing ran twice

    runner = CliRunner()
    listed = runner.invoke(runs_app, ["list", "--store", str(store), "--json"])
    assert listed.exit_code == 0 and len(json.loads(listed.output)) == 4
    rid = records[0]["run_id"]
    shown = runner.invoke(runs_app, ["show", rid[:8], "--store", str(store), "--json"])
    assert shown.exit_code == 0 and json.loads(shown.output)["record"]["run_id"] == rid
    human = runner.invoke(runs_app, ["list", "--store", str(store)])
    assert human.exit_code == 0 and "diverged" in human.output
    missing = runner.invoke(runs_app, ["list", "--store", str(tmp_path / "none.db")])
    assert missing.exit_code == 2 and "run store not found" in missing.output


def test_failed_runs_resume_from_checkpoint_and_corrupt_checkpoints_restart_cleanly(tmp_path, dataset_dir) -> None:
    store = tmp_path / "runs.db"
    plan = write_plan(tmp_path / "p.yaml", dataset_dir, seed=[0, 1])
    first = run_sweep(plan, store, workers=1, progress=False, trainer="_flaky:train")
    assert first["counts"]["failed"] == 2
    assert all("injected crash at step 12" in f["error"] for f in first["failed"])
    with RunStore.open(store) as st:
        rows = st.runs()
    assert all(r["checkpoint_step"] == 10 for r in rows)
    intact, corrupted = rows
    ckpts = sorted((tmp_path / "checkpoints" / corrupted["run_id"]).glob("ckpt-*.pt"))
    assert ckpts
    for path in ckpts:  # flip bytes in the payload: the header survives, the checksum does not
        raw = bytearray(path.read_bytes())
        raw[-100:-90] = bytes(10)
        path.write_bytes(bytes(raw))

    second = run_sweep(plan, store, workers=1, progress=False, trainer="_flaky:train")
    assert second["counts"]["done"] == 2 and second["attempted"] == 2
    with RunStore.open(store) as st:
        a, b = st.get(intact["run_id"]), st.get(corrupted["run_id"])
    assert a["resumed_from"] == 10 and a["record"]["resumed_from"] == 10 and a["attempts"] == 2
    assert b["resumed_from"] is None and b["record"]["resumed_from"] is None
    notes = " | ".join(b["record"]["notes"])
    assert "checksum mismatch" in notes and "restarted from step 0" in notes
    assert any(n["run_id"] == corrupted["run_id"] for n in second["notes"])  # the sweep says so too
    assert second["resumed"] == [intact["run_id"]]
