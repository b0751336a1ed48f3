"""The vector unit: every non-MAC operation of a network is costed by ``analyze``."""

from __future__ import annotations

import json
import math

import pytest

from picojoule.analysis import analyze
from picojoule.analysis.vector import cost_vector_op, lanes, ops_per_element
from picojoule.arch.loader import load_arch
from picojoule.cli.main import main
from picojoule.importers import load_model
from picojoule.mapper import Budget, SearchOptions
from picojoule.workload.network import VECTOR_KINDS, VectorOp


def test_every_vector_kind_has_an_operation_count() -> None:
    assert set(VECTOR_KINDS) <= set(ops_per_element())


def test_softmax_cost_by_hand() -> None:
    arch = load_arch("tpu-v1")
    assert lanes(arch) == 256  # the 256-wide array's columns
    op = VectorOp("sm", "softmax", elements=256 * 1000, bits=8)
    c = cost_vector_op(op, arch)
    # 5 ops per element (max, subtract, exp, sum, divide) over 256 lanes: 5000 cycles of
    # lanes; 512,000 B in + out fit the 24 MiB unified buffer, read at 2048 b/cycle there:
    # 2 x 256,000 x 8 / 2048 = 2000 cycles < 5000
    assert c.ops == 5 * 256_000
    assert c.cycles == 5000
    assert c.level == "unified_buffer"
    assert c.compute_energy_pj > 0 and c.storage_energy_pj > 0


def test_embedding_is_traffic_only_from_the_outermost_level() -> None:
    c = cost_vector_op(VectorOp("emb", "embedding", 4096), load_arch("eyeriss"))
    assert c.ops == 0 and c.compute_energy_pj == 0 and c.level == "DRAM"


def test_analyze_resnet18_costs_every_operation(capsys: pytest.CaptureFixture[str]) -> None:
    net = load_model("resnet18")
    a = analyze(net, load_arch("eyeriss"), SearchOptions(budget=Budget(300), seed=1))
    assert a.vector_ops == ()  # nothing left "not costed"
    assert len(a.vector_costs) == len(net.vector_ops) == 47
    assert all(v.energy_pj > 0 and v.cycles > 0 for v in a.vector_costs)
    assert math.isclose(json.loads(json.dumps(a.to_dict()))["vector_energy_pj"],
                        sum(v.energy_pj for v in a.vector_costs))


def test_cli_analyze_says_nothing_is_left_uncosted(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "lenet-5", "--arch", "eyeriss", "--budget", "200",
                 "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "not costed" not in out and "vector operations" in out
