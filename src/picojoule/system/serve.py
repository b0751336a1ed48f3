"""LLM serving on datasheet devices: prefill and decode, vectorized over configurations.

One replica spans ``tp x pp`` devices (experts of an MoE are spread over ``ep`` of its tensor-
parallel devices); ``dp`` replicas serve independent requests. Per phase, each group of
matmuls is bounded by compute (FLOPs / achievable peak) or memory (bytes / achievable HBM
bandwidth), whichever is longer (the roofline); attention in decode reads the KV cache. Tensor
parallelism adds two all-reduces per layer (after attention and after the FFN), expert
parallelism two all-to-alls per MoE layer, pipeline parallelism one send per stage boundary,
all by the alpha-beta model over the device's scale-up link (scale-out once a group is larger
than the scale-up domain). Pipeline stages run one after another for a token (no cross-batch
overlap is assumed). Prefill attention is causal (a prompt token attends to the tokens before
it); decode runs at the mean context (prompt + output/2). Decode attention reads the KV cache
once per KV head (``kv_reads="kv_head"``, a GQA-aware kernel) or, as older serving kernels
did, once per query head (``kv_reads="query_head"``: a grouped-query model then reads its
cache ``heads / kv_heads`` times per step).

Energy: compute = FLOPs x (compute power budget / achievable peak of the precision), memory =
HBM bytes x the HBM's pJ/bit, communication = wire bytes x the link's pJ/bit, idle = idle
power x time x devices. Every argument broadcasts (numpy), so 10,000 configurations cost a
few array operations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from picojoule.device import Link
from picojoule.errors import Collector, SpecError
from picojoule.result import Result, Row, Span
from picojoule.system.collectives import over_link
from picojoule.system.devices import DatasheetDevice
from picojoule.system.llm import LLMSpec, weight_format

KERNELS_PER_LAYER = 10  # norm, qkv, rope, attention, o-proj, add, norm, up/gate, act, down
ACT_BYTES = 2  # activations travel between devices in 16 bits
KV_READS = ("kv_head", "query_head")  # how often decode attention reads each cached K/V


@dataclass(frozen=True)
class ServeConfig:
    """What to serve: lengths, batch, parallelism, precisions (``kv_precision`` "" = weights'
    precision for fp8, else fp16) and the decode attention kernel's KV reads (``kv_reads``:
    once per KV head, or once per query head as in older kernels)."""

    batch: int = 1
    prompt: int = 2048
    output: int = 256
    tp: int = 1
    pp: int = 1
    ep: int = 1
    dp: int = 1
    precision: str = "fp16"
    kv_precision: str = ""
    kv_reads: str = "kv_head"


def check_kv_reads(kv_reads: str) -> None:
    """``kv_reads`` is one of ``KV_READS``, else a ``SpecError`` naming the flag."""
    if kv_reads not in KV_READS:
        raise SpecError.single("--kv-reads", "", f"one of {', '.join(KV_READS)} (how often "
                               f"decode attention reads the KV cache), got {kv_reads!r}")


def check(spec: LLMSpec, device: DatasheetDevice, cfg: ServeConfig) -> None:
    """Every problem with a configuration, one line each (before any arithmetic)."""
    c = Collector(spec.name)
    for flag, value in (("--batch", cfg.batch), ("--prompt", cfg.prompt),
                        ("--output", cfg.output), ("--tp", cfg.tp), ("--pp", cfg.pp),
                        ("--ep", cfg.ep), ("--dp", cfg.dp)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            c.add(flag, f"a positive integer, got {value!r}")
    c.raise_if_any()
    if spec.heads % cfg.tp:
        c.add("--tp", f"a divisor of the {spec.heads} attention heads, got {cfg.tp}")
    if spec.layers % cfg.pp:
        c.add("--pp", f"a divisor of the {spec.layers} layers, got {cfg.pp}")
    if cfg.ep > 1 and (spec.experts % cfg.ep or cfg.tp % cfg.ep):
        c.add("--ep", f"a divisor of the {spec.experts} experts and of --tp {cfg.tp}, "
                      f"got {cfg.ep}")
    c.raise_if_any()
    fmt = weight_format(cfg.precision)
    device.peak_ops_per_s(fmt.compute)  # raises: a device without FP8 asked for FP8
    if cfg.kv_precision:
        weight_format(cfg.kv_precision, "--kv-precision")
    check_kv_reads(cfg.kv_reads)


def _group_link(device: DatasheetDevice, group: Any) -> tuple[Link, Link]:
    return device.link("scale_up"), device.link("scale_out")


def _coll(kind: str, n: Any, size: Any, device: DatasheetDevice) -> tuple[Any, Any]:
    """Seconds and wire bytes of a collective over n devices of one group."""
    up, out = _group_link(device, n)
    a = over_link(kind, n, size, up, device.efficiency.link)
    b = over_link(kind, n, size, out, device.efficiency.link)
    inside = np.asarray(n) <= device.scale_up_size
    return np.where(inside, a.seconds, b.seconds), np.where(inside, a.wire_bytes_per_device,
                                                            b.wire_bytes_per_device)


def _phase(spec: LLMSpec, device: DatasheetDevice, tokens: Any, batch: Any, context: Any,
           new_kv: Any, tp: Any, pp: Any, ep: Any, wbits: float, kvbits: float,
           compute: str, prefill: bool, kv_reads: str = "kv_head") -> dict[str, Any]:
    """One forward pass of ``tokens`` (per replica), each attending to ``context`` keys."""
    eff = device.efficiency
    peak = device.peak_ops_per_s(compute) * eff.compute_for(compute)
    bw = device.hbm.bandwidth_bytes_per_s * eff.memory
    n_dev = tp * pp
    # matmul FLOPs: every token through attention, top-k experts, router and LM head
    mm_flops = 2.0 * tokens * spec.matmul_params_per_token / n_dev
    attn_flops = tokens * spec.attention_flops_per_token(context) / n_dev
    # weights read once per pass; of the experts, only those some token was routed to
    dense_w = spec.params - spec.expert_params_total
    touched = 1.0 - (1.0 - spec.top_k / spec.experts) ** tokens if spec.experts > 1 else 1.0
    w_bytes = (dense_w + spec.expert_params_total * touched) * wbits / 8 / n_dev
    kv_heads_dev = np.ceil(spec.kv_heads / np.minimum(tp, spec.kv_heads))
    kv_dev = 2 * (spec.layers / pp) * kv_heads_dev * spec.head_dim * kvbits / 8  # per token
    # decode reads each sequence's cache once per KV head, or once per query head (the
    # kernel gives every query head its own pass over its group's K/V)
    read_heads_dev = kv_heads_dev if kv_reads == "kv_head" else spec.heads / tp
    kv_read_tok = 2 * (spec.layers / pp) * read_heads_dev * spec.head_dim * kvbits / 8
    kv_read = 0.0 if prefill else batch * context * kv_read_tok
    kv_write = new_kv * kv_dev
    act = 2.0 * tokens * (spec.layers / pp) * (4 * spec.hidden + 3 * spec.ffn) * ACT_BYTES / tp
    mm_t = np.maximum(mm_flops / peak, (w_bytes + act) / bw)
    attn_t = np.maximum(attn_flops / peak, (kv_read + kv_write) / bw)
    overhead = (KERNELS_PER_LAYER * spec.layers * eff.kernel_overhead_s  # all stages
                + (eff.prefill_overhead_s if prefill else 0.0))
    compute_bound = mm_flops / peak >= (w_bytes + act) / bw
    # communication (per replica, all stages in sequence)
    size = tokens * spec.hidden * ACT_BYTES
    ar_t, ar_w = _coll("all_reduce", tp, size, device)
    moe_layers = spec.layers if spec.experts > 1 else 0
    a2a_t, a2a_w = _coll("all_to_all", ep, size * spec.top_k, device)
    send_t, send_w = _coll("send", 2, size, device)
    comm_t = (2 * spec.layers * ar_t + 2 * moe_layers * a2a_t + (pp - 1) * send_t)
    wire = (2 * spec.layers * ar_w + 2 * moe_layers * a2a_w) / pp + (pp - 1) / pp * send_w
    seconds = pp * (mm_t + attn_t) + overhead + comm_t
    flops = mm_flops + attn_flops  # per device
    hbm = w_bytes + act + kv_read + kv_write
    return {"seconds": seconds, "flops": flops, "hbm_bytes": hbm, "wire_bytes": wire,
            "comm_seconds": comm_t, "compute_bound": compute_bound,
            "weight_bytes": w_bytes, "kv_read_bytes": kv_read}


def energy_j_per_op(device: DatasheetDevice, precision: str) -> float:
    """Joules per operation: the compute power budget (TDP - idle - HBM at full bandwidth)
    spent at the achievable rate (a device at its achievable peak draws its TDP)."""
    return device.compute_power_w() / (device.peak_ops_per_s(precision)
                                       * device.efficiency.compute_for(precision))


def sweep(spec: LLMSpec, device: DatasheetDevice, batch: Any = 1, prompt: Any = 2048,
          output: Any = 256, tp: Any = 1, pp: Any = 1, ep: Any = 1, dp: Any = 1,
          precision: str = "fp16", kv_precision: str = "", kv_reads: str = "kv_head"
          ) -> dict[str, Any]:
    """Serving metrics for every combination the arguments broadcast to (numpy arrays).

    Keys carry units: ``ttft_s``, ``tpot_s``, ``tokens_per_s``, ``tokens_per_s_per_device``,
    ``energy_per_token_j`` and its split ``*_j_per_token``, ``memory_per_device_bytes``,
    ``fits`` and ``over_bytes`` (how much more than the HBM holds). ``kv_reads`` says how
    often decode attention reads the KV cache (see ``KV_READS``).
    """
    check_kv_reads(kv_reads)
    fmt = weight_format(precision)
    compute = fmt.compute
    kvp = kv_precision or ("fp8" if precision == "fp8" else "fp16")
    kvbits = float(weight_format(kvp, "--kv-precision").bits)
    b, s, o, t, p, e, d = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (
        batch, prompt, output, tp, pp, ep, dp)))
    # causal prefill: prompt token i attends to i keys, (s + 1) / 2 on average
    pre = _phase(spec, device, b * s, b, (s + 1) / 2, b * s, t, p, e, fmt.bits_per_weight,
                 kvbits, compute, True)
    ctx = s + o / 2
    dec = _phase(spec, device, b, b, ctx, b, t, p, e, fmt.bits_per_weight, kvbits, compute,
                 False, kv_reads)
    steps = np.maximum(o - 1, 0)
    request_s = pre["seconds"] + steps * dec["seconds"]
    out_tokens = b * o * d
    n_dev = t * p * d
    # energy over all devices for the whole batch of requests
    e_op = energy_j_per_op(device, compute)
    pj_bit = device.hbm.energy_pj_per_bit
    link_pj = np.where(t * p <= device.scale_up_size, device.link("scale_up").energy_pj_per_bit,
                       device.link("scale_out").energy_pj_per_bit)
    per_dev = {k: pre[k] + steps * dec[k] for k in ("flops", "hbm_bytes", "wire_bytes")}
    compute_j = per_dev["flops"] * e_op * n_dev
    memory_j = per_dev["hbm_bytes"] * 8 * pj_bit * 1e-12 * n_dev
    link_j = per_dev["wire_bytes"] * 8 * link_pj * 1e-12 * n_dev
    idle_j = device.idle_w * request_s * n_dev
    total_j = compute_j + memory_j + link_j + idle_j
    weights_dev = spec.weight_bytes(fmt.bits_per_weight) / (t * p)
    kv_heads_dev = np.ceil(spec.kv_heads / np.minimum(t, spec.kv_heads))
    kv_dev = b * (s + o) * 2 * (spec.layers / p) * kv_heads_dev * spec.head_dim * kvbits / 8
    act_dev = 2 * b * s * (spec.hidden + spec.ffn) * 2 / t  # prefill working set (16-bit)
    mem = weights_dev + kv_dev + act_dev
    cap = device.hbm.capacity_bytes
    return {
        "batch": b, "prompt": s, "output": o, "tp": t, "pp": p, "ep": e, "dp": d,
        "devices": n_dev, "ttft_s": pre["seconds"], "tpot_s": dec["seconds"],
        "request_s": request_s, "tokens_per_s": out_tokens / request_s,
        "tokens_per_s_per_device": out_tokens / request_s / n_dev,
        "decode_tokens_per_s": b * d / dec["seconds"],
        "prefill_compute_bound": pre["compute_bound"],
        "decode_compute_bound": dec["compute_bound"],
        "energy_per_token_j": total_j / out_tokens,
        "compute_j_per_token": compute_j / out_tokens, "memory_j_per_token": memory_j / out_tokens,
        "communication_j_per_token": link_j / out_tokens, "idle_j_per_token": idle_j / out_tokens,
        "weights_per_device_bytes": weights_dev + 0 * b, "kv_per_device_bytes": kv_dev,
        "memory_per_device_bytes": mem, "fits": mem <= cap,
        "over_bytes": np.maximum(mem - cap, 0.0),
    }


def fit_problem(spec: LLMSpec, device: DatasheetDevice, row: dict[str, float]) -> str:
    """One line saying by how much a configuration does not fit."""
    gb = 1e9
    return (f"does not fit: {spec.name} needs {row['memory_per_device_bytes'] / gb:.1f} GB per "
            f"device (weights {row['weights_per_device_bytes'] / gb:.1f} GB + KV cache "
            f"{row['kv_per_device_bytes'] / gb:.1f} GB + activations) at batch "
            f"{int(row['batch'])}, tp {int(row['tp'])}, pp {int(row['pp'])}; one {device.name} "
            f"holds {device.hbm.capacity_bytes / gb:.1f} GB: "
            f"{row['over_bytes'] / gb:.1f} GB too much")


def serve(spec: LLMSpec, device: DatasheetDevice, cfg: ServeConfig) -> dict[str, float]:
    """One configuration, checked: a ``SpecError`` when it is invalid or does not fit."""
    check(spec, device, cfg)
    out = sweep(spec, device, cfg.batch, cfg.prompt, cfg.output, cfg.tp, cfg.pp, cfg.ep,
                cfg.dp, cfg.precision, cfg.kv_precision, cfg.kv_reads)
    row = {k: float(v) for k, v in out.items()}
    if not row["fits"]:
        raise SpecError.single(spec.name, "", fit_problem(spec, device, row))
    return row


def serve_result(spec: LLMSpec, device: DatasheetDevice, cfg: ServeConfig) -> Result:
    """One configuration as a ``Result``: prefill then decode, energy rows per component
    (compute, storage = HBM, link, idle) over all devices, spans per phase."""
    serve(spec, device, cfg)  # checks, and refuses what does not fit
    fmt = weight_format(cfg.precision)
    kvp = cfg.kv_precision or ("fp8" if cfg.precision == "fp8" else "fp16")
    kvbits = float(weight_format(kvp).bits)
    b, s, o = cfg.batch, cfg.prompt, cfg.output
    n_dev = cfg.tp * cfg.pp * cfg.dp
    pre = _phase(spec, device, b * s, b, (s + 1) / 2, b * s, cfg.tp, cfg.pp, cfg.ep,
                 fmt.bits_per_weight, kvbits, fmt.compute, True)
    dec = _phase(spec, device, b, b, s + o / 2, b, cfg.tp, cfg.pp, cfg.ep,
                 fmt.bits_per_weight, kvbits, fmt.compute, False, cfg.kv_reads)
    e_op = energy_j_per_op(device, fmt.compute) * 1e12
    up = cfg.tp * cfg.pp <= device.scale_up_size
    link = device.link("scale_up" if up else "scale_out")
    parts = []
    for phase, ph, count in (("prefill", pre, 1), ("decode", dec, max(o - 1, 0))):
        secs = float(ph["seconds"])
        rows = (Row(device.name, "", phase, "", "", "compute",
                    float(ph["flops"]) * e_op * n_dev, macs=float(ph["flops"]) / 2 * n_dev),
                Row(device.name, "", phase, device.hbm.name, "", "storage",
                    float(ph["hbm_bytes"]) * 8 * device.hbm.energy_pj_per_bit * n_dev,
                    bits=float(ph["hbm_bytes"]) * 8 * n_dev),
                Row(device.name, "", phase, link.name, "", "link",
                    float(ph["wire_bytes"]) * 8 * link.energy_pj_per_bit * n_dev,
                    bits=float(ph["wire_bytes"]) * 8 * n_dev),
                Row(device.name, "", phase, "", "", "idle", device.idle_w * secs * 1e12 * n_dev))
        parts.append(Result(rows, (Span(device.name, "", phase, secs),), secs).times(count))
    return Result.serial(parts)


def to_frame(out: dict[str, Any]) -> Any:
    """A sweep's arrays as a pandas DataFrame, one row per configuration."""
    import pandas as pd

    shape = np.broadcast(*out.values()).shape
    return pd.DataFrame({k: np.broadcast_to(v, shape).ravel() for k, v in out.items()})
