"""Where layer tasks run: in this process, or on Dask (a LocalCluster or a scheduler).

One interface: ``run(tasks)`` yields ``(task, record)`` pairs as tasks finish, in any order;
callers store each record at once. Dask's LocalCluster runs one single-threaded worker process
per core; its nanny processes watch this one, so a killed sweep leaves no orphan workers
(a test kills a sweep with SIGKILL and checks).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from picojoule.errors import SpecError
from picojoule.explore.tasks import LayerTask, run_task

CONNECT_TIMEOUT_S = 10


class Executor(Protocol):
    def run(self, tasks: Sequence[LayerTask]) -> Iterator[tuple[LayerTask, dict[str, Any]]]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Every task in this process, in order (tests, one core, debugging)."""

    def run(self, tasks: Sequence[LayerTask]) -> Iterator[tuple[LayerTask, dict[str, Any]]]:
        for task in tasks:
            yield task, run_task(task)

    def close(self) -> None:
        return None


class DaskExecutor:
    """Tasks on a Dask cluster: ``DaskExecutor.local(workers)`` or ``.connect(address)``."""

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

    def run(self, tasks: Sequence[LayerTask]) -> Iterator[tuple[LayerTask, dict[str, Any]]]:
        from distributed import as_completed

        if not tasks:
            return
        futures = {self._client.submit(run_task, t, key=f"layer-{t.key}", pure=True): t
                   for t in tasks}
        for fut in as_completed(list(futures)):
            task = futures[fut]
            yield task, fut.result()
            fut.release()

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
