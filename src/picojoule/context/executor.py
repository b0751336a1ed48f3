"""Executors: run one function over many items and hand back results as they finish.

The protocol is one method, ``map_unordered(fn, items)``, yielding ``(index, result)`` pairs
in the order the pieces finish. ``fn`` and the items must pickle (a module-level function,
frozen dataclasses) so that an executor may send them to other processes or machines.
``SerialExecutor`` runs them here, one after another; ``ProcessExecutor`` in local worker
processes, each started through ``_worker_init``. A Dask executor for sweeps implements the
same method.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Protocol, TypeVar, runtime_checkable

from picojoule.errors import SpecError

T = TypeVar("T")
R = TypeVar("R")

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_POLL_SECONDS = 0.5


@runtime_checkable
class Executor(Protocol):
    """Runs ``fn`` over ``items``; yields ``(index, fn(items[index]))`` as each finishes."""

    def map_unordered(self, fn: Callable[[T], R],
                      items: Sequence[T]) -> Iterator[tuple[int, R]]: ...


@dataclass(frozen=True)
class SerialExecutor:
    """In this process, in order: for tests, debugging and tiny jobs."""

    def map_unordered(self, fn: Callable[[T], R],
                      items: Sequence[T]) -> Iterator[tuple[int, R]]:
        for i, item in enumerate(items):
            yield i, fn(item)


def _worker_init(parent_pid: int) -> None:
    """Run once in every worker process before any work: the one place a worker is set up.
    The worker must never outlive its parent (a parent killed with SIGKILL would leave it
    asleep forever on a queue nobody writes to): on Linux it asks the kernel for SIGTERM when
    the parent dies; everywhere, a daemon thread polls the parent's id and ends the worker
    when it changes (the worker was re-parented)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the thread remains
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="picojoule-parent-watch",
                     daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(_POLL_SECONDS)
    os._exit(1)


@dataclass(frozen=True)
class ProcessExecutor:
    """Local worker processes (at most ``workers``); with one worker, or one item, the work
    runs in this process (no pool to start)."""

    workers: int = 1

    def map_unordered(self, fn: Callable[[T], R],
                      items: Sequence[T]) -> Iterator[tuple[int, R]]:
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) \
                or self.workers < 1:
            raise SpecError.single("workers", "", f"a positive integer, got {self.workers!r}")
        if self.workers == 1 or len(items) <= 1:
            yield from SerialExecutor().map_unordered(fn, items)
            return
        with ProcessPoolExecutor(max_workers=min(self.workers, len(items)),
                                 initializer=_worker_init, initargs=(os.getpid(),)) as pool:
            futures = {pool.submit(fn, item): i for i, item in enumerate(items)}
            for fut in as_completed(futures):
                yield futures[fut], fut.result()


def as_executor(target: Executor | int | None) -> Executor:
    """The edge's normalization: an Executor as is; a count of local processes a
    ``ProcessExecutor``; None the serial executor."""
    if target is None:
        return SerialExecutor()
    if isinstance(target, int) and not isinstance(target, bool):
        return ProcessExecutor(target)
    if isinstance(target, Executor):
        return target
    raise SpecError.single("executor", "", f"an Executor or a number of worker processes, "
                                           f"got {target!r}")
