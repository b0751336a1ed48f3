"""Timeloop/Accelergy YAML as it is published: tags, Jinja templates, versions.

Timeloop v0.4 files tag architecture nodes (``!Container``, ``!Component``, ``!Parallel``,
``!Nothing``) and the exercises render their top files with Jinja first. This module turns
such text into plain data: a tagged node becomes a dict with ``_tag``; an unknown tag, a file
of an unsupported version, or a template variable without a value is one clear error.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from picojoule.errors import SpecError
from picojoule.fileio import read_text

TAGS = ("Container", "Component", "Parallel", "Nothing", "Hierarchical")


class _TaggedLoader(yaml.SafeLoader):
    """SafeLoader that knows Timeloop's node tags (nothing else is constructed)."""


def _tagged(tag: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.MappingNode):
            data = {str(k): v for k, v in loader.construct_mapping(node, deep=True).items()}
        elif isinstance(node, yaml.ScalarNode) and not node.value:
            data = {}
        else:
            raise yaml.constructor.ConstructorError(
                None, None, f"!{tag} takes a mapping", node.start_mark)
        return {"_tag": tag, **data}

    return construct


for _tag in TAGS:
    _TaggedLoader.add_constructor(f"!{_tag}", _tagged(_tag))


def _unknown_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(
        None, None, f"an unknown tag !{suffix} (Timeloop v0.4 tags: "
        f"{', '.join('!' + t for t in TAGS)})", node.start_mark)


_TaggedLoader.add_multi_constructor("!", _unknown_tag)

_JINJA = re.compile(r"{{|{%")


def render(text: str, where: str, variables: dict[str, Any] | None = None) -> str:
    """Render a Jinja-templated file (as the exercises' top files are); plain YAML passes
    through. A variable used without a value is an error naming it."""
    if not _JINJA.search(text):
        return text
    import jinja2

    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                             loader=jinja2.BaseLoader())
    try:
        return env.from_string(text).render(**(variables or {}))
    except jinja2.UndefinedError as exc:
        raise SpecError.single(where, "template", f"a value for every template variable "
                               f"({exc.message}; pass it with --var NAME=VALUE)") from None
    except jinja2.TemplateError as exc:
        raise SpecError.single(where, "template", f"a valid Jinja template ({exc})") from None


def load_timeloop_yaml(path: str | Path, variables: dict[str, Any] | None = None) -> Any:
    """Read, render and parse one Timeloop/Accelergy YAML file into plain data."""
    where = str(path)
    text = render(read_text(path, "Timeloop file"), where, variables)
    return parse_timeloop_text(text, where)


def parse_timeloop_text(text: str, where: str) -> Any:
    try:
        return yaml.load(text, Loader=_TaggedLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        at = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError.single(where, at, f"valid Timeloop YAML ({str(problem)[:200]})") \
            from None


def version_of(data: Any, section: str, where: str) -> str:
    """The ``version`` of a top-level section; v0.2 and unknown versions are refused."""
    body = data.get(section) if isinstance(data, dict) else None
    if not isinstance(body, dict):
        raise SpecError.single(where, section, f"a '{section}:' section (a Timeloop "
                                               f"{section} file)")
    version = str(body.get("version", "")).strip()
    if version in ("0.4", "0.3"):
        return version
    if version.startswith("0.2") or (not version and "subtree" in body):
        raise SpecError.single(where, f"{section}.version", f"Timeloop v0.3 or v0.4; this "
                               f"file is v{version or '0.2'} (v0.2's syntax — "
                               f"'subtree'/'local' without a version, hyphenated keys — is "
                               f"not supported: migrate it with timeloopfe or to v0.4)")
    raise SpecError.single(where, f"{section}.version", f"0.3 or 0.4, got {version!r:.40}")
