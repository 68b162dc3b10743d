"""The run store: one SQLite file (WAL mode) holding every run's config, status and record.

Only the sweep driver writes it; anyone may read it (``read_records``, ``pandas.read_sql``). Tables:

- ``runs``: ``run_id`` (hash of the resolved config, primary key), ``config`` (JSON), ``status``
  (queued/running/done/failed/diverged), ``created_at``/``started_at``/``finished_at``/``updated_at`` (unix seconds),
  ``host``, ``attempts``, ``error``, ``checkpoint_step`` (last checkpoint seen), ``resumed_from`` (step the latest
  attempt resumed from, null for a fresh start), plus the grid coordinates as plain columns for queries.
- ``records``: ``run_id`` → the record JSON returned by ``train_run`` and a few headline figures as columns.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from equiscale.errors import EquiscaleError

STATUSES = ("queued", "running", "done", "failed", "diverged")
FINAL = ("done", "diverged")
SCHEMA_VERSION = 1
GRID_COLUMNS = ("family", "width", "depth", "steps", "n_train", "seed", "augment")
RECORD_COLUMNS = ("test_loss", "final_train_loss", "final_val_loss", "params", "flops_measured", "flops_nominal",
                  "train_seconds")

_DDL = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    config TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN {STATUSES}),
    plan TEXT,
    family TEXT, width INTEGER, depth INTEGER, steps INTEGER, n_train INTEGER, seed INTEGER, augment INTEGER,
    created_at REAL NOT NULL, started_at REAL, finished_at REAL, updated_at REAL NOT NULL,
    host TEXT, attempts INTEGER NOT NULL DEFAULT 0, error TEXT,
    checkpoint_step INTEGER, resumed_from INTEGER
);
CREATE INDEX IF NOT EXISTS runs_status ON runs (status);
CREATE TABLE IF NOT EXISTS records (
    run_id TEXT PRIMARY KEY REFERENCES runs (run_id),
    record TEXT NOT NULL,
    {", ".join(f"{c} REAL" for c in RECORD_COLUMNS)}
);
"""


def _dumps(obj: Any) -> str:
    """JSON with non-finite floats as null (records may hold inf/nan losses of diverged runs)."""

    def clean(x: Any) -> Any:
        if isinstance(x, float) and not math.isfinite(x):
            return None
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [clean(v) for v in x]
        return x

    return json.dumps(clean(obj), sort_keys=True, allow_nan=False, default=str)


