# ruff: noqa: E402  (the pruning block appends its imports after the quantization exports)
"""Real PyTorch quantization and pruning, measured on real data.

This is the one package (besides importers) that imports torch. One entry point per
transformation, dispatched on the config's type: ``quantize_(model, config)`` and
``prune_(model, config)``; both are transactional (a failed call leaves the model unchanged).
Quantized modules carry ``picojoule_quant: QuantRecord`` (see ``config``).
"""

from picojoule.compress.config import (
    LayerOverride,
    QuantRecord,
    TransformConfig,
    load_config,
    register_config,
    resolve,
    transaction,
)

__all__ = [
    "LayerOverride",
    "QuantRecord",
    "TransformConfig",
    "load_config",
    "register_config",
    "resolve",
    "transaction",
]

# --- quantization (helper Q) ---
from picojoule.compress.formats import IntFormat, LogFormat, MiniFloat, element_format
from picojoule.compress.qat import LearnedQuant, QATConfig
from picojoule.compress.quantize import ActQuant, PTQConfig, WeightQuant, quantize_
from picojoule.compress.scales import QTensor, quantize_tensor, sqnr_db
from picojoule.compress.softermax import (
    Softermax,
    replace_softmax_,
    softermax,
    softermax_attention,
)
from picojoule.compress.spec import QuantSpec

__all__ += [
    "ActQuant",
    "IntFormat",
    "LearnedQuant",
    "LogFormat",
    "MiniFloat",
    "PTQConfig",
    "QATConfig",
    "QTensor",
    "QuantSpec",
    "Softermax",
    "WeightQuant",
    "element_format",
    "quantize_",
    "quantize_tensor",
    "replace_softmax_",
    "softermax",
    "softermax_attention",
    "sqnr_db",
]

# --- pruning (helper P) ---
from picojoule.compress.data import load_digits, load_mnist
from picojoule.compress.models import (
    LeNet5,
    LeNet300100,
    evaluate_accuracy,
    load_or_train,
    train,
)
from picojoule.compress.prune import (
    ChannelPruning,
    GradualPruning,
    MagnitudePruning,
    NMPruning,
    SparsityRecord,
    cubic_schedule,
    prune_,
)
from picojoule.compress.sharing import (
    SharingRecord,
    WeightSharing,
    huffman_size_bits,
    share_weights_,
)
from picojoule.compress.summary import CompressionSummary, LayerSummary, summarize

__all__ += [
    "ChannelPruning",
    "CompressionSummary",
    "GradualPruning",
    "LayerSummary",
    "LeNet5",
    "LeNet300100",
    "MagnitudePruning",
    "NMPruning",
    "SharingRecord",
    "SparsityRecord",
    "WeightSharing",
    "cubic_schedule",
    "evaluate_accuracy",
    "huffman_size_bits",
    "load_digits",
    "load_mnist",
    "load_or_train",
    "prune_",
    "share_weights_",
    "summarize",
    "train",
]
