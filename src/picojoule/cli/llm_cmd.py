"""``picojoule llm serve|train|devices`` and ``picojoule roofline``: the system level."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from picojoule.cli.carbon_option import add_carbon_args, carbon_settings, energy_carbon
from picojoule.errors import Problem, SpecError


def _ints(flag: str, text: str) -> list[int]:
    try:
        values = [int(float(v)) for v in text.split(",") if v.strip()]
    except ValueError:
        raise SpecError.single(flag, "", f"comma-separated positive integers, got {text!r}"
                               ) from None
    if not values or any(v < 1 for v in values):
        raise SpecError.single(flag, "", f"comma-separated positive integers, got {text!r}")
    return values


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("llm", help="LLM serving and training on GPUs/TPUs: seconds and joules")
    llm = p.add_subparsers(dest="llm_command", metavar="{serve,train,devices}")
    s = llm.add_parser("serve", help="prefill/decode latency, tokens/s and J/token")
    s.add_argument("model", metavar="MODEL", help="zoo name (llama-2-70b ...) or HF config.json")
    s.add_argument("--device", default="h100", help="datasheet device (picojoule llm devices)")
    for flag, default in (("--tp", "1"), ("--pp", "1"), ("--ep", "1"), ("--dp", "1"),
                          ("--batch", "1"), ("--prompt", "2048"), ("--output", "256")):
        s.add_argument(flag, default=default, help=f"comma-separated values (default {default})")
    s.add_argument("--precision", default="fp16", help="weights: fp16, bf16, fp8, int8, int4, "
                                                       "fp4")
    s.add_argument("--kv-precision", default="", help="KV cache precision (default fp16; fp8 "
                                                      "with --precision fp8)")
    s.add_argument("--kv-reads", default="kv_head", help="decode attention reads the KV cache "
                   "once per kv_head (GQA-aware kernels, default) or once per query_head "
                   "(older kernels)")
    s.add_argument("--html", metavar="F.html", help="also write the latency-throughput chart")
    _outputs(s)
    add_carbon_args(s)
    s.set_defaults(func=run_serve)
    t = llm.add_parser("train", help="step time, MFU, days, device-hours and energy")
    t.add_argument("model", metavar="MODEL")
    t.add_argument("--device", default="a100")
    t.add_argument("--devices", type=int, required=True)
    t.add_argument("--tp", type=int, default=1)
    t.add_argument("--pp", type=int, default=1)
    t.add_argument("--interleave", type=int, default=1, help="virtual stages per device")
    t.add_argument("--global-batch", type=int, default=1536, help="sequences per step")
    t.add_argument("--micro-batch", type=int, default=1)
    t.add_argument("--seq", type=int, default=2048)
    t.add_argument("--tokens", type=float, default=300e9)
    t.add_argument("--precision", default="bf16")
    t.add_argument("--recompute", default="selective", help="none, selective or full")
    t.add_argument("--zero", type=int, default=1, help="ZeRO stage 0-3")
    t.add_argument("--no-sp", action="store_true", help="without sequence parallelism")
    _outputs(t)
    add_carbon_args(t)
    t.set_defaults(func=run_train)
    d = llm.add_parser("devices", help="the datasheet devices and their figures")
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=run_devices)
    r = sub.add_parser("roofline", help="roofline of every operation of a model on a device")
    r.add_argument("model", metavar="MODEL", help="zoo name, HF config.json or network file")
    r.add_argument("--device", required=True, help="datasheet device or picojoule arch")
    r.add_argument("--batch", type=int, default=1)
    r.add_argument("--phase", default="prefill", help="transformers: prefill or decode")
    r.add_argument("--seq", type=int, default=None, help="transformers: sequence length")
    r.add_argument("--precision", default="", help="precision of the chart's compute roof "
                                                   "(default bf16, else the device's first)")
    r.add_argument("--html", metavar="F.html", help="also write the roofline chart")
    _outputs(r)
    r.set_defaults(func=run_roofline)
    p.set_defaults(func=lambda _a: (p.print_help(), 2)[1])


def _outputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON (units in key names)")
    p.add_argument("--csv", metavar="F", help="also write the rows to a CSV file")


def _emit(args: argparse.Namespace, rows: list[dict[str, Any]], columns: list[str],
          title: str, extra: dict[str, Any] | None = None) -> None:
    if args.csv:
        try:
            with open(args.csv, "w", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=list(rows[0]))
                w.writeheader()
                w.writerows(rows)
        except OSError as exc:
            raise SpecError.single("--csv", "", f"a writable path ({exc.strerror})") from None
    if args.json:
        print(json.dumps({**(extra or {}), "rows": rows}, indent=2, default=float))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for c in columns:
        table.add_column(c, justify="right")
    for row in rows:
        table.add_row(*(_fmt(row[c]) for c in columns))
    Console(width=220).print(table)


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
    return str(v)


def run_serve(args: argparse.Namespace) -> int:
    import itertools

    from picojoule.system.devices import get_device
    from picojoule.system.llm import load_llm
    from picojoule.system.serve import ServeConfig, check, fit_problem, sweep

    spec = load_llm(args.model)
    device = get_device(args.device)
    carbon = carbon_settings(args)  # a bad --carbon fails before any work
    lists = {k: _ints(f"--{k}", getattr(args, k)) for k in ("tp", "pp", "ep", "dp", "batch",
                                                           "prompt", "output")}
    rows, problems = [], []
    for tp, pp, ep, dp, b, s, o in itertools.product(*lists.values()):
        cfg = ServeConfig(b, s, o, tp, pp, ep, dp, args.precision, args.kv_precision,
                          args.kv_reads)
        check(spec, device, cfg)
        out = {k: float(v) for k, v in sweep(spec, device, b, s, o, tp, pp, ep, dp,
                                              args.precision, args.kv_precision,
                                              args.kv_reads).items()}
        if not out["fits"]:
            problems.append(Problem(spec.name, "", fit_problem(spec, device, out)))
            continue
        rows.append({"batch": b, "prompt": s, "output": o, "tp": tp, "pp": pp, "ep": ep,
                     "dp": dp, "devices": int(out["devices"]),
                     "ttft_ms": out["ttft_s"] * 1e3, "tpot_ms": out["tpot_s"] * 1e3,
                     "tokens_per_s": out["tokens_per_s"],
                     "tokens_per_s_per_device": out["tokens_per_s_per_device"],
                     "energy_per_token_j": out["energy_per_token_j"],
                     "compute_j_per_token": out["compute_j_per_token"],
                     "memory_j_per_token": out["memory_j_per_token"],
                     "communication_j_per_token": out["communication_j_per_token"],
                     "idle_j_per_token": out["idle_j_per_token"],
                     "memory_per_device_gb": out["memory_per_device_bytes"] / 1e9,
                     "decode_bound": "compute" if out["decode_compute_bound"] else "memory"})
        if carbon is not None:  # operational CO2e of one generated token, at the facility
            per_token = energy_carbon(out["energy_per_token_j"], out["tpot_s"], carbon)
            rows[-1]["co2e_g_per_token"] = per_token.operational_kg * 1e3
    if problems:
        raise SpecError(problems)
    if args.html:
        from picojoule.system.plots import latency_throughput

        title = f"{spec.name} on {device.name} ({args.precision}): latency vs throughput"
        _write(args.html, f"<html><body>{latency_throughput(rows, title)}</body></html>")
    _emit(args, rows, ["batch", "prompt", "output", "tp", "pp", "ttft_ms", "tpot_ms",
                       "tokens_per_s", "tokens_per_s_per_device", "energy_per_token_j",
                       "memory_j_per_token", "idle_j_per_token", "memory_per_device_gb",
                       *(["co2e_g_per_token"] if carbon is not None else [])],
          f"{spec.name} on {device.name} ({args.precision})",
          {"model": spec.name, "device": device.name, "precision": args.precision})
    return 0


def run_train(args: argparse.Namespace) -> int:
    from picojoule.system.devices import get_device
    from picojoule.system.llm import load_llm
    from picojoule.system.train import TrainConfig, train

    spec = load_llm(args.model)
    device = get_device(args.device)
    carbon = carbon_settings(args)
    cfg = TrainConfig(args.devices, args.tp, args.pp, args.global_batch, args.micro_batch,
                      args.seq, args.tokens, args.precision, args.recompute, not args.no_sp,
                      args.interleave, args.zero)
    r = train(spec, device, cfg)
    if not r["fits"]:
        need, cap = r["memory_per_device_bytes"] / 1e9, device.hbm.capacity_bytes / 1e9
        raise SpecError.single(spec.name, "", f"does not fit: needs {need:.1f} GB per device, "
                               f"one {device.name} holds {cap:.1f} GB: {need - cap:.1f} GB too "
                               "much (try more --pp, --zero 3 or --recompute full)")
    row = {"devices": args.devices, "tp": args.tp, "pp": args.pp, "dp": int(r["dp"]),
           "step_s": r["step_s"], "mfu": r["mfu"], "hfu": r["hfu"],
           "model_tflops_per_device": r["model_tflops_per_device"],
           "bubble_fraction": r["bubble_fraction"], "tokens_per_s": r["tokens_per_s"],
           "train_days": r["train_days"], "device_hours": r["device_hours"],
           "energy_mwh": r["energy_j"] / 3.6e9, "compute_mwh": r["compute_j"] / 3.6e9,
           "memory_mwh": r["memory_j"] / 3.6e9, "communication_mwh": r["communication_j"] / 3.6e9,
           "idle_mwh": r["idle_j"] / 3.6e9, "memory_per_device_gb":
           r["memory_per_device_bytes"] / 1e9, "megatron_days_8tp_over_nx": r["megatron_days"]}
    if carbon is not None:  # the whole run's operational CO2e, at the facility
        report = energy_carbon(r["energy_j"], r["train_days"] * 86400.0, carbon,
                               label=f"training {spec.name}")
        row["co2e_t"] = report.operational_kg / 1e3
    _emit(args, [row], ["devices", "tp", "pp", "dp", "step_s", "mfu", "train_days",
                        "device_hours", "energy_mwh", "memory_per_device_gb",
                        *(["co2e_t"] if carbon is not None else [])],
          f"training {spec.name} on {args.devices} x {device.name}, {args.tokens:.3g} tokens",
          {"model": spec.name, "device": device.name})
    return 0


def run_devices(args: argparse.Namespace) -> int:
    from picojoule.system.devices import device_names, get_device

    rows = []
    for name in device_names():
        d = get_device(name)
        rows.append({"device": name, **{f"{p}_tflops": v / 1e12 for p, v in d.dense_ops_per_s},
                     "hbm_gb": d.hbm.capacity_bytes / 1e9,
                     "hbm_tb_per_s": d.hbm.bandwidth_bytes_per_s / 1e12, "tdp_w": d.tdp_w,
                     "idle_w": d.idle_w, "scale_up_link": d.links[0].name.split(":")[1],
                     "scale_up_gb_per_s": d.links[0].bandwidth_bytes_per_s / 1e9})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    args.csv = None
    _emit(args, rows, ["device", "bf16_tflops", "hbm_gb", "hbm_tb_per_s", "tdp_w", "idle_w",
                       "scale_up_link", "scale_up_gb_per_s"], "datasheet devices (dense peaks)")
    return 0


def _write(path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SpecError.single("--html", "", f"a writable path ({exc.strerror})") from None


def _device(name: str) -> Any:
    from picojoule.system.devices import arch_device, get_device

    if Path(name).suffix in (".yaml", ".yml") or name in _arch_presets():
        from picojoule.arch.loader import load_arch

        return arch_device(load_arch(name))
    return get_device(name)


def _arch_presets() -> tuple[str, ...]:
    from importlib import resources

    files = resources.files("picojoule.arch").joinpath("presets").iterdir()
    return tuple(f.name.rsplit(".", 1)[0] for f in files if f.name.endswith(".yaml"))


def run_roofline(args: argparse.Namespace) -> int:
    from picojoule.importers import load_model
    from picojoule.system.roofline import chart, network_roofline, ridge, summary, svg

    device = _device(args.device)
    net = load_model(args.model, batch=args.batch, phase=args.phase, seq_len=args.seq,
                     where="MODEL")
    ops = network_roofline(net, device)
    s = summary(ops, device)
    precision = args.precision or (device.precisions[0] if "bf16" not in device.precisions
                                   else "bf16")
    device.peak_ops_per_s(precision)  # a precision the device has
    if args.html:
        from html import escape

        data = chart(device, precision, ops)
        _write(args.html, f"<html><body><h3>{escape(net.name)} on {escape(device.name)}</h3>"
                          f"{svg(data)}</body></html>")
    rows = [o.to_dict() for o in ops]
    extra = {"model": net.name, **s, "ridge_flops_per_byte": ridge(device, precision)}
    _emit(args, rows, ["name", "kind", "flops", "intensity_flops_per_byte",
                       "attainable_tflops_per_s", "bound"],
          f"roofline: {net.name} on {device.name}", extra)
    if not args.json:
        print(f"total {s['flops'] / 1e9:,.2f} GFLOP, {s['hbm_bytes'] / 1e6:,.1f} MB from "
              f"{device.memories[0].name}, {s['seconds'] * 1e3:.3f} ms, bounds "
              f"{s['bound_counts']}; ridge {ridge(device, precision):,.0f} FLOP/byte "
              f"({precision})", file=sys.stdout)
    return 0