class RunStore:
    """A handle on a run-store file. ``RunStore.open(path, create=True)`` creates it (and its tables) if missing."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path

    @classmethod
    def open(cls, path: str | Path, *, create: bool = False) -> RunStore:
        """Open (or with ``create`` make) the store; raises EquiscaleError if it is missing or not a run store."""
        path = Path(path)
        if not create and not path.is_file():
            raise EquiscaleError(f"run store not found: {path}")
        if create:
            check_writable(path)
        try:
            conn = sqlite3.connect(path, timeout=30.0, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            if create:
                conn.executescript(_DDL)
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            conn.execute("SELECT run_id FROM runs LIMIT 1")
        except sqlite3.DatabaseError as exc:
            raise EquiscaleError(f"not a run store: {path} ({exc})") from None
        return cls(conn, path)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    # ---- writes (driver only) ----

    def add_runs(self, configs: dict[str, dict[str, Any]], *, plan: str | None = None) -> int:
        """Insert runs as ``queued`` unless their id is already present; returns how many were new."""
        now = time.time()
        with self._tx() as c:
            before = c.total_changes
            c.executemany(
                "INSERT OR IGNORE INTO runs (run_id, config, status, plan, family, width, depth, steps, n_train,"
                " seed, augment, created_at, updated_at) VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(rid, _dumps(cfg), plan, *(_grid(cfg, k) for k in GRID_COLUMNS), now, now)
                 for rid, cfg in configs.items()],
            )
            return c.total_changes - before

    def mark_running(self, run_id: str, *, host: str, resumed_from: int | None = None) -> None:
        """A run was handed to a worker: status ``running``, one more attempt, error cleared."""
        now = time.time()
        with self._tx() as c:
            c.execute(
                "UPDATE runs SET status='running', host=?, attempts=attempts+1, error=NULL, started_at=?,"
                " updated_at=?, resumed_from=? WHERE run_id=? AND status NOT IN ('done', 'diverged')",
                (host, now, now, resumed_from, run_id),
            )

    def mark_checkpoint(self, run_id: str, step: int) -> None:
        """Remember the last checkpoint step a worker reported for a run."""
        with self._tx() as c:
            c.execute("UPDATE runs SET checkpoint_step=?, updated_at=? WHERE run_id=?", (step, time.time(), run_id))

    def finish(self, run_id: str, record: dict[str, Any], *, host: str | None = None) -> str:
        """Store a run's record; status comes from the record (``done`` or ``diverged``). Returns the status."""
        status = record.get("status", "done")
        if status not in FINAL:
            raise ValueError(f"record status {status!r} is not final")
        now = time.time()
        figures = [_num(record.get(k)) for k in RECORD_COLUMNS]
        keep_resumed = "resumed_from" not in record  # the trainer's word wins: it knows which checkpoint loaded
        with self._tx() as c:
            c.execute(
                f"INSERT OR REPLACE INTO records (run_id, record, {', '.join(RECORD_COLUMNS)})"
                f" VALUES (?, ?, {', '.join('?' * len(RECORD_COLUMNS))})",
                (run_id, _dumps(record), *figures),
            )
            c.execute(
                "UPDATE runs SET status=?, finished_at=?, updated_at=?, error=NULL, host=COALESCE(?, host),"
                " resumed_from=CASE WHEN ? THEN resumed_from ELSE ? END WHERE run_id=?",
                (status, now, now, host, keep_resumed, record.get("resumed_from"), run_id),
            )
        return status

    def fail(self, run_id: str, error: str) -> None:
        """Mark a run ``failed`` with a one-line error (it is retried, from its checkpoint, on the next sweep)."""
        now = time.time()
        with self._tx() as c:
            c.execute("UPDATE runs SET status='failed', error=?, finished_at=?, updated_at=? WHERE run_id=?",
                      (error, now, now, run_id))

    # ---- reads ----

    def runs(self, status: str | Iterable[str] | None = None, *, ids: Iterable[str] | None = None
             ) -> list[dict[str, Any]]:
        """Rows of ``runs`` (config parsed), optionally filtered by status and/or run ids, oldest first."""
        sql, args = "SELECT * FROM runs", []
        where = []
        if status is not None:
            sts = [status] if isinstance(status, str) else list(status)
            where.append(f"status IN ({', '.join('?' * len(sts))})")
            args += sts
        if ids is not None:
            id_list = list(ids)
            where.append(f"run_id IN ({', '.join('?' * len(id_list))})")
            args += id_list
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._conn.execute(sql + " ORDER BY created_at, rowid", args).fetchall()
        return [_row(r) for r in rows]

    def get(self, run_id: str) -> dict[str, Any]:
        """One run's row with its record (``record`` key, or None); accepts a unique id prefix."""
        rows = self._conn.execute("SELECT * FROM runs WHERE run_id LIKE ? || '%'", (run_id,)).fetchall()
        if not rows:
            raise EquiscaleError(f"no run with id {run_id!r} in {self.path}")
        if len(rows) > 1:
            raise EquiscaleError(f"run id prefix {run_id!r} is ambiguous ({len(rows)} runs)")
        out = _row(rows[0])
        rec = self._conn.execute("SELECT record FROM records WHERE run_id=?", (out["run_id"],)).fetchone()
        out["record"] = json.loads(rec[0]) if rec else None
        return out

    def counts(self) -> dict[str, int]:
        """Number of runs per status."""
        rows = self._conn.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall()
        return {s: 0 for s in STATUSES} | {r[0]: r[1] for r in rows}

    def records(self, status: str | Iterable[str] | None = "done") -> list[dict[str, Any]]:
        """Run records (status and config included), for runs with a stored record."""
        sql = "SELECT r.record, u.status, u.config, u.run_id FROM records r JOIN runs u USING (run_id)"
        args: list[str] = []
        if status is not None:
            sts = [status] if isinstance(status, str) else list(status)
            sql += f" WHERE u.status IN ({', '.join('?' * len(sts))})"
            args = sts
        out = []
        for rec, st, cfg, rid in self._conn.execute(sql + " ORDER BY u.created_at, u.rowid", args).fetchall():
            record = json.loads(rec)
            record.setdefault("config", json.loads(cfg))
            record["status"], record["run_id"] = st, rid
            out.append(record)
        return out


def read_records(store_path: str | Path, status: str | Iterable[str] | None = "done") -> list[dict[str, Any]]:
    """Every stored run record with the given status (``None``: any) as plain dicts, config included."""
    with RunStore.open(store_path) as store:
        return store.records(status)


def check_writable(path: Path) -> None:
    """Raise EquiscaleError unless ``path`` (an existing store or a new file) can be written; creates nothing."""
    import os

    if path.exists():
        if path.is_dir():
            raise EquiscaleError(f"store path is a directory: {path}")
        if not os.access(path, os.W_OK):
            raise EquiscaleError(f"store is not writable: {path}")
        return
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise EquiscaleError(f"cannot create store {path}: directory {parent} is not writable")


def _grid(cfg: dict[str, Any], key: str) -> Any:
    v = cfg.get(key)
    return int(v) if isinstance(v, bool) else v


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) else None


def _row(r: sqlite3.Row) -> dict[str, Any]:
    out = dict(r)
    out["config"] = json.loads(out["config"])
    if out.get("augment") is not None:
        out["augment"] = bool(out["augment"])
    return out
