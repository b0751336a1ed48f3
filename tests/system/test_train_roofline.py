"""Collectives, training (Megatron estimate, MFU), rooflines (TPU v1), devices as data."""

from __future__ import annotations

import dataclasses
import math

import pytest

from picojoule.arch.loader import load_arch
from picojoule.device import Device
from picojoule.errors import SpecError
from picojoule.system.collectives import collective
from picojoule.system.devices import Efficiency, arch_device, device_names, get_device
from picojoule.system.llm import LLMSpec, load_llm
from picojoule.system.roofline import op_roofline, ridge, run_network, tpu_v1_apps
from picojoule.system.train import TrainConfig, megatron_days, train
from picojoule.workload.einsum import fc


def test_ring_all_reduce_alpha_beta() -> None:
    # 8 devices, 1 GB, alpha 5 us, 100 GB/s: 2*7*5e-6 + 2*7/8 * 1e9 / 100e9 = 70 us + 17.5 ms
    c = collective("ring_all_reduce", 8, 1e9, 5e-6, 100e9)
    assert float(c.seconds) == pytest.approx(14 * 5e-6 + 1.75 * 1e9 / 100e9)
    assert float(c.wire_bytes_per_device) == pytest.approx(1.75e9)
    # tree: 2 log2(8) = 6 steps, 2x the buffer
    t = collective("tree_all_reduce", 8, 1e9, 5e-6, 100e9)
    assert float(t.seconds) == pytest.approx(6 * 5e-6 + 2e9 / 100e9)
    # all-gather: (n-1) alpha + (n-1)/n x size / bw ; one device: nothing to do
    g = collective("all_gather", 4, 4e6, 1e-6, 1e9)
    assert float(g.seconds) == pytest.approx(3e-6 + 0.75 * 4e6 / 1e9)
    assert float(collective("all_to_all", 1, 1e9, 1e-6, 1e9).seconds) == 0.0


def test_megatron_estimate_gpt3_34_days() -> None:
    # 8 T P / (n X) = 8 * 300e9 * 175e9 / (1024 * 140e12) s = 2.93e6 s = 33.9 days
    assert megatron_days(175e9, 300e9, 1024, 140e12) == pytest.approx(33.9, abs=0.05)
    spec = load_llm("gpt-3-175b")
    r = train(spec, get_device("a100"), TrainConfig(devices=1024, tp=8, pp=16,
                                                     global_batch=1536, tokens=300e9,
                                                     recompute="full", sequence_parallel=False))
    # the full model (bubble, TP all-reduces, exposed DP) lands within 20% of the estimate
    assert 34 * 0.8 < r["train_days"] < 34 * 1.2
    assert r["device_hours"] == pytest.approx(r["train_days"] * 24 * 1024)


def test_mfu_of_a_compute_bound_gemm() -> None:
    # One layer of pure matmuls on one ideal device, no pipeline, no communication:
    # step = hardware FLOPs / peak, so MFU = model/hardware FLOPs = 1 without recompute.
    spec = LLMSpec("gemm", hidden=8192, heads=64, kv_heads=64, head_dim=128, layers=1,
                   ffn=32768, vocab=0, gated=False, tied=True)
    dev = dataclasses.replace(get_device("h100"), efficiency=Efficiency(compute=0.7))
    r = train(spec, dev, TrainConfig(devices=1, global_batch=8, seq=2048, tokens=1e9,
                                     recompute="none"))
    assert r["mfu"] == pytest.approx(0.7, rel=1e-9)
    r_full = train(spec, dev, TrainConfig(devices=1, global_batch=8, seq=2048, tokens=1e9,
                                          recompute="full"))
    assert r_full["mfu"] == pytest.approx(0.7 * 3 / 4, rel=1e-9)  # 4 passes for 3 useful


def test_tpu_v1_ridge_and_bounds() -> None:
    tpu = arch_device(load_arch("tpu-v1"))
    # 65,536 MACs x 700 MHz = 45.9 T MAC/s over 34 GB/s = 1350 MAC per byte
    assert tpu.peak_ops_per_s("int8") == pytest.approx(2 * 65536 * 700e6)
    assert ridge(tpu, "int8") / 2 == pytest.approx(1350, rel=0.01)
    bounds = {a["app"]: a["bound"] for a in tpu_v1_apps(tpu)}
    assert bounds == {"MLP0": "memory", "MLP1": "memory", "LSTM0": "memory",
                      "LSTM1": "memory", "CNN0": "compute", "CNN1": "compute"}


