"""The preset architectures: published shapes, each citing its sources."""

from __future__ import annotations

from picojoule.arch import load_preset, preset_names


def test_presets_cite_sources_and_match_published_shapes():
    assert {"eyeriss", "tpu-v1", "simple-systolic", "nvdla-small"} <= set(preset_names())
    eyeriss = load_preset("eyeriss")
    assert eyeriss.num_pes == 168 and eyeriss.level("shared_glb").capacity_bits == 108 * 8192
    assert eyeriss.level("weights_spad").capacity_bits == 224 * 16
    tpu = load_preset("tpu-v1")
    assert tpu.num_pes == 256 * 256 and tpu.clock_hz == 700e6
    for name in preset_names():
        assert load_preset(name).sources
