"""quantize_: dispatch, overrides, JSON configs, records, bad input, transactions, QAT."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from picojoule.compress import (
    LayerOverride,
    NMPruning,
    PTQConfig,
    QATConfig,
    QuantSpec,
    Softermax,
    evaluate_accuracy,
    load_config,
    load_mnist,
    load_or_train,
    prune_,
    quantize_,
    replace_softmax_,
    softermax,
    train,
)
from picojoule.compress import scales as scales_module
from picojoule.errors import SpecError

W4A8 = PTQConfig(weight=QuantSpec(bits=4), input=QuantSpec(bits=8))


@pytest.fixture(scope="module")
def _base(tmp_path_factory: pytest.TempPathFactory) -> nn.Module:
    """LeNet-300-100 trained 3 epochs on 20k MNIST images (~15 s), in this run's own temporary
    cache: a test never reuses weights that another run wrote."""
    return load_or_train("lenet300100", cache_dir=tmp_path_factory.mktemp("models"), epochs=3,
                         train_limit=20_000)


@pytest.fixture
def trained(_base):  # type: ignore[no-untyped-def]
    """A fresh copy of the cached model (shadows the shared fixture: one model is enough)."""
    return lambda name="lenet300100": copy.deepcopy(_base)


def test_config_json_round_trip_and_unknown_fields(tmp_path) -> None:
    cfg = PTQConfig(weight=QuantSpec(bits=4, granularity="per_vector", calibration="octav"),
                    input=QuantSpec(format="uint", bits=8),
                    overrides=(LayerOverride("fc3", None),
                               LayerOverride(r"fc[12]", PTQConfig(weight=QuantSpec(bits=8)))))
    path = tmp_path / "q.json"
    cfg.to_json(path)
    assert load_config(path) == cfg and PTQConfig.from_json(path) == cfg
    assert load_config(QATConfig(clip_learning="pact").to_json()) == QATConfig(clip_learning="pact")
    with pytest.raises(SpecError, match=r"weight\.bitz: no such field"):
        load_config('{"kind": "ptq", "weight": {"format": "int", "bitz": 4}}')
    with pytest.raises(SpecError, match="colour: no such field"):
        load_config('{"kind": "ptq", "colour": 1}')
    with pytest.raises(SpecError, match=r"weight.bits: an integer in \[2, 8\]"):
        load_config('{"kind": "ptq", "weight": {"format": "int", "bits": 33}}')
    with pytest.raises(SpecError, match=r"weight\.bits: an integer"):
        load_config('{"kind": "ptq", "weight": {"format": "int", "bits": "4"}}')
    with pytest.raises(SpecError, match="kind"):
        load_config('{"kind": "quantise"}')
    with pytest.raises(SpecError, match="calibration"):
        QuantSpec(format="fp8_e4m3", calibration="octav")


def test_records_and_overrides(trained) -> None:
    model = trained()
    x, _ = load_mnist("train", limit=64)
    cfg = PTQConfig(weight=QuantSpec(bits=4), input=QuantSpec(bits=8),
                    overrides=(LayerOverride("fc3", None),
                               LayerOverride("fc2", PTQConfig(weight=QuantSpec(bits=8)))))
    quantize_(model, cfg, calibration=[x])
    r1, r2 = model.fc1.picojoule_quant, model.fc2.picojoule_quant
    assert (r1.weight_bits, r1.input_bits, r1.granularity) == (4, 8, "per_channel")
    assert (r2.weight_bits, r2.input_bits) == (8, None)
    assert getattr(model.fc3, "picojoule_quant", None) is None
    levels = model.fc1.weight.detach().unique().numel()
    assert levels <= 15 * model.fc1.weight.shape[0]  # 15 levels per channel
    assert torch.equal(model.fc3.weight, trained().fc3.weight)


def test_bad_input_is_a_clear_error_and_changes_nothing(trained, guard) -> None:
    model = trained()
    check = guard(model)
    with pytest.raises(SpecError, match="non-empty"):
        quantize_(model, W4A8, calibration=[])
    with pytest.raises(SpecError, match="calibration"):
        quantize_(model, W4A8)
    with pytest.raises(SpecError, match="found none"):
        quantize_(nn.Sequential(nn.MaxPool2d(2)), PTQConfig())
    with pytest.raises(SpecError, match=r"a supported module.*ReLU"):
        quantize_(nn.Sequential(nn.Linear(2, 2), nn.ReLU()),
                  PTQConfig(overrides=(LayerOverride("1", PTQConfig(weight=QuantSpec(bits=4))),)))
    with pytest.raises(SpecError, match="overrides"):
        quantize_(model, PTQConfig(overrides=(LayerOverride("conv9", None),)))
    with pytest.raises(SpecError, match="a quantization config"):
        quantize_(model, object())  # type: ignore[arg-type]
    check()


def test_failure_midway_rolls_back(trained, guard, monkeypatch) -> None:
    model = trained()
    check = guard(model)
    real = scales_module.quantize_tensor
    calls = {"n": 0}

    def flaky(*args, **kwargs):  # fails on the third layer, after two were changed
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("boom")
        return real(*args, **kwargs)

    monkeypatch.setattr("picojoule.compress.quantize.quantize_tensor", flaky)
    with pytest.raises(RuntimeError, match="boom"):
        quantize_(model, PTQConfig(weight=QuantSpec(bits=4)))
    check()
    assert calls["n"] == 3
    with pytest.raises(SpecError, match="already quantized"):
        monkeypatch.undo()
        quantize_(model, PTQConfig())
        quantize_(model, PTQConfig())


def test_quantizing_a_2_4_pruned_model_keeps_the_pattern(trained) -> None:
    model = trained()
    prune_(model, NMPruning(n=2, m=4))
    quantize_(model, PTQConfig(weight=QuantSpec(bits=4, granularity="per_vector")))
    for layer in (model.fc1, model.fc2, model.fc3):
        groups = (layer.weight.detach().reshape(-1, 4) != 0).sum(dim=1)
        assert int(groups.max()) <= 2
        assert layer.picojoule_quant.weight_bits == 4


def test_ptq_is_deterministic(trained) -> None:
    x, _ = load_mnist("train", limit=128)
    a, b = trained(), trained()
    for m in (a, b):
        quantize_(m, PTQConfig(weight=QuantSpec(bits=4, calibration="octav"),
                               input=QuantSpec(bits=8, calibration="mse")), calibration=[x])
    assert torch.equal(a(x), b(x))


def test_qat_lowers_the_quantized_loss_that_ptq_leaves(trained) -> None:
    """W4A4 (per-tensor, max calibration) on LeNet-300-100: PTQ vs one epoch of LSQ QAT on 4k
    held-out training images. What QAT guarantees is that training with the quantizer in the
    loop lowers the quantized model's loss; measured as cross-entropy (not a few tenths of a
    point of accuracy, which 2k images cannot resolve) on the data it trained on and on all 10k
    test images."""
    base = trained()
    x_test, y_test = load_mnist("test")
    x_train, y_train = load_mnist("train", limit=24_000)
    fine_tune = (x_train[20_000:], y_train[20_000:])
    calib = [x_train[:512]]
    cfg = dict(weight=QuantSpec(bits=4, granularity="per_tensor"),
               input=QuantSpec(format="uint", bits=4))
    ptq = copy.deepcopy(base)
    quantize_(ptq, PTQConfig(**cfg), calibration=calib)  # type: ignore[arg-type]
    qat = copy.deepcopy(base)
    quantize_(qat, QATConfig(**cfg, clip_learning="lsq"), calibration=calib)  # type: ignore[arg-type]
    assert evaluate_accuracy(qat, x_test, y_test) == evaluate_accuracy(ptq, x_test, y_test)
    train(qat, fine_tune, epochs=1, lr=1e-4)

    def loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
        with torch.no_grad():
            return float(torch.nn.functional.cross_entropy(model.eval()(x), y))

    assert loss(qat, *fine_tune) < 0.9 * loss(ptq, *fine_tune)
    assert loss(qat, x_test, y_test) < loss(ptq, x_test, y_test)


@pytest.mark.parametrize("mode", ["pact", "octav"])
def test_qat_modes_train_and_keep_the_grid(trained, mode) -> None:
    model = trained()
    data = load_mnist("train", limit=256)
    quantize_(model, QATConfig(weight=QuantSpec(bits=3, granularity="per_tensor"),
                               input=QuantSpec(format="uint", bits=4), clip_learning=mode,
                               magnitude_aware_grad=True), calibration=[data[0]])
    train(model, data, epochs=1, lr=1e-3)
    assert model.fc1.weight.detach().unique().numel() <= 7
    assert model.fc1.picojoule_quant.calibration == mode


def test_softermax_matches_softmax_and_drops_in() -> None:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(4, 3, 50, generator=gen) * 5
    x[0, 0, 10:] = torch.finfo(torch.float32).min  # an attention mask
    for dim in (-1, 1):
        assert torch.allclose(softermax(x, dim=dim, chunk=7), torch.softmax(x, dim=dim),
                              atol=1e-6)
    coarse = softermax(x, frac_bits=6)
    assert not torch.equal(coarse, torch.softmax(x, -1))
    assert torch.allclose(coarse.sum(-1), torch.ones(4, 3), atol=0.05)
    model = nn.Sequential(nn.Linear(5, 5), nn.Softmax(dim=-1))
    assert replace_softmax_(model) == 1 and isinstance(model[1], Softermax)


@pytest.mark.parametrize("mode", ["lsq", "pact", "fixed"])
def test_straight_through_and_magnitude_aware_gradients(mode) -> None:
    from picojoule.compress.formats import IntFormat
    from picojoule.compress.qat import LearnedQuant

    x = torch.tensor([-4.0, -0.3, 0.2, 0.9, 2.5], requires_grad=True)
    for mad in (False, True):
        q = LearnedQuant(torch.tensor(1.0), IntFormat(4), mode, mad, "per_tensor", 1,
                         is_weight=False)
        y = q(x)
        step = torch.tensor(1.0) / 7  # clip / qmax
        assert torch.equal(y.detach(), IntFormat(4).fake_quant(x.detach() / step) * step)
        (gx,) = torch.autograd.grad(y.sum(), x)
        inside = x.detach().abs() <= 1
        assert torch.equal(gx[inside], torch.ones(3))
        beyond = 1 / x.detach().abs()[~inside] if mad else torch.zeros(2)
        assert torch.allclose(gx[~inside], beyond)
    if mode == "pact":
        q = LearnedQuant(torch.tensor(1.0), IntFormat(4), "pact", False, "per_tensor", 1,
                         is_weight=False)
        q(x).sum().backward()
        assert float(q.clip.grad) == 0.0  # one below -clip (-1), one above (+1)
