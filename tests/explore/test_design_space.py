"""A bad design space is one clear line per problem, exit 2."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from picojoule.cli.main import main
from picojoule.errors import SpecError
from picojoule.explore.space import load_space


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "layers.txt").write_text("fc N=1 C=64 M=64\n")
    path = tmp_path / "s.yaml"
    path.write_text(text.replace("layers.txt", str(tmp_path / "layers.txt")))
    return path


def test_empty_range_and_unknown_field_reported_together(tmp_path: Path) -> None:
    path = write(tmp_path, """
base: eyeriss
parameters:
  a: {path: levels.shared_glb.fanout.x, low: 16, high: 8}
  b: {path: levels.shared_glb.banks, choices: [1, 2]}
  c: {path: levels.no_such_level.depth, choices: [1]}
workloads: [layers.txt]
""")
    with pytest.raises(SpecError) as info:
        load_space(path)
    text = str(info.value)
    assert "parameters.a: low <= high (an empty range), got low=16, high=8" in text
    # b and c are checked once the ranges are fine; a space is validated in two passes
    path.write_text(path.read_text().replace("low: 16, high: 8", "low: 8, high: 16"))
    with pytest.raises(SpecError) as info:
        load_space(path)
    problems = [str(p) for p in info.value.problems]
    assert any("b.path" in p and "'banks'" in p for p in problems)
    assert any("c.path" in p and "no_such_level" in p for p in problems)


def test_cli_bad_space_exits_2_with_one_line_each(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, """
base: eyeriss
parameters: {a: {path: clock_hz, choices: []}}
workloads: [layers.txt]
objectives: [speed]
search: {sampler: bayes}
""")
    assert main(["explore", str(path), "--serial"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("picojoule: error: ") for line in err)
    assert any("objectives" in line for line in err)
    assert any("search.sampler" in line for line in err)


def test_design_rejected_by_the_arch_loader_is_infeasible_not_a_crash(tmp_path: Path) -> None:
    from picojoule.explore import SerialExecutor, explore

    path = write(tmp_path, """
base: eyeriss
parameters: {v: {path: voltage_v, choices: [1.0, -1.0]}}
workloads: [layers.txt]
search: {sampler: grid, trials: 2}
mapper: {evaluations: 100}
""")
    r = explore(load_space(path), tmp_path / "s.db", SerialExecutor())
    good, bad = r.trials
    assert good.feasible and not bad.feasible and "voltage_v" in bad.why


def test_unreachable_scheduler_is_a_clear_error_within_ten_seconds(tmp_path: Path,
                                                                   capsys) -> None:
    path = write(tmp_path, """
base: eyeriss
parameters: {x: {path: levels.shared_glb.fanout.x, choices: [8]}}
workloads: [layers.txt]
""")
    started = time.monotonic()
    assert main(["explore", str(path), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert time.monotonic() - started < 15
    assert "--scheduler" in capsys.readouterr().err
