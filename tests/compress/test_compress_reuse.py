"""Reusing per-layer masks and quantized weights (``compress.reuse``) gives the same model
bit for bit, and the integer fake-quant shortcut equals decode(encode(x))."""

from __future__ import annotations

import copy

import torch
from torch import nn

from picojoule.compress import (
    LayerOverride,
    MagnitudePruning,
    NMPruning,
    PTQConfig,
    QuantSpec,
    prune_,
    quantize_,
)
from picojoule.compress.formats import IntFormat
from picojoule.compress.reuse import reuse
from picojoule.compress.scales import fake_quant_fixed


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 4))


def _compress(model: nn.Module, sparsity: float, bits: int) -> nn.Module:
    m = copy.deepcopy(model)
    prune_(m, MagnitudePruning(sparsity=0.0, overrides=(
        LayerOverride("0", MagnitudePruning(sparsity=sparsity)),
        LayerOverride("2", NMPruning(n=2, m=4)))))
    quantize_(m, PTQConfig(weight=QuantSpec(bits=bits, granularity="per_vector",
                                            group_size=4),
                           input=QuantSpec(bits=8)),
              calibration=[torch.randn(32, 16, generator=torch.Generator().manual_seed(1))])
    return m


def _same(a: nn.Module, b: nn.Module) -> bool:
    x = torch.randn(64, 16, generator=torch.Generator().manual_seed(2))
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa) \
        and torch.equal(a(x), b(x))


def test_reused_layers_are_the_same_model_bit_for_bit() -> None:
    model = _net()
    cache: dict = {}
    plain = _compress(model, 0.5, 4)
    with reuse(cache):
        first = _compress(model, 0.5, 4)
    # two layers: layer 0's magnitude mask, layer 2's 2:4 mask, two weight quantizations
    assert len(cache) == 4
    with reuse(cache):
        again = _compress(model, 0.5, 4)
        other = _compress(model, 0.75, 4)
    # the same choices hit the cache; 75 % on layer 0 adds its mask and (other weights)
    # its quantization; layer 2 (same 2:4 weights, same spec) is reused
    assert len(cache) == 6
    assert _same(plain, first) and _same(plain, again)
    assert not _same(plain, other)
    assert _same(other, _compress(model, 0.75, 4))  # reused == computed afresh


def test_integer_fake_quant_equals_decode_of_encode() -> None:
    x = torch.tensor([-3.0, -0.2, -0.0, 0.0, 0.4, 0.5, 1.5, 2.5, 126.9, 500.0,
                      float("nan"), float("inf"), float("-inf")])
    scale = torch.tensor(0.5)
    for fmt in (IntFormat(8), IntFormat(4), IntFormat(8, signed=False)):
        slow = fmt.decode(fmt.encode(x / scale)) * scale
        fast = fake_quant_fixed(x, fmt, scale)
        assert torch.equal(fast, slow)
        # bit patterns too: -0.2 / 0.5 rounds to -0.0, whose code decodes to +0.0
        assert torch.equal(fast.view(torch.int32), slow.view(torch.int32))
