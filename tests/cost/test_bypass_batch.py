"""Costing mappings of several bypass choices in one batch gives each row, bit for bit, the
numbers a batch of its own choice gives it (the search costs a generation in one pass)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from picojoule.arch import load_preset, preset_names
from picojoule.cost import energy_model, evaluate_batch
from picojoule.cost.model import CHUNK, evaluate_choices
from picojoule.cost.timing import select_timing
from picojoule.mapper.constraints import natural
from picojoule.mapper.space import bypass_choices
from picojoule.mapping.sample import random_mappings
from picojoule.workload import parse_layer
from picojoule.workload.im2col import fuse

LAYERS = ("conv2d N=1 C=16 M=32 P=14 Q=14 R=3 S=3", "gemm M=64 N=96 K=128")


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a).tobytes()


@pytest.mark.parametrize("preset", preset_names())
def test_mixed_choices_equal_separate_batches(preset: str) -> None:
    arch = load_preset(preset)
    conv = parse_layer(LAYERS[0])
    layers = [conv, parse_layer(LAYERS[1])]
    fused = fuse(conv)
    if fused is not None and any(lv.fanout.im2col for lv in arch.levels):
        layers.append(fused)  # windows over a flattened pixel axis
    for i, layer in enumerate(layers):
        choices = tuple(bypass_choices(arch, natural(arch.dataflow), layer))
        rng = np.random.default_rng(i)
        count = CHUNK + 300  # two passes, the second mixing fewer rows
        batch = random_mappings(layer, arch, count, rng, outer_weight=4.0)
        choice = rng.integers(0, len(choices), count)
        energy = energy_model(arch, layer)
        timing = select_timing(arch, None)
        mixed = evaluate_choices(layer, arch, batch, choice, choices, energy, timing)
        for b, keeps in enumerate(choices):
            rows = np.flatnonzero(choice == b)
            alone = evaluate_batch(layer, arch, dataclasses.replace(batch.take(rows),
                                                                    keeps=keeps),
                                   energy, timing)
            assert _bits(mixed.energy_pj[rows]) == _bits(alone.energy_pj)
            assert _bits(mixed.cycles[rows]) == _bits(alone.cycles)
            assert _bits(mixed.valid[rows]) == _bits(alone.valid)


def test_eyeriss_offers_several_choices() -> None:
    # the test above mixes choices only where a preset has several: eyeriss's global
    # buffer keeps all three operands, so bypassing each of them there is a choice (1 + 3)
    arch = load_preset("eyeriss")
    layer = parse_layer(LAYERS[0])
    assert len(bypass_choices(arch, natural(arch.dataflow), layer)) == 4
