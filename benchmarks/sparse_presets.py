"""The sparse presets (scnn, sparse-tensor-core, eie) against their dense twins, at the
densities their papers report (``src/picojoule/arch/data/sparse_densities.csv``).

For each design: the best mapping (minimum energy-delay product) searched on the sparse
design and, apart, on its dense twin (the same levels, no sparse features), then the energy
and cycle ratios dense / sparse; and the saving of the sparse design's mapping against the
same loop nest dense (``picojoule.cost.saving``). SCNN's paper reports 2.7x performance and
2.3x energy over a comparably provisioned dense accelerator (averaged over AlexNet, GoogLeNet
and VGGNet, with load imbalance between PEs that this model does not have).

Run: ``python benchmarks/sparse_presets.py [--evaluations N]``.
"""

from __future__ import annotations

import argparse
import csv
from importlib import resources

from picojoule.arch import load_preset
from picojoule.cost.saving import saving
from picojoule.mapper import Budget, Objective, SearchOptions, search
from picojoule.workload import conv2d, fc, gemm
from picojoule.workload.density import NM, with_models
from picojoule.workload.einsum import Layer
from tables import print_table


def densities() -> dict[tuple[str, str], float]:
    path = resources.files("picojoule.arch") / "data" / "sparse_densities.csv"
    with path.open() as fh:
        return {(r["design"], f"{r['layer']}.{r['operand']}"): float(r["density"])
                for r in csv.DictReader(fh)}


def cases() -> list[tuple[str, str, Layer]]:
    d = densities()
    return [
        ("scnn", "AlexNet conv3", conv2d(N=1, C=256, M=384, P=13, Q=13, R=3, S=3, input_bits=16,
                                         weight_bits=16, output_bits=16).with_density(
            weights=d["scnn", "conv3.weights"], inputs=d["scnn", "conv3.inputs"])),
        ("sparse-tensor-core", "GEMM 1024^3 2:4", with_models(
            gemm(M=1024, N=1024, K=1024, input_bits=16, weight_bits=16, output_bits=16),
            weights=NM(2, 4, "K"))),
        ("eie", "AlexNet FC6", fc(N=1, C=9216, M=4096, weight_bits=4, input_bits=16,
                                  output_bits=16).with_density(
            weights=d["eie", "fc6.weights"], inputs=d["eie", "fc6.inputs"])),
        ("eie", "AlexNet FC8", fc(N=1, C=4096, M=1000, weight_bits=4, input_bits=16,
                                  output_bits=16).with_density(
            weights=d["eie", "fc8.weights"], inputs=d["eie", "fc8.inputs"])),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=20000)
    args = parser.parse_args()
    options = SearchOptions(objective=Objective(1.0, 1.0),  # energy x delay
                            budget=Budget(evaluations=args.evaluations))
    rows = []
    for name, what, layer in cases():
        arch = load_preset(name)
        best = search(layer, arch, options)
        twin = search(layer, arch.dense_twin(), options)
        same = saving(layer, arch, best.mapping)
        assert same is not None
        rows.append([name, what, f"{twin.stats.energy_pj / best.stats.energy_pj:.2f}x",
                     f"{twin.stats.cycles / best.stats.cycles:.2f}x",
                     f"{same.dense_energy_pj / same.sparse_energy_pj:.2f}x",
                     f"{same.dense_cycles / same.sparse_cycles:.2f}x",
                     f"{best.stats.energy_pj / layer.macs:.3f}"])
    print_table([["design", "layer", "energy dense/sparse", "cycles dense/sparse",
                  "same nest: energy", "cycles", "sparse pJ/MAC"], *rows])


if __name__ == "__main__":
    main()
