"""GPTQ rounding (``QuantSpec(rounding="gptq")``): error compensation on hand-derived cases,
equality with round-to-nearest when inputs are uncorrelated, group scales from the
error-updated weights, exact encoding, validation, determinism and the reuse key."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from picojoule.compress.gptq import gptq_quantize
from picojoule.compress.qat import QATConfig
from picojoule.compress.quantize import FixedWeightQuant, PTQConfig, quantize_
from picojoule.compress.reuse import reuse
from picojoule.compress.scales import quantize_tensor
from picojoule.compress.spec import QuantSpec
from picojoule.errors import SpecError

# Damped diagonal of the Hessians below: diag 1, mean 1 -> lambda = 0.01 -> H'[i, i] = 1.01.
COUPLED = 0.99 / 1.01  # H'[i, k] / H'[k, k] for a coupling of 0.99


def coupled_hessian(n: int, i: int, k: int) -> torch.Tensor:
    h = torch.eye(n, dtype=torch.float64)
    h[i, k] = h[k, i] = 0.99
    return h


def correlated_inputs(n: int, d: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    mix = torch.randn(d, d, generator=g) / d**0.5 + torch.eye(d)
    return torch.randn(n, d, generator=g) @ mix


def linear(d_in: int, d_out: int, seed: int = 1) -> nn.Linear:
    torch.manual_seed(seed)
    return nn.Linear(d_in, d_out)


@pytest.mark.parametrize(("damping", "second"), [
    # int3 per tensor: qmax 3, scale = max|w| / 3 = 1.0. Column 0: 0.6 -> 1, error -0.4.
    # H couples columns 0 and 1 only, so (2x2 block of H'^-1) column 1 becomes
    # 1.8 + (0.6 - 1) * H'01 / H'11 = 1.8 - 0.4 * 0.99 / 1.01 = 1.408 -> 1 (nearest: 2).
    (0.01, 1.0),
    # damping 1: H'11 = 1 + 1 * mean(diag H) = 2, so 1.8 - 0.4 * 0.99 / 2 = 1.602 -> 2.
    (1.0, 2.0),
])
def test_error_of_a_column_moves_onto_the_correlated_one(damping: float, second: float) -> None:
    w = torch.tensor([[0.6, 1.8, 3.0]])  # column 2 is uncoupled and keeps 3
    spec = QuantSpec(bits=3, granularity="per_tensor", rounding="gptq", gptq_damping=damping)
    q = gptq_quantize(w, coupled_hessian(3, 0, 1), spec)
    assert q.dequantize().tolist() == [[1.0, second, 3.0]]
    rtn = quantize_tensor(w, QuantSpec(bits=3, granularity="per_tensor"))
    assert rtn.dequantize().tolist() == [[1.0, 2.0, 3.0]]


@pytest.mark.parametrize(("granularity", "scale"), [
    # int3 groups of 2: w = [3.0, 1.4 | 2.0, 0.3]; group 0 scale 3/3 = 1, 1.4 -> 1, error 0.4;
    # H couples columns 1 and 2, so column 2 becomes 2.0 + 0.4 * 0.99/1.01 = 2.39208 before
    # group 1's scale is calibrated: max 2.39208 / 3 = 0.79736 (nearest: 2.0 / 3).
    ("per_group", (2.0 + 0.4 * COUPLED) / 3),
    # per vector, 4-bit scales: gamma = max of the original vector scales (1, 2/3) / 15 = 1/15;
    # group 1's integer scale round(0.79736 * 15) = round(11.96) = 12 -> 12/15 (nearest: 10/15).
    ("per_vector", 12 / 15),
])
def test_a_group_scale_is_calibrated_on_the_error_updated_weights(granularity: str,
                                                                  scale: float) -> None:
    w = torch.tensor([[3.0, 1.4, 2.0, 0.3]])
    spec = QuantSpec(bits=3, granularity=granularity, group_size=2,  # type: ignore[arg-type]
                     rounding="gptq")
    q = gptq_quantize(w, coupled_hessian(4, 1, 2), spec)
    assert q.scale.shape == (2, 1)
    assert float(q.scale[0, 0]) == pytest.approx(1.0, rel=1e-6)
    assert float(q.scale[1, 0]) == pytest.approx(scale, rel=1e-6)
    # 2.39208 / scale -> 3 (saturates); 0.3 / scale < 0.5 -> 0
    assert q.fmt.decode(q.codes).tolist() == [[3.0, 1.0], [3.0, 0.0]]


@pytest.mark.parametrize(("granularity", "calibration"), [
    ("per_tensor", "max"), ("per_channel", "max"), ("per_channel", "mse"),
    ("per_group", "max"), ("per_vector", "max"), ("per_vector", "octav")])
def test_uncorrelated_inputs_give_the_nearest_codes(granularity: str, calibration: str) -> None:
    # H = I: after damping H' = 1.01 I, so U = I / sqrt(1.01) has no off-diagonal entries and
    # no column's error reaches another: every weight rounds by itself with scales calibrated
    # on unchanged weights, i.e. exactly round-to-nearest. 40 inputs: a ragged last group.
    w = linear(40, 6).weight.detach()
    base = QuantSpec(bits=4, granularity=granularity,  # type: ignore[arg-type]
                     calibration=calibration)  # type: ignore[arg-type]
    rtn = quantize_tensor(w, base)
    q = gptq_quantize(w, torch.eye(40, dtype=torch.float64),
                      QuantSpec(bits=4, granularity=granularity,  # type: ignore[arg-type]
                                calibration=calibration, rounding="gptq"))  # type: ignore[arg-type]
    assert torch.equal(q.codes, rtn.codes)
    assert torch.equal(q.scale, rtn.scale)
    assert q.scale_bits_per_element == rtn.scale_bits_per_element


@pytest.mark.parametrize(("bits", "granularity"), [(3, "per_channel"), (4, "per_channel"),
                                                   (3, "per_vector"), (4, "per_vector")])
def test_gptq_has_less_output_error_than_nearest(bits: int, granularity: str) -> None:
    x = correlated_inputs(1024, 128)
    ref = linear(128, 32)
    errors = {}
    for rounding in ("nearest", "gptq"):
        m = copy.deepcopy(ref)
        quantize_(m, PTQConfig(weight=QuantSpec(bits=bits, granularity=granularity,  # type: ignore[arg-type]
                                                rounding=rounding)),  # type: ignore[arg-type]
                  calibration=[x])
        with torch.no_grad():
            errors[rounding] = float(((m(x) - ref(x)) ** 2).sum())
    assert errors["gptq"] < 0.8 * errors["nearest"]


def test_codes_fit_the_format_and_dequantize_to_the_layer_weight() -> None:
    x = correlated_inputs(256, 48)
    m = linear(48, 8)
    quantize_(m, PTQConfig(weight=QuantSpec(bits=3, granularity="per_vector",
                                            rounding="gptq")), calibration=[x])
    quant = m.parametrizations.weight[0]
    assert isinstance(quant, FixedWeightQuant)
    levels = quant.fmt.decode(quant.codes)
    assert levels.min() >= -3 and levels.max() <= 3  # symmetric int3: [-3, 3]
    assert levels.shape == (8 * 3, 16)  # 48 inputs = 3 vectors of 16 per row
    expected = (levels * quant.scale).reshape(8, 48)
    assert torch.equal(m.weight, expected)
    with torch.no_grad():
        assert torch.equal(m(x), torch.nn.functional.linear(x, expected, m.bias))


def test_conv2d_gptq_beats_nearest_and_dequantizes_exactly() -> None:
    torch.manual_seed(3)
    ref = nn.Conv2d(4, 8, 3, padding=1)
    base = torch.randn(16, 1, 10, 10)
    x = torch.cat([base + 0.3 * torch.randn(16, 1, 10, 10) for _ in range(4)], dim=1)
    errors = {}
    for rounding in ("nearest", "gptq"):
        m = copy.deepcopy(ref)
        quantize_(m, PTQConfig(weight=QuantSpec(bits=3, rounding=rounding)),  # type: ignore[arg-type]
                  calibration=[x])
        with torch.no_grad():
            errors[rounding] = float(((m(x) - ref(x)) ** 2).sum())
    assert errors["gptq"] < errors["nearest"]
    q = m.parametrizations.weight[0]
    assert torch.equal(m.weight, (q.fmt.decode(q.codes) * q.scale).reshape(8, 4, 3, 3))


def test_pruned_weights_stay_zero() -> None:
    from picojoule.compress.prune import MagnitudePruning, prune_
    m = linear(32, 8)
    prune_(m, MagnitudePruning(sparsity=0.5))
    zeros = m.weight == 0
    quantize_(m, PTQConfig(weight=QuantSpec(bits=4, rounding="gptq")),
              calibration=[correlated_inputs(128, 32)])
    assert bool((m.weight[zeros] == 0).all())


def test_validation_names_the_field() -> None:
    for bad in ({"format": "uint", "bits": 4}, {"bits": 4, "symmetric": False},
                {"format": "fp8_e4m3"}, {"format": "mxfp4"}):
        with pytest.raises(SpecError, match="rounding"):
            QuantSpec(rounding="gptq", **bad)  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="rounding"):
        QuantSpec(bits=4, rounding="stochastic")  # type: ignore[arg-type]
    for damping in (0.0, -1.0, True, "big"):
        with pytest.raises(SpecError, match="gptq_damping"):
            QuantSpec(bits=4, rounding="gptq", gptq_damping=damping)  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="gptq_damping"):
        QuantSpec(bits=4, gptq_damping=0.1)  # damping without gptq would do nothing
    with pytest.raises(SpecError, match=r"input\.rounding"):
        PTQConfig(input=QuantSpec(bits=8, rounding="gptq"))
    with pytest.raises(SpecError, match=r"weight\.rounding"):
        QATConfig(weight=QuantSpec(bits=4, rounding="gptq"))


def test_unsupported_layers_and_missing_calibration_are_refused() -> None:
    conv1d = nn.Sequential(nn.Conv1d(2, 2, 3))
    with pytest.raises(SpecError, match=r"weight\.rounding.*Conv1d"):
        quantize_(conv1d, PTQConfig(weight=QuantSpec(bits=4, rounding="gptq")),
                  calibration=[torch.randn(1, 2, 8)])
    assert not hasattr(conv1d[0], "parametrizations")  # left as it was
    with pytest.raises(SpecError, match="calibration"):
        quantize_(linear(8, 2), PTQConfig(weight=QuantSpec(bits=4, rounding="gptq")))


def test_two_runs_are_bit_identical() -> None:
    x = correlated_inputs(256, 64)
    out = []
    for _ in range(2):
        m = linear(64, 16)
        quantize_(m, PTQConfig(weight=QuantSpec(bits=3, granularity="per_vector",
                                                rounding="gptq")), calibration=[x])
        out.append(m.weight.detach().clone())
    assert torch.equal(out[0], out[1])


def test_reuse_key_includes_the_hessian() -> None:
    spec = PTQConfig(weight=QuantSpec(bits=3, rounding="gptq"))
    ref = linear(64, 16)
    a, b = correlated_inputs(256, 64, seed=0), correlated_inputs(256, 64, seed=7)
    fresh = {}
    for name, x in (("a", a), ("b", b)):
        m = copy.deepcopy(ref)
        quantize_(m, spec, calibration=[x])
        fresh[name] = m.weight.detach().clone()
    assert not torch.equal(fresh["a"], fresh["b"])  # the calibration data matters
    cache: dict[object, object] = {}
    with reuse(cache):
        for name, x in (("a", a), ("b", b), ("a", a)):
            m = copy.deepcopy(ref)
            quantize_(m, spec, calibration=[x])
            assert torch.equal(m.weight, fresh[name])  # never another data set's result
    assert len(cache) == 2  # a's result was reused the second time


@pytest.mark.parametrize("granularity", ["per_channel", "per_vector"])
def test_lazy_block_updates_equal_column_by_column(monkeypatch: pytest.MonkeyPatch,
                                                   granularity: str) -> None:
    # Deferring a block's updates of later columns to one product is exact algebra, so blocks
    # of 128 (two blocks and a ragged third over 300 columns) give the codes of blocks of 1
    # (per vector: of 16, a block never splits a vector).
    import picojoule.compress.gptq as gptq
    x = correlated_inputs(512, 300)
    h = 2 * x.double().T @ x.double() / 512
    w = linear(300, 8).weight.detach()
    spec = QuantSpec(bits=3, granularity=granularity, rounding="gptq")  # type: ignore[arg-type]
    blocked = gptq_quantize(w, h, spec)
    monkeypatch.setattr(gptq, "BLOCK_COLUMNS", 1)
    single = gptq_quantize(w, h, spec)
    assert torch.equal(blocked.codes, single.codes)
    assert torch.allclose(blocked.scale, single.scale, rtol=1e-6)


def test_an_input_that_is_always_zero_gets_weight_zero() -> None:
    # diag H = 0 for input 0: H[0, 0] := 1 keeps H invertible, and since that input never
    # contributes to the outputs its weight column is set to 0 (code 0).
    x = correlated_inputs(256, 16)
    x[:, 0] = 0.0
    m = linear(16, 4)
    quantize_(m, PTQConfig(weight=QuantSpec(bits=4, rounding="gptq")), calibration=[x])
    assert m.weight[:, 0].tolist() == [0.0] * 4
    assert bool(torch.isfinite(m.weight).all()) and bool((m.weight[:, 1:] != 0).any())
