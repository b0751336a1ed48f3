"""Importers: PyTorch modules and ONNX files into Networks (the only users of torch/onnx
outside picojoule.compress; both are imported lazily inside the functions), and
``load_model``, which reads any model by its registered reader."""

from __future__ import annotations

from typing import Any

from picojoule.importers.load import READERS, load_model, reader_for
from picojoule.workload.network import Network


def import_torch(model: Any, example_inputs: Any, **options: Any) -> Network:
    from picojoule.importers.torch_import import import_torch as run

    return run(model, example_inputs, **options)


def import_onnx(path: Any, **options: Any) -> Network:
    from picojoule.importers.onnx_import import import_onnx as run

    return run(path, **options)


__all__ = ["READERS", "import_onnx", "import_torch", "load_model", "reader_for"]
