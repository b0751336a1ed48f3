"""Network forms, annotations, table view and training workloads."""

from __future__ import annotations

import json

import pytest
import yaml

from picojoule.errors import SpecError
from picojoule.importers import load_model
from picojoule.workload import (
    backward_macs,
    conv2d,
    load_network,
    network_from_dict,
    network_from_text,
    network_to_dict,
    network_to_text,
    save_network,
    training_network,
    zoo,
)


@pytest.mark.parametrize("name", ["resnet-18", "mobilenet-v2", "gpt-2"])
def test_dict_and_text_forms_round_trip(name: str) -> None:
    net = zoo.build(name)
    assert network_from_dict(json.loads(json.dumps(network_to_dict(net)))) == net
    assert network_from_text(network_to_text(net)).nodes == net.nodes


def test_yaml_and_json_files_round_trip_and_load_model(tmp_path) -> None:
    net = training_network(zoo.build("lenet-5"))
    for suffix in (".yaml", ".json"):
        path = tmp_path / f"net{suffix}"
        save_network(net, path)
        assert load_network(path) == net
        assert load_model(str(path)) == net


def test_hand_written_yaml_network(tmp_path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump({"name": "mine", "nodes": [
        {"name": "c1", "layer": "conv2d N=1 C=3 M=8 H=32 W=32 R=3 S=3 pad=1", "params": 216},
        {"name": "r1", "vector": "relu", "elements": 8192},
        {"name": "fc", "layer": {"kind": "fc", "C": 8192, "M": 10}, "params": 81930},
    ]}))
    net = load_model(str(path))
    assert [n.name for n in net.nodes] == ["c1", "r1", "fc"]
    assert net.node("r1").inputs == ("c1",)
    assert net.macs == 8 * 3 * 32 * 32 * 9 + 8192 * 10 and net.params == 216 + 81930


def test_bad_network_file_reports_every_problem(tmp_path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"nodes": [
        {"name": "a", "layer": "gemm M=0 N=1 K=1"},
        {"name": "b", "vector": "relu", "elements": -1, "inputs": ["nope"]},
    ]}))
    with pytest.raises(SpecError) as info:
        load_model(str(path))
    fields = " ".join(p.field for p in info.value.problems)
    assert "M" in fields and "elements" in fields and "inputs" in fields


def test_table_rows() -> None:
    rows = zoo.build("alexnet").table()
    first = rows[0]
    assert first["name"] == "features.0" and first["type"] == "conv2d"
    assert first["macs"] == 64 * 55 * 55 * 3 * 11 * 11
    assert first["params"] == 64 * 3 * 11 * 11 + 64 and first["activations"] == 64 * 55 * 55
    assert sum(r["macs"] for r in rows) == zoo.build("alexnet").macs


def test_distinct_layers_dedup_by_signature() -> None:
    net = zoo.build("bert-base")
    distinct = net.distinct_layers()
    assert sum(count for _, count in distinct) == len(net.layers)
    # per encoder layer: QKV+output projections share a shape, FFN up, FFN down, 2 bmm shapes
    assert len(distinct) == 6  # + pooler


def test_annotate_from_compression_summary() -> None:
    net = zoo.build("resnet-18")
    summary = {"layers": [{"name": "layer1.0.conv1", "bits": {"inputs": 8, "weights": 4,
                                                              "outputs": 8},
                           "density": {"inputs": 1.0, "weights": 0.5, "outputs": 1.0},
                           "method": "int4 + 50% unstructured"}]}
    out = net.annotate(summary)
    layer = out.node("layer1.0.conv1").op
    assert layer.operand("weights").bits == 4  # type: ignore[union-attr]
    assert layer.operand("weights").density == 0.5  # type: ignore[union-attr]
    assert out.node("conv1") == net.node("conv1")
    assert out.weight_bits() < net.weight_bits()


def test_annotate_unknown_name_is_an_error_naming_it() -> None:
    with pytest.raises(SpecError) as info:
        zoo.build("resnet-18").annotate({"layers": [
            {"name": "layer1.0.conv9", "bits": {"weights": 4}},
            {"name": "fc", "bits": {"weights": 99}, "density": {"weights": 1.5}}]})
    text = str(info.value)
    assert "layer1.0.conv9" in text and "layer1.0.conv1" in text  # suggestion
    assert len(info.value.problems) == 3


def test_training_backward_is_twice_forward_per_weight_layer() -> None:
    net = zoo.build("resnet-18", batch=8)
    train = training_network(net)
    assert backward_macs(train) == 2 * net.macs
    for layer in net.layers:
        dx = train.node(f"{layer.name}.grad_input").op
        dw = train.node(f"{layer.name}.grad_weight").op
        assert dx.macs == dw.macs == layer.macs  # type: ignore[union-attr]
    assert train.info["stored_activation_bits"] > 0


def test_conv_gradients_keep_affine_operands() -> None:
    layer = conv2d(2, 16, 32, 14, 14, 3, 3, stride=2, name="c")
    net = training_network(network_from_dict({"nodes": [
        {"name": "c", "layer": layer.to_text(), "params": 16 * 32 * 9}]}))
    dx = net.node("c.grad_input").op
    dw = net.node("c.grad_weight").op
    # dX has the forward input's shape (stride*(P-1)+R = 29 rows); dW the weights' shape
    assert dx.size("outputs") == layer.size("inputs")  # type: ignore[union-attr]
    assert dw.size("outputs") == layer.size("weights")  # type: ignore[union-attr]
