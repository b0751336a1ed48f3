"""Reading user files: one place that turns I/O and parse failures into ``SpecError``s.

YAML is always loaded with ``yaml.safe_load``; nothing a user supplies is unpickled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from picojoule.errors import SpecError


def read_text(path: str | Path, what: str = "file") -> str:
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise SpecError.single(str(path), "", f"a readable {what} ({exc.strerror})") from None


def parse_yaml(text: str, where: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}" if mark is not None else ""
        raise SpecError.single(where, at, "valid YAML") from None


def parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError.single(where, f"line {exc.lineno}", "valid JSON") from None


def load_data(path: str | Path, what: str = "file") -> Any:
    """A JSON (``.json``) or YAML (anything else) file, parsed safely."""
    text = read_text(path, what)
    if str(path).endswith(".json"):
        return parse_json(text, str(path))
    return parse_yaml(text, str(path))
