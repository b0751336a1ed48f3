"""Reuse of per-layer results across many compressions of the same model (a codesign sweep).

Inside ``with reuse(cache):`` the pruning masks (magnitude, N:M) and the weight
quantization (``QTensor``: codes, scales) of each layer are looked up in ``cache`` by what
they depend on: the exact bytes of the weight tensor they are computed from, its shape and
dtype, and the config (sparsity, N:M, ``QuantSpec``). A layer's quantized weights depend
only on that layer's choice, so a sweep computes them once per distinct (layer weights,
choice); a fine-tuned or otherwise changed weight has other bytes and is computed afresh.
GPTQ rounding also depends on the layer's calibration inputs: its key adds a digest of the
input Hessian, so other calibration data never returns a stale result.
Results are bit for bit those computed without the cache. Outside the context (or with
``cache=None``) nothing is stored. The cache is the caller's dict; nothing is global.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import torch

__all__ = ["digest", "memoized", "reuse"]

T = TypeVar("T")
_CACHE: ContextVar[dict[Any, Any] | None] = ContextVar("picojoule_compress_reuse",
                                                       default=None)


@contextmanager
def reuse(cache: dict[Any, Any] | None) -> Iterator[None]:
    """Look per-layer masks and weight quantizations up in ``cache`` (None: no reuse)."""
    token = _CACHE.set(cache)
    try:
        yield
    finally:
        _CACHE.reset(token)


def digest(tensor: torch.Tensor) -> str:
    """A 128-bit digest of the tensor's bytes (part of a key when a result depends on it)."""
    data = tensor.detach().contiguous().cpu().numpy().tobytes()
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def memoized(kind: str, tensor: torch.Tensor, params: Hashable,
             compute: Callable[[], T]) -> T:
    """``compute()``, or its earlier result for the same kind, tensor bytes and params."""
    cache = _CACHE.get()
    if cache is None:
        return compute()
    key = (kind, digest(tensor), tuple(tensor.shape), str(tensor.dtype), params)
    if key not in cache:
        cache[key] = compute()
    return cache[key]
