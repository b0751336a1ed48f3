"""Run one fuzz case through the real CLI entry and classify what happened.

A case is an argv for ``picojoule.cli.main.main`` plus files to write first. Outcomes:

* ``ok``: exit 0 with sane numbers, or exit 2 with one ``picojoule: error:`` line per problem
  (argparse's usage error counts: it is the same clean exit 2);
* ``traceback``: any exception escaping ``main``, or an exit code other than 0 and 2;
* ``hang``: the case ran past ``LIMIT_SECONDS`` (a SIGALRM interrupts it);
* ``nonsense``: exit 0 but a number no design can have: non-finite or negative energy or
  cycles, utilization outside [0, 1], zero MACs.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import signal
import subprocess
import sys
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from picojoule.cli.main import main

LIMIT_SECONDS = 20.0  # far above any case's normal time (budgets are tiny), even under load
OUTCOMES = ("ok", "traceback", "hang", "nonsense")


class _Hang(BaseException):
    """Raised by SIGALRM inside a case that ran too long (a BaseException: no ``except
    Exception`` in the code under test can swallow it)."""


@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, outcome: str, case: list[str], detail: str = "") -> None:
        self.counts[outcome] += 1
        if outcome != "ok":
            self.examples.setdefault(outcome, [])
            if len(self.examples[outcome]) < 5:
                self.examples[outcome].append(f"{case!r:.300}: {detail[-600:]}")

    @property
    def cases(self) -> int:
        return sum(self.counts.values())

    @property
    def bad(self) -> int:
        return self.cases - self.counts["ok"]

    def as_dict(self) -> dict[str, int]:
        return {"cases": self.cases, **{k: self.counts[k] for k in OUTCOMES[1:]}}


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def fire(signum: int, frame: Any) -> None:
        raise _Hang()

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_case(argv: list[str], files: dict[Path, bytes], tally: Tally) -> str:
    """Write ``files``, run ``main(argv)`` in this process, classify and count the result."""
    for path, data in files.items():
        path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    try:
        with _alarm(LIMIT_SECONDS), contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse: usage error (2) or --help/--version (0)
                code = exc.code if isinstance(exc.code, int) else 2
    except _Hang:
        return _count(tally, argv, "hang", f"over {LIMIT_SECONDS:g} s")
    except BaseException:
        return _count(tally, argv, "traceback", traceback.format_exc())
    return _count(tally, argv, *classify(argv, code, out.getvalue(), err.getvalue()))


def _count(tally: Tally, argv: list[str], outcome: str, detail: str = "") -> str:
    tally.add(outcome, list(argv), detail)
    return outcome


def classify(argv: list[str], code: int, out: str, err: str) -> tuple[str, str]:
    """Outcome and detail of a finished run from its exit code and output."""
    if "Traceback (most recent call last)" in out + err:
        return "traceback", err
    if code == 2:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        if lines and (all(ln.startswith("picojoule: error: ") for ln in lines)
                      or any(ln.startswith("usage:") for ln in lines)):
            return "ok", ""
        return "traceback", f"exit 2 without a clean error line: {err[:300]}"
    if code != 0:
        return "traceback", f"exit {code}: {err[:300]}"
    return nonsense(argv, out)


def nonsense(argv: list[str], out: str) -> tuple[str, str]:
    """Exit 0: are the numbers ones a design can have?"""
    if "--json" in argv and out.lstrip().startswith("{"):
        doc = json.loads(out)
        rows = [doc] if "energy_pj" in doc else [
            r for r in doc.get("layers", []) if "energy_pj" in r] + (
            [doc["totals"]] if doc.get("totals") else [])
        for row in rows:
            problem = stats_problem(row)
            if problem:
                return "nonsense", problem
        if "layers" in doc and not rows and not doc.get("layers"):
            return "nonsense", "no layers"
    for match in re.finditer(r"total: ([\d,]+) MACs", out):
        if int(match.group(1).replace(",", "")) <= 0:
            return "nonsense", "0 MACs"
    return "ok", ""


def stats_problem(row: dict[str, Any]) -> str:
    for key in ("energy_pj", "cycles"):
        value = row.get(key)
        if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
            return f"{key} = {value!r}"
    util = row.get("utilization")
    if not isinstance(util, int | float) or not 0 <= util <= 1:
        return f"utilization = {util!r}"
    if not row.get("macs"):
        return "0 MACs"
    return ""


def run_subprocess(argv: list[str], src: str, home: Path, tally: Tally,
                   timeout: float = 60) -> str:
    """The same case in a fresh interpreter (hangs that SIGALRM cannot interrupt, crashes
    of the interpreter itself)."""
    cmd = [sys.executable, "-c", "import sys; from picojoule.cli.main import main; "
           "sys.exit(main(sys.argv[1:]))", *argv]
    env = {"PYTHONPATH": src, "PATH": "/usr/bin:/bin", "COLUMNS": "80",
           "HOME": str(home)}
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                              check=False)
    except subprocess.TimeoutExpired:
        return _count(tally, argv, "hang", f"subprocess over {timeout:g} s")
    return _count(tally, argv, *classify(argv, done.returncode, done.stdout, done.stderr))
