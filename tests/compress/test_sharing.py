"""Deep Compression weight sharing and Huffman-coded sizes."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from picojoule.compress.models import train
from picojoule.compress.prune import MagnitudePruning, prune_
from picojoule.compress.sharing import (
    WeightSharing,
    huffman_code_lengths,
    huffman_size_bits,
    kmeans_1d,
    share_weights_,
)


def test_huffman_hand_computed_case() -> None:
    # counts a:5 b:2 c:1 d:1 -> merge c+d (2), b+cd (4), a+bcd (9): lengths 1, 2, 3, 3
    symbols = [0] * 5 + [1] * 2 + [2] + [3]
    assert huffman_code_lengths({0: 5, 1: 2, 2: 1, 3: 1}) == {0: 1, 1: 2, 2: 3, 3: 3}
    assert huffman_size_bits(symbols) == 5 * 1 + 2 * 2 + 1 * 3 + 1 * 3 == 15
    assert huffman_size_bits([7, 7, 7]) == 3  # one symbol: one bit each
    assert huffman_size_bits([]) == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=15), min_size=1, max_size=300))
def test_huffman_never_beats_entropy_nor_loses_to_fixed_length(symbols: list[int]) -> None:
    size = huffman_size_bits(symbols)
    assert size <= len(symbols) * 4  # a fixed 4-bit code is a prefix code too
    counts = [symbols.count(s) for s in set(symbols)]
    entropy_bits = -sum(c * math.log2(c / len(symbols)) for c in counts)
    assert size >= entropy_bits - 1e-9
    assert size < entropy_bits + len(symbols) + 1e-9  # Huffman is within 1 bit/symbol


@pytest.mark.parametrize("bits", [1, 2, 4])
def test_kmeans_leaves_at_most_2_to_the_b_values(trained, bits: int) -> None:
    model = trained("lenet5")
    share_weights_(model, WeightSharing(bits=bits))
    for module in (model.conv1, model.conv2, model.fc1, model.fc2):
        values = torch.unique(module.weight.detach())
        assert values.numel() <= 2**bits
        assert module.picojoule_sharing.bits == bits
        assert len(module.picojoule_sharing.codebook) == 2**bits


def test_kmeans_centroids_are_cluster_means() -> None:
    x = torch.tensor([0.0, 0.1, 0.2, 2.4, 2.5, 2.6, 5.0])  # linear init: 0, 2.5, 5
    centroids, index = kmeans_1d(x, 3, iterations=50)
    assert centroids.tolist() == pytest.approx([0.1, 2.5, 5.0])
    assert index.tolist() == [0, 0, 0, 1, 1, 1, 2]
    # the middle cluster starts empty (nothing within 1.25 of 2.5) and keeps its centroid
    x = torch.tensor([0.0, 0.1, 0.2, 1.0, 1.1, 1.2, 5.0])
    centroids, index = kmeans_1d(x, 3, iterations=50)
    assert centroids.tolist() == pytest.approx([0.6, 2.5, 5.0])
    assert index.tolist() == [0, 0, 0, 0, 0, 0, 2]


def test_sharing_a_pruned_model_keeps_zeros_and_counts_sizes(trained, mnist_train_small) -> None:
    model = trained("lenet300100")
    prune_(model, MagnitudePruning(sparsity=0.9))
    zeros = model.fc1.weight == 0
    share_weights_(model, WeightSharing(bits=4))
    record = model.fc1.picojoule_sharing
    nnz = int((~zeros).sum())
    assert torch.equal(model.fc1.weight == 0, zeros)
    assert record.nonzero_weights == nnz
    assert record.index_bits_fixed == 4 * nnz
    assert record.codebook_bits == 16 * 32
    assert record.index_bits_huffman <= record.index_bits_fixed
    assert record.position_bits_huffman <= record.position_bits_fixed
    # every non-zero needs at least one 5-bit relative index (escapes add more)
    assert record.position_bits_fixed >= 5 * nnz
    assert record.huffman_bits <= record.fixed_bits
    # fine-tuning trains the 16 centroids: still <= 16 values, zeros stay zero
    before = model.fc1.weight.detach().clone()
    train(model, (mnist_train_small[0][:512], mnist_train_small[1][:512]), epochs=1, seed=5)
    after = model.fc1.weight.detach()
    assert not torch.equal(before, after)
    assert torch.unique(after[~zeros]).numel() <= 16
    assert torch.all(after[zeros] == 0)


def test_relative_positions_hand_computed() -> None:
    layer = nn.Linear(40, 1, bias=False)
    with torch.no_grad():
        layer.weight.zero_()
        layer.weight[0, [0, 1, 35]] = torch.tensor([1.0, 1.2, 3.0])
    share_weights_(layer, WeightSharing(bits=1))
    record = layer.picojoule_sharing
    # gaps 0, 0, 33 with 5-bit indices (escape 31): symbols 0, 0, 31, 2 -> 4 x 5 bits
    assert record.position_bits_fixed == 20
    # Huffman on {0: 2, 31: 1, 2: 1}: lengths 1, 2, 2 -> 6 bits
    assert record.position_bits_huffman == 6
    assert record.index_bits_fixed == 3
    assert sorted(layer.weight[0, [0, 1, 35]].tolist()) == pytest.approx([1.1, 1.1, 3.0])


def test_sharing_a_deepcopy_leaves_the_pruned_original_intact() -> None:
    # torch's parametrize injects one class per module; copy.deepcopy shares that class, so
    # removing the copy's parametrization used to delete `.weight` from the original's class.
    import copy

    torch.manual_seed(0)
    original = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 4))
    prune_(original, MagnitudePruning(sparsity=0.5))
    x = torch.randn(3, 8)
    before = original(x).detach().clone()
    weights_before = [m.weight.detach().clone() for m in (original[0], original[2])]
    clone = copy.deepcopy(original)
    share_weights_(clone, WeightSharing(bits=2))
    for m, w in zip((original[0], original[2]), weights_before, strict=True):
        assert torch.equal(m.weight, w)  # still there, still the masked weights
    assert torch.equal(original(x), before)
    # and the copy is shared: at most 2**2 distinct non-zero values per layer
    assert all(len(set(m.weight[m.weight != 0].tolist())) <= 4 for m in (clone[0], clone[2]))
