"""Where codesign's tasks live: ``picojoule.compress.task`` (the model, data and metric) and
``picojoule.compress.codesign_ops`` (what is done to the model). Kept so that
``from picojoule.codesign.task import mnist_task`` still works; the names are looked up
on first use, so importing this module does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__: list[str] = []  # forwarded on first use (see __getattr__)

_FROM_TASK = {"Task", "layer_names", "minilm_task", "mnist_task", "weight_of"}


def __getattr__(name: str) -> Any:
    if name in _FROM_TASK:
        return getattr(importlib.import_module("picojoule.compress.task"), name)
    if name == "compress":
        ops = importlib.import_module("picojoule.compress.codesign_ops")

        def compress(task: Any, config: Any, fine_tune_steps: int = 0) -> Any:
            """A compressed deep copy of ``task``'s model as ``config`` says."""
            return ops.compressed_copy(task, config.choice, fine_tune_steps)
        return compress
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
