"""NetAdapt-style channel shrinking of LeNet-5 to an energy budget on eyeriss and
nvdla-small: each step keeps the proposal with the best accuracy per microjoule measured on
the target (mapper on the shrunk network, accuracy on MNIST after a short fine-tune).

    PYTHONPATH=src python benchmarks/codesign_netadapt.py [--eval-limit 1000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from picojoule.arch import load_preset
from picojoule.codesign.netadapt import netadapt
from picojoule.codesign.pipeline import Codesign
from picojoule.compress.task import mnist_task


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--eval-limit", type=int, default=1000)
    parser.add_argument("--fraction", type=float, default=0.5,
                        help="energy budget as a fraction of the unshrunk INT8 model")
    args = parser.parse_args()
    task = mnist_task("lenet5", eval_limit=args.eval_limit)
    maps = Path(tempfile.mkdtemp(prefix="netadapt-"))
    for arch_name in ("eyeriss", "nvdla-small"):
        cd = Codesign(task, load_preset(arch_name), cache_dir=maps)
        start = time.perf_counter()
        first = netadapt(cd, budget_uj=1e12, max_iterations=0)[0]
        budget = first.energy_uj * args.fraction
        steps = netadapt(cd, budget_uj=budget, step=0.2, fine_tune_steps=30)
        print(f"LeNet-5 INT8 on {arch_name}: budget {budget:.2f} uJ "
              f"({args.fraction:.0%} of {first.energy_uj:.2f} uJ)")
        for s in steps:
            chans = " ".join(f"{k}={v}" for k, v in s.channels.items())
            print(f"  {s.layer or 'start':<6} {chans:<32} accuracy {s.metric:.4f} "
                  f"{s.energy_uj:8.3f} uJ")
        print(f"  ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
