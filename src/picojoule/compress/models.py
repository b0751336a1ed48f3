"""The small MNIST networks that the compression literature measures, trained here once.

``LeNet300100`` and ``LeNet5`` are the two MNIST models of Deep Compression (Han et al., ICLR
2016; LeNet-5 in its Caffe form: 20 and 50 5x5 filters, a 500-unit hidden layer, 431k weights).
Training is deterministic for a seed (shuffling uses its own generator); trained weights are
cached as a plain state dict and loaded with ``weights_only=True`` (nothing is unpickled).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from picojoule.errors import SpecError

Data = tuple[torch.Tensor, torch.Tensor]
StepHook = Callable[[nn.Module], None]


class LeNet300100(nn.Module):
    """784-300-100-10 fully connected network (LeCun et al. 1998), 266k weights."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, 300)
        self.fc2 = nn.Linear(300, 100)
        self.fc3 = nn.Linear(100, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class LeNet5(nn.Module):
    """Caffe's LeNet-5: conv 20@5x5, pool, conv 50@5x5, pool, fc 500, fc 10 (431k weights)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, kernel_size=5)
        self.conv2 = nn.Conv2d(20, 50, kernel_size=5)
        self.fc1 = nn.Linear(50 * 4 * 4, 500)
        self.fc2 = nn.Linear(500, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(self.conv1(x), 2)
        x = F.max_pool2d(self.conv2(x), 2)
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(x)


MODELS: dict[str, type[nn.Module]] = {"lenet300100": LeNet300100, "lenet5": LeNet5}


def build(name: str) -> nn.Module:
    """A freshly initialised model by name (``lenet300100`` or ``lenet5``)."""
    if name not in MODELS:
        raise SpecError.single("models", "name", f"one of {sorted(MODELS)}, got {name!r}")
    return MODELS[name]()


def _check_data(data: Data, where: str) -> None:
    images, labels = data
    if images.ndim != 4 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise SpecError.single(
            where, "data", "(images [N, C, H, W], labels [N]) with the same N, got shapes "
            f"{tuple(images.shape)} and {tuple(labels.shape)}")
    if images.shape[0] == 0:
        raise SpecError.single(where, "data", "at least one image")


def train(
    model: nn.Module,
    data: Data,
    epochs: int = 1,
    seed: int = 0,
    lr: float = 1e-3,
    batch_size: int = 128,
    after_step: StepHook | None = None,
) -> nn.Module:
    """Train in place with Adam and cross-entropy; same seed and data give the same weights.

    ``after_step(model)`` runs after every optimizer step (e.g. to re-apply pruning masks when a
    model is not parametrized); masks registered by ``prune_`` need no such hook.
    """
    _check_data(data, "train")
    if not isinstance(epochs, int) or epochs < 0:
        raise SpecError.single("train", "epochs", f"a non-negative int, got {epochs!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise SpecError.single("train", "batch_size", f"a positive int, got {batch_size!r}")
    if not lr > 0:
        raise SpecError.single("train", "lr", f"a positive learning rate, got {lr!r}")
    images, labels = data
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(images.shape[0], generator=generator)
        for start in range(0, images.shape[0], batch_size):
            idx = order[start : start + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(images[idx]), labels[idx])
            loss.backward()
            optimizer.step()
            if after_step is not None:
                after_step(model)
    model.eval()
    return model


@torch.no_grad()
def evaluate_accuracy(
    model: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000
) -> float:
    """Top-1 accuracy in [0, 1]."""
    _check_data((images, labels), "evaluate_accuracy")
    was_training = model.training
    model.eval()
    correct = 0
    for start in range(0, images.shape[0], batch_size):
        logits = model(images[start : start + batch_size])
        correct += int((logits.argmax(1) == labels[start : start + batch_size]).sum())
    model.train(was_training)
    return correct / images.shape[0]


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/picojoule/models`` or ``~/.cache/picojoule/models``, read per call."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "picojoule" / "models"


def load_or_train(
    name: str,
    cache_dir: str | Path | None = None,
    epochs: int | None = None,
    seed: int = 0,
    train_limit: int | None = None,
) -> nn.Module:
    """A model trained on MNIST, from the cache if there, else trained now and cached.

    The cache file name carries everything that changes the weights (model, epochs, seed,
    training-set size, torch version, one training thread), so changing any trains anew.
    The initial weights come from ``seed`` too, and training runs on one thread: floating-point
    reductions split over more threads round differently, and the weights would then depend on
    the machine. Defaults: 8 epochs for LeNet-300-100, 3 for LeNet-5, full 60k training set.
    """
    from picojoule.compress.data import load_mnist

    if name not in MODELS:
        build(name)  # raises the one clear error
    if epochs is None:
        epochs = 8 if name == "lenet300100" else 3
    directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    limit_tag = "full" if train_limit is None else f"n{train_limit}"
    path = directory / (f"{name}-e{epochs}-s{seed}-{limit_tag}-t1-"
                        f"torch{torch.__version__}.pt")
    torch.manual_seed(seed)
    model = build(name)
    if path.is_file():
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            model.load_state_dict(state)
            model.eval()
            return model
        except (RuntimeError, OSError, EOFError, ValueError):
            pass  # a corrupt or stale cache file is retrained and overwritten below
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train(model, load_mnist("train", limit=train_limit), epochs=epochs, seed=seed)
    finally:
        torch.set_num_threads(threads)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    torch.save(model.state_dict(), tmp)
    tmp.replace(path)  # atomic: a concurrent reader never sees half a file
    return model
