"""The sweep's schedule: layer searches longest expected first, the next generation of a
sampler that ignores results queued behind the current one, and none of it changes a number
(completion order, worker count) or breaks resuming."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from picojoule.explore import DaskExecutor, SerialExecutor, explore, load_space
from picojoule.explore.schedule import BatchStream, CostBook
from picojoule.explore.tasks import LayerTask, layer_task, layer_tasks, mapper_options

# Seconds a fake executor reports per layer kind: the small fc layer is made the slow one, so
# a schedule that follows the measurements differs from one that follows the file's order.
FAKE_SECONDS = {"conv2d": 1.0, "fc": 3.0}

GRID = """\
base: eyeriss
parameters:
  pe_x: {path: levels.shared_glb.fanout.x, choices: [8, 14, 16]}
  glb: {path: levels.shared_glb.capacity_bits, low: 262144, high: 1048576, step: 262144}
workloads: [{model: LAYERS}]
objectives: [energy, cycles]
search: {sampler: grid, trials: 12, population: 4, seed: 0}
mapper: {evaluations: 300}
"""


def rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT number, params, vals, feasible, why FROM trials "
                           "ORDER BY number").fetchall()


def layer_rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as con:
        return sorted(con.execute("SELECT key, record FROM layers"))


class Recording:
    """Runs each batch in order, records it, and reports FAKE_SECONDS as the search time."""

    def __init__(self) -> None:
        self.batches: list[list[LayerTask]] = []

    def map_unordered(self, fn: Callable[[Any], Any], items: Sequence[Any]
                      ) -> Iterator[tuple[int, Any]]:
        self.batches.append(list(items))
        for i, item in enumerate(items):
            record, _seconds = fn(item)
            yield i, (record, FAKE_SECONDS[item.layer.kind])


class Reversed:
    """Finishes each batch's tasks last first: completion order unlike submission order."""

    def map_unordered(self, fn: Callable[[Any], Any], items: Sequence[Any]
                      ) -> Iterator[tuple[int, Any]]:
        for i in reversed(range(len(items))):
            yield i, fn(items[i])


class Killed(Exception):
    pass


class DiesAfter:
    """Hands back ``n`` results, then dies the way a killed sweep does (mid-generation)."""

    def __init__(self, n: int) -> None:
        self.left = n

    def map_unordered(self, fn: Callable[[Any], Any], items: Sequence[Any]
                      ) -> Iterator[tuple[int, Any]]:
        for i, item in enumerate(items):
            if self.left == 0:
                raise Killed
            self.left -= 1
            yield i, fn(item)


def test_cost_book_puts_older_generations_first_then_unseen_then_longest() -> None:
    book = CostBook()
    book.record("conv", 0.2)
    book.record("conv", 0.4)  # mean 0.3 s -> 300 ms
    book.record("fc", 0.1)  # 100 ms
    assert book.expected_seconds("conv") == pytest.approx(0.3)
    assert book.expected_seconds("new") is None
    # within generation 1: unseen, then conv (300 ms), then fc (100 ms)
    assert book.priority("new", 1) > book.priority("conv", 1) > book.priority("fc", 1)
    # any task of generation 0 before any of generation 1, even an unseen one
    assert book.priority("fc", 0) > book.priority("new", 1)
    assert book.priority("conv", 1) - book.priority("fc", 1) == 300 - 100


def test_batch_stream_runs_highest_priority_first_and_queues_later_submissions() -> None:
    ran: list[str] = []

    def work(x: str) -> str:
        ran.append(x)
        return x.upper()

    stream = BatchStream(SerialExecutor(), work)
    for ident, priority in (("a", 1), ("b", 5), ("c", 5), ("d", 3)):
        stream.submit(ident, ident, priority)
    assert stream.pending == 4
    assert stream.next() == ("b", "B")  # 5 first; ties in submission order
    stream.submit("e", "e", 100)  # arrives while a batch runs: goes into the next batch
    assert [stream.next() for _ in range(3)] == [("c", "C"), ("d", "D"), ("a", "A")]
    assert stream.next() == ("e", "E")
    assert ran == ["b", "c", "d", "a", "e"] and stream.pending == 0
    with pytest.raises(RuntimeError, match="nothing submitted"):
        stream.next()


def test_layer_tasks_have_the_keys_and_seeds_of_one_task_per_layer(space_file) -> None:
    from picojoule.explore.design import design_arch
    from picojoule.importers import load_model

    space = load_space(space_file("random", trials=2))
    layers = load_model(space.workloads[0].model).layers
    arch = design_arch(space, {"pe_x": 14})
    options = mapper_options(1000, "edp", 3)
    assert layer_tasks(layers, arch, options) == [layer_task(x, arch, options) for x in layers]


