"""The contract of a ``Store``, run against every implementation: missing keys read as None,
records round-trip, a later put replaces, another handle on the same place sees them, and a
damaged or old-format record reads as missing (it is recomputed, never trusted)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from picojoule.context import JsonStore, SqliteStore, Store, open_store
from picojoule.context.store import VERSION, fingerprint
from picojoule.errors import SpecError

RECORD = {"mapping": "DRAM: M4", "evaluated": 12, "score": 1.5, "proven": False}


def make_json(tmp_path):
    return JsonStore(tmp_path / "records")


def make_sqlite(tmp_path):
    return SqliteStore(tmp_path / "records.sqlite")


IMPLEMENTATIONS = [make_json, make_sqlite]


def damage(store, key: str, text: str) -> None:
    """Overwrite one stored record with raw text, behind the store's back."""
    if isinstance(store, JsonStore):
        (store.folder / f"{key}.json").write_text(text)
    else:
        with sqlite3.connect(store.path) as con:
            con.execute("UPDATE records SET record = ? WHERE key = ?", (text, key))


@pytest.mark.parametrize("make", IMPLEMENTATIONS)
def test_round_trip_replace_and_a_second_handle(make, tmp_path) -> None:
    store = make(tmp_path)
    assert isinstance(store, Store)
    key = fingerprint("layer", 1)
    assert store.get(key) is None
    store.put(key, RECORD)
    assert store.get(key) == {"version": VERSION, **RECORD}
    store.put(key, {**RECORD, "score": 0.5})
    again = make(tmp_path)  # another handle on the same folder/file, as a worker would have
    assert again.get(key)["score"] == 0.5
    assert again.get(fingerprint("layer", 2)) is None


@pytest.mark.parametrize("make", IMPLEMENTATIONS)
def test_damaged_and_old_format_records_read_as_missing(make, tmp_path) -> None:
    store = make(tmp_path)
    key = fingerprint("x")
    store.put(key, RECORD)
    damage(store, key, "{not json")
    assert store.get(key) is None
    damage(store, key, json.dumps({"version": VERSION + 1, **RECORD}))
    assert store.get(key) is None
    store.put(key, RECORD)  # and it is simply overwritten
    assert store.get(key)["mapping"] == RECORD["mapping"]


@pytest.mark.parametrize("make", IMPLEMENTATIONS)
def test_an_unwritable_place_is_one_spec_error(make, tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = make(blocker)  # a folder or a database below a regular file
    with pytest.raises(SpecError):
        store.put("k", RECORD)


def test_sqlite_runs_in_wal_mode_and_paths_pick_the_store(tmp_path) -> None:
    store = make_sqlite(tmp_path)
    store.put("k", RECORD)
    with sqlite3.connect(store.path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert isinstance(open_store(tmp_path / "a.sqlite"), SqliteStore)
    assert isinstance(open_store(tmp_path / "layers"), JsonStore)
    assert open_store(None) is None and open_store(store) is store


def test_fingerprint_is_stable_and_order_free_for_sets() -> None:
    assert fingerprint({"b": 1, "a": {2, 1}}) == fingerprint({"a": {1, 2}, "b": 1})
    assert fingerprint(1.0) != fingerprint(1)  # floats and ints are different keys
