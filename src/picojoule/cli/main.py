"""``picojoule`` command line: one module per subcommand, each with ``register(subparsers)``.

Bad input of any kind ends with one ``error:`` line naming the file/field/flag and exit code 2;
a traceback here is a bug.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from picojoule import __version__
from picojoule.errors import PicojouleError, SpecError

MAX_ERROR_LINE = 400  # characters of one error line; a value quoted in it is cut, not dumped

# Subcommand modules under picojoule.cli; each defines register(subparsers) and sets `func`.
COMMAND_MODULES = ("evaluate", "arch_cmd", "demo", "zoo_cmd", "map_cmd", "analyze_cmd",
                   "carbon_cmd", "llm_cmd", "explore_cmd", "timeloop_cmd", "export_cmd",
                   "codesign_cmd")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="picojoule",
        description="Where do the joules go? Energy, cycles and area of NN layers on accelerators.",
    )
    parser.add_argument("--version", action="version", version=f"picojoule {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"picojoule.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"picojoule.cli.{name}":
                continue  # a subcommand not built yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except PicojouleError as exc:
        lines = [str(p) for p in exc.problems] if isinstance(exc, SpecError) else [str(exc)]
        for line in lines:
            # one line per problem: control characters from the input (newlines, terminal
            # escapes) are shown escaped, never printed raw
            line = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in line)
            if len(line) > MAX_ERROR_LINE:
                line = line[:MAX_ERROR_LINE - 3] + "..."
            print(f"picojoule: error: {line}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
