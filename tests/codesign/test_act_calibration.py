"""Activation calibration in the codesign path: the config's choice reaches the activation
quantizer, is validated at the edge, keeps old configs' keys, and the mixed-precision
ladder takes the calibration with the smallest measured drop for each activation rung."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from test_codesign_methods import Stub
from torch import nn

from picojoule.codesign.config import INT8, CodesignConfig, LayerChoice
from picojoule.codesign.search import config_space, mixed_precision
from picojoule.compress.codesign_ops import compressed_copy
from picojoule.compress.task import Task
from picojoule.errors import SpecError


def one_weight_task() -> Task:
    """y = 1.0 * x through one Linear(1, 1); calibrated on 20,000 ones and one 100."""
    layer = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        layer.weight.fill_(1.0)
    model = nn.Sequential(layer)
    calib = torch.cat([torch.ones(20000, 1), torch.tensor([[100.0]])])
    return Task("one", model, lambda m: 0.0, "none", (torch.ones(1, 1),), (calib,))


@pytest.mark.parametrize(("calibration", "expected"), [
    # max: clip 100, a6 scale 100/31; 1 -> round(0.31) = 0; 100 -> 31 x 100/31 = 100.
    ("max", [0.0, 100.0]),
    # percentile 99.99 of the 20,001 |x|: position 0.9999 x 20000 = 19998 in the sorted
    # values, which is a 1 (only index 20000 holds the 100), so clip 1, scale 1/31:
    # 1 -> 31 x 1/31 = 1; 100 saturates at 31 -> 1.
    ("percentile", [1.0, 1.0]),
])
def test_act_calibration_reaches_the_input_quantizer(calibration: str,
                                                     expected: list[float]) -> None:
    # The weight 1.0 is exact at INT8 per channel (scale 1/127, code 127).
    task = one_weight_task()
    config = CodesignConfig(replace(INT8, act_bits=6, act_calibration=calibration))
    model = compressed_copy(task, config.choice)
    with torch.no_grad():
        out = model(torch.tensor([[1.0], [100.0]])).flatten().tolist()
    assert out == pytest.approx(expected, rel=1e-6, abs=1e-6)


def test_unknown_act_calibration_is_rejected_with_the_field_and_choices() -> None:
    with pytest.raises(SpecError) as info:
        CodesignConfig.from_dict({"default": {"act_calibration": "p99"},
                                  "layers": {"fc": {"act_calibration": "kl"}}}, "cfg.json")
    text = str(info.value)
    assert "default.act_calibration" in text and "layers" in text
    assert "percentile" in text and "p99" in text
    with pytest.raises(SpecError, match="act_calibration"):
        CodesignConfig(LayerChoice(act_calibration="minmax"))


def test_default_act_calibration_keeps_keys_and_round_trips() -> None:
    # max is left out of the digest and the dict: a config written before the field existed
    # (no act_calibration) decodes to the same key.
    old = {"name": "", "default": {k: v for k, v in CodesignConfig(INT8).to_dict()["default"]
                                   .items()}, "layers": {}}
    assert "act_calibration" not in old["default"]
    assert CodesignConfig.from_dict(old).key == CodesignConfig(INT8).key
    mse = CodesignConfig(replace(INT8, act_bits=6, act_calibration="mse"))
    assert mse.key != CodesignConfig(replace(INT8, act_bits=6)).key
    assert CodesignConfig.from_dict(mse.to_dict()) == mse
    assert mse.label() == "w8a6mse"


def test_mixed_precision_uses_the_calibration_with_the_smaller_drop() -> None:
    # One layer "a", 100 pJ x act bits / 8. At a6, max loses 0.02 and mse 0.004; at a4 max
    # loses 0.03 and mse 0.05. Floor 0.99: a6 mse (0.996, 75 pJ) is accepted; a4 takes max
    # (its smaller drop): 1 - 0.03 = 0.97 < 0.99, rejected.
    drops = {(6, "max"): 0.02, (6, "mse"): 0.004, (4, "max"): 0.03, (4, "mse"): 0.05}

    def drop(name: str, c: LayerChoice) -> float:
        return drops.get((c.act_bits, c.act_calibration), 0.0)
    stub = Stub({"a": 100.0}, drop, bits_cost=lambda c: (c.act_bits or 32) / 8)
    mp = mixed_precision(stub, 0.99, bits=(8,), act_bits=(6, 4),  # type: ignore[arg-type]
                         act_calibrations=("max", "mse"))
    assert mp.act_calibration == {"a": {"a6": "mse", "a4": "max"}}
    assert mp.sensitivity["a"]["a6"] == pytest.approx(0.004)
    assert [p.label for p in mp.path] == ["w8a8+a=w8a6mse"]
    assert mp.best.energy_pj == pytest.approx(75.0)
    # (the weight ladder's only rung, w8, saves nothing and is rejected too)
    assert "w8a8+a=w8a4" in [p.label for p in mp.rejected]
    with pytest.raises(SpecError, match="act_calibrations"):
        mixed_precision(stub, 0.99, act_bits=(6,),  # type: ignore[arg-type]
                        act_calibrations=("max", "minmax"))


def test_a_sweeps_calibration_reaches_every_quantized_activation_and_nothing_else():
    plain = config_space(["conv1", "fc1"], 12, seed=3)
    clipped = config_space(["conv1", "fc1"], 12, seed=3, act_calibration="mse")
    assert len(clipped) == len(plain) == 12
    for a, b in zip(plain, clipped, strict=True):
        for (na, ca), (nb, cb) in zip(((None, a.default), *a.layers),
                                      ((None, b.default), *b.layers), strict=True):
            assert na == nb and replace(cb, act_calibration=ca.act_calibration) == ca
            # float activations (the fp32 config) keep max; every quantized one is clipped
            assert cb.act_calibration == ("max" if ca.act_bits is None else "mse")
    assert plain[1].key != clipped[1].key  # a different config, stored apart
    with pytest.raises(SpecError, match="act_calibration"):
        config_space(["conv1"], 3, act_calibration="median")
