"""Reading user files: one place that turns I/O and parse failures into ``SpecError``s.

YAML is loaded with a bounded subclass of ``yaml.SafeLoader`` (nothing a user supplies is
unpickled or executed) that refuses documents a person would not write: more than
``MAX_DOCUMENT_BYTES``, nesting deeper than ``MAX_NESTING``, or aliases that expand to more
than ``MAX_EXPANDED_NODES`` nodes (a "billion laughs" bomb). It reads numbers as YAML 1.2 and
people do: ``1e9`` and ``2.5e-3`` are floats (YAML 1.1, PyYAML's default, wants ``1.0e+9``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from picojoule.errors import SpecError

MAX_DOCUMENT_BYTES = 32 * 1024 * 1024  # larger than any network file picojoule writes
MAX_NESTING = 64  # mappings/lists inside each other; real specs use fewer than 10
MAX_EXPANDED_NODES = 1_000_000  # nodes after expanding every alias

_FLOAT_12 = re.compile(r"""^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$
    |^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$""", re.X)


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 floats and bounds on nesting and alias expansion."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, int] = {}  # id(node) -> nodes it expands to
        self._expanded = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = super().compose_node(parent, index)
            self._expanded += self._sizes.get(id(node), 1)
            if self._expanded > MAX_EXPANDED_NODES:
                raise _Refused(f"aliases that expand to at most {MAX_EXPANDED_NODES:,} nodes "
                               f"(line {event.start_mark.line + 1})")
            return node
        self._depth += 1
        if self._depth > MAX_NESTING:
            mark = self.peek_event().start_mark
            raise _Refused(f"nesting at most {MAX_NESTING} levels deep (line {mark.line + 1})")
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        size = 1
        if node is not None and isinstance(node.value, list):
            for item in node.value:
                for child in item if isinstance(item, tuple) else (item,):
                    size += self._sizes.get(id(child), 1)
        self._sizes[id(node)] = size
        self._expanded += 1
        return node


class _Refused(Exception):
    """A document outside the loader's bounds; carries what would have been accepted."""


_BoundedLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:float"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_BoundedLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_12,
                                     list("-+0123456789."))


def shown(value: Any, limit: int = 60) -> str:
    """``repr(value)`` for an error message, cut to ``limit`` characters (never huge)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    if isinstance(value, str | int | float | bool) or value is None:
        text = repr(value[: limit + 1] if isinstance(value, str) else value)
    elif isinstance(value, dict):
        return f"a mapping of {len(value)} keys"
    elif isinstance(value, list | tuple):
        return f"a list of {len(value)} items"
    else:
        return f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_file(text: str | Path) -> bool:
    """``Path(text).is_file()`` that answers False for names no file system accepts (too
    long, NUL bytes) instead of raising."""
    try:
        return Path(text).is_file()
    except (OSError, ValueError):
        return False


def read_text(path: str | Path, what: str = "file") -> str:
    where = str(path)[:200]
    try:
        size = Path(path).stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise SpecError.single(where, "", f"a {what} of at most "
                                              f"{MAX_DOCUMENT_BYTES // 2**20} MiB, got "
                                              f"{size / 2**20:.0f} MiB")
        data = Path(path).read_bytes()
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or "not a valid path"
        raise SpecError.single(where, "", f"a readable {what} ({reason})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError.single(where, "", f"a UTF-8 text {what} (byte {exc.start} is not "
                                          "UTF-8)") from None


def parse_yaml(text: str, where: str) -> Any:
    if len(text) > MAX_DOCUMENT_BYTES:
        raise SpecError.single(where, "", f"a YAML document of at most "
                                          f"{MAX_DOCUMENT_BYTES // 2**20} MiB")
    loader: _BoundedLoader | None = None
    try:
        loader = _BoundedLoader(text)
        return loader.get_single_data()
    except _Refused as exc:
        raise SpecError.single(where, "", f"a YAML document with {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "a parse error"
        raise SpecError.single(where, at, f"valid YAML ({str(problem)[:80]})") from None
    except (ValueError, OverflowError, RecursionError) as exc:
        # e.g. an integer of more than 4300 digits (Python refuses to convert it)
        kind = "too many digits" if "digits" in str(exc) else type(exc).__name__
        raise SpecError.single(where, "", f"a YAML document of ordinary values ({kind})") \
            from None
    finally:
        if loader is not None:
            loader.dispose()


def parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError.single(where, f"line {exc.lineno}", "valid JSON") from None
    except (ValueError, RecursionError) as exc:
        kind = "too many digits" if "digits" in str(exc) else "nesting too deep"
        raise SpecError.single(where, "", f"a JSON document of ordinary values ({kind})") \
            from None


def load_data(path: str | Path, what: str = "file") -> Any:
    """A JSON (``.json``) or YAML (anything else) file, parsed safely."""
    text = read_text(path, what)
    if str(path).endswith(".json"):
        return parse_json(text, str(path))
    return parse_yaml(text, str(path))
