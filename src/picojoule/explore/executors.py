"""Dask as a picojoule ``Executor`` (``picojoule.context.executor``): the same one method,
``map_unordered(fn, items)``, yielding ``(index, result)`` as pieces finish, so a sweep runs
unchanged in this process (``SerialExecutor``), in local processes (``ProcessExecutor``) or on
a Dask cluster: a ``LocalCluster`` of single-threaded worker processes, one per core, or a
running scheduler. The LocalCluster's nanny processes watch this one, so a killed sweep
leaves no orphan workers (a test kills a sweep with SIGKILL and checks).

A sweep uses ``stream(fn)`` instead: tasks submitted one at a time with a priority, results
collected as they finish (``picojoule.explore.schedule``). The LocalCluster is a quiet one:
its workers do not sample their own stacks every 10 ms for a dashboard nobody opens, and its
monitors poll once a second, not ten times, so on a machine with as many cores as workers the
cluster's own bookkeeping takes little from the searches (the settings apply to this
cluster only); each worker imports the search code before ``local`` returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from picojoule.errors import SpecError

T = TypeVar("T")
R = TypeVar("R")
CONNECT_TIMEOUT_S = 10
# Dask settings for the LocalCluster a sweep starts (scoped to its creation).
_QUIET_CLUSTER = {
    "distributed.worker.profile.enabled": False,
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "1s",
    "distributed.admin.tick.interval": "1s",
}


def _import_search() -> None:
    """Run on each worker once: import what a layer search needs."""
    import picojoule.explore.tasks  # noqa: F401


class DaskExecutor:
    """Tasks on a Dask cluster: ``DaskExecutor.local(workers)`` or ``.connect(address)``;
    ``close()`` (or a ``with`` block) shuts down what it started."""

    def __init__(self, client: Any, cluster: Any = None) -> None:
        self._client = client
        self._cluster = cluster

    @classmethod
    def local(cls, workers: int) -> DaskExecutor:
        import dask
        from distributed import Client, LocalCluster

        with dask.config.set(_QUIET_CLUSTER):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=50)
        client = Client(cluster)
        client.run(_import_search)
        return cls(client, cluster)

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

    def stream(self, fn: Callable[[Any], Any]) -> DaskStream:
        """A ``TaskStream`` (``picojoule.explore.schedule``) of ``fn`` on this cluster."""
        return DaskStream(self._client, fn)

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DaskStream:
    """Tasks submitted one at a time with a Dask priority (higher first), results as they
    finish (a task that raised raises here)."""

    def __init__(self, client: Any, fn: Callable[[Any], Any]) -> None:
        from distributed import as_completed

        self._client, self._fn = client, fn
        self._done = as_completed(with_results=True)
        self._idents: dict[str, str] = {}

    @property
    def pending(self) -> int:
        return len(self._idents)

    def submit(self, ident: str, item: Any, priority: int) -> None:
        future = self._client.submit(self._fn, item, pure=False, priority=priority)
        self._idents[future.key] = ident
        self._done.add(future)

    def next(self) -> tuple[str, Any]:
        if not self._idents:
            raise RuntimeError("next() on a task stream with nothing submitted")
        future, result = next(self._done)
        ident = self._idents.pop(future.key)
        future.release()
        return ident, result
