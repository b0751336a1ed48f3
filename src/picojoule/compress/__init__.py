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
from picojoule.compress.data import load_digits, load_mnist
from picojoule.compress.formats import IntFormat, LogFormat, MiniFloat, element_format
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
from picojoule.compress.qat import LearnedQuant, QATConfig
from picojoule.compress.quantize import ActQuant, PTQConfig, WeightQuant, quantize_
from picojoule.compress.scales import QTensor, quantize_tensor, sqnr_db
from picojoule.compress.sharing import (
    SharingRecord,
    WeightSharing,
    huffman_size_bits,
    share_weights_,
)
from picojoule.compress.softermax import (
    Softermax,
    replace_softmax_,
    softermax,
    softermax_attention,
)
from picojoule.compress.spec import QuantSpec
from picojoule.compress.summary import CompressionSummary, LayerSummary, summarize

__all__ = [
    "ActQuant",
    "ChannelPruning",
    "CompressionSummary",
    "GradualPruning",
    "IntFormat",
    "LayerOverride",
    "LayerSummary",
    "LeNet5",
    "LeNet300100",
    "LearnedQuant",
    "LogFormat",
    "MagnitudePruning",
    "MiniFloat",
    "NMPruning",
    "PTQConfig",
    "QATConfig",
    "QTensor",
    "QuantRecord",
    "QuantSpec",
    "SharingRecord",
    "Softermax",
    "SparsityRecord",
    "TransformConfig",
    "WeightQuant",
    "WeightSharing",
    "cubic_schedule",
    "element_format",
    "evaluate_accuracy",
    "huffman_size_bits",
    "load_config",
    "load_digits",
    "load_mnist",
    "load_or_train",
    "prune_",
    "quantize_",
    "quantize_tensor",
    "register_config",
    "replace_softmax_",
    "resolve",
    "share_weights_",
    "softermax",
    "softermax_attention",
    "sqnr_db",
    "summarize",
    "train",
    "transaction",
]