def test_roofline_of_a_gemm_switches_bound_with_batch() -> None:
    h100 = dataclasses.replace(get_device("h100"), efficiency=Efficiency())
    # fc 8192x8192, 16-bit: weights 134 MB; batch 1 -> intensity ~1 FLOP/byte: HBM-bound
    small = op_roofline(fc(1, 8192, 8192, input_bits=16, weight_bits=16, output_bits=16),
                        h100)
    assert small.bound == "HBM"
    assert small.seconds == pytest.approx(small.hbm_bytes / 3.35e12)
    big = op_roofline(fc(8192, 8192, 8192, input_bits=16, weight_bits=16, output_bits=16),
                      get_device("h100"))
    # 2 x 8192^3 = 1.1e12 FLOPs over 3 x 134 MB: intensity 2731 > ridge 295; L2 traffic
    # 2 x MACs / 256 x 2 B gives 128 FLOP/B x 7.7 TB/s x 0.92 = 907 TFLOP/s > 0.75 x 989:
    # compute-bound at the calibrated efficiencies
    assert big.bound == "compute"
    assert big.intensity == pytest.approx(2 * 8192**3 / (3 * 8192 * 8192 * 2))


def test_devices_are_data_and_devices() -> None:
    assert {"a100", "h100", "h200", "b200", "mi300x", "tpu-v4", "tpu-v5e",
            "tpu-v5p"} <= set(device_names())
    h100 = get_device("H100")
    assert isinstance(h100, Device)
    # dense and 2:4-sparse peaks kept apart: the sparse FP16 figure is twice the dense one
    assert h100.peak_ops_per_s("fp16") == pytest.approx(989.4e12)
    assert h100.peak_ops_per_s("fp16", sparse=True) == pytest.approx(1978.9e12)  # not 989.4
    assert get_device("b200").peak_ops_per_s("fp4") == pytest.approx(9000e12)
    with pytest.raises(SpecError, match="no fp8 peak"):
        get_device("a100").peak_ops_per_s("fp8")
    with pytest.raises(SpecError, match="did you mean"):
        get_device("h10")
    assert h100.link("scale_up").bandwidth_bytes_per_s == pytest.approx(450e9)


def test_run_network_result_components_add_up() -> None:
    from picojoule.importers import load_model

    net = load_model("resnet-18")
    r = run_network(net, get_device("a100"))
    by = r.totals(["component"])
    assert set(by) == {("compute",), ("storage",), ("idle",)}
    assert math.isclose(sum(by.values()), r.energy_pj)
    assert r.seconds > 0 and len(r.spans) == len(net.nodes)


def test_tpu_v1_mlp_memory_bound_cnn_compute_bound_from_networks() -> None:
    from picojoule.importers import load_model

    tpu = arch_device(load_arch("tpu-v1"))
    # an MLP layer at batch 200: 200 x 2048 x 2048 MACs over 2048^2 weight bytes = 200
    # MAC/byte < 1350: memory-bound (activations stay in the unified buffer)
    mlp = op_roofline(fc(200, 2048, 2048), tpu)
    assert mlp.bound == "DRAM"
    assert mlp.intensity / 2 == pytest.approx(200)
    # ResNet-50's 3x3 convolutions reuse each weight batch x P x Q times: at batch 8 the last
    # stage (7 x 7) gets 392 MAC/byte, memory-bound; at batch 32 (the paper's CNN1 batch)
    # 32 x 49 = 1568 > 1350 and every one is compute-bound
    for batch, layer4 in ((8, "DRAM"), (32, "compute")):
        net = load_model("resnet-50", batch=batch)
        convs = [n for n in net.nodes if n.name.endswith("conv2")]
        bounds = {n.name.split(".")[0]: op_roofline(n.op, tpu).bound for n in convs}
        assert bounds == {"layer1": "compute", "layer2": "compute", "layer3": "compute",
                          "layer4": layer4}


def test_all_reduce_picks_tree_for_small_and_ring_for_large_messages() -> None:
    # 8 devices, alpha 3 us, 450 GB/s. 16 KB: ring 14 x 3 us + 1.75 x 16384 / 450e9 = 42.06
    # us; tree 6 x 3 us + 2 x 16384 / 450e9 = 18.07 us -> tree. 1 GB: ring 3.93 ms, tree
    # 4.46 ms -> ring.
    small = collective("all_reduce", 8, 16384, 3e-6, 450e9)
    assert float(small.seconds) == pytest.approx(18e-6 + 2 * 16384 / 450e9)
    big = collective("all_reduce", 8, 1e9, 3e-6, 450e9)
    assert float(big.seconds) == pytest.approx(42e-6 + 1.75e9 / 450e9)
