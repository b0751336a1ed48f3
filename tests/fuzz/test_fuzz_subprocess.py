"""Fuzz cases that once hung, each in a fresh interpreter with a hard timeout (a hang that
SIGALRM cannot interrupt, or a crash of the interpreter itself, shows up only this way)."""

from __future__ import annotations

from pathlib import Path

from fuzz_harness import Tally, run_subprocess

SRC = str(Path(__file__).resolve().parents[2] / "src")

SUBPROCESS_CASES = [
    ["map", "--arch", "eyeriss", "--layer", "gemm M=17592186044416 N=1 K=1", "--budget",
     "1s", "--json"],
    ["arch", "show", "{dir}/bomb.yaml"],
    ["map", "--arch", "eyeriss", "--layer", "gemm M=4 N=4 K=4", "--budget", "infs"],
]
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n"
    for a, b in zip("abcdefgh", "bcdefghi", strict=True))
BOMB += "name: *i\n"


def test_fuzz_subprocess_sample(tmp_path, record_property) -> None:
    """Cases that once hung, run in a fresh interpreter with a hard timeout."""
    (tmp_path / "bomb.yaml").write_text(BOMB)
    tally = Tally()
    for argv in SUBPROCESS_CASES:
        run_subprocess([a.replace("{dir}", str(tmp_path)) for a in argv], SRC, tmp_path, tally,
                       timeout=60)
    record_property("fuzz", tally.as_dict())
    assert tally.bad == 0, tally.examples
