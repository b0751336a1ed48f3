"""Bad Python-API input to quantization: one SpecError naming what was expected."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from picojoule.compress import PTQConfig, QuantSpec, load_config, quantize_
from picojoule.errors import SpecError
from picojoule.importers import load_model


def model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 2))


ACT = PTQConfig(weight=QuantSpec(bits=8), input=QuantSpec(bits=8))


@pytest.mark.parametrize("batch, expected", [
    (torch.randn(3, 7), "torch.float32 tensor of shape (3, 7)"),
    (torch.randint(0, 3, (3, 8)), "torch.int64 tensor of shape (3, 8)"),
    ("abc", "got a str"),
])
def test_calibration_batches_the_model_cannot_take(batch, expected) -> None:
    m = model()
    before = [p.clone() for p in m.parameters()]
    with pytest.raises(SpecError, match="calibration: batch 0: an input the model accepts") \
            as caught:
        quantize_(m, ACT, [batch])
    assert expected in str(caught.value)
    assert all(torch.equal(a, b) for a, b in zip(before, m.parameters(), strict=True))


@pytest.mark.parametrize("field, value", [("granularity", "per_row"),
                                          ("calibration", "minmax")])
def test_quant_spec_refuses_what_load_config_refuses(field, value) -> None:
    with pytest.raises(SpecError, match=f"QuantSpec: {field}: one of"):
        QuantSpec(bits=4, **{field: value})
    with pytest.raises(SpecError, match=f"weight.{field}: one of"):
        load_config(f'{{"kind": "ptq", "weight": {{"bits": 4, "{field}": "{value}"}}}}')


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_weights_are_refused(bad: float) -> None:
    m = model()
    with torch.no_grad():
        m[0].weight[1, 2] = bad
    spec = QuantSpec(bits=4, calibration="octav")
    with pytest.raises(SpecError, match=r"finite weights on module '0' \(Linear\) \(4, 8\); 1 "
                                        r"are NaN or inf"):
        quantize_(m, PTQConfig(weight=spec))


def test_empty_layer_is_refused() -> None:
    with pytest.raises(SpecError, match=r"a non-empty weight on module '0' \(Linear\)"):
        quantize_(nn.Sequential(nn.Linear(0, 4)), PTQConfig())


def test_load_model_of_a_number() -> None:
    with pytest.raises(SpecError, match="got a int"):
        load_model(42)  # type: ignore[arg-type]
