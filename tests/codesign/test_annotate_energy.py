"""Annotating a network from a compressed model's summary changes ``analyze``'s energy
exactly as the cost model's rules predict, derived by hand for one layer."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from picojoule.analysis import analyze
from picojoule.arch.loader import arch_from_mapping
from picojoule.codesign.config import CodesignConfig, LayerChoice
from picojoule.codesign.cost import network_cost
from picojoule.compress import MagnitudePruning, PTQConfig, QuantSpec, prune_, quantize_, summarize
from picojoule.importers.torch_import import import_torch
from picojoule.mapper import Budget, SearchOptions
from picojoule.tech.components import Mac, Tech
from picojoule.tech.registry import Registry

READ_PJ, WRITE_PJ, WIDTH = 8.0, 16.0, 8  # per 8-bit access: 1 pJ/bit read, 2 pJ/bit write


class Tiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 2, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)


def one_level_arch(sparse_format: str = "none"):
    # DRAM is the only level (every operand read per MAC), one MAC gating zero operands,
    # no wires, no static power: energy = bits moved x pJ/bit + MACs x pJ/MAC.
    return arch_from_mapping({
        "name": "one-level", "clock_hz": 1e9, "voltage_v": 0.9, "node_nm": 45,
        "compute": {"name": "mac", "precisions": ["int8"], "sparse_action": "gate"},
        "levels": [{"name": "DRAM", "kind": "dram", "width_bits": WIDTH,
                    "keeps": ["inputs", "weights", "outputs"], "read_energy_pj": READ_PJ,
                    "write_energy_pj": WRITE_PJ, "area_um2": 0.0,
                    "sparse_format": sparse_format}]}, "<test>")


def mac_pj(bits: int, acc_bits: int = 16) -> float:
    return Registry.default().estimate(Mac(bits, acc_bits), Tech(45, 0.9)).action("mac")


@pytest.fixture(scope="module")
def compressed():
    torch.manual_seed(0)
    model = Tiny()
    with torch.no_grad():  # half the weights large (kept), half tiny (pruned at 50 %)
        model.fc.weight.copy_(torch.tensor([[1.0, 0.01, -1.0, 0.01, 0.5, -0.01, 0.75, 0.01],
                                            [-0.01, 1.0, 0.01, -0.5, 0.01, 1.0, -0.01, 0.25]]))
    net = import_torch(model, torch.zeros(1, 8))
    prune_(model, MagnitudePruning(sparsity=0.5))
    x = torch.randn(64, 8)
    quantize_(model, PTQConfig(weight=QuantSpec(bits=4), input=QuantSpec(bits=8)),
              calibration=[x])
    return net, summarize(model).to_dict()


OPTIONS = SearchOptions(budget=Budget(100))


def energy(net, arch) -> float:
    return analyze(net, arch, OPTIONS).layers[0].stats.energy_pj


def test_summary_is_what_the_hand_derivation_assumes(compressed):
    _, summary = compressed
    (fc,) = summary["layers"]
    assert fc["bits"] == {"inputs": 8, "weights": 4, "outputs": 32}
    assert fc["density"]["weights"] == 0.5


def test_precision_and_density_change_energy_as_derived(compressed):
    net, summary = compressed
    arch = one_level_arch()
    # fc: N=1, C=8, M=2 -> 16 MACs, 2 outputs; every loop at DRAM, so C is a DRAM loop and
    # outputs stay partial sums there (psum_bits = 16 from the importer).
    # Dense (import defaults: 8-bit inputs and weights): inputs 16 reads x 8 b x 1 pJ = 128;
    # weights 16 x 8 x 1 = 128; outputs 16 updates x 16 b x 2 pJ = 512 and 16 - 2 = 14
    # read-backs x 16 b x 1 pJ = 224; MACs 16 x E_mac(8 b).
    dense = 128 + 128 + 512 + 224 + 16 * mac_pj(8)
    assert energy(net, arch) == pytest.approx(dense, rel=1e-12)
    # Compressed: weights 4 b, density 0.5, inputs 8 b. Gating: half the MACs have a zero
    # weight, so 8 MACs, 8 output updates, 8 - 2 = 6 read-backs; operands are still read per
    # MAC position (no compressed format): inputs 16 x 8 = 128, weights 16 x 4 = 64;
    # outputs 8 x 16 x 2 = 256 and 6 x 16 = 96; MACs 8 x E_mac(max(8, 4) = 8 b).
    annotated = net.annotate(summary)
    compressed_pj = 128 + 64 + 256 + 96 + 8 * mac_pj(8)
    assert energy(annotated, arch) == pytest.approx(compressed_pj, rel=1e-12)


def test_bitmask_format_cuts_weight_traffic_as_derived(compressed):
    net, summary = compressed
    # DRAM stores weights as a bitmask: 0.5 of the weights stored, each with 4 b + 1/0.5 = 2 b
    # of mask: weight reads 16 x 0.5 = 8 x 6 b = 48 pJ instead of 64; the rest as above.
    annotated = net.annotate(summary)
    expected = 128 + 48 + 256 + 96 + 8 * mac_pj(8)
    assert energy(annotated, one_level_arch("bitmask")) == pytest.approx(expected, rel=1e-12)


@pytest.fixture(scope="module")
def four_bit_inputs():
    # the same layer pruned to 50 % with 4-bit weights AND 4-bit activations
    torch.manual_seed(0)
    model = Tiny()
    with torch.no_grad():
        model.fc.weight.copy_(torch.tensor([[1.0, 0.01, -1.0, 0.01, 0.5, -0.01, 0.75, 0.01],
                                            [-0.01, 1.0, 0.01, -0.5, 0.01, 1.0, -0.01, 0.25]]))
    net = import_torch(model, torch.zeros(1, 8))
    prune_(model, MagnitudePruning(sparsity=0.5))
    quantize_(model, PTQConfig(weight=QuantSpec(bits=4), input=QuantSpec(bits=4)),
              calibration=[torch.randn(64, 8)])
    return net, summarize(model).to_dict()


def test_codesign_cost_of_lower_activation_precision_as_derived(four_bit_inputs):
    # Through codesign's own path (layer_annotations -> annotate -> arch_variant -> analyze):
    # the config stores the pruned weights as a bitmask and adds an int4 MAC to the arch.
    net, summary = four_bit_inputs
    (fc,) = summary["layers"]
    assert fc["bits"]["inputs"] == 4 and fc["bits"]["weights"] == 4
    config = CodesignConfig(LayerChoice(4, 4, sparsity=0.5, pattern="unstructured"))
    cost = network_cost(net, summary, config, one_level_arch(), OPTIONS)
    # inputs 16 reads x 4 b x 1 pJ = 64 (half the 8-bit case); weights as a bitmask:
    # 8 kept x (4 b + 2 b mask) = 48; outputs are partial sums at every DRAM update (C is a
    # DRAM loop): 8 gated-in updates x 16 b x 2 pJ = 256, 6 read-backs x 16 b = 96;
    # 8 MACs at the widest operand, max(4, 4) = 4 bits, into a 16-bit accumulator.
    expected = 64 + 48 + 256 + 96 + 8 * mac_pj(4)
    assert cost.energy_pj == pytest.approx(expected, rel=1e-12)
    (layer,) = cost.layers
    assert layer.bits == {"inputs": 4, "weights": 4, "outputs": 4}  # outputs at act precision
    # the same summary with 8-bit activations (what Codesign.estimate patches): inputs back
    # to 128 pJ and the MAC at 8 bits; nothing else moves
    summary8 = copy.deepcopy(summary)
    summary8["layers"][0]["bits"]["inputs"] = 8
    cost8 = network_cost(net, summary8, CodesignConfig(
        LayerChoice(4, 8, sparsity=0.5, pattern="unstructured")), one_level_arch(), OPTIONS)
    assert cost8.energy_pj - cost.energy_pj == pytest.approx(
        64 + 8 * (mac_pj(8) - mac_pj(4)), rel=1e-12)
