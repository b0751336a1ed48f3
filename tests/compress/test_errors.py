"""Bad input to pruning and sharing: one clear SpecError, and the model left bit-for-bit as is."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from picojoule.compress.config import LayerOverride, load_config
from picojoule.compress.models import LeNet5
from picojoule.compress.prune import (
    ChannelPruning,
    GradualPruning,
    MagnitudePruning,
    NMPruning,
    prune_,
)
from picojoule.compress.sharing import WeightSharing, share_weights_
from picojoule.errors import SpecError


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: MagnitudePruning(sparsity=1.5), "sparsity"),
        (lambda: MagnitudePruning(sparsity=-0.1), "sparsity"),
        (lambda: MagnitudePruning(sparsity=0.5, scope="model"), "scope"),
        (lambda: NMPruning(n=5, m=4), "n"),
        (lambda: NMPruning(n=0, m=4), "n"),
        (lambda: ChannelPruning(sparsity=1.0), "sparsity"),
        (lambda: ChannelPruning(sparsity=0.3, criterion="l3"), "criterion"),
        (lambda: GradualPruning(final_sparsity=0.5, initial_sparsity=0.8), "initial_sparsity"),
        (lambda: GradualPruning(final_sparsity=0.5, steps=0), "steps"),
        (lambda: WeightSharing(bits=0), "bits"),
        (lambda: WeightSharing(bits=33), "bits"),
    ],
)
def test_bad_config_values_name_the_field(make, field: str) -> None:
    with pytest.raises(SpecError) as info:
        make()
    assert field in str(info.value)


def test_unknown_json_field_is_rejected() -> None:
    text = '{"kind": "magnitude_pruning", "sparsity": 0.5, "sparsty": 0.9}'
    with pytest.raises(SpecError, match=r"sparsty.*no such field"):
        load_config(text)
    with pytest.raises(SpecError, match="sparsity"):
        load_config('{"kind": "nm_pruning", "n": 2, "m": 4, "sparsity": 0.5}')


def test_unknown_module_in_override_leaves_model_unchanged(trained, guard) -> None:
    model = trained("lenet300100")
    check = guard(model)
    with pytest.raises(SpecError, match="fc9"):
        prune_(model, MagnitudePruning(sparsity=0.5, overrides=(LayerOverride("fc9", None),)))
    check()


def test_unsupported_module_named_in_override(trained, guard) -> None:
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4))
    check = guard(model)
    with pytest.raises(SpecError, match="ReLU"):
        prune_(model, NMPruning(overrides=(LayerOverride("1", NMPruning(n=1, m=4)),)))
    check()


def test_failure_on_a_late_layer_leaves_earlier_layers_untouched(guard) -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 8), nn.Linear(8, 8), nn.Conv2d(1, 4, 5))
    check = guard(model)
    with pytest.raises(SpecError, match=r"'2'.*divisible by m=4, got 25"):
        prune_(model, NMPruning())
    check()
    lenet = LeNet5()  # its conv1 reduces over 1 x 5 x 5 = 25 weights
    check = guard(lenet)
    with pytest.raises(SpecError, match=r"conv1.*LayerOverride\('conv1', None\)"):
        prune_(lenet, NMPruning())
    check()


def test_failing_fine_tune_rolls_back_every_gradual_step(trained, guard) -> None:
    model = trained("lenet300100")
    check = guard(model)

    def fine_tune(m: nn.Module, step: int) -> None:
        if step == 2:
            raise RuntimeError("out of patience")

    with pytest.raises(RuntimeError, match="patience"):
        prune_(model, GradualPruning(final_sparsity=0.8, steps=3), fine_tune=fine_tune)
    check()
    assert not hasattr(model.fc1, "picojoule_sparsity")


def test_wrong_config_type_for_entry_point(trained, guard) -> None:
    model = trained("lenet300100")
    check = guard(model)
    with pytest.raises(SpecError, match="config"):
        prune_(model, WeightSharing(bits=4))
    with pytest.raises(SpecError, match="WeightSharing"):
        share_weights_(model, MagnitudePruning(sparsity=0.5))  # type: ignore[arg-type]
    check()


def test_sharing_an_all_zero_layer_fails_cleanly(guard) -> None:
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4))
    nn.init.zeros_(model[1].weight)
    check = guard(model)
    with pytest.raises(SpecError, match="non-zero"):
        share_weights_(model, WeightSharing(bits=2))
    check()


def test_fine_tune_callback_is_refused_by_one_shot_configs(trained, guard) -> None:
    model = trained("lenet300100")
    check = guard(model)
    with pytest.raises(SpecError, match="fine_tune"):
        prune_(model, MagnitudePruning(sparsity=0.5), fine_tune=lambda m, step: None)
    check()
