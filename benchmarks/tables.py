"""Helpers the benchmark scripts share (imported from this folder): aligned text tables, and
the checkout of the timeloop-accelergy-exercises repository that two of them read."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

EXERCISES = Path.home() / ".cache" / "picojoule" / "peers" / "timeloop-accelergy-exercises"


def exercises_dir() -> Path:
    """``--exercises DIR`` (default under ~/.cache/picojoule/peers), checked to be a checkout."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--exercises", type=Path, default=EXERCISES)
    args = parser.parse_args()
    if not (args.exercises / "workspace").is_dir():
        raise SystemExit(f"no exercises checkout at {args.exercises}: clone the "
                         "timeloop-accelergy-exercises repository there, or pass --exercises")
    return Path(args.exercises)


def print_table(rows: Sequence[Sequence[str]]) -> None:
    """Rows of strings, the first the header, printed in left-aligned columns."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
