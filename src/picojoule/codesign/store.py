"""Finished codesign points in SQLite (WAL): one row per (task, arch, config key).

Each point is written in its own transaction as soon as it is measured, so a sweep that is
killed loses at most the point in flight and resumes by skipping every key already here.
``measured`` keeps the architecture-independent half (metric, compression summary) so the
same config on another architecture is only costed.
``log`` records when each evaluation started (with a run id), which is how a resumed sweep
shows that nothing finished was evaluated twice.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Store"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS points (
    task TEXT NOT NULL, arch TEXT NOT NULL, key TEXT NOT NULL,
    label TEXT NOT NULL, record TEXT NOT NULL,
    PRIMARY KEY (task, arch, key));
CREATE TABLE IF NOT EXISTS measured (
    task TEXT NOT NULL, key TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (task, key));
CREATE TABLE IF NOT EXISTS log (
    run TEXT NOT NULL, task TEXT NOT NULL, arch TEXT NOT NULL, key TEXT NOT NULL,
    event TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Store:
    """``path`` to the SQLite file (a ``Path`` or a string; created with its folder on
    first use)."""

    path: Path | str

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(path, timeout=30)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.executescript(_SCHEMA)
            yield con
            con.commit()
        finally:
            con.close()

    def get(self, task: str, arch: str, key: str) -> dict[str, Any] | None:
        with self._connect() as con:
            row = con.execute("SELECT record FROM points WHERE task=? AND arch=? AND key=?",
                              (task, arch, key)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, task: str, arch: str, key: str, label: str, record: dict[str, Any]) -> None:
        with self._connect() as con:
            con.execute("INSERT OR REPLACE INTO points VALUES (?, ?, ?, ?, ?)",
                        (task, arch, key, label, json.dumps(record, sort_keys=True)))

    def get_measured(self, task: str, key: str) -> dict[str, Any] | None:
        """The architecture-independent half of a point (metric and compression summary)."""
        with self._connect() as con:
            row = con.execute("SELECT record FROM measured WHERE task=? AND key=?",
                              (task, key)).fetchone()
        return json.loads(row[0]) if row else None

    def put_measured(self, task: str, key: str, record: dict[str, Any]) -> None:
        with self._connect() as con:
            con.execute("INSERT OR REPLACE INTO measured VALUES (?, ?, ?)",
                        (task, key, json.dumps(record, sort_keys=True)))

    def log(self, run: str, task: str, arch: str, key: str, event: str) -> None:
        with self._connect() as con:
            con.execute("INSERT INTO log VALUES (?, ?, ?, ?, ?)", (run, task, arch, key, event))

    def points(self, task: str, arch: str) -> list[dict[str, Any]]:
        with self._connect() as con:
            rows = con.execute("SELECT record FROM points WHERE task=? AND arch=? ORDER BY key",
                               (task, arch)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def events(self) -> list[tuple[str, str, str, str, str]]:
        with self._connect() as con:
            return [tuple(r) for r in con.execute("SELECT * FROM log ORDER BY rowid")]
