"""Predicted versus published measurements (``data/published.csv``), and the efficiency fit.

Rows marked ``fit`` are the only ones a factor is fitted on: one compute efficiency per device
(A100, H100, TPU v4), found by bisection so that the prediction equals the measurement; every
``test`` row is then predicted with the factors in ``data/efficiency.csv`` and nothing else is
tuned per row.
"""

from __future__ import annotations

import csv
import dataclasses
import statistics
from collections.abc import Callable
from importlib import resources
from typing import Any

from picojoule.system.devices import DatasheetDevice, get_device
from picojoule.system.llm import LLMSpec, load_llm
from picojoule.system.train import TrainConfig, train

_KEYS = {"h": "hidden", "l": "layers", "a": "heads", "kv": "kv_heads", "hd": "head_dim",
         "f": "ffn", "v": "vocab", "gated": "gated", "tied": "tied"}


def inline_spec(text: str, name: str) -> LLMSpec:
    """``h=12288;l=96;a=96;v=51200`` (GPT defaults: 4h FFN, two matrices, tied embeddings)."""
    kv = dict(item.split("=") for item in text.split(";"))
    v = {_KEYS[k]: int(x) for k, x in kv.items()}
    h, a = v["hidden"], v["heads"]
    return LLMSpec(name=name, hidden=h, heads=a, kv_heads=v.get("kv_heads", a),
                   head_dim=v.get("head_dim", h // a), layers=v["layers"],
                   ffn=v.get("ffn", 4 * h), vocab=v["vocab"], gated=bool(v.get("gated", 0)),
                   tied=bool(v.get("tied", 1)))


def measurements() -> list[dict[str, str]]:
    text = resources.files("picojoule.system").joinpath("data/published.csv").read_text()
    return list(csv.DictReader(text.splitlines()))


def predict(row: dict[str, str], device: DatasheetDevice) -> float:
    model = row["model"]
    spec = inline_spec(model, row["id"]) if "=" in model else load_llm(model)
    cfg = TrainConfig(devices=int(row["devices"]), tp=int(row["tp"]), pp=int(row["pp"]),
                      global_batch=int(row["global_batch"]), micro_batch=1,
                      seq=int(row["seq"]), tokens=float(row["tokens"]),
                      recompute=row["recompute"], sequence_parallel=row["sp"] == "1",
                      interleave=int(row["interleave"]), zero=int(row["zero"]))
    r = train(spec, device, cfg)
    return float(r[row["quantity"]])


def _bisect(f: Callable[[float], float], lo: float, hi: float, steps: int) -> float:
    """The x in [lo, hi] where an increasing ``f`` crosses zero, by bisection."""
    for _ in range(steps):
        mid = (lo + hi) / 2
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _compared(rows_in: list[dict[str, str]], predictor: Callable[..., float],
              fitted: dict[str, Any]) -> dict[str, Any]:
    """Predicted against published for every row; error statistics over the ``test`` rows."""
    rows: list[dict[str, Any]] = []
    for row in rows_in:
        pred = predictor(row, get_device(row["device"]))
        value = float(row["value"])
        rows.append({"id": row["id"], "role": row["role"], "device": row["device"],
                     "quantity": row["quantity"], "published": value, "predicted": pred,
                     "error": (pred - value) / value})
    tests: list[float] = [abs(float(r["error"])) for r in rows if r["role"] == "test"]
    return {"rows": rows, "median_abs_error": statistics.median(tests),
            "max_abs_error": max(tests), "tests": len(tests), "fitted": fitted}


def fit_efficiency(row: dict[str, str]) -> float:
    """The compute efficiency that makes this row's prediction equal its measurement."""
    base = get_device(row["device"])
    target = float(row["value"])
    sign = -1.0 if row["quantity"] == "device_hours" else 1.0  # hours fall as efficiency rises
    return _bisect(lambda x: sign * (predict(row, _with(base, compute=x)) - target),
                   0.05, 1.0, 60)


def compare() -> dict[str, Any]:
    fits = {r["device"]: fit_efficiency(r) for r in measurements() if r["role"] == "fit"}
    return _compared(measurements(), predict, fits)


# -- serving ---------------------------------------------------------------------------------
_SERVING_PARAM = {"ttft_ms": "prefill_overhead_s", "tpot_ms": "kernel_overhead_s",
                  "tokens_per_s_per_device": "low_precision"}


def serving_measurements() -> list[dict[str, str]]:
    text = resources.files("picojoule.system").joinpath("data/published_serving.csv").read_text()
    return list(csv.DictReader(text.splitlines()))


def serving_software() -> dict[str, dict[str, str]]:
    """The serving software behind each published row (``data/serving_software.csv``): how
    its decode attention reads the KV cache (``kv_reads``), with the source."""
    text = resources.files("picojoule.system").joinpath("data/serving_software.csv").read_text()
    return {r["software"]: r for r in csv.DictReader(text.splitlines())}


def predict_serving(row: dict[str, str], device: DatasheetDevice) -> float:
    """A published serving row's quantity, predicted with the KV reads of its software."""
    from picojoule.system.serve import sweep

    kv_reads = serving_software()[row["software"]]["kv_reads"]
    out = sweep(load_llm(row["model"]), device, int(row["batch"]), int(row["prompt"]),
                int(row["output"]), int(row["tp"]), precision=row["precision"],
                kv_reads=kv_reads)
    q = row["quantity"]
    if q.endswith("_ms"):
        return float(out[q[:-3] + "_s"]) * 1e3
    return float(out[q])


def _with(device: DatasheetDevice, **eff: float) -> DatasheetDevice:
    changed = dataclasses.replace(device.efficiency, **eff)  # type: ignore[arg-type]
    return dataclasses.replace(device, efficiency=changed)


def fit_serving(device_name: str) -> dict[str, float]:
    """Per device, the serving factors its ``fit`` rows pin down: a TTFT row fixes the
    fixed prefill overhead, a TPOT row the overhead per kernel, a low-precision throughput
    row the FP8 compute efficiency (a few alternating bisections, as they interact)."""
    rows = [r for r in serving_measurements()
            if r["role"] == "fit" and r["device"] == device_name]
    dev = get_device(device_name)
    params: dict[str, float] = {}
    for _ in range(4):
        for row in rows:
            name = _SERVING_PARAM[row["quantity"]]
            lo, hi = {"prefill_overhead_s": (0.0, 0.05), "kernel_overhead_s": (0.0, 1e-4),
                      "low_precision": (0.05, 1.0)}[name]
            target = float(row["value"])
            # each rises with its parameter: overheads lengthen TTFT and TPOT, more
            # efficiency gives more tokens/s
            def miss(x: float, row: dict[str, str] = row, name: str = name,
                     target: float = target) -> float:
                return predict_serving(row, _with(dev, **{**params, name: x})) - target

            params[name] = _bisect(miss, lo, hi, 50)
    return params


def compare_serving() -> dict[str, Any]:
    fitted = {d: fit_serving(d) for d in sorted({r["device"] for r in serving_measurements()
                                                 if r["role"] == "fit"})}
    return _compared(serving_measurements(), predict_serving, fitted)
