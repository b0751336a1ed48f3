"""Keys for searched layers, and an on-disk cache of them as JSON files (never pickle).

A key covers everything the search result depends on: the layer's structure, the whole
architecture, the search options and a format version. One file per key, written atomically
as each layer finishes, so an interrupted analysis resumes where it stopped.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from picojoule.errors import SpecError

VERSION = 1


def canonical(obj: Any) -> Any:
    """A JSON-able, order-stable form of dataclasses, sets, tuples and numbers."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: canonical(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
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


def digest(*parts: Any) -> str:
    text = json.dumps([VERSION, *(canonical(p) for p in parts)], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def layer_seed(seed: int, signature_key: str) -> int:
    """A per-layer seed that depends on the layer, not on which process searches it."""
    return int(hashlib.sha256(f"{seed}:{signature_key}".encode()).hexdigest()[:15], 16)


@dataclasses.dataclass(frozen=True)
class DiskCache:
    """A folder of ``<key>.json`` records."""

    folder: Path

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        path = self._path(key)
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError, RecursionError):
            return None  # a damaged record is searched again and overwritten
        return data if isinstance(data, dict) and data.get("version") == VERSION else None

    def put(self, key: str, record: dict[str, Any]) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self._path(key).with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(json.dumps({"version": VERSION, **record}, indent=1))
            os.replace(tmp, self._path(key))
        except OSError as exc:
            raise SpecError.single(str(self.folder), "", f"a writable cache folder "
                                                         f"({exc.strerror})") from None
