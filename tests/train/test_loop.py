"""train_run on real data and models: record contents, determinism, resume, corrupted checkpoints, divergence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from equiscale import data
from equiscale.errors import EquiscaleError
from equiscale.train import RunConfig, load_trained_model, train_run
from equiscale.train.checkpoint import list_checkpoints
from equiscale.train.losses import evaluate
from tests.train.conftest import replace

RECORD_KEYS = {
    "run_id", "status", "config", "params", "flops_per_step_measured", "flops_per_step_nominal", "flops_measured",
    "flops_nominal", "train_seconds", "total_seconds", "test_loss", "final_train_loss", "final_val_loss", "epochs",
    "curve", "diverged_at", "device", "versions", "notes", "seeds",
}  # fmt: skip
LOSSES = ("final_train_loss", "final_val_loss", "test_loss")


class StopRunError(Exception):
    pass


def interrupt_at(step: int):
    def progress(s: int, loss: float) -> None:
        if s == step:
            raise StopRunError

    return progress


def test_record_is_complete_json_and_consistent(tiny: RunConfig, tmp_path: Path) -> None:
    seen: list[int] = []
    record = train_run(tiny, workdir=tmp_path, progress=lambda s, loss: seen.append(s))
    assert RECORD_KEYS <= set(record)
    assert json.loads(json.dumps(record, allow_nan=False)) == record
    assert json.loads((tmp_path / "record.json").read_text()) == record
    assert record["status"] == "done" and record["diverged_at"] is None and record["device"] == "cpu"
    assert seen == list(range(1, 21))
    assert [p["step"] for p in record["curve"]] == [5, 10, 15, 20]
    assert all(p["train_loss"] > 0 and p["val_loss"] > 0 for p in record["curve"])
    assert all(record[k] is not None and record[k] > 0 for k in LOSSES)
    assert record["final_val_loss"] == pytest.approx(record["curve"][-1]["val_loss"])  # n_eval covers all 32
    assert record["epochs"] == pytest.approx(20 * 16 / 64)
    assert record["flops_measured"] == 20 * record["flops_per_step_measured"] > 0
    assert record["flops_nominal"] == 20 * record["flops_per_step_nominal"] > 0
    assert 0 < record["train_seconds"] <= record["total_seconds"]
    assert record["params"] > 0 and record["config"]["width"] == 16 and record["config"]["augment"] is True
    assert RunConfig.from_dict(record["config"]).config_hash() == record["run_id"] == tiny.config_hash()


def test_trained_model_reopens_with_final_weights(tiny: RunConfig, tmp_path: Path) -> None:
    record = train_run(replace(tiny, steps=8, checkpoint_every=0), workdir=tmp_path)
    model, cfg, step = load_trained_model(tmp_path)
    assert step == 8 and cfg.config_hash() == record["run_id"] and not model.training
    dataset = data.load(cfg.dataset)
    test = data.standardize(dataset.tensors("test"), dataset.stats, dataset.schema)
    loss = evaluate(model, test, dataset.schema, batch_size=7)
    assert loss == pytest.approx(record["test_loss"], rel=1e-5)


def test_same_seed_same_result_and_training_helps(tiny: RunConfig, tmp_path: Path) -> None:
    cfg = replace(tiny, augment=False, steps=30, eval_every=10)
    a = train_run(cfg, workdir=tmp_path / "a")
    b = train_run(cfg, workdir=tmp_path / "b")
    assert [a[k] for k in LOSSES] == [b[k] for k in LOSSES]
    assert a["curve"][-1]["val_loss"] < a["curve"][0]["val_loss"]
    other = train_run(replace(cfg, n_train=32), workdir=tmp_path / "c")
    assert other["test_loss"] != a["test_loss"] and other["epochs"] == pytest.approx(30 * 16 / 32)


def test_resume_reproduces_the_uninterrupted_run(tiny: RunConfig, tmp_path: Path) -> None:
    full = train_run(tiny, workdir=tmp_path / "full")
    with pytest.raises(StopRunError):
        train_run(tiny, workdir=tmp_path / "cut", progress=interrupt_at(13))
    assert [p.name for p in list_checkpoints(tmp_path / "cut")] == ["ckpt-000000005.pt", "ckpt-000000010.pt"]
    resumed = train_run(tiny, workdir=tmp_path / "cut")
    assert resumed["resumed_from"] == 10 and resumed["notes"] == []
    for key in LOSSES:
        assert resumed[key] == pytest.approx(full[key], abs=1e-6, rel=0)
    assert [p["val_loss"] for p in resumed["curve"]] == pytest.approx([p["val_loss"] for p in full["curve"]], abs=1e-6)
    # a finished run is returned from its record without training again
    calls: list[int] = []
    again = train_run(tiny, workdir=tmp_path / "cut", progress=lambda s, loss: calls.append(s))
    assert again == resumed and calls == []


def _corrupt(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[-10] ^= 0xFF  # one flipped byte in the payload
    path.write_bytes(bytes(raw))


def test_corrupted_checkpoint_is_reported_and_skipped(tiny: RunConfig, tmp_path: Path) -> None:
    full = train_run(tiny, workdir=tmp_path / "full")
    with pytest.raises(StopRunError):
        train_run(tiny, workdir=tmp_path / "cut", progress=interrupt_at(12))
    _corrupt(tmp_path / "cut" / "ckpt-000000010.pt")
    resumed = train_run(tiny, workdir=tmp_path / "cut")
    assert resumed["resumed_from"] == 5
    assert any("ckpt-000000010.pt: checksum mismatch" in note for note in resumed["notes"])
    assert (tmp_path / "cut" / "ckpt-000000010.corrupt").exists()
    for key in LOSSES:
        assert resumed[key] == pytest.approx(full[key], abs=1e-6, rel=0)


def test_all_checkpoints_corrupted_restarts_from_zero(tiny: RunConfig, tmp_path: Path) -> None:
    full = train_run(tiny, workdir=tmp_path / "full")
    with pytest.raises(StopRunError):
        train_run(tiny, workdir=tmp_path / "cut", progress=interrupt_at(12))
    for path in list_checkpoints(tmp_path / "cut"):
        _corrupt(path)
    resumed = train_run(tiny, workdir=tmp_path / "cut")
    assert resumed["resumed_from"] is None
    assert sum("checksum mismatch" in n for n in resumed["notes"]) == 2
    assert any("restarted from step 0" in n for n in resumed["notes"])
    assert resumed["test_loss"] == pytest.approx(full["test_loss"], abs=1e-6, rel=0)


def test_checkpoints_of_another_run_are_refused(tiny: RunConfig, tmp_path: Path) -> None:
    with pytest.raises(StopRunError):
        train_run(tiny, workdir=tmp_path, progress=interrupt_at(6))
    with pytest.raises(EquiscaleError, match="holds checkpoints of another run"):
        train_run(replace(tiny, seed=1), workdir=tmp_path)
    fresh = train_run(replace(tiny, seed=1), workdir=tmp_path, resume=False)  # resume=False starts over
    assert fresh["status"] == "done" and fresh["resumed_from"] is None


def test_huge_learning_rate_diverges_without_crashing(tiny: RunConfig, tmp_path: Path) -> None:
    cfg = replace(tiny, lr=1e30, grad_clip=None, warmup_steps=0, augment=False)
    record = train_run(cfg, workdir=tmp_path)
    assert record["status"] == "diverged"
    assert isinstance(record["diverged_at"], int) and 1 <= record["diverged_at"] <= cfg.steps
    assert all(record[k] is None for k in LOSSES)
    assert record["flops_measured"] == record["diverged_at"] * record["flops_per_step_measured"]
    json.dumps(record, allow_nan=False)
    assert train_run(cfg, workdir=tmp_path) == record  # a diverged run is final, not retried


def test_gatr_trains_with_its_regulariser(tiny: RunConfig, tmp_path: Path) -> None:
    record = train_run(replace(tiny, family="gatr", size=(4, 1), steps=6, eval_every=3), workdir=tmp_path)
    assert record["status"] == "done" and record["config"]["family"] == "gatr"
    assert all(record[k] is not None and record[k] >= 0 for k in LOSSES)
    assert record["flops_per_step_nominal"] > 0
