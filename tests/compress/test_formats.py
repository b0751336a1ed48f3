"""Number formats: every code point round-trips, decoding matches torch's own float8 types."""

from __future__ import annotations

import pytest
import torch

from picojoule.compress import QuantSpec, quantize_tensor
from picojoule.compress.formats import (
    FP4_E2M1,
    FP6_E2M3,
    FP6_E3M2,
    FP8_E4M3,
    FP8_E5M2,
    IntFormat,
    LogFormat,
    e8m0_decode,
)
from picojoule.errors import SpecError

ALL = [IntFormat(b, s, sym) for b in range(2, 9) for s in (True, False) for sym in (True, False)]
ALL += [FP8_E4M3, FP8_E5M2, FP6_E3M2, FP6_E2M3, FP4_E2M1] + [LogFormat(b) for b in range(2, 9)]


@pytest.mark.parametrize("fmt", ALL, ids=lambda f: f.name)
def test_every_code_point_round_trips(fmt) -> None:
    codes = fmt.code_points()
    assert codes.unique().numel() == codes.numel()
    assert int(codes.max()) < 2**fmt.bits
    values = fmt.decode(codes)
    assert torch.isfinite(values).all()
    assert torch.equal(fmt.encode(values), codes)
    assert torch.equal(fmt.fake_quant(values), values)


@pytest.mark.parametrize("fmt", ALL, ids=lambda f: f.name)
def test_encode_picks_the_nearest_value(fmt) -> None:
    grid = fmt.decode(fmt.code_points()).unique()
    x = torch.linspace(-1.2, 1.2, 5001) * fmt.max_value
    q = fmt.fake_quant(x)
    nearest = grid[(x[:, None] - grid[None, :]).abs().argmin(dim=1)]
    assert torch.equal((x - q).abs(), (x - nearest).abs())


@pytest.mark.parametrize(("fmt", "dtype"), [(FP8_E4M3, torch.float8_e4m3fn),
                                             (FP8_E5M2, torch.float8_e5m2)])
def test_float8_bit_exact_with_torch(fmt, dtype) -> None:
    all_codes = torch.arange(256)
    ref = all_codes.to(torch.uint8).view(dtype).float()
    mine = fmt.decode(all_codes)
    assert torch.equal(torch.isnan(ref), torch.isnan(mine))
    assert torch.equal(ref[~torch.isnan(ref)], mine[~torch.isnan(mine)])
    gen = torch.Generator().manual_seed(0)
    x = (torch.randn(50_000, generator=gen) * fmt.max_value / 4).clamp(-fmt.max_value,
                                                                         fmt.max_value)
    mags = fmt.magnitudes
    ties = (mags[:-1] + mags[1:]) / 2  # exact midpoints: round-half-to-even
    for v in (x, ties, -ties):
        assert torch.equal(fmt.encode(v), v.to(dtype).view(torch.uint8).to(torch.int64))


def test_small_float_tables() -> None:
    assert FP4_E2M1.magnitudes.tolist() == [0, 0.5, 1, 1.5, 2, 3, 4, 6]
    assert (FP6_E3M2.max_value, FP6_E2M3.max_value) == (28.0, 7.5)
    assert FP8_E4M3.max_value == 448 and FP8_E5M2.max_value == 57344
    assert LogFormat(3).magnitudes.tolist() == [0, 0.25, 0.5, 1]


def test_saturation_and_nan() -> None:
    big = torch.tensor([1e6, -1e6, float("inf")])
    assert FP8_E4M3.fake_quant(big).tolist() == [448, -448, 448]
    assert IntFormat(4).fake_quant(big).tolist() == [7, -7, 7]
    assert torch.isnan(FP8_E4M3.fake_quant(torch.tensor([float("nan")]))).all()


@pytest.mark.parametrize("bits", [0, 1, 9, 33])
def test_bad_bit_widths_are_clear_errors(bits) -> None:
    with pytest.raises(SpecError, match="bits"):
        QuantSpec(bits=bits)
    with pytest.raises(SpecError, match="bits"):
        IntFormat(bits)


SPECS = [QuantSpec(bits=4, granularity=g, calibration=c)
         for g in ("per_tensor", "per_channel", "per_group", "per_vector")
         for c in ("max", "octav", "mse")]
SPECS += [QuantSpec(format=f) for f in ("fp8_e4m3", "fp8_e5m2", "fp4_e2m1", "mxfp8", "mxfp6",
                                        "mxfp4", "nvfp4")]
SPECS += [QuantSpec(format="uint", bits=3, symmetric=False), QuantSpec(format="log", bits=5)]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.label()}-{s.granularity}-"
                         f"{s.calibration}")
def test_fake_quant_is_decode_of_encode(spec) -> None:
    gen = torch.Generator().manual_seed(1)
    w = torch.randn(24, 50, generator=gen) * torch.rand(24, 1, generator=gen)
    q = quantize_tensor(w, spec)
    deq = q.dequantize()
    assert deq.shape == w.shape
    manual = q.fmt.decode(q.codes)
    if q.zero_point is not None:
        manual = manual - q.zero_point
    manual = (manual * q.scale).reshape(24, -1)[:, :50]
    assert torch.equal(deq, manual)
    assert int(q.codes.min()) >= 0 and int(q.codes.max()) < 2**q.fmt.bits
    real_codes = q.codes.reshape(24, -1)[:, :50]  # ragged groups are padded; padding is cropped
    assert bool(torch.isin(real_codes, q.fmt.code_points()).all())


def test_block_scales_follow_their_standards() -> None:
    w = torch.randn(8, 64, generator=torch.Generator().manual_seed(2))
    mx = quantize_tensor(w, QuantSpec(format="mxfp4"))
    exps = torch.log2(mx.scale)
    assert torch.equal(exps, torch.round(exps))  # E8M0: powers of two
    assert mx.scale.shape[0] == 8 * 64 // 32
    assert e8m0_decode(torch.tensor([127])).item() == 1.0
    nv = quantize_tensor(w, QuantSpec(format="nvfp4"))
    assert nv.scale.shape[0] == 8 * 64 // 16
    tensor_scale = float(w.abs().max()) / (448 * 6)
    block = nv.scale.flatten() / tensor_scale
    assert torch.allclose(FP8_E4M3.fake_quant(block), block, rtol=1e-6)


def test_per_vector_scales_are_two_level() -> None:
    w = torch.randn(6, 64, generator=torch.Generator().manual_seed(3))
    q = quantize_tensor(w, QuantSpec(bits=4, granularity="per_vector", group_size=16,
                                     scale_bits=3))
    per_ch = q.scale.reshape(6, 4)
    gamma = per_ch.max(dim=1, keepdim=True).values / 7  # the largest integer scale is 2^3-1
    ints = per_ch / gamma
    assert torch.allclose(ints, torch.round(ints), atol=1e-4)
    assert float(ints.max()) <= 7 + 1e-4 and float(ints.min()) >= 1 - 1e-4


@pytest.mark.parametrize("fmt", [f for f in ALL if isinstance(f, IntFormat)], ids=lambda f: f.name)
def test_int_fast_path_equals_decode_of_encode(fmt) -> None:
    x = torch.randn(10_000, generator=torch.Generator().manual_seed(4)) * fmt.qmax
    assert torch.equal(fmt.fake_quant(x), fmt.decode(fmt.encode(x)))
