"""Pruning on real trained LeNets: patterns, sparsity reached, masks surviving fine-tuning."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from picojoule.compress.config import LayerOverride, load_config
from picojoule.compress.models import evaluate_accuracy, train
from picojoule.compress.prune import (
    ChannelPruning,
    GradualPruning,
    MagnitudePruning,
    NMPruning,
    SparsityRecord,
    cubic_schedule,
    prune_,
)

SKIP_CONV1 = (LayerOverride("conv1", None),)  # 1 input channel x 25 taps: not a multiple of 4


def weights(model: nn.Module) -> dict[str, torch.Tensor]:
    return {n: m.weight.detach() for n, m in model.named_modules()
            if isinstance(m, nn.Linear | nn.Conv2d)}


def reduction_groups(w: torch.Tensor, m: int) -> torch.Tensor:
    """Groups of m consecutive weights along the input dim (channels-last for convs)."""
    if w.ndim == 4:  # [out, in, kh, kw] -> [out, kh, kw, in]
        w = w.permute(0, 2, 3, 1)
    return w.reshape(-1, m)


@pytest.mark.parametrize("name", ["lenet300100", "lenet5"])
def test_2_4_masks_keep_exactly_two_of_every_four(trained, name: str) -> None:
    model = trained(name)
    prune_(model, NMPruning(n=2, m=4, overrides=SKIP_CONV1 if name == "lenet5" else ()))
    for layer, w in weights(model).items():
        if layer == "conv1":
            assert not hasattr(model.conv1, "picojoule_sparsity")
            continue
        nonzeros = (reduction_groups(w, 4) != 0).sum(dim=1)
        assert torch.all(nonzeros == 2), layer
        assert model.get_submodule(layer).picojoule_sparsity == SparsityRecord(0.5, "N:M", 2, 4)


def test_2_4_keeps_the_two_largest_of_each_group() -> None:
    layer = nn.Linear(8, 1, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[0.1, -0.9, 0.3, 0.2, 5.0, -4.0, 0.0, 3.0]]))
    prune_(nn.Sequential(layer), NMPruning())
    assert layer.weight[0].tolist() == pytest.approx([0.0, -0.9, 0.3, 0.0, 5.0, -4.0, 0.0, 0.0])


@pytest.mark.parametrize("scope", ["layer", "global"])
@pytest.mark.parametrize("sparsity", [0.5, 0.9])
def test_magnitude_pruning_reaches_the_requested_sparsity(trained, scope, sparsity) -> None:
    model = trained("lenet300100")
    prune_(model, MagnitudePruning(sparsity=sparsity, scope=scope))
    ws = weights(model)
    total = sum(w.numel() for w in ws.values())
    zeros = sum(int((w == 0).sum()) for w in ws.values())
    assert zeros == round(sparsity * total) or scope == "layer"
    assert zeros / total == pytest.approx(sparsity, abs=1e-3)
    per_layer = [float((w == 0).float().mean()) for w in ws.values()]
    if scope == "layer":
        assert per_layer == pytest.approx([sparsity] * 3, abs=1e-3)
    else:  # one threshold: the big first layer is pruned harder than the classifier
        assert per_layer[0] > sparsity > per_layer[2]
        kept = torch.cat([w[w != 0].abs() for w in ws.values()])
        dropped_max = max(float(m.parametrizations.weight.original.detach().abs()[w == 0].max())
                          for m, w in zip(
                              [model.fc1, model.fc2, model.fc3], ws.values(), strict=True))
        assert dropped_max <= float(kept.min())


def test_magnitude_pruning_removes_the_smallest_weights() -> None:
    layer = nn.Linear(4, 1, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[0.4, -0.1, 0.3, -0.2]]))
    prune_(layer, MagnitudePruning(sparsity=0.5))
    assert layer.weight[0].tolist() == pytest.approx([0.4, 0.0, 0.3, 0.0])


def test_fine_tuning_keeps_pruned_weights_at_zero(trained, mnist_train_small) -> None:
    model = trained("lenet5")
    prune_(model, MagnitudePruning(sparsity=0.8))
    zero_before = {n: w == 0 for n, w in weights(model).items()}
    originals = {n: m.parametrizations.weight.original.detach().clone()
                 for n, m in model.named_modules() if hasattr(m, "parametrizations")}
    train(model, (mnist_train_small[0][:512], mnist_train_small[1][:512]), epochs=1, seed=1)
    for name, w in weights(model).items():
        assert torch.all(w[zero_before[name]] == 0), name
        assert torch.count_nonzero(w) == torch.count_nonzero(~zero_before[name]), name
        changed = model.get_submodule(name).parametrizations.weight.original
        assert not torch.equal(changed, originals[name]), "fine-tuning should train"


def test_pruning_again_never_revives_a_weight(trained) -> None:
    model = trained("lenet300100")
    prune_(model, MagnitudePruning(sparsity=0.5))
    first = model.fc1.weight == 0
    prune_(model, NMPruning())
    assert torch.all(model.fc1.weight[first] == 0)
    assert model.fc1.picojoule_sparsity.pattern == "N:M"


@pytest.mark.parametrize("criterion", ["l1", "l2"])
def test_channel_pruning_zeroes_whole_filters(trained, criterion) -> None:
    model = trained("lenet5")
    keep = (LayerOverride("fc2", None),)  # the 10 class outputs stay
    rows = {n: w.reshape(w.shape[0], -1) for n, w in weights(model).items()}
    norms = {n: (r.abs().sum(1) if criterion == "l1" else r.norm(dim=1)) for n, r in rows.items()}
    prune_(model, ChannelPruning(sparsity=0.3, criterion=criterion, overrides=keep))
    for name in ("conv1", "conv2", "fc1"):
        module = model.get_submodule(name)
        w = module.weight.reshape(module.weight.shape[0], -1)
        dead = (w != 0).sum(1) == 0
        assert int(dead.sum()) == int(0.3 * w.shape[0]), name
        assert torch.all(w[~dead] != 0)  # surviving filters are untouched
        assert torch.all(module.bias[dead] == 0)
        assert norms[name][dead].max() <= norms[name][~dead].min()
        assert module.picojoule_sparsity.pattern == "channel"
    assert not hasattr(model.fc2, "picojoule_sparsity")


def test_cubic_schedule_matches_zhu_and_gupta() -> None:
    # s_t = s_f + (s_i - s_f)(1 - t/n)^3 with s_i=0, s_f=0.8, n=4: 0.8(1 - (3/4)^3) = 0.4625
    assert cubic_schedule(0.0, 0.8, 4) == pytest.approx([0.4625, 0.7, 0.7875, 0.8])


def test_gradual_pruning_fine_tunes_between_steps(trained, mnist_train_small,
                                                  mnist_test_small) -> None:
    model, one_shot = trained("lenet300100"), trained("lenet300100")
    seen: list[float] = []

    def fine_tune(m: nn.Module, step: int) -> None:
        w = m.fc2.weight
        seen.append(float((w == 0).float().mean()))
        train(m, mnist_train_small, epochs=1, seed=step, batch_size=64)

    config = GradualPruning(final_sparsity=0.9, steps=3)
    prune_(model, config, fine_tune=fine_tune)
    assert seen == pytest.approx(config.schedule(), abs=1e-3)
    assert float((model.fc1.weight == 0).float().mean()) == pytest.approx(0.9, abs=1e-3)
    prune_(one_shot, MagnitudePruning(sparsity=0.9))
    accuracy = evaluate_accuracy(model, *mnist_test_small)
    assert accuracy > 0.7  # fine-tuning recovers most of the loss of 90% pruning
    assert accuracy > evaluate_accuracy(one_shot, *mnist_test_small) + 0.2


def test_configs_round_trip_through_json(tmp_path) -> None:
    configs = [
        MagnitudePruning(sparsity=0.7, scope="global",
                         overrides=(LayerOverride("fc3", None),
                                    LayerOverride("fc[12]", MagnitudePruning(sparsity=0.5)))),
        NMPruning(n=1, m=4),
        ChannelPruning(sparsity=0.25, criterion="l2"),
        GradualPruning(final_sparsity=0.9, initial_sparsity=0.1, steps=5),
    ]
    for i, config in enumerate(configs):
        path = tmp_path / f"c{i}.json"
        config.to_json(path)
        assert load_config(path) == config
        assert type(config).from_json(config.to_json()) == config


def test_overrides_by_regex_and_name(trained) -> None:
    model = trained("lenet300100")
    prune_(model, MagnitudePruning(sparsity=0.9, overrides=(
        LayerOverride("fc3", None), LayerOverride(r"fc[2]", NMPruning()))))
    assert float((model.fc1.weight == 0).float().mean()) == pytest.approx(0.9, abs=1e-3)
    assert model.fc2.picojoule_sparsity.pattern == "N:M"
    assert not hasattr(model.fc3, "picojoule_sparsity")
