"""Fuzz the command line: malformed flags, YAML, layer and mapping text, networks, ONNX bytes.

Every case runs ``picojoule.cli.main.main(argv)`` in-process (fast; a SIGALRM guard catches
hangs) and a few run in a fresh interpreter. Counts of tracebacks, hangs and exit-0 nonsense
are recorded per test and summed into one ``fuzz:`` line at the end of the run (see
``tests/conftest.py``); each must be 0. ``make test`` runs a few hundred cases, ``make
test-slow`` more than 10,000.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import fuzz_cases as cases
import pytest
from fuzz_harness import Tally, run_case
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SRC = str(Path(__file__).resolve().parents[2] / "src")
FAMILIES: dict[str, tuple[Callable[[], st.SearchStrategy], int]] = {
    # family: (strategy, cases in the normal run); the slow run takes SLOW_FACTOR times more
    "layer text": (cases.layer_case, 70),
    "arch yaml": (cases.arch_case, 60),
    "mapping text": (cases.mapping_case, 40),
    "network files": (cases.network_case, 50),
    "cli flags": (cases.cli_case, 60),
    "onnx bytes": (lambda: cases.onnx_case(cases.onnx_base()), 30),
}
SLOW_FACTOR = 36  # 310 x 36 = 11,160 cases


def _fuzz(family: str, examples: int, record_property: Callable[[str, object], None]) -> None:
    strategy, _ = FAMILIES[family]
    tally = Tally()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        @settings(max_examples=examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(strategy())
        def body(case: tuple[list[str], dict[str, str | bytes]]) -> None:
            argv, files = case
            run_case([a.replace("{dir}", tmp) for a in argv],
                     {folder / name: data.encode() if isinstance(data, str) else data
                      for name, data in files.items()}, tally)

        body()
    record_property("fuzz", tally.as_dict())
    assert tally.bad == 0, f"{family}: {tally.as_dict()}\n" + "\n".join(
        f"{kind}: {example}" for kind, found in tally.examples.items() for example in found)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_fuzz(family: str, record_property: Callable[[str, object], None]) -> None:
    _fuzz(family, FAMILIES[family][1], record_property)


@pytest.mark.slow
@pytest.mark.parametrize("family", list(FAMILIES))
def test_fuzz_slow(family: str, record_property: Callable[[str, object], None]) -> None:
    _fuzz(family, FAMILIES[family][1] * SLOW_FACTOR, record_property)
