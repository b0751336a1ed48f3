from __future__ import annotations

import pytest
from cost_archs import build_arch

from picojoule.arch import Arch


@pytest.fixture
def make_arch():
    return build_arch


@pytest.fixture
def two_level() -> Arch:
    """DRAM -> one buffer keeping everything, a single MAC below."""
    return build_arch({"name": "DRAM", "kind": "dram"},
                     {"name": "buf", "kind": "sram", "capacity_bits": 1 << 20})
