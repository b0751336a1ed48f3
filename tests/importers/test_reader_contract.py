"""The contract of a file ``Reader``, run against every registered one: it declares distinct
lower-case suffixes, ``load_model`` picks it by suffix, it reads a one-layer model of its
format (fc N=1 C=8 M=4: 8 x 4 = 32 MACs), and a broken file is one ``SpecError``."""

from __future__ import annotations

from pathlib import Path

import pytest

from picojoule.errors import SpecError
from picojoule.importers import READERS, load_model, reader_for
from picojoule.workload import parse_layer, save_network
from picojoule.workload.network import Network, Node
from picojoule.workload.network_io import network_to_text
from picojoule.workload.readers import ModelRequest, Reader

FC = "fc N=1 C=8 M=4 name=head"


def one_fc() -> Network:
    return Network("one", (Node(parse_layer(FC)),))


def write_onnx(path: Path) -> None:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.zeros((4, 8), np.float32), "w")
    node = helper.make_node("Gemm", ["x", "w"], ["y"], name="head", transB=1)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [w])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)


SAMPLES = {  # reader name -> (suffix, write a one-fc model, broken contents)
    "onnx": (".onnx", write_onnx, "not a protobuf"),
    "document": (".yaml", lambda p: save_network(one_fc(), p), "nodes: [{name: 1, type: ?}]"),
    "net-text": (".net", lambda p: p.write_text(network_to_text(one_fc())), "head: conv9d X"),
    "layer-list": (".txt", lambda p: p.write_text(FC + "\n"), "fc N=1 C=eight M=4"),
}


def test_every_reader_has_a_sample_and_distinct_suffixes() -> None:
    assert sorted(r.name for r in READERS) == sorted(SAMPLES)
    suffixes = [s for r in READERS for s in r.suffixes]
    assert len(suffixes) == len(set(suffixes))
    assert all(s.startswith(".") and s == s.lower() for s in suffixes)


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.name)
def test_reads_its_format_and_is_picked_by_suffix(reader, tmp_path) -> None:
    assert isinstance(reader, Reader)
    suffix, write, _ = SAMPLES[reader.name]
    path = tmp_path / f"model{suffix}"
    write(path)
    assert reader_for(path) is reader
    assert reader_for(path.with_suffix(suffix.upper())) is reader
    net = reader.read(path, ModelRequest())
    assert net.macs == 8 * 4
    assert load_model(str(path)).macs == 8 * 4


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.name)
def test_a_broken_or_missing_file_is_one_spec_error(reader, tmp_path) -> None:
    suffix, _, broken = SAMPLES[reader.name]
    path = tmp_path / f"broken{suffix}"
    path.write_text(broken)
    with pytest.raises(SpecError):
        load_model(str(path))
    with pytest.raises(SpecError, match="an existing file"):
        load_model(str(tmp_path / f"missing{suffix}"))
