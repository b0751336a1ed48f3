"""An ONNX model whose weights live in a missing external file still imports: only shapes
are read (ZigZag ships its example ResNet-18 this way)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from picojoule.importers import load_model


def test_missing_external_weights_do_not_matter(tmp_path: Path) -> None:
    weight = numpy_helper.from_array(np.ones((32, 64), dtype=np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "w"], ["y"], transB=1)], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 32])], [weight])
    path = tmp_path / "m.onnx"
    onnx.save_model(helper.make_model(graph), str(path), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="m.external", size_threshold=0)
    (tmp_path / "m.external").unlink()
    net = load_model(str(path))
    assert net.macs == 64 * 32 and net.params == 64 * 32
