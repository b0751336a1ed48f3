"""Where a pruned layer's energy goes: LeNet-5 INT8 costed on eyeriss and nvdla-small (and
eyeriss with zero-skipping MACs, a what-if) with chosen per-layer weight densities (cost
only, no accuracy), per layer and per level.

Shows what pruning can save on each architecture: bitmask weights (one metadata bit per
position, so 8-bit weights cost 8 x density + 1 bits per position), gated MACs on eyeriss
(energy saved, cycles and with them static power kept), nothing gated on nvdla-small, and
the activation traffic no weight pruning touches. Prints the most any pruning can beat
global magnitude pruning by, at batch 1 and batch 16, and per layer the energy it consumes
dense against the energy pruning it alone to density 0.02 removes (the two orders of
``energy_aware_pruning``, without the metric).

    PYTHONPATH=src python benchmarks/codesign_pruning_cost.py [--cache DIR]
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
from pathlib import Path
from typing import Any

import torch

from picojoule.analysis import analyze
from picojoule.arch import load_preset
from picojoule.arch.spec import Arch
from picojoule.codesign.config import INT8, CodesignConfig
from picojoule.codesign.cost import DEFAULT_OPTIONS, arch_variant, layer_annotations, network_cost
from picojoule.codesign.pipeline import Codesign
from picojoule.codesign.pruning import global_magnitude_config, max_saving_ratio
from picojoule.codesign.task import compress, mnist_task
from picojoule.compress import summarize
from picojoule.workload.network import Network

LAYERS = ("conv1", "conv2", "fc1", "fc2")


def with_density(dense: dict[str, Any], dens: dict[str, float]) -> dict[str, Any]:
    out = copy.deepcopy(dense)
    for e in out["layers"]:
        if e["name"] in dens:
            e["density"]["weights"] = dens[e["name"]]
    return out


def config(dens: dict[str, float]) -> CodesignConfig:
    c = CodesignConfig(INT8)
    for n, d in dens.items():
        c = c.with_layer(n, dataclasses.replace(INT8, sparsity=round(1 - d, 3),
                                                pattern="unstructured"))
    return c


def archs() -> list[tuple[str, Arch]]:
    """eyeriss, nvdla-small, and eyeriss with MACs that skip zero operands instead of
    gating them (a gated MAC keeps its cycle; a skipped one does not): the what-if where
    pruning a layer removes energy in proportion to what it consumes."""
    eyeriss = load_preset("eyeriss")
    skip = dataclasses.replace(eyeriss, name="eyeriss-skip", compute=dataclasses.replace(
        eyeriss.compute, sparse_action="skip"))
    return [("eyeriss", eyeriss), ("nvdla-small", load_preset("nvdla-small")),
            ("eyeriss-skip", skip)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path,
                        default=Path.home() / ".cache/picojoule/codesign-bench/mappings")
    args = parser.parse_args()
    task = mnist_task("lenet5", eval_limit=2000)
    dense = summarize(task.target(compress(task, CodesignConfig(INT8)))).to_dict()
    cd = Codesign(task, load_preset("eyeriss"))
    mag = {n: round(1 - c.sparsity, 3) for n, c in global_magnitude_config(cd, 0.9).layers}
    cases = {"dense": {}, "fc1 d=0.05": {"fc1": 0.05}, "conv2 d=0.10": {"conv2": 0.1},
             "global magnitude 90%": mag, "every layer d=0.02": dict.fromkeys(LAYERS, 0.02)}
    print(f"global magnitude 90 % gives densities {mag}")
    for batch in (1, 16):
        tb = dataclasses.replace(task, name=f"lenet5-b{batch}",
                                 example_inputs=(torch.zeros(batch, 1, 28, 28),))
        net = Codesign(tb, load_preset("eyeriss")).network
        for arch_name, arch in archs():
            energy = {}
            for label, dens in cases.items():
                nc = network_cost(net, with_density(dense, dens), config(dens), arch,
                                  DEFAULT_OPTIONS, args.cache)
                energy[label] = nc.energy_pj
                print(f"batch {batch:>2} {arch_name:<12} {label:<22} {nc.energy_uj / batch:7.3f}"
                      f" uJ/image  " + "  ".join(f"{lc.name} {lc.energy_pj / 1e6 / batch:.3f}"
                                                for lc in nc.layers))
            cap = max_saving_ratio(energy["dense"], energy["every layer d=0.02"],
                                   energy["global magnitude 90%"])
            print(f"batch {batch:>2} {arch_name:<12} any pruning saves at most {cap:.2f}x what "
                  "global magnitude 90 % saves")
            consumed, removed = {}, {}
            for name in LAYERS:  # each layer alone at density 0.02: what pruning it removes
                nc = network_cost(net, with_density(dense, {name: 0.02}),
                                  config({name: 0.02}), arch, DEFAULT_OPTIONS, args.cache)
                layer = next(lc for lc in nc.layers if lc.name == name)
                consumed[name] = energy["dense"] - (nc.energy_pj - layer.energy_pj)
                removed[name] = energy["dense"] - nc.energy_pj
            print(f"batch {batch:>2} {arch_name:<12} per layer, uJ/image consumed dense -> "
                  "removed at d=0.02: " + "  ".join(
                      f"{n} {consumed[n] / 1e6 / batch:.3f} -> {removed[n] / 1e6 / batch:.3f}"
                      f" ({removed[n] / consumed[n]:.0%})" for n in LAYERS))
            print(f"batch {batch:>2} {arch_name:<12} order by energy consumed: "
                  f"{' > '.join(sorted(LAYERS, key=lambda n: -consumed[n]))}; by energy "
                  f"removed: {' > '.join(sorted(LAYERS, key=lambda n: -removed[n]))}")
            if batch != 1:
                continue
            for label in ("dense", "conv2 d=0.10", "fc1 d=0.05"):
                dens = cases[label]
                ann = net.annotate(layer_annotations(net, with_density(dense, dens),
                                                     config(dens)), where=label)
                for node in ann.nodes:
                    if not node.is_layer or node.name not in (dens or ("conv2", "fc1")):
                        continue
                    variant = arch_variant(arch, config(dens).choice(node.name), 8)
                    st = analyze(Network("one", (node,)), variant, DEFAULT_OPTIONS,
                                 cache_dir=args.cache).layers[0].stats
                    if st is None:
                        continue
                    levels = "  ".join(f"{lv}.{op} {c.energy_pj / 1e6:.3f}"
                                       for lv, ops in st.levels.items() for op, c in ops.items()
                                       if c.energy_pj >= 5e3)
                    print(f"    {label:<14} {node.name:<6} {st.energy_pj / 1e6:7.3f} uJ: MAC "
                          f"{st.mac_energy_pj / 1e6:.3f}  static {st.static_energy_pj / 1e6:.3f}"
                          f"  cycles {st.cycles:.0f}  {levels}")


if __name__ == "__main__":
    main()
