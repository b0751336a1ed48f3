"""Choosing clipping ranges: max, percentile, MSE sweep, entropy (KL) and OCTAV.

Every function takes values grouped as a 2-D tensor ``(groups, n)`` (one row per scale; rows
padded with NaN, which every method ignores) and returns one clip per row. OCTAV (Sakr et al.,
ICML 2022) finds the MSE-optimal clip of a uniform quantizer by the fixed-point (Newton-Raphson)
iteration

    s_{n+1} = E[|x| 1{|x|>s_n}] / ( E[1{|x|<=s_n}] / (12 q^2) + E[1{|x|>s_n}] ),

where q is the number of quantization steps between 0 and the clip (noise Delta^2/12 with
Delta = s/q). For the paper's B-bit quantizer q = 2^(B-1), so the first coefficient is
4^-B / 3; here q is the format's real ``qmax`` (2^(B-1)-1 for narrow signed integers).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = [
    "absmax",
    "affine_range",
    "entropy_clip",
    "mse_sweep_clip",
    "octav_clip",
    "percentile_clip",
]

FakeQuant = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def absmax(g: torch.Tensor) -> torch.Tensor:
    return torch.nan_to_num(g.abs(), nan=0.0).amax(dim=1)


def percentile_clip(g: torch.Tensor, percentile: float) -> torch.Tensor:
    """The ``percentile``-th percentile of |x| per row (100 = the maximum)."""
    if percentile >= 100.0:
        return absmax(g)
    return torch.nanquantile(g.abs().double(), percentile / 100.0, dim=1).float()


def mse_sweep_clip(g: torch.Tensor, fake_quant: FakeQuant, points: int = 100) -> torch.Tensor:
    """The clip among ``points`` evenly spaced in (0, max|x|] with the least squared error.

    ``fake_quant(g, clip)`` quantizes rows with clip ``clip`` (shape ``(groups, 1)``).
    """
    amax = absmax(g)
    best_err = torch.full_like(amax, float("inf"))
    best = amax.clone()
    for k in range(1, points + 1):
        clip = amax * (k / points)
        err = torch.nansum((fake_quant(g, clip[:, None]) - g) ** 2, dim=1)
        better = err < best_err
        best_err = torch.where(better, err, best_err)
        best = torch.where(better, clip, best)
    return best


def octav_clip(g: torch.Tensor, qmax: int, max_iterations: int = 30, rel_tol: float = 1e-4,
               bins: int = 4096) -> tuple[torch.Tensor, int]:
    """OCTAV's MSE-optimal clip per row and the number of fixed-point iterations it took.

    Starts from min(max|x| / 2, 3 rms(x)): any start below max|x| converges (every iterate
    stays below it); this one took the fewest steps on Gaussian, Laplace and MiniLM weights at
    3-8 bits. Each step needs only N(s) = #{|x| > s} and S(s) = the sum of those |x|. For long
    rows (>= 8 ``bins``) the first steps run on a ``bins``-bin histogram of a strided sample of
    16 to 32 ``bins`` values per row (counts and sums per bin, linear within the bin holding
    s); exact steps on all the data then finish to ``rel_tol``, so the result is the exact
    fixed point for a fraction of the passes. The count returned includes both kinds of step.
    """
    a = g.abs().float()
    rows, length = a.shape
    padded = bool(torch.isnan(a.sum()))  # NaN marks padding; one cheap pass to find out
    valid: torch.Tensor | None = None
    if padded:
        valid = ~torch.isnan(a)
        a = torch.nan_to_num(a, nan=-1.0)  # padding counts neither above nor below any clip
        n = valid.sum(dim=1).clamp(min=1).double()
        rms = (torch.where(valid, a * a, 0.0).sum(dim=1, dtype=torch.float64) / n).sqrt()
    else:
        n = torch.full((rows,), float(max(length, 1)), dtype=torch.float64)
        rms = torch.linalg.vector_norm(a, dim=1).double() / n.sqrt()
    coeff = 1.0 / (12.0 * qmax * qmax)
    amax = a.amax(dim=1).clamp(min=0.0)
    s = torch.minimum(amax.double() / 2, 3 * rms)
    iterations = 0
    if length >= 8 * bins:
        stride = max(1, length // (16 * bins))
        sample = a[:, ::stride]
        ok = None if valid is None else valid[:, ::stride]
        n_sample = (torch.full((rows,), float(sample.shape[1]), dtype=torch.float64)
                    if ok is None else ok.sum(dim=1).clamp(min=1).double())
        s, iterations = _octav_on_histogram(sample, ok, n_sample, amax, s, coeff, bins,
                                            max_iterations, rel_tol)
    s32 = s.float()[:, None]
    for _ in range(max_iterations):  # exact steps on all the data
        iterations += 1
        n_above = torch.count_nonzero(a > s32, dim=1).double()
        excess = (a - s32).clamp_(min=0.0).sum(dim=1, dtype=torch.float64)
        s_next = (excess + s32[:, 0].double() * n_above) / (coeff * (n - n_above) + n_above)
        moved = (s_next.float() - s32[:, 0]).abs() > rel_tol * s32[:, 0].abs()
        s32 = s_next.float()[:, None]
        if not bool(moved.any()):
            break
    clip = s32[:, 0]
    clip = torch.where(clip > 0, clip, amax)  # constant or all-zero rows: fall back to the max
    return clip, iterations


def _octav_on_histogram(a: torch.Tensor, valid: torch.Tensor | None, n: torch.Tensor,
                        amax: torch.Tensor, s: torch.Tensor, coeff: float, bins: int,
                        max_iterations: int, rel_tol: float) -> tuple[torch.Tensor, int]:
    """OCTAV steps on per-row histograms of |x| (counts and sums per bin)."""
    rows = a.shape[0]
    width = (amax / bins).clamp(min=1e-30).double()
    idx = (a / width.float()[:, None]).long().clamp_(0, bins - 1)
    if valid is not None:
        idx = torch.where(valid, idx, bins)  # padding goes to a discarded extra bin
    flat = (idx + (torch.arange(rows) * (bins + 1))[:, None]).reshape(-1)
    size = rows * (bins + 1)
    cnt = torch.bincount(flat, minlength=size).reshape(rows, bins + 1)[:, :bins].double()
    tot = torch.bincount(flat, weights=a.reshape(-1).double(), minlength=size)
    tot = tot.reshape(rows, bins + 1)[:, :bins]
    cnt_above = cnt.flip(1).cumsum(1).flip(1) - cnt  # strictly above each bin
    tot_above = tot.flip(1).cumsum(1).flip(1) - tot
    iterations = 0
    for _ in range(max_iterations):
        iterations += 1
        pos = s / width
        j = pos.long().clamp(0, bins - 1)[:, None]
        frac = (pos - j[:, 0]).clamp(0.0, 1.0)
        in_bin = cnt.gather(1, j)[:, 0] * (1 - frac)  # assume values spread evenly in the bin
        n_above = cnt_above.gather(1, j)[:, 0] + in_bin
        s_above = tot_above.gather(1, j)[:, 0] + in_bin * (s + (j[:, 0] + 1) * width) / 2
        s_next = s_above / (coeff * (n - n_above) + n_above)
        moved = (s_next - s).abs() > rel_tol * s.abs()
        s = s_next
        if not bool(moved.any()):
            break
    return s, iterations


def entropy_clip(g: torch.Tensor, levels: int, bins: int = 2048,
                 candidates: int = 128) -> torch.Tensor:
    """TensorRT's KL-divergence calibration: the clip whose ``levels``-level histogram of |x|
    stays closest (KL) to the ``bins``-bin reference histogram; vectorized over rows."""
    a = g.abs().float()
    valid = ~torch.isnan(a)
    a = torch.nan_to_num(a, nan=0.0)
    amax = a.amax(dim=1).clamp(min=1e-30)
    idx = (a / amax[:, None] * bins).long().clamp(max=bins - 1)
    hist = torch.zeros(a.shape[0], bins, dtype=torch.float64)
    hist.scatter_add_(1, idx, valid.double())
    best_kl = torch.full((a.shape[0],), float("inf"), dtype=torch.float64)
    best_i = torch.full((a.shape[0],), bins, dtype=torch.int64)
    stride = max(1, (bins - levels) // candidates)
    for i in range(levels, bins + 1, stride):
        p = hist[:, :i].clone()
        p[:, i - 1] += hist[:, i:].sum(dim=1)
        lvl = (torch.arange(i) * levels // i).expand(a.shape[0], i)
        nz = (hist[:, :i] > 0).double()
        q_sum = torch.zeros(a.shape[0], levels, dtype=torch.float64).scatter_add_(
            1, lvl, hist[:, :i])
        q_cnt = torch.zeros_like(q_sum).scatter_add_(1, lvl, nz)
        q = torch.gather(q_sum / q_cnt.clamp(min=1), 1, lvl) * nz
        p = p / p.sum(dim=1, keepdim=True).clamp(min=1e-30)
        q = q / q.sum(dim=1, keepdim=True).clamp(min=1e-30)
        q = torch.where((p > 0) & (q == 0), 1e-12, q)
        kl = torch.where(p > 0, p * torch.log(p / q.clamp(min=1e-30)), 0.0).sum(dim=1)
        better = kl < best_kl
        best_kl = torch.where(better, kl, best_kl)
        best_i = torch.where(better, torch.full_like(best_i, i), best_i)
    clip = (best_i.double() + 0.5) / bins * amax.double()
    return torch.minimum(clip.float(), amax)


def affine_range(g: torch.Tensor, method: str, percentile: float,
                 fake_quant: FakeQuant | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(lo, hi) per row for affine formats, always containing 0 so zero is exact."""
    nan = torch.isnan(g)
    lo = torch.where(nan, float("inf"), g).amin(dim=1).clamp(max=0.0)
    hi = torch.where(nan, float("-inf"), g).amax(dim=1).clamp(min=0.0)
    if method == "percentile" and percentile < 100.0:
        qs = torch.tensor([1 - percentile / 100.0, percentile / 100.0], dtype=torch.float64)
        both = torch.nanquantile(g.double(), qs, dim=1).float()
        lo, hi = both[0].clamp(max=0.0), both[1].clamp(min=0.0)
    elif method == "mse" and fake_quant is not None:
        best_err = torch.full_like(lo, float("inf"))
        best = torch.ones_like(lo)
        for k in range(1, 101):
            alpha = torch.full_like(lo, k / 100)
            rng = torch.stack([lo * alpha, hi * alpha], dim=1)
            err = torch.nansum((fake_quant(g, rng) - g) ** 2, dim=1)
            better = err < best_err
            best_err, best = torch.where(better, err, best_err), torch.where(better, alpha, best)
        lo, hi = lo * best, hi * best
    return lo, hi
