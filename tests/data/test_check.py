"""Validation of dataset directories: the documented custom-dataset snippet, and each kind of bad input."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import equiscale.data as eqd
from equiscale.errors import EquiscaleError

DOC = Path(__file__).resolve().parents[2] / "docs" / "datasets.md"


def _snippet() -> str:
    """The last Python block of docs/datasets.md: the custom-dataset example pasted into the README."""
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)[-1]


@pytest.fixture
def custom(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    exec(compile(_snippet(), str(DOC), "exec"), {})
    return tmp_path / "my_data"


def test_documented_snippet_is_short_and_valid(custom):
    assert len(_snippet().strip().splitlines()) <= 15
    report = eqd.check(custom)
    assert report["ok"] and report["benchmark"] == "custom"
    assert report["splits"]["train"] == {"size": 800, "tokens": 5}
    assert report["checksums"] == "absent" and report["stats"] == "computed"
    ds = eqd.load(custom)
    assert ds.stats["offsets"].mean.tolist() == [0, 0, 0]
    assert ds.tensors("test", indices=slice(0, 4))["charges"].shape == (4, 5, 1)


def test_generated_dataset_checks(nbody_dir):
    report = eqd.check(nbody_dir)
    assert report["checksums"] == "verified" and report["stats"] == "present"
    assert report["splits"]["test_objects"]["tokens"] == 6


def _edit_meta(path: Path, **changes) -> None:
    meta = json.loads((path / "meta.json").read_text())
    meta.update(changes)
    (path / "meta.json").write_text(json.dumps(meta))


def _copy(src: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(src, tmp_path / "copy"))


def test_corrupted_array_fails_the_checksum(nbody_dir, tmp_path):
    ds = _copy(nbody_dir, tmp_path)
    x = np.load(ds / "train" / "positions.npy")
    x[0, 0, 0] += 1.0
    np.save(ds / "train" / "positions.npy", x)
    eqd.load(ds, verify=False)  # shallow loading does not hash
    with pytest.raises(EquiscaleError, match=r"checksum mismatch for train/positions.npy"):
        eqd.check(ds)
    with pytest.raises(EquiscaleError, match="checksum mismatch"):
        eqd.load(ds)


def test_truncated_array_is_reported(nbody_dir, tmp_path):
    ds = _copy(nbody_dir, tmp_path)
    (ds / "val" / "masses.npy").write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(EquiscaleError, match=r"cannot read array val/masses.npy"):
        eqd.check(ds)


def test_missing_array(custom):
    (custom / "val" / "charges.npy").unlink()
    with pytest.raises(EquiscaleError, match=r"missing array val/charges.npy"):
        eqd.check(custom)


def test_mismatched_shapes(custom):
    np.save(custom / "val" / "charges.npy", np.zeros((100, 4, 1), np.float32))
    with pytest.raises(EquiscaleError, match=r"val/charges.npy has 4 tokens"):
        eqd.check(custom)
    np.save(custom / "val" / "charges.npy", np.zeros((100, 5, 2), np.float32))
    with pytest.raises(EquiscaleError, match=r"val/charges.npy has shape \[100, 5, 2\]"):
        eqd.check(custom)


def test_schema_tokens_must_match_train(custom):
    meta = json.loads((custom / "meta.json").read_text())
    meta["schema"]["tokens"] = 6
    (custom / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(EquiscaleError, match="train split has 5 tokens per sample but the schema says 6"):
        eqd.check(custom)


def test_path_is_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(EquiscaleError, match="is not a directory"):
        eqd.check(tmp_path / "f")


def test_size_disagreeing_with_meta(custom):
    _edit_meta(custom, splits={"train": 800, "val": 99, "test": 100})
    with pytest.raises(EquiscaleError, match=r"val/positions.npy has shape \[100, 5, 3\], expected \[99"):
        eqd.check(custom)


def test_unknown_field_type(custom):
    meta = json.loads((custom / "meta.json").read_text())
    meta["schema"]["targets"][0]["type"] = "spinor"
    (custom / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(EquiscaleError, match="unknown field type 'spinor'"):
        eqd.check(custom)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_values(custom, bad):
    x = np.load(custom / "test" / "positions.npy")
    x[3, 2, 1] = bad
    np.save(custom / "test" / "positions.npy", x)
    with pytest.raises(EquiscaleError, match=r"test/positions.npy contains NaN or Inf"):
        eqd.check(custom)


def test_meta_problems(custom, tmp_path):
    with pytest.raises(EquiscaleError, match="does not exist"):
        eqd.check(tmp_path / "nowhere")
    with pytest.raises(EquiscaleError, match=r"meta\.json is missing"):
        eqd.check(tmp_path)
    meta = json.loads((custom / "meta.json").read_text())
    del meta["schema"]
    (custom / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(EquiscaleError, match=r"missing key\(s\) \['schema'\]"):
        eqd.check(custom)
    (custom / "meta.json").write_text("{not json")
    with pytest.raises(EquiscaleError, match="not valid JSON"):
        eqd.check(custom)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format_version": 9}, "unsupported dataset format_version 9"),
        ({"splits": {"val": 100}}, "at least a 'train' split"),
        ({"splits": {"train": -1}}, "non-negative integer size"),
        ({"stats": {"positions": {"mean": [0, 0, 0], "scale": 1}}}, r"stats lack field\(s\)"),
        ({"benchmark": "nbody"}, "has no checksums"),
    ],
)
def test_bad_meta_values(custom, changes, message):
    _edit_meta(custom, **changes)
    with pytest.raises(EquiscaleError, match=message):
        eqd.check(custom)


def test_bad_stats_values(custom):
    stats = {n: {"mean": 0.0, "scale": 1.0} for n in ("positions", "charges", "offsets")}
    stats["charges"]["scale"] = 0.0
    _edit_meta(custom, stats=stats)
    with pytest.raises(EquiscaleError, match="positive scale"):
        eqd.check(custom)
