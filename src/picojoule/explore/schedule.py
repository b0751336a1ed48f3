"""How a sweep keeps its workers busy: layer searches are submitted the moment their design is
known and collected the moment they finish, longest expected first.

A ``TaskStream`` takes tasks one at a time (``submit(ident, item, priority)``) and hands back
``(ident, result)`` as each finishes (``next()``), so a design's layers go out while the next
design is still being prepared, and a design is scored and stored as soon as its last layer
is back. ``DaskExecutor.stream`` is one on Dask (priorities are Dask's own: higher first);
``BatchStream`` makes one of any ``Executor`` (tasks submitted while a batch runs go into the
next batch, each batch in priority order).

``CostBook`` gives the priority: older generations first; within one, the layer shapes that
took longest on the designs already evaluated (a longest-processing-time-first schedule, so a
generation ends on short searches, not on one long search with the other workers idle). A
shape not seen yet ranks first. Priorities only order the work: every result depends on its
task alone, so the order never changes a number.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from picojoule.context.executor import Executor

# Priorities: generation-major, then expected milliseconds; one generation spans this many.
_SPAN = 10**9
_UNSEEN = _SPAN - 1


class TaskStream(Protocol):
    """Tasks in one at a time, results out as they finish."""

    @property
    def pending(self) -> int:
        """Tasks submitted and not yet handed back by ``next``."""
        ...

    def submit(self, ident: str, item: Any, priority: int) -> None: ...

    def next(self) -> tuple[str, Any]:
        """The next finished task's ident and result (blocks until one finishes)."""
        ...


@dataclass(frozen=True)
class _Queued:
    priority: int
    order: int
    ident: str
    item: Any


class BatchStream:
    """A ``TaskStream`` over any ``Executor``'s ``map_unordered``: the tasks queued when a
    result is asked for run as one batch, highest priority first (ties: submission order)."""

    def __init__(self, executor: Executor, fn: Callable[[Any], Any]) -> None:
        self._executor, self._fn = executor, fn
        self._queue: list[_Queued] = []
        self._batch: list[_Queued] = []
        self._running: Iterator[tuple[int, Any]] | None = None
        self._submitted = 0
        self._pending = 0

    @property
    def pending(self) -> int:
        return self._pending

    def submit(self, ident: str, item: Any, priority: int) -> None:
        self._queue.append(_Queued(priority, self._submitted, ident, item))
        self._submitted += 1
        self._pending += 1

    def next(self) -> tuple[str, Any]:
        while True:
            if self._running is not None:
                got = next(self._running, None)
                if got is not None:
                    self._pending -= 1
                    return self._batch[got[0]].ident, got[1]
                self._running = None
            if not self._queue:
                raise RuntimeError("next() on a task stream with nothing submitted")
            self._batch = sorted(self._queue, key=lambda q: (-q.priority, q.order))
            self._queue = []
            self._running = iter(self._executor.map_unordered(
                self._fn, [q.item for q in self._batch]))


def open_stream(executor: Executor, fn: Callable[[Any], Any]) -> TaskStream:
    """The executor's own stream if it has one (``DaskExecutor``), else a ``BatchStream``."""
    stream = getattr(executor, "stream", None)
    if callable(stream):
        return stream(fn)
    return BatchStream(executor, fn)


class CostBook:
    """Expected seconds of a layer search, learnt during the sweep: the mean of what the same
    layer shape took on earlier designs (the mapper's budget is the same for every design, and
    the search's cost follows the layer far more than the design)."""

    def __init__(self) -> None:
        self._total: dict[Hashable, float] = {}
        self._count: dict[Hashable, int] = {}

    def record(self, shape: Hashable, seconds: float) -> None:
        self._total[shape] = self._total.get(shape, 0.0) + seconds
        self._count[shape] = self._count.get(shape, 0) + 1

    def expected_seconds(self, shape: Hashable) -> float | None:
        n = self._count.get(shape)
        return None if n is None else self._total[shape] / n

    def priority(self, shape: Hashable, generation: int) -> int:
        """Higher runs first: an older generation before a newer one; within a generation an
        unseen shape, then the longest expected."""
        seconds = self.expected_seconds(shape)
        rank = _UNSEEN if seconds is None else min(int(seconds * 1000), _UNSEEN - 1)
        return -generation * _SPAN + rank
