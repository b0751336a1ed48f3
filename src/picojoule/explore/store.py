"""Durable results of a sweep: one SQLite file, every result written the moment it exists.

Two tables: ``layers`` (a searched layer's record by task key, shared by every design and
workload that needs it) and ``trials`` (a design's parameters and objectives by trial number).
WAL mode and one transaction per write: a sweep killed at any instant leaves a consistent file,
and a trial number is a primary key, so a resumed sweep cannot write a trial twice.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from picojoule.errors import SpecError

SCHEMA = 1


@dataclass(frozen=True)
class TrialRecord:
    number: int
    params: dict[str, Any]
    values: dict[str, float]  # energy_pj, cycles, seconds, area_um2, edp
    feasible: bool
    why: str


class SweepStore:
    """An open store; ``SweepStore.open(path, space_digest)`` creates or checks the file."""

    def __init__(self, connection: sqlite3.Connection, path: str) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, path: str | Path, space_digest: str, resume: bool) -> SweepStore:
        p = Path(path)
        exists = p.exists() and p.stat().st_size > 0
        if exists and not resume:
            raise SpecError.single("--store", str(p), "a new file (it exists: pass --resume to "
                                                      "continue that sweep, or name another)")
        try:
            db = sqlite3.connect(str(p), timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS layers (key TEXT PRIMARY KEY, record TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS trials (number INTEGER PRIMARY KEY, "
                       "params TEXT, vals TEXT, feasible INTEGER, why TEXT)")
            got = dict(db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise SpecError.single("--store", str(p), f"an SQLite sweep store ({exc})") from None
        if not got:
            db.execute("INSERT INTO meta VALUES ('schema', ?), ('space', ?)",
                       (str(SCHEMA), space_digest))
        elif got.get("schema") != str(SCHEMA) or got.get("space") != space_digest:
            db.close()
            raise SpecError.single("--store", str(p), "a store of this same design space and "
                                                      "seed (it holds another sweep)")
        return cls(db, str(p))

    def close(self) -> None:
        self._db.close()

    def layer(self, key: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT record FROM layers WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def has_layer(self, key: str) -> bool:
        return self._db.execute("SELECT 1 FROM layers WHERE key = ?", (key,)).fetchone() \
            is not None

    def put_layer(self, key: str, record: dict[str, Any]) -> None:
        self._db.execute("INSERT OR IGNORE INTO layers VALUES (?, ?)",
                         (key, json.dumps(record, sort_keys=True)))

    def trial(self, number: int) -> TrialRecord | None:
        row = self._db.execute("SELECT number, params, vals, feasible, why FROM trials "
                               "WHERE number = ?", (number,)).fetchone()
        return _trial(row) if row else None

    def put_trial(self, t: TrialRecord) -> None:
        self._db.execute("INSERT INTO trials VALUES (?, ?, ?, ?, ?)",
                         (t.number, json.dumps(t.params, sort_keys=True),
                          json.dumps(t.values, sort_keys=True), int(t.feasible), t.why))

    def trials(self) -> list[TrialRecord]:
        rows = self._db.execute("SELECT number, params, vals, feasible, why FROM trials "
                                "ORDER BY number").fetchall()
        return [_trial(r) for r in rows]

    def layer_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM layers").fetchone()[0])


def _trial(row: tuple[Any, ...]) -> TrialRecord:
    values = {k: float(v) for k, v in json.loads(row[2]).items()}
    return TrialRecord(int(row[0]), json.loads(row[1]), values, bool(row[3]), str(row[4]))