def test_grid_is_asked_a_generation_ahead_and_searches_run_longest_first(tmp_path: Path
                                                                          ) -> None:
    """Grid (last parameter fastest): trials 0-3 have pe_x 8, 4-7 pe_x 14, 8-11 pe_x 16, in
    generations of 4. The base (eyeriss: 14 wide, a buffer size not on the grid) and
    generations 0 and 1 are submitted before any result is asked for (the base is never told
    to the sampler, and grid is asked a generation ahead), so they form the first batch, in
    generation order; no shape has been timed yet, so each design's go in file order (conv,
    fc). Generation 2 is asked when generation 0 is told, while generation 1 runs, and forms
    the second batch: fc (3 s so far) before conv (1 s). Busy: 13 designs x (1 + 3) s."""
    (tmp_path / "layers.txt").write_text("conv2d N=1 C=16 M=32 P=14 Q=14 R=3 S=3\n"
                                         "fc N=1 C=256 M=64\n")
    path = tmp_path / "grid.yaml"
    path.write_text(GRID.replace("LAYERS", str(tmp_path / "layers.txt")))
    executor = Recording()
    result = explore(load_space(path), tmp_path / "g.db", executor)
    shown = [[(_pe_x(t), t.layer.kind) for t in b] for b in executor.batches]
    pair = ["conv2d", "fc"]
    assert shown[0] == [(x, k) for x in [14] + [8] * 4 + [14] * 4 for k in pair]
    assert shown[1] == [(16, "fc")] * 4 + [(16, "conv2d")] * 4 and len(shown) == 2
    assert result.searched_layers == 26 and result.busy_seconds == 52.0
    assert rows(tmp_path / "g.db") == _serial_rows(path, tmp_path / "serial.db")


def _pe_x(task: LayerTask) -> int:
    glb = next(lv for lv in task.arch.levels if lv.name == "shared_glb")
    return int(glb.fanout.x)


def _serial_rows(space_path: Path, db: Path) -> list[tuple[object, ...]]:
    explore(load_space(space_path), db, SerialExecutor())
    return rows(db)


@pytest.mark.parametrize("sampler", ["nsga2", "tpe", "random", "grid"])
def test_completion_order_changes_no_number(space_file, tmp_path: Path, sampler: str) -> None:
    path = space_file(sampler, trials=12)
    if sampler == "tpe":
        path.write_text(path.read_text().replace("[energy, cycles]", "[edp]"))
    space = load_space(path)
    explore(space, tmp_path / "in_order.db", SerialExecutor())
    explore(space, tmp_path / "reversed.db", Reversed())
    assert rows(tmp_path / "reversed.db") == rows(tmp_path / "in_order.db")
    assert layer_rows(tmp_path / "reversed.db") == layer_rows(tmp_path / "in_order.db")


@pytest.mark.parametrize("sampler", ["nsga2", "random"])
@pytest.mark.parametrize("after", [3, 11])
def test_resume_after_dying_mid_generation(space_file, tmp_path: Path, sampler: str,
                                           after: int) -> None:
    """Died after 3 searches (inside generation 0) or 11 (later; for random, with the next
    generation already queued): the resumed store equals an uninterrupted run's, and the
    searches of both runs together are exactly the uninterrupted run's."""
    space = load_space(space_file(sampler, trials=12))
    clean = explore(space, tmp_path / "clean.db", SerialExecutor())
    with pytest.raises(Killed):
        explore(space, tmp_path / "killed.db", DiesAfter(after))
    resumed = explore(space, tmp_path / "killed.db", SerialExecutor(), resume=True)
    assert rows(tmp_path / "killed.db") == rows(tmp_path / "clean.db")
    assert layer_rows(tmp_path / "killed.db") == layer_rows(tmp_path / "clean.db")
    assert after + resumed.searched_layers == clean.searched_layers


@pytest.mark.parametrize("sampler", ["random"])
def test_one_and_two_dask_workers_give_the_same_numbers(space_file, tmp_path: Path,
                                                        sampler: str) -> None:
    """The generation-ahead path on a real cluster (NSGA-II's is in test_sweep.py)."""
    space = load_space(space_file(sampler, trials=12))
    for workers in (1, 2):
        with DaskExecutor.local(workers) as executor:
            result = explore(space, tmp_path / f"w{workers}.db", executor)
        assert result.busy_seconds > 0 and 0.0 <= result.idle_fraction(workers) < 1.0
    assert rows(tmp_path / "w1.db") == rows(tmp_path / "w2.db")
    assert layer_rows(tmp_path / "w1.db") == layer_rows(tmp_path / "w2.db")
