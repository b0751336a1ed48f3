from __future__ import annotations

import pytest
from mapper_archs import small_arch

from picojoule.arch import Arch


@pytest.fixture
def arch() -> Arch:
    return small_arch()
