"""``LayerChoice.rounding``: gptq reaches the layer's weight quantizer, nearest keeps the keys
and labels of configs written before the field existed, and bad values name the field."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, replace

import pytest
import torch
from torch import nn

from picojoule.codesign.config import INT8, CodesignConfig, LayerChoice
from picojoule.compress.codesign_ops import compressed_copy
from picojoule.compress.quantize import FixedWeightQuant, WeightQuant
from picojoule.compress.task import Task
from picojoule.errors import SpecError


def old_key(choice: LayerChoice) -> str:
    """The key as computed before ``rounding``, ``gptq_damping`` and ``act_calibration``
    existed."""
    body = {k: v for k, v in asdict(choice).items()
            if k not in ("rounding", "gptq_damping", "act_calibration")}
    text = json.dumps({"default": body, "layers": {}}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def test_nearest_keeps_key_and_label_gptq_changes_both() -> None:
    w4v = replace(INT8, weight_bits=4, granularity="per_vector")
    assert CodesignConfig(w4v).key == old_key(w4v)
    assert w4v.label() == "w4va8"
    gptq = replace(w4v, rounding="gptq")
    assert CodesignConfig(gptq).key != CodesignConfig(w4v).key
    assert gptq.label() == "w4va8-gptq"
    assert CodesignConfig.from_dict(CodesignConfig(gptq).to_dict()) == CodesignConfig(gptq)
    assert "rounding" not in CodesignConfig(w4v).to_dict()["default"]
    damped = replace(gptq, gptq_damping=0.1)
    assert damped.label() == "w4va8-gptq0.1"
    assert CodesignConfig(damped).key != CodesignConfig(gptq).key


def test_bad_rounding_is_refused_naming_the_field() -> None:
    with pytest.raises(SpecError, match=r"default\.rounding"):
        CodesignConfig(LayerChoice(rounding="stochastic"))
    with pytest.raises(SpecError, match=r"layers\[fc\]\.rounding"):
        CodesignConfig.from_dict({"layers": {"fc": {"weight_bits": None,
                                                    "rounding": "gptq"}}})
    with pytest.raises(SpecError, match=r"default\.gptq_damping"):
        CodesignConfig(LayerChoice(gptq_damping=0.1))  # nearest rounding: no damping


def test_gptq_choice_reaches_only_its_layer() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))
    task = Task("two", model, lambda m: 0.0, "none", (torch.ones(1, 8),),
                (torch.randn(64, 8),))
    config = CodesignConfig(replace(INT8, weight_bits=4),
                            (("0", replace(INT8, weight_bits=4, rounding="gptq")),))
    q = compressed_copy(task, config.choice)
    kinds = [type(q[i].parametrizations.weight[0]) for i in (0, 2)]
    assert kinds == [FixedWeightQuant, WeightQuant]
