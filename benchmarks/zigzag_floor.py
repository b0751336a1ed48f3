"""A lower bound on any mapping's energy in picojoule's cost model, per ResNet-18 layer, next
to ZigZag's energy for the same layer (from ``mapper_vs_zigzag.py``'s saved results).

In picojoule's model every MAC (divided by the spatial reduction below the level, at most
the PEs below it) updates its partial sum at the innermost output level; a partial sum is
read back for every update but the first of each output in each instance of that level;
DRAM moves every tensor at least once (inputs: the points the layer reads). An input operand
is read from the innermost level that keeps it once per MAC, divided by the multicast below
it (at most the PEs below it, and only over dims that do not index it), or, latched at the
MAC (``compute.operand_latch``, set on the compared architectures as ZigZag assumes it),
once per change: the loops that leave it unchanged iterate only dims that do not index it,
so at least (product of the bounds of the dims that index it) reads. Each access is priced
at the cheapest level that may keep the operand (a bypass moves it outward), outputs at the
narrower of output and partial-sum precision. Global-buffer traffic is left out, so the
bound is loose. Where ZigZag's energy is below this bound, no mapping in picojoule's model
can match it.

Run after ``mapper_vs_zigzag.py`` (its ZigZag results): ``python benchmarks/zigzag_floor.py
[--arch eyeriss]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math

import yaml

from mapper_vs_zigzag import RESULTS, comparison_arch, zigzag_hardware, zigzag_layer
from picojoule.cost import energy_model
from picojoule.importers import load_model
from picojoule.workload import Layer


def tensor_points(layer: Layer) -> dict[str, int]:
    b = layer.bound
    if layer.kind == "fc":
        return {"inputs": b["N"] * b["C"], "weights": b["M"] * b["C"], "outputs": b["N"] * b["M"]}
    stride = dict(layer.params).get("stride", 1)
    rows = len({p * stride + r for p in range(b["P"]) for r in range(b["R"])})
    cols = len({q * stride + s for q in range(b["Q"]) for s in range(b["S"])})
    return {"inputs": b["N"] * b["C"] * rows * cols,
            "weights": b["M"] * b["C"] * b["R"] * b["S"],
            "outputs": b["N"] * b["M"] * b["P"] * b["Q"]}


def lower_bound_pj(layer: Layer, arch_name: str) -> float:
    arch = comparison_arch(arch_name)
    energy = energy_model(arch, layer)
    sizes = [lv.fanout.size for lv in arch.levels]
    points = tensor_points(layer)
    b = layer.bound
    total = layer.macs * energy.mac_pj
    for op in layer.operands:
        keep = [i for i, lv in enumerate(arch.levels) if op.name in lv.keeps]
        last = keep[-1]  # the innermost level that can keep it (a bypass moves it outward)
        read_pj = min(energy.levels[i].read_pj / energy.levels[i].width_bits for i in keep)
        write_pj = min(energy.levels[i].write_pj / energy.levels[i].width_bits for i in keep)
        relevant = math.prod(b[d] for d in layer.dims if d in op.dims or (
            op.window is not None and d in op.window.dims))
        # MACs that one access can serve: a spatial multicast / reduction spans at most the
        # PEs below the level and only dims that do not index the operand
        spread = min(math.prod(sizes[last:]), layer.macs // relevant)
        if op is layer.output:
            bits = min(op.bits, op.partial_bits)  # final outputs may be stored at op.bits
            updates = layer.macs / spread
            reads = max(updates - points["outputs"] * math.prod(sizes[:last]), 0)
            total += bits * (updates * write_pj + reads * read_pj)
        else:
            reads = layer.macs / spread
            if op.name in arch.compute.operand_latch:  # once per change of the operand
                reads = relevant
            total += reads * op.bits * read_pj
        dram = energy.levels[0]
        total += points[op.name] * op.bits * min(dram.read_pj, dram.write_pj) / dram.width_bits
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="eyeriss")
    args = parser.parse_args()
    arch = comparison_arch(args.arch)
    net = load_model("resnet18")
    distinct = [layer for layer, _ in net.distinct_layers()]
    counts: dict[object, int] = {}
    for layer in net.layers:
        counts[layer.signature] = counts.get(layer.signature, 0) + 1
    hw = yaml.safe_dump(zigzag_hardware(arch, distinct[0]), sort_keys=False)
    print(f"{'layer':22s} {'count':>5s} {'bound pJ/MAC':>12s} {'ZigZag pJ/MAC':>13s}")
    bound_total = zz_total = 0.0
    for layer in distinct:
        text = yaml.safe_dump([zigzag_layer(layer)])
        key = hashlib.sha256(f"{hw}\n{text}\nuneven".encode()).hexdigest()[:20]
        saved = RESULTS / f"{key}.json"
        if not saved.exists():
            raise SystemExit(f"no ZigZag result for {layer.name} on {args.arch} in {RESULTS}: "
                             "run benchmarks/mapper_vs_zigzag.py first")
        zz = json.loads(saved.read_text())["energy_pj"]
        bound = lower_bound_pj(layer, args.arch)
        n = counts[layer.signature]
        bound_total, zz_total = bound_total + n * bound, zz_total + n * zz
        flag = "  <- ZigZag below the bound" if zz < bound else ""
        print(f"{layer.name[:22]:22s} {n:>5} {bound / layer.macs:12.4f} "
              f"{zz / layer.macs:13.4f}{flag}")
    print(f"total over {len(net.layers)} layers: bound {bound_total / 1e6:,.1f} uJ, ZigZag "
          f"{zz_total / 1e6:,.1f} uJ (bound / ZigZag {bound_total / zz_total:.4f})")


if __name__ == "__main__":
    main()
