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
    # Two independent paths: the fake quantizer a quantized module runs (WeightQuant's
    # forward: fake_quant_fixed on the grouped weights with the frozen scales) against
    # decode(encode(w)) (QTensor.dequantize of the codes quantize_tensor stored).
    from picojoule.compress.quantize import WeightQuant

    gen = torch.Generator().manual_seed(1)
    w = torch.randn(24, 50, generator=gen) * torch.rand(24, 1, generator=gen)
    q = quantize_tensor(w, spec)
    deq = q.dequantize()
    assert deq.shape == w.shape
    fake = WeightQuant(q, spec)(w)
    assert torch.equal(fake, deq)
    assert not torch.equal(deq, w)  # it did quantize
    assert int(q.codes.min()) >= 0 and int(q.codes.max()) < 2**q.fmt.bits
    real_codes = q.codes.reshape(24, -1)[:, :50]  # ragged groups are padded; padding is cropped
    assert bool(torch.isin(real_codes, q.fmt.code_points()).all())


def test_int4_per_channel_max_by_hand() -> None:
    # row max 7 -> scale 7/qmax = 1; 7, -3.5, 1, 0.5 round half to even -> 7, -4, 1, 0.
    # Row two: max 14 -> scale 2; 14, 3, -5, 1 / 2 = 7, 1.5, -2.5, 0.5 -> 7, 2, -2, 0 -> x2.
    w = torch.tensor([[7.0, -3.5, 1.0, 0.5], [14.0, 3.0, -5.0, 1.0]])
    q = quantize_tensor(w, QuantSpec(bits=4, granularity="per_channel"))
    assert q.scale.flatten().tolist() == [1.0, 2.0]
    assert q.dequantize().tolist() == [[7.0, -4.0, 1.0, 0.0], [14.0, 4.0, -4.0, 0.0]]


def test_mx_scale_is_floor_log2_amax_minus_the_element_emax() -> None:
    # OCP MX v1.0: X = 2^(floor(log2 amax) - emax_elem). amax 48 -> floor(log2 48) = 5.
    # FP4 E2M1 max 6 -> emax 2 -> X = 2^3 = 8 (48/8 = 6, 8/8 = 1, -16/8 = -2: exact codes);
    # FP8 E4M3 max 448 -> emax 8 -> X = 2^-3. Dropping -emax would give X = 32 and lose 8.
    w = torch.zeros(1, 32)
    w[0, :3] = torch.tensor([48.0, 8.0, -16.0])
    mx4 = quantize_tensor(w, QuantSpec(format="mxfp4"))
    assert mx4.scale.flatten().tolist() == [8.0]
    assert torch.equal(mx4.dequantize(), w)
    assert quantize_tensor(w, QuantSpec(format="mxfp8")).scale.flatten().tolist() == [0.125]


def test_percentile_calibration_interpolates_below_the_max() -> None:
    # |x| = 1..100: the 90th percentile by linear interpolation sits at position
    # 0.9 * 99 = 89.1 of the sorted values, between 90 and 91 -> 90.1 (max would be 100).
    w = torch.arange(1, 101, dtype=torch.float32).reshape(1, 100)
    q = quantize_tensor(w, QuantSpec(bits=8, calibration="percentile", percentile=90,
                                     granularity="per_tensor"))
    assert q.clip.item() == pytest.approx(90.1, abs=1e-4)
    assert q.scale.item() == pytest.approx(90.1 / 127, rel=1e-6)


def test_affine_zero_point_includes_qmin() -> None:
    # signed 4-bit affine: qmin -8, qmax 7. Range [-1, 2]: scale 3 / 15 = 0.2;
    # zero point round(qmin - lo / scale) = round(-8 + 5) = -3 (dropping qmin: +5).
    # -1 -> round(-5) - 3 = -8 = qmin; 2 -> 10 - 3 = 7 = qmax: both ends exact, and 0 exact.
    w = torch.tensor([[-1.0, 0.0, 2.0]])
    q = quantize_tensor(w, QuantSpec(format="int", bits=4, symmetric=False,
                                     granularity="per_tensor"))
    assert q.zero_point is not None and q.zero_point.flatten().tolist() == [-3]
    assert q.scale.item() == pytest.approx(0.2, rel=1e-6)
    assert torch.allclose(q.dequantize(), w, atol=1e-6) and q.dequantize()[0, 1].item() == 0.0


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


def test_affine_mse_calibration_clips_a_lone_outlier():
    # 9,999 values evenly in [0, 1] and one at 20, unsigned 4-bit affine (15 steps). Clipping
    # at 20a costs the outlier (20 - 20a)^2 and gives every small value a step of 20a/15, i.e.
    # noise ~ 9999 (4a/3)^2 / 12 = 1481 a^2: f(a) = 1481 a^2 + 400 (1 - a)^2 is least at
    # a = 400 / 1881 = 0.213, so among the 100 candidates a = k/100 the clip is ~4.2 (max: 20).
    w = torch.cat([torch.linspace(0, 1, 9999), torch.tensor([20.0])]).reshape(1, -1)
    spec = QuantSpec(format="uint", bits=4, symmetric=False, calibration="mse",
                     granularity="per_tensor")
    q = quantize_tensor(w, spec)
    assert 3.6 <= q.clip.item() <= 4.8
    assert q.zero_point is not None and q.zero_point.item() == 0  # lo = 0: no negatives
    by_max = quantize_tensor(w, QuantSpec(format="uint", bits=4, symmetric=False,
                                          granularity="per_tensor"))
    assert by_max.clip.item() == 20.0
    err = float(((q.dequantize() - w) ** 2).sum())
    assert err < 0.5 * float(((by_max.dequantize() - w) ** 2).sum())
