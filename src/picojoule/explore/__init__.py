"""Design-space exploration: sweeps and multi-objective search over architectures, each
design's layers mapped by the mapper, on Dask, durable in SQLite and resumable."""

from picojoule.context.executor import ProcessExecutor, SerialExecutor
from picojoule.explore.executors import DaskExecutor
from picojoule.explore.run import SweepResult, explore
from picojoule.explore.space import DesignSpace, Parameter, Workload, load_space

__all__ = ["DaskExecutor", "DesignSpace", "Parameter", "ProcessExecutor", "SerialExecutor",
           "SweepResult",
           "Workload", "explore", "load_space"]
