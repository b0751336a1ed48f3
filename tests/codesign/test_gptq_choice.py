"""``LayerChoice.rounding``: gptq reaches the layer's weight quantizer, nearest keeps the keys
and labels of configs written before the field existed, and bad values name the field."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, replace

import pytest
import torch
from torch import nn

from picojoule.cli.main import main
from picojoule.codesign.config import INT8, CodesignConfig, LayerChoice
from picojoule.codesign.search import config_space
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


def test_a_sweeps_rounding_reaches_every_quantized_weight_and_nothing_else():
    plain = config_space(["conv1", "fc1"], 12, seed=3)
    gptq = config_space(["conv1", "fc1"], 12, seed=3, rounding="gptq")
    assert len(gptq) == len(plain) == 12
    for a, b in zip(plain, gptq, strict=True):
        for ca, cb in zip((a.default, *(c for _, c in a.layers)),
                          (b.default, *(c for _, c in b.layers)), strict=True):
            assert replace(cb, rounding="nearest") == ca
            assert cb.rounding == ("nearest" if ca.weight_bits is None else "gptq")
    assert plain[1].key != gptq[1].key  # stored apart


def test_cli_sweeps_with_gptq_and_refuses_an_unknown_rounding(capsys, tmp_path):
    assert main(["codesign", "lenet5", "--arch", "eyeriss", "--rounding", "stochastic"]) == 2
    assert "--rounding: one of nearest, gptq, got 'stochastic'" in capsys.readouterr().err
    torch.set_num_threads(1)
    out = tmp_path / "points.json"
    assert main(["codesign", "lenet5", "--arch", "eyeriss", "--configs", "3", "--rounding",
                 "gptq", "--eval-limit", "200", "--train-limit", "500", "--epochs", "1",
                 "--model-cache", str(tmp_path / "models"), "--out", str(tmp_path / "cd"),
                 "--json", str(out)]) == 0
    points = json.loads(out.read_text())["points"]
    assert len(points) == 3
    rounded = [p["config"]["default"].get("rounding", "nearest") for p in points]
    assert sorted(rounded) == ["gptq", "gptq", "nearest"]  # fp32 has no weights to round
    assert all(0.0 < p["metric"] <= 1.0 for p in points)
