"""The run store: WAL SQLite, idempotent queueing, status transitions, records readable by pandas and read_records."""

import sqlite3

import pandas as pd
import pytest

from equiscale.errors import EquiscaleError
from equiscale.sweep.store import RunStore, check_writable, read_records


def _cfg(seed: int) -> dict:
    return {"family": "gatr", "width": 8, "depth": 1, "steps": 10, "n_train": 32, "seed": seed, "augment": False}


def test_queue_is_idempotent_and_lifecycle_is_recorded(tmp_path) -> None:
    path = tmp_path / "runs.db"
    with RunStore.open(path, create=True) as st:
        assert st.add_runs({"a": _cfg(0), "b": _cfg(1)}) == 2
        assert st.add_runs({"a": _cfg(0), "b": _cfg(1), "c": _cfg(2)}) == 1  # only the new one
        st.mark_running("a", host="h:1")
        st.mark_checkpoint("a", 5)
        st.fail("a", "boom")
        st.mark_running("a", host="h:2", resumed_from=5)
        rec = {"status": "done", "test_loss": 0.5, "curve": [{"step": 10, "val_loss": float("nan")}],
               "resumed_from": 5, "config": _cfg(0)}
        assert st.finish("a", rec) == "done"
        st.mark_running("b", host="h:3")
        st.finish("b", {"status": "diverged", "test_loss": float("inf"), "resumed_from": None})
        assert st.counts() == {"queued": 1, "running": 0, "done": 1, "failed": 0, "diverged": 1}
        a = st.get("a")
        assert a["attempts"] == 2 and a["error"] is None and a["resumed_from"] == 5 and a["checkpoint_step"] == 5
        assert a["record"]["curve"][0]["val_loss"] is None  # NaN stored as null, valid JSON
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    recs = read_records(path)
    assert [r["run_id"] for r in recs] == ["a"] and recs[0]["config"]["seed"] == 0 and recs[0]["status"] == "done"
    assert {r["run_id"] for r in read_records(path, status=None)} == {"a", "b"}
    df = pd.read_sql("SELECT r.run_id, r.status, m.test_loss FROM runs r LEFT JOIN records m USING (run_id)",
                     sqlite3.connect(path))
    assert len(df) == 3 and df.set_index("run_id").loc["a", "test_loss"] == 0.5


def test_non_final_record_is_rejected(tmp_path) -> None:
    with RunStore.open(tmp_path / "r.db", create=True) as st:
        st.add_runs({"a": _cfg(0)})
        with pytest.raises(ValueError):
            st.finish("a", {"status": "running"})


def test_missing_or_foreign_store_is_a_user_error(tmp_path) -> None:
    with pytest.raises(EquiscaleError, match="not found"):
        RunStore.open(tmp_path / "nope.db")
    assert not (tmp_path / "nope.db").exists()
    junk = tmp_path / "junk.db"
    junk.write_text("not a database at all " * 100)
    with pytest.raises(EquiscaleError, match="not a run store"):
        RunStore.open(junk)
    with RunStore.open(tmp_path / "s.db", create=True) as st:
        st.add_runs({"abc123": _cfg(0), "abd456": _cfg(1)})
        with pytest.raises(EquiscaleError, match="ambiguous"):
            st.get("ab")
        assert st.get("abc")["run_id"] == "abc123"


def test_unwritable_store_path_is_detected_without_creating_anything(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(EquiscaleError, match="not writable"):
        check_writable(blocker / "sub" / "runs.db")
    with pytest.raises(EquiscaleError, match="directory"):
        check_writable(tmp_path)
    check_writable(tmp_path / "new" / "runs.db")
    assert not (tmp_path / "new").exists()
