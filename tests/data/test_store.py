"""Dataset store: generation (deterministic, cached, atomic), loading, meta contents, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import equiscale.data as eqd
from equiscale.data import nbody, registry
from equiscale.errors import EquiscaleError

SMALL = {"n_train": 40, "n_val": 10, "n_test": 10}


def test_layout_and_meta(nbody_dir):
    ds = eqd.load(nbody_dir)
    assert ds.splits == ("train", "val", "test", "test_objects", "test_e3")
    assert [ds.size(s) for s in ds.splits] == [120, 20, 30, 30, 30]
    assert ds.tokens("train") == 4 and ds.tokens("test_objects") == 6
    meta = json.loads((nbody_dir / "meta.json").read_text())
    assert meta["format_version"] == eqd.FORMAT_VERSION and meta["benchmark"] == "nbody" and meta["seed"] == 3
    assert meta["params"] == nbody.validate_params({})
    assert meta["schema"] == nbody.schema({}).to_dict()
    assert set(meta["arrays"]) == {f"{s}/{f}.npy" for s in ds.splits for f in ds.schema.fields}
    assert all(len(a["sha256"]) == 64 for a in meta["arrays"].values())
    assert meta["splits"]["train"]["seed"] == eqd.split_seed(3, "train") != meta["splits"]["val"]["seed"]
    assert "rejection_rate" in meta["splits"]["train"]["info"]
    assert set(meta["stats"]) == set(ds.schema.fields)
    for split in ds.splits:
        for name, x in ds.arrays(split).items():
            assert isinstance(x, np.memmap) and x.dtype == np.float32
            assert (nbody_dir / split / f"{name}.npy").is_file()


def test_tensors_and_errors(nbody_dir):
    ds = eqd.load(nbody_dir)
    full = ds.tensors("val")
    part = ds.tensors("val", indices=[3, 1], dtype=torch.float64)
    assert part["positions"].dtype == torch.float64 and part["positions"].shape == (2, 4, 3)
    assert torch.equal(part["positions"].float(), full["positions"][[3, 1]])
    ds.schema.check_batch(full)
    with pytest.raises(EquiscaleError, match="out of range"):
        ds.tensors("val", indices=[20])
    with pytest.raises(EquiscaleError, match="no split"):
        ds.arrays("holdout")


def test_deterministic_and_split_independent(tmp_path):
    a = eqd.generate("nbody", **SMALL, seed=1, out=tmp_path / "a", progress=False)
    b = eqd.generate("nbody", **SMALL, seed=1, out=tmp_path / "b", progress=False)
    c = eqd.generate("nbody", **{**SMALL, "n_test": 17}, seed=1, out=tmp_path / "c", progress=False)
    d = eqd.generate("nbody", **SMALL, seed=2, out=tmp_path / "d", progress=False)
    assert a.meta["arrays"] == b.meta["arrays"]
    for name in a.schema.fields:
        for split in ("train", "val"):
            assert a.meta["arrays"][f"{split}/{name}.npy"] == c.meta["arrays"][f"{split}/{name}.npy"]
        assert a.meta["arrays"][f"train/{name}.npy"] != d.meta["arrays"][f"train/{name}.npy"]
    np.testing.assert_array_equal(a.arrays("test")["positions"], c.arrays("test")["positions"][:10])


def test_same_request_is_reused_without_regenerating(tmp_path, monkeypatch):
    out = tmp_path / "ds"
    first = eqd.generate("nbody", **SMALL, out=out, progress=False)

    def boom(*args, **kwargs):
        raise AssertionError("regenerated")

    monkeypatch.setattr(nbody, "generate", boom)
    again = eqd.generate("nbody", **SMALL, params={"n_planets": 3}, out=out, progress=False)
    assert again.meta == first.meta or again.meta["arrays"] == first.meta["arrays"]
    with pytest.raises(EquiscaleError, match=r"different dataset \(sizes.n_test=10 \(requested 11\)\)"):
        eqd.generate("nbody", **{**SMALL, "n_test": 11}, out=out, progress=False)
    with pytest.raises(EquiscaleError, match=r"params\.dt"):
        eqd.generate("nbody", **SMALL, params={"dt": 0.002}, out=out, progress=False)
    assert eqd.load(out).meta["arrays"] == first.meta["arrays"]  # untouched


def test_default_out_is_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EQUISCALE_CACHE", str(tmp_path / "cache"))
    ds = eqd.generate("nbody", **SMALL, seed=5, progress=True)
    assert ds.path.parent == tmp_path / "cache" / "datasets" and ds.path.name.startswith("nbody-")
    assert eqd.generate("nbody", **SMALL, seed=5, progress=False).path == ds.path
    assert eqd.generate("nbody", **SMALL, seed=6, progress=False).path != ds.path


def test_interrupted_generation_leaves_nothing(tmp_path, monkeypatch):
    real = nbody.generate

    def interrupted(n, seed, params, *, split="train", **kwargs):
        if split == "test":
            raise KeyboardInterrupt
        return real(n, seed, params, split=split, **kwargs)

    monkeypatch.setattr(nbody, "generate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        eqd.generate("nbody", **SMALL, out=tmp_path / "ds", progress=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"benchmark": "fluid"}, "unknown benchmark 'fluid'"),
        ({"params": {"planets": 2}}, "unknown nbody parameter"),
        ({"params": {"dt": -0.1}}, "dt must be positive"),
        ({"n_train": 0}, "n_train must be at least 1"),
        ({"n_val": -3}, "n_val must be a non-negative integer"),
        ({"seed": -1}, "seed must be"),
    ],
)
def test_bad_requests(tmp_path, kwargs, message):
    args = {"benchmark": "nbody", **SMALL, "out": tmp_path / "ds", "progress": False, **kwargs}
    with pytest.raises(EquiscaleError, match=message):
        eqd.generate(args.pop("benchmark"), **args)
    assert not (tmp_path / "ds").exists()


def test_missing_benchmark_module_is_a_user_error(monkeypatch):
    monkeypatch.setitem(registry.BENCHMARKS, "ghost", "not installed")
    with pytest.raises(EquiscaleError, match="'ghost' is not available"):
        eqd.benchmark_module("ghost")


def test_out_holding_other_files_is_refused(tmp_path):
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "notes.txt").write_text("mine")
    with pytest.raises(EquiscaleError, match=r"meta\.json is missing"):
        eqd.generate("nbody", **SMALL, out=tmp_path / "ds", progress=False)
    assert (tmp_path / "ds" / "notes.txt").read_text() == "mine"


def test_rigid_through_the_store(tmp_path):
    rigid = pytest.importorskip("equiscale.data.rigid")
    params = {"steps": 10, "horizon": 0.1, "bodies": 2, "object_bodies": 3}  # small and short: cheap
    ds = eqd.generate("rigid", n_train=8, n_val=4, n_test=4, params=params, out=tmp_path / "r", progress=False)
    assert ds.meta["benchmark"] == rigid.NAME and ds.size("train") == 8
    assert eqd.check(ds.path)["ok"]
    ds.schema.check_batch(ds.tensors("test"))
