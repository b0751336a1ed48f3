"""LLM training at scale: step time, MFU, days, device-hours and joules for a token budget.

Per step, each of ``dp`` replicas runs ``m = global_batch / (dp x micro_batch)`` microbatches
through ``pp`` pipeline stages of ``tp`` devices. Time = microbatch compute x (m + bubble) +
exposed communication:

* FLOPs per token: 6 x matmul weights + 12 x layers x seq x (heads x head_dim) (forward and
  backward, attention included); full recomputation adds one more forward (8x and 16x),
  selective recomputation re-runs the attention core only (Korthikanti et al. 2022);
* pipeline bubble: (pp - 1) / interleave microbatch slots (Narayanan et al. 2021);
* tensor parallelism: 2 all-reduces per layer forward, 2 backward (+2 with full recompute) of
  micro_batch x seq x hidden x 2 bytes, not overlapped; sequence parallelism replaces each by a
  reduce-scatter plus an all-gather of the same volume;
* data parallelism: one gradient all-reduce (ZeRO-1/2: a reduce-scatter plus an all-gather,
  the same volume; ZeRO-3 adds parameter all-gathers, 1.5x), overlapped with the backward of
  the last microbatch and exposed beyond it.

The Megatron-LM rule of thumb is ``megatron_days``: 8 T P / (n X).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from picojoule.errors import Collector
from picojoule.system.collectives import over_link
from picojoule.system.devices import DatasheetDevice
from picojoule.system.llm import LLMSpec
from picojoule.system.serve import energy_j_per_op

RECOMPUTE = ("none", "selective", "full")
SECONDS_PER_DAY = 86400.0


def megatron_days(params: float, tokens: float, devices: int, flops_per_device: float) -> float:
    """Narayanan et al. (SC21) eq. 4: training time ~ 8 T P / (n X), in days."""
    return 8.0 * tokens * params / (devices * flops_per_device) / SECONDS_PER_DAY


@dataclass(frozen=True)
class TrainConfig:
    devices: int
    tp: int = 1
    pp: int = 1
    global_batch: int = 1024  # sequences per step
    micro_batch: int = 1
    seq: int = 2048
    tokens: float = 300e9
    precision: str = "bf16"
    recompute: str = "selective"
    sequence_parallel: bool = True
    interleave: int = 1  # virtual stages per device (interleaved 1F1B)
    zero: int = 1  # 0..3


def check(spec: LLMSpec, cfg: TrainConfig, device: DatasheetDevice) -> None:
    c = Collector(spec.name)
    for flag, v in (("--devices", cfg.devices), ("--tp", cfg.tp), ("--pp", cfg.pp),
                    ("--global-batch", cfg.global_batch), ("--micro-batch", cfg.micro_batch),
                    ("--seq", cfg.seq), ("--interleave", cfg.interleave)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            c.add(flag, f"a positive integer, got {v!r}")
    c.raise_if_any()
    if spec.heads % cfg.tp:
        c.add("--tp", f"a divisor of the {spec.heads} attention heads, got {cfg.tp}")
    if cfg.pp * cfg.interleave > spec.layers:
        c.add("--pp", f"pp x interleave at most the {spec.layers} layers, got "
                      f"{cfg.pp} x {cfg.interleave}")
    if cfg.devices % (cfg.tp * cfg.pp):
        c.add("--devices", f"a multiple of tp x pp = {cfg.tp * cfg.pp}, got {cfg.devices}")
    elif cfg.global_batch % (cfg.devices // (cfg.tp * cfg.pp) * cfg.micro_batch):
        c.add("--global-batch", f"a multiple of dp x micro-batch = "
                                f"{cfg.devices // (cfg.tp * cfg.pp) * cfg.micro_batch}, "
                                f"got {cfg.global_batch}")
    if cfg.recompute not in RECOMPUTE:
        c.add("--recompute", f"one of {', '.join(RECOMPUTE)}, got {cfg.recompute!r}")
    if cfg.zero not in (0, 1, 2, 3):
        c.add("--zero", f"a ZeRO stage 0-3, got {cfg.zero}")
    if cfg.tokens <= 0:
        c.add("--tokens", f"a positive token budget, got {cfg.tokens}")
    c.raise_if_any()
    device.peak_ops_per_s(cfg.precision)


def model_flops_per_token(spec: LLMSpec, seq: Any) -> Any:
    """6 x matmul weights per token + attention (12 x layers x seq x heads x head_dim)."""
    return 6.0 * spec.matmul_params_per_token + 3 * spec.attention_flops_per_token(seq)


def hardware_flops_per_token(spec: LLMSpec, seq: Any, recompute: str) -> Any:
    base = model_flops_per_token(spec, seq)
    if recompute == "full":
        return base * 4 / 3
    if recompute == "selective":
        return base + spec.attention_flops_per_token(seq)
    return base


def memory_per_device_bytes(spec: LLMSpec, cfg: TrainConfig) -> float:
    """Weights, gradients, Adam states (mixed precision: 2 + 2 + 12 bytes per parameter,
    split by ZeRO stage over dp) and stored activations (Korthikanti et al. 2022)."""
    dp = cfg.devices // (cfg.tp * cfg.pp)
    p_dev = spec.params / (cfg.tp * cfg.pp)
    weights = 2 * p_dev / (dp if cfg.zero >= 3 else 1)
    grads = 2 * p_dev / (dp if cfg.zero >= 2 else 1)
    optim = 12 * p_dev / (dp if cfg.zero >= 1 else 1)
    sbh = cfg.seq * cfg.micro_batch * spec.hidden
    per_layer = {"full": 2 * sbh,
                 "selective": 34 * sbh / (cfg.tp if cfg.sequence_parallel else 1),
                 "none": sbh * (34 + 5 * spec.heads * cfg.seq / spec.hidden) / cfg.tp}
    # 1F1B keeps up to pp microbatches in flight on the first stage
    acts = per_layer[cfg.recompute] * spec.layers / cfg.pp * cfg.pp
    return weights + grads + optim + acts


def train(spec: LLMSpec, device: DatasheetDevice, cfg: TrainConfig) -> dict[str, float]:
    check(spec, cfg, device)
    eff = device.efficiency
    dp = cfg.devices // (cfg.tp * cfg.pp)
    m = cfg.global_batch // (dp * cfg.micro_batch)
    peak = device.peak_ops_per_s(cfg.precision)
    mb_tokens = cfg.micro_batch * cfg.seq
    hw_flops_mb = hardware_flops_per_token(spec, cfg.seq, cfg.recompute) * mb_tokens
    # uneven stages: the stage with ceil(layers / pp) layers sets the pace
    uneven = math.ceil(spec.layers / cfg.pp) * cfg.pp / spec.layers
    t_mb = hw_flops_mb / (cfg.tp * cfg.pp) / (peak * eff.compute) * uneven
    bubble = (cfg.pp - 1) / cfg.interleave
    compute_s = t_mb * (m + bubble)
    up, out = device.link("scale_up"), device.link("scale_out")
    tp_link = up if cfg.tp <= device.scale_up_size else out
    size = mb_tokens * spec.hidden * 2
    n_ar = 4 + (2 if cfg.recompute == "full" else 0)
    ar = over_link("all_reduce", cfg.tp, size, tp_link, eff.link)
    tp_s = float(ar.seconds) * n_ar * math.ceil(spec.layers / cfg.pp) * m
    pp_link = up if cfg.tp * cfg.pp <= device.scale_up_size else out
    send = over_link("send", 2, size / (cfg.tp if cfg.sequence_parallel else 1), pp_link,
                     eff.link)
    pp_s = 2 * float(send.seconds) * (m + cfg.pp - 1) if cfg.pp > 1 else 0.0
    dp_link = up if cfg.devices <= device.scale_up_size else out
    grad_bytes = 2 * spec.params / (cfg.tp * cfg.pp)
    dp_c = over_link("all_reduce", dp, grad_bytes, dp_link, eff.link)
    dp_total = float(dp_c.seconds) * (1.5 if cfg.zero >= 3 else 1.0)
    dp_s = max(0.0, dp_total - t_mb * 2 / 3)  # hidden behind the last backward
    step_s = compute_s + tp_s + pp_s + dp_s
    tokens_step = cfg.global_batch * cfg.seq
    steps = cfg.tokens / tokens_step
    total_s = steps * step_s
    model_flops_step = model_flops_per_token(spec, cfg.seq) * tokens_step
    hw_flops_step = hw_flops_mb * m * dp
    mfu = model_flops_step / (cfg.devices * peak * step_s)
    # energy of the whole run
    e_op = energy_j_per_op(device, cfg.precision)
    compute_j = hw_flops_step * steps * e_op
    p_dev = spec.params / (cfg.tp * cfg.pp)
    act_bytes = 34 * mb_tokens * spec.hidden * spec.layers / cfg.pp / cfg.tp
    hbm_step = cfg.devices * (m * (3 * 2 * p_dev + 2 * act_bytes) + 16 * 2 * p_dev / max(
        dp if cfg.zero >= 1 else 1, 1))
    memory_j = hbm_step * steps * 8 * device.hbm.energy_pj_per_bit * 1e-12
    wire = (float(ar.wire_bytes_per_device) * n_ar * spec.layers / cfg.pp * m
            + float(dp_c.wire_bytes_per_device))
    link_j = wire * cfg.devices * steps * 8 * tp_link.energy_pj_per_bit * 1e-12
    idle_j = device.idle_w * cfg.devices * total_s
    mem = memory_per_device_bytes(spec, cfg)
    return {
        "dp": dp, "microbatches": m, "step_s": step_s, "compute_s": compute_s,
        "bubble_fraction": bubble / (m + bubble), "tp_comm_s": tp_s, "pp_comm_s": pp_s,
        "dp_comm_exposed_s": dp_s, "mfu": mfu,
        "hfu": hw_flops_step / (cfg.devices * peak * step_s),
        "model_tflops_per_device": model_flops_step / (cfg.devices * step_s) / 1e12,
        "hardware_tflops_per_device": hw_flops_step / (cfg.devices * step_s) / 1e12,
        "tokens_per_s": tokens_step / step_s,
        "tokens_per_s_per_device": tokens_step / step_s / cfg.devices,
        "train_days": total_s / SECONDS_PER_DAY, "device_hours": total_s * cfg.devices / 3600,
        "energy_j": compute_j + memory_j + link_j + idle_j, "compute_j": compute_j,
        "memory_j": memory_j, "communication_j": link_j, "idle_j": idle_j,
        "memory_per_device_bytes": mem, "fits": float(mem <= device.hbm.capacity_bytes),
        "megatron_days": megatron_days(spec.params, cfg.tokens, cfg.devices,
                                       model_flops_step / (cfg.devices * step_s)
                                       * (hw_flops_step / model_flops_step)),
    }


def as_array(value: Any) -> Any:
    return np.asarray(value, dtype=float)


def train_result(spec: LLMSpec, device: DatasheetDevice, cfg: TrainConfig) -> Any:
    """The whole run as a ``Result``: one span per step repeated, energy rows per component
    (compute, storage = HBM, link, idle) summed over every device."""
    from picojoule.result import Result, Row, Span

    r = train(spec, device, cfg)
    steps = cfg.tokens / (cfg.global_batch * cfg.seq)
    per_step = 1.0 / steps
    rows = tuple(Row(device.name, spec.name, "train", level, "", component,
                     r[key] * 1e12 * per_step)
                 for key, component, level in (("compute_j", "compute", ""),
                                               ("memory_j", "storage", device.hbm.name),
                                               ("communication_j", "link", "network"),
                                               ("idle_j", "idle", "")))
    step = Result(rows, (Span(device.name, spec.name, "train", r["step_s"]),), r["step_s"])
    return step.times(steps)
