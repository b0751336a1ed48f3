"""Stores of finished work, keyed by a fingerprint of everything the work depended on.

A ``Store`` is two methods, ``get(key)`` and ``put(key, record)``; records are JSON-able
dicts (never pickle). ``JsonStore`` keeps one ``<key>.json`` file per record, written
atomically as each piece finishes, so an interrupted analysis resumes where it stopped.
``SqliteStore`` keeps them in one SQLite file in WAL mode, so many processes can read while
one writes (sweeps that run thousands of pieces). A damaged or old-format record reads as
missing: it is computed again and overwritten.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from picojoule.errors import SpecError

VERSION = 1  # of the record format and of the fingerprint's layout


@runtime_checkable
class Store(Protocol):
    """Where finished pieces of work are kept between runs."""

    def get(self, key: str) -> dict[str, Any] | None:
        """The record put under ``key``, or None (missing, damaged or another format)."""
        ...

    def put(self, key: str, record: dict[str, Any]) -> None:
        """Keep ``record`` under ``key`` (replacing any); raises ``SpecError`` if it cannot."""
        ...


def canonical(obj: Any) -> Any:
    """A JSON-able, order-stable form of dataclasses, sets, tuples and numbers."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        # fields added with "omit_default" leave keys (and per-layer seeds) of existing
        # inputs unchanged while they hold their default
        return {f.name: canonical(getattr(obj, f.name)) for f in dataclasses.fields(obj)
                if not (f.metadata.get("omit_default") and getattr(obj, f.name) == f.default)}
    if isinstance(obj, (set, frozenset)):
        return sorted(canonical(x) for x in obj)
    if isinstance(obj, (list, tuple)):
        return [canonical(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): canonical(v) for k, v in sorted(obj.items())}
    if isinstance(obj, float):
        return repr(obj)
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    return str(obj)


def fingerprint(*parts: Any) -> str:
    """A SHA-256 key over the canonical form of ``parts`` (and the format version)."""
    text = json.dumps([VERSION, *(canonical(p) for p in parts)], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def layer_seed(seed: int, signature_key: str) -> int:
    """A per-layer seed that depends on the layer, not on which process searches it."""
    return int(hashlib.sha256(f"{seed}:{signature_key}".encode()).hexdigest()[:15], 16)


def _valid(data: Any) -> dict[str, Any] | None:
    return data if isinstance(data, dict) and data.get("version") == VERSION else None


@dataclasses.dataclass(frozen=True)
class JsonStore:
    """A folder of ``<key>.json`` records."""

    folder: Path

    def _path(self, key: str) -> Path:
        return Path(self.folder) / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            return _valid(json.loads(self._path(key).read_text()))
        except (OSError, json.JSONDecodeError):
            return None  # missing, or damaged: searched again and overwritten

    def put(self, key: str, record: dict[str, Any]) -> None:
        try:
            Path(self.folder).mkdir(parents=True, exist_ok=True)
            tmp = self._path(key).with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(json.dumps({"version": VERSION, **record}, indent=1))
            os.replace(tmp, self._path(key))
        except OSError as exc:
            raise SpecError.single(str(self.folder), "", f"a writable cache folder "
                                                         f"({exc.strerror})") from None


@dataclasses.dataclass(frozen=True)
class SqliteStore:
    """One SQLite file of records (WAL mode: readers never block the writer). Each call
    opens its own connection, so the store can be handed to other processes."""

    path: Path
    timeout_s: float = 30.0

    def _connect(self) -> sqlite3.Connection:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=self.timeout_s)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, record TEXT)")
        return con

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            con = self._connect()
            try:
                row = con.execute("SELECT record FROM records WHERE key = ?", (key,)).fetchone()
            finally:
                con.close()
            return None if row is None else _valid(json.loads(row[0]))
        except (OSError, sqlite3.Error, json.JSONDecodeError):
            return None

    def put(self, key: str, record: dict[str, Any]) -> None:
        text = json.dumps({"version": VERSION, **record})
        try:
            con = self._connect()
            try:
                with con:
                    con.execute("INSERT OR REPLACE INTO records (key, record) VALUES (?, ?)",
                                (key, text))
            finally:
                con.close()
        except (OSError, sqlite3.Error) as exc:
            raise SpecError.single(str(self.path), "", f"a writable SQLite store ({exc})") \
                from None


def open_store(target: Store | str | Path | None) -> Store | None:
    """The edge's normalization: a Store as is; a path ending in ``.sqlite``/``.db`` an
    SQLite store; any other path a folder of JSON records; None no store."""
    if target is None or isinstance(target, Store):
        return target
    path = Path(target)
    return SqliteStore(path) if path.suffix in (".sqlite", ".sqlite3", ".db") else JsonStore(path)
