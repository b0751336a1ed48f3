"""A small design space over two layers: seconds per sweep, every code path of a real one."""

from __future__ import annotations

from pathlib import Path

import pytest

LAYERS = "conv2d N=1 C=16 M=32 P=14 Q=14 R=3 S=3\nfc N=1 C=256 M=64\n"

SPACE = """\
base: eyeriss
parameters:
  pe_x: {path: levels.shared_glb.fanout.x, choices: [8, 14, 16]}
  pe_y: {path: levels.shared_glb.fanout.y, low: 8, high: 16, step: 4}
  glb: {path: levels.shared_glb.capacity_bits, low: 262144, high: 1048576, log: true,
        step: 65536}
workloads: [{model: layers.txt}]
objectives: [energy, cycles]
constraints: {area_um2_max: base}
search: {sampler: SAMPLER, trials: TRIALS, population: 4, seed: 0}
mapper: {evaluations: 1000}
"""


@pytest.fixture
def space_file(tmp_path: Path):  # type: ignore[no-untyped-def]
    """``space_file(sampler="nsga2", trials=12)`` writes the space and its layers in tmp_path."""

    def make(sampler: str = "nsga2", trials: int = 12, name: str = "space.yaml") -> Path:
        (tmp_path / "layers.txt").write_text(LAYERS)
        path = tmp_path / name
        text = SPACE.replace("SAMPLER", sampler).replace("TRIALS", str(trials))
        path.write_text(text.replace("layers.txt", str(tmp_path / "layers.txt")))
        return path

    return make
