"""The contract of an ``Executor``, run against every implementation: every item's result
comes back once, under its index, whatever order the pieces finish in; nothing for no items;
a worker's exception reaches the caller. Worker processes die with their parent."""

from __future__ import annotations

import os
import signal

import pytest

from picojoule.context import Executor, ProcessExecutor, SerialExecutor, as_executor
from picojoule.errors import SpecError

IMPLEMENTATIONS = [SerialExecutor(), ProcessExecutor(1), ProcessExecutor(2), "dask"]


@pytest.fixture(scope="module")
def dask_executor():  # type: ignore[no-untyped-def]
    """One real 2-worker Dask LocalCluster for the module (seconds to start)."""
    from picojoule.explore.executors import DaskExecutor

    with DaskExecutor.local(2) as executor:
        yield executor


@pytest.fixture
def executor(request, dask_executor):  # type: ignore[no-untyped-def]
    return dask_executor if request.param == "dask" else request.param


def square(x: int) -> int:
    return x * x


def fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x


def parent_death_signal(_: int) -> tuple[int, int]:
    """(pid, signal number this process gets when its parent dies) via prctl."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    value = ctypes.c_int(0)
    libc.prctl(2, ctypes.byref(value), 0, 0, 0)  # PR_GET_PDEATHSIG
    return os.getpid(), value.value


@pytest.mark.parametrize("executor", IMPLEMENTATIONS, ids=repr, indirect=True)
def test_every_result_once_under_its_index(executor) -> None:
    assert isinstance(executor, Executor)
    items = [5, 1, 4, 2, 3]
    got = list(executor.map_unordered(square, items))
    assert sorted(i for i, _ in got) == [0, 1, 2, 3, 4]
    assert {i: r for i, r in got} == {i: x * x for i, x in enumerate(items)}
    assert list(executor.map_unordered(square, [])) == []


@pytest.mark.parametrize("executor", IMPLEMENTATIONS, ids=repr, indirect=True)
def test_a_failure_reaches_the_caller(executor) -> None:
    with pytest.raises(ValueError, match="three"):
        list(executor.map_unordered(fail_on_three, [1, 2, 3, 4]))


def test_process_workers_are_armed_to_die_with_their_parent() -> None:
    got = dict(ProcessExecutor(2).map_unordered(parent_death_signal, [0, 1, 2]))
    pids = {pid for pid, _ in got.values()}
    assert os.getpid() not in pids  # they ran in workers
    assert {sig for _, sig in got.values()} == {int(signal.SIGTERM)}


def test_edge_normalization() -> None:
    assert as_executor(None) == SerialExecutor()
    assert as_executor(3) == ProcessExecutor(3)
    with pytest.raises(SpecError, match="Executor"):
        as_executor("dask")
    with pytest.raises(SpecError, match="positive integer"):
        list(ProcessExecutor(0).map_unordered(square, [1]))
