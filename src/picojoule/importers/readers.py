"""The ONNX file reader (``onnx`` is imported when a file is read, not before)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from picojoule.workload.network import Network
from picojoule.workload.readers import ModelRequest, no_transformer_options


@dataclass(frozen=True)
class OnnxReader:
    name: ClassVar[str] = "onnx"
    suffixes: ClassVar[tuple[str, ...]] = (".onnx",)
    describe: ClassVar[str] = "a .onnx file"

    def read(self, path: Path, request: ModelRequest) -> Network:
        from picojoule.importers.onnx_import import import_onnx

        no_transformer_options(str(path), request)
        return import_onnx(path, batch=request.batch,
                           allow_unsupported=request.allow_unsupported)
