"""Write docs/api.md: the public API, from signatures and docstrings (``inspect``).

    python scripts/gen_api.py          # rewrite docs/api.md
    python scripts/gen_api.py --check  # exit 1 if docs/api.md is not current

Each module's public names are its ``__all__`` (or, without one, the classes and functions
it defines whose names do not start with ``_``). For each: the signature, then the docstring.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "docs" / "api.md"

# (module, what it is for), in the order a reader meets them.
MODULES = [
    ("picojoule", "the facade: the entry points, loaded on first use"),
    ("picojoule.result", "Result: a long table that composes in series, in parallel, repeated"),
    ("picojoule.device", "Device: what accelerators, GPUs and systems share"),
    ("picojoule.context", "Context: registry, store, executor and seed of a run"),
    ("picojoule.context.store", "Store: finished work kept by fingerprint"),
    ("picojoule.context.executor", "Executor: one function over many items"),
    ("picojoule.importers", "load_model and the file readers"),
    ("picojoule.workload.readers", "the Reader interface and the workload's readers"),
    ("picojoule.tech.registry", "the estimator registry"),
    ("picojoule.cost", "the analytical cost model"),
    ("picojoule.cost.timing", "timing models"),
    ("picojoule.mapper", "mapping search"),
    ("picojoule.mapper.strategies", "search strategies"),
    ("picojoule.analysis", "whole networks and the accelerator as a Device"),
]
FACADE_SKIP = {"__version__"}


def _doc(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip()


def _signature(name: str, obj: Any) -> str:
    try:
        sig = str(inspect.signature(obj))
    except (TypeError, ValueError):
        return name
    return f"{name}{sig}"


def _names(module: Any) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n, v in vars(module).items() if not n.startswith("_")
                 and (inspect.isclass(v) or inspect.isfunction(v))
                 and getattr(v, "__module__", None) == module.__name__]
    return sorted(n for n in names if n not in FACADE_SKIP and not n.startswith("_"))


def _entry(name: str, obj: Any) -> list[str]:
    kind = "class" if inspect.isclass(obj) else "function" if callable(obj) else "value"
    head = _signature(name, obj) if kind != "value" else f"{name} = {obj!r}"
    where = getattr(obj, "__module__", None)
    lines = [f"### `{name}`", "", f"{kind} `{head}`" + (f" (from `{where}`)" if where else ""),
             ""]
    doc = _doc(obj) if kind != "value" else ""
    if doc:
        lines += [doc, ""]
    if inspect.isclass(obj):
        for attr, member in sorted(vars(obj).items()):
            if attr.startswith("_") or not (inspect.isfunction(member)
                                            or isinstance(member, (property, classmethod,
                                                                   staticmethod))):
                continue
            target = member.fget if isinstance(member, property) else getattr(
                member, "__func__", member)
            sig = attr if isinstance(member, property) else _signature(attr, target)
            first = (_doc(target).split("\n\n")[0]).replace("\n", " ")
            lines.append(f"* `{sig}`" + (f": {first}" if first else ""))
        lines.append("")
    return lines


def render() -> str:
    lines = ["# API reference", "",
             "Generated from the docstrings by `python scripts/gen_api.py`; do not edit by "
             "hand (a test checks that this file is current). The design behind these "
             "interfaces is in [design-interfaces](design-interfaces.md).", ""]
    for module_name, purpose in MODULES:
        module = importlib.import_module(module_name)
        lines += [f"## `{module_name}`: {purpose}", ""]
        for name in _names(module):
            lines += _entry(name, getattr(module, name))
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if docs/api.md is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not OUT.is_file() or OUT.read_text() != text:
            print(f"{OUT} is not current: run python scripts/gen_api.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
