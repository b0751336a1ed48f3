"""Systolic fill and drain per fold, against cycle counts measured with SCALE-Sim 3.0."""

from __future__ import annotations

import math

import pytest

from picojoule.arch import arch_from_mapping, load_preset
from picojoule.cost.systolic import stream_length, systolic_cycles
from picojoule.mapper import Budget, Objective, SearchOptions, dataflow, search
from picojoule.mapping import LevelMapping, Mapping, batch_of_one
from picojoule.workload import gemm


def array32():
    return arch_from_mapping({
        "name": "sys32", "clock_hz": 1e9, "voltage_v": 0.9, "node_nm": 45, "systolic": True,
        "compute": {"precisions": ["int8"]},
        "levels": [{"name": "DRAM", "kind": "lpddr4", "width_bits": 64},
                   {"name": "sram", "kind": "sram", "width_bits": 256,
                    "capacity_bits": 1 << 40, "fanout": {"x": 32, "y": 32}},
                   {"name": "pe", "kind": "regfile", "width_bits": 8, "capacity_bits": 1 << 30}],
    }, "sys32")


# (dataflow, px, window, filters, cycles SCALE-Sim 3.0 reports for a 32 x 32 array:
# rows of its demand matrices, benchmarks/systolic_vs_scalesim.py's driver)
MEASURED = [("os", 49, 27, 40, 356), ("ws", 49, 27, 40, 286), ("is", 49, 27, 40, 268),
            ("os", 10, 5, 3, 67), ("ws", 10, 5, 3, 104), ("is", 10, 5, 3, 97)]


@pytest.mark.parametrize(("df", "px", "window", "filters", "expected"), MEASURED)
def test_fill_and_drain_per_fold_match_scalesim(df, px, window, filters, expected):
    rows, cols, t = {"os": ("M", "N", "K"), "ws": ("K", "N", "M"), "is": ("K", "M", "N")}[df]
    bound = {"M": px, "N": filters, "K": window}
    r, c = min(bound[rows], 32), min(bound[cols], 32)
    folds = tuple((d, math.ceil(bound[d] / n)) for d, n in ((rows, r), (cols, c))
                  if bound[d] > n)
    mapping = Mapping((LevelMapping("DRAM", folds),
                       LevelMapping("sram", ((t, bound[t]),), ((cols, c),), ((rows, r),))))
    layer, arch = gemm(M=px, N=filters, K=window), array32()
    batch = batch_of_one(mapping, layer, arch)
    stationary = {"os": "outputs", "ws": "weights", "is": "inputs"}[df]
    assert stream_length(batch, layer, stationary)[0] == bound[t]
    assert systolic_cycles(batch, layer, arch, stationary)[0] == expected


def test_systolic_arrays_report_more_cycles_than_the_throughput_bound():
    arch = load_preset("simple-systolic")
    layer = gemm(M=64, N=64, K=64)
    r = search(layer, arch, SearchOptions(constraints=dataflow("os"), objective=Objective(0, 1),
                                          budget=Budget(3000)))
    throughput_only = layer.macs / r.stats.used_pes
    assert r.stats.cycles > throughput_only


def test_static_energy_follows_the_systolic_cycles():
    """Fill and drain lengthen the run, and static power is charged for the whole of it: the
    reported energy must agree with the reported cycles."""
    import dataclasses

    from picojoule.cost import evaluate

    base = load_preset("simple-systolic")  # unlimited DRAM bandwidth: compute-bound timing
    arch = dataclasses.replace(base, static_power_mw=100.0, levels=(
        dataclasses.replace(base.levels[0], read_bandwidth_bits=None), *base.levels[1:]))
    layer = gemm(M=1, N=1000, K=512)  # a batch-1 fc: folds are short, fill/drain dominate
    result = search(layer, arch, SearchOptions(budget=Budget(evaluations=2000)))
    stats = result.stats
    throughput_only = evaluate(layer, arch, result.mapping)
    assert stats.cycles > throughput_only.cycles
    assert stats.static_energy_pj == pytest.approx(100.0 * 1e9 * stats.cycles / arch.clock_hz)
    extra = stats.static_energy_pj - throughput_only.static_energy_pj
    assert stats.energy_pj == pytest.approx(throughput_only.energy_pj + extra)


def test_the_timing_model_is_selected_by_what_the_arch_supports() -> None:
    from picojoule.cost.timing import SystolicFillDrain, TimingModel, select_timing

    chosen = select_timing(array32(), "weights")
    assert isinstance(chosen, TimingModel) and chosen == SystolicFillDrain("weights")
    assert select_timing(load_preset("eyeriss"), "weights") is None  # not systolic
