"""Shared fixtures of the compression tests: small real-MNIST slices and briefly trained LeNets.

Training here uses 2,000 images for three epochs (a few seconds), so tests never need the
full-data cache; fixtures hand out copies so a test may change its model freely.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
import torch
from torch import nn

from picojoule.compress.data import load_mnist
from picojoule.compress.models import LeNet5, LeNet300100, train

Data = tuple[torch.Tensor, torch.Tensor]


@pytest.fixture(scope="session")
def mnist_train_small() -> Data:
    return load_mnist("train", limit=2000)


@pytest.fixture(scope="session")
def mnist_test_small() -> Data:
    return load_mnist("test", limit=1000)


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread() -> None:
    """pytest-xdist runs one worker per core: a second torch thread per worker oversubscribes
    the cores and OpenMP's spinning slows training by 10x or more."""
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def _trained_cache() -> dict[str, nn.Module]:
    return {}


@pytest.fixture
def trained(
    _trained_cache: dict[str, nn.Module], mnist_train_small: Data
) -> Callable[[str], nn.Module]:
    """``trained("lenet300100")`` or ``trained("lenet5")``: a fresh copy of a model trained
    (once per session, on first use) on 2,000 MNIST images for three epochs."""

    def get(name: str) -> nn.Module:
        if name not in _trained_cache:
            torch.manual_seed(0)
            model = {"lenet300100": LeNet300100, "lenet5": LeNet5}[name]()
            _trained_cache[name] = train(model, mnist_train_small, epochs=3, seed=0,
                                         batch_size=64)
        return copy.deepcopy(_trained_cache[name])

    return get


def snapshot(model: nn.Module) -> dict[str, object]:
    """Everything a failed call must leave unchanged: tensors bit for bit, types, records."""
    return {
        "state": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "types": [type(m) for m in model.modules()],
        "attrs": [sorted(vars(m)) for m in model.modules()],
    }


def assert_unchanged(model: nn.Module, before: dict[str, object]) -> None:
    after = snapshot(model)
    assert after["types"] == before["types"]
    assert after["attrs"] == before["attrs"]
    state_before, state_after = before["state"], after["state"]
    assert isinstance(state_before, dict) and isinstance(state_after, dict)
    assert state_after.keys() == state_before.keys()
    for key, value in state_before.items():
        assert torch.equal(state_after[key], value), key


@pytest.fixture
def guard() -> Callable[[nn.Module], Callable[[], None]]:
    """``check = guard(model)`` snapshots ``model``; ``check()`` asserts it is unchanged."""

    def take(model: nn.Module) -> Callable[[], None]:
        before = snapshot(model)
        return lambda: assert_unchanged(model, before)

    return take
