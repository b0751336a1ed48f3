"""The compression summary: bits and densities read from the model's own tensors and records."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from picojoule.compress.config import LayerOverride, QuantRecord
from picojoule.compress.prune import ChannelPruning, MagnitudePruning, NMPruning, prune_
from picojoule.compress.sharing import WeightSharing, share_weights_
from picojoule.compress.summary import summarize
from picojoule.errors import SpecError


def test_summary_matches_the_tensors_of_a_pruned_lenet(trained) -> None:
    model = trained("lenet5")
    prune_(model, MagnitudePruning(sparsity=0.7, overrides=(
        LayerOverride("conv1", None), LayerOverride("conv2", NMPruning()),
        LayerOverride("fc2", ChannelPruning(sparsity=0.2)))))
    summary = summarize(model)
    assert [layer.name for layer in summary.layers] == ["conv1", "conv2", "fc1", "fc2"]
    for layer in summary.layers:
        module = model.get_submodule(layer.name)
        w = module.weight.detach()
        assert layer.params == w.numel() + module.bias.numel()
        assert layer.density["weights"] == float((w != 0).sum()) / w.numel()
        assert layer.density["inputs"] == layer.density["outputs"] == 1.0
        assert layer.bits == {"inputs": 32, "weights": 32, "outputs": 32}
    formats = {layer.name: layer.sparsity_format for layer in summary.layers}
    assert formats == {"conv1": "dense", "conv2": "N:M", "fc1": "bitmask", "fc2": "channel"}
    assert summary.total_params == sum(p.numel() for p in model.parameters()) == 431_080
    assert summary.dense_bits == 32 * 431_080
    assert summary.compressed_bits == sum(layer.compressed_bits for layer in summary.layers)


def test_compressed_bits_hand_computed_per_format() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(8, 4), nn.Linear(8, 10, bias=False), nn.Linear(16, 10))
    net[0].bias.data.zero_()
    prune_(net, NMPruning(overrides=(LayerOverride("1", MagnitudePruning(sparsity=0.75)),
                                     LayerOverride("2", ChannelPruning(sparsity=0.5)))))
    s = {layer.name: layer for layer in summarize(net).layers}
    # 2:4 on 32 weights: 16 kept x (32 value bits + 2 position bits), + 4 biases x 32
    assert s["0"].compressed_bits == 16 * 34 + 4 * 32
    # 75% of 80 weights pruned: 20 x 32 + 80-bit mask, no bias
    assert s["1"].compressed_bits == 20 * 32 + 80
    # half of 10 filters of 16 weights kept: 5 x 16 x 32, + 10 biases x 32
    assert s["2"].compressed_bits == 5 * 16 * 32 + 10 * 32
    assert s["2"].density["weights"] == 0.5


def test_quantization_records_set_the_bits(trained) -> None:
    model = trained("lenet300100")
    record = QuantRecord(weight_bits=4, input_bits=8, output_bits=None, weight_format="int4",
                         granularity="per_group", calibration="max",
                         scale_bits_per_weight=0.25)
    vars(model.fc1)["picojoule_quant"] = record
    layer = summarize(model).layers[0]
    assert layer.bits == {"inputs": 8, "weights": 4, "outputs": 32}
    assert layer.compressed_bits == 784 * 300 * 4 + 784 * 300 // 4 + 300 * 32


def test_shared_layers_report_index_bits_and_codebook(trained) -> None:
    model = trained("lenet300100")
    prune_(model, MagnitudePruning(sparsity=0.9))
    share_weights_(model, WeightSharing(bits=3))
    layer = summarize(model).layers[1]
    nnz = int((model.fc2.weight != 0).sum())
    assert layer.bits["weights"] == 3
    assert layer.sparsity_format == "bitmask"
    assert layer.compressed_bits == nnz * 3 + 300 * 100 + 8 * 32 + 100 * 32


def test_interchange_json_form(trained) -> None:
    model = trained("lenet300100")
    prune_(model, NMPruning())
    data = json.loads(summarize(model, name="lenet300100").to_json())
    assert set(data) == {"model", "layers", "total_params", "dense_bits", "compressed_bits"}
    assert data["model"] == "lenet300100"
    layer = data["layers"][0]
    assert set(layer) == {"name", "kind", "params", "bits", "density", "sparsity_format",
                          "compressed_bits"}
    assert layer["kind"] == "linear" and layer["sparsity_format"] == "N:M"
    assert set(layer["bits"]) == set(layer["density"]) == {"inputs", "weights", "outputs"}
    assert layer["density"]["weights"] == pytest.approx(0.5)
    table = summarize(model).format_table()
    assert "fc1" in table and "N:M" in table and "LeNet300100" in table


def test_summarize_rejects_a_model_without_layers() -> None:
    with pytest.raises(SpecError, match="at least one"):
        summarize(nn.Sequential(nn.ReLU()))
