"""Where the computation runs: storage hierarchy, spatial fan-outs, compute, technology."""

from picojoule.arch.loader import (
    arch_from_mapping,
    load_arch,
    load_arch_file,
    load_preset,
    preset_names,
)
from picojoule.arch.spec import Arch, Compute, Fanout, StorageLevel

__all__ = ["Arch", "Compute", "Fanout", "StorageLevel", "arch_from_mapping", "load_arch",
           "load_arch_file", "load_preset", "preset_names"]
