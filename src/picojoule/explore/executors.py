"""Dask as a picojoule ``Executor`` (``picojoule.context.executor``): the same one method,
``map_unordered(fn, items)``, yielding ``(index, result)`` as pieces finish, so a sweep runs
unchanged in this process (``SerialExecutor``), in local processes (``ProcessExecutor``) or on
a Dask cluster: a ``LocalCluster`` of single-threaded worker processes, one per core, or a
running scheduler. The LocalCluster's nanny processes watch this one, so a killed sweep
leaves no orphan workers (a test kills a sweep with SIGKILL and checks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from picojoule.errors import SpecError

T = TypeVar("T")
R = TypeVar("R")
CONNECT_TIMEOUT_S = 10


class DaskExecutor:
    """Tasks on a Dask cluster: ``DaskExecutor.local(workers)`` or ``.connect(address)``;
    ``close()`` (or a ``with`` block) shuts down what it started."""

    def __init__(self, client: Any, cluster: Any = None) -> None:
        self._client = client
        self._cluster = cluster

    @classmethod
    def local(cls, workers: int) -> DaskExecutor:
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=50)
        return cls(Client(cluster), cluster)

    @classmethod
    def connect(cls, address: str) -> DaskExecutor:
        from distributed import Client

        try:
            client = Client(address, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise SpecError.single("--scheduler", "", f"a reachable Dask scheduler address "
                                   f"(tcp://host:port); {address!r:.80} did not answer within "
                                   f"{CONNECT_TIMEOUT_S} s ({type(exc).__name__})") from None
        return cls(client)

    @property
    def workers(self) -> int:
        return len(self._client.scheduler_info().get("workers", {}))

    def map_unordered(self, fn: Callable[[T], R],
                      items: Sequence[T]) -> Iterator[tuple[int, R]]:
        from distributed import as_completed

        if not items:
            return
        futures = {self._client.submit(fn, item, pure=False): i for i, item in enumerate(items)}
        for fut in as_completed(list(futures)):
            yield futures[fut], fut.result()
            fut.release()

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
