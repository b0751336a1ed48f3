"""The one nesting of a Result for reports: level -> operand -> reads/fills/updates/energy,
and grouped sums of several columns; both add in row order."""

from __future__ import annotations

from picojoule.result import Result, Row


def storage(layer: str, level: str, op: str, reads: float, energy_pj: float) -> Row:
    return Row("d", layer, "", level, op, "storage", energy_pj, accesses=reads + 1.0,
               reads=reads, fills=1.0)


def test_storage_nests_by_level_and_operand_summing_layers() -> None:
    r = Result((storage("a", "DRAM", "weights", 4.0, 10.0), storage("a", "buf", "inputs", 2.0, 1.0),
                storage("b", "DRAM", "weights", 6.0, 30.0),
                Row("d", "a", "", "", "", "compute", 5.0, macs=7.0)))
    # DRAM weights over both layers: reads 4 + 6, fills 1 + 1, energy 10 + 30
    assert r.storage() == {
        "DRAM": {"weights": {"reads": 10.0, "fills": 2.0, "updates": 0.0, "energy_pj": 40.0}},
        "buf": {"inputs": {"reads": 2.0, "fills": 1.0, "updates": 0.0, "energy_pj": 1.0}}}
    table = r.table(["component"], ["energy_pj", "macs"])
    assert table == {("storage",): {"energy_pj": 41.0, "macs": 0.0},
                     ("compute",): {"energy_pj": 5.0, "macs": 7.0}}


def test_sums_run_in_row_order() -> None:
    # 1e16 + 1 + 1 in order rounds each 1 away (spacing of floats there is 2); the cost
    # model adds the same way, so a Result reproduces its figures bit for bit
    rows = tuple(Row(energy_pj=e) for e in (1e16, 1.0, 1.0))
    assert Result(rows).energy_pj == 1e16
    assert Result(rows).times(2).energy_pj == 2e16
