"""10,000 serving configurations (batch x prompt x output x TP x precision) in one vectorized
sweep per precision; prints the wall time on this machine (one core).

Run: PYTHONPATH=src python benchmarks/system_sweep_speed.py
"""

from __future__ import annotations

import time

import numpy as np

from picojoule.system.devices import get_device
from picojoule.system.llm import load_llm
from picojoule.system.serve import sweep


def main() -> None:
    spec = load_llm("llama-2-70b")
    device = get_device("h100")
    batch = np.array([1, 2, 4, 8, 16, 32, 64, 128, 256, 512])[:, None, None, None]
    prompt = np.array([128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536]
                      )[None, :, None, None]
    output = np.array([32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536,
                       100, 200, 300, 400, 600, 800, 1000, 1500, 2500, 3000, 5000, 6000, 7000]
                      )[None, None, :, None]
    tp = np.array([1, 2, 4, 8])[None, None, None, :]
    precisions = ("fp16", "fp8")
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        n = 0
        for p in precisions:
            out = sweep(spec, device, batch, prompt, output, tp, precision=p)
            n += out["tpot_s"].size
        best = min(best, time.perf_counter() - start)
    print(f"{n:,} serving configurations in {best:.3f} s "
          f"({n / best:,.0f} configurations/s, best of 5)")


if __name__ == "__main__":
    main()
