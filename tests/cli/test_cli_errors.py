"""Bad input: one line naming the file/field and what was expected, exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from picojoule.cli.main import main

DATA = Path(__file__).parent.parent / "data"
LAYER = "conv2d N=1 C=3 M=32 P=112 Q=112 R=3 S=3 stride=2"
ARCH = str(DATA / "eyeriss_like_timeloop.yaml")
MAP = str(DATA / "worked_example.map")


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_evaluate_json_document(capsys):
    code, out, _ = run(capsys, "evaluate", "--arch", ARCH, "--layer", LAYER, "--mapping", MAP,
                       "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["macs"] == 10838016 and doc["cycles"] == 86016
    assert doc["levels"]["shared_glb"]["inputs"]["fills"] == 157296
    assert {"energy_pj", "utilization", "area_um2"} <= set(doc)


@pytest.mark.parametrize("argv, expected", [
    (["--arch", "eyerisss"], "--arch: a preset"),
    (["--layer", "conv2d C=-3 M=32 P=8 Q=8 R=3 S=3"], "--layer: C: a positive integer"),
    (["--layer", "conv3d C=3"], "--layer: kind: one of"),
])
def test_bad_flags(capsys, argv, expected):
    args = {"--arch": ARCH, "--layer": LAYER, "--mapping": MAP}
    args.update(dict(zip(argv[::2], argv[1::2], strict=True)))
    code, _, err = run(capsys, "evaluate", *[x for kv in args.items() for x in kv])
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and "Traceback" not in err


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_malformed_yaml(capsys, tmp_path):
    bad = write(tmp_path, "bad.yaml", "name: x\nlevels: [\n  - {name: DRAM\n")
    code, _, err = run(capsys, "evaluate", "--arch", bad, "--layer", LAYER, "--mapping", MAP)
    assert code == 2 and f"{bad}: line" in err and "valid YAML" in err
    assert len(err.strip().splitlines()) == 1


def test_missing_field(capsys, tmp_path):
    text = Path(ARCH).read_text().replace("clock_hz: 200.0e+6\n", "")
    arch = write(tmp_path, "noclock.yaml", text)
    code, _, err = run(capsys, "evaluate", "--arch", arch, "--layer", LAYER, "--mapping", MAP)
    assert code == 2 and err.strip() == f"picojoule: error: {arch}: clock_hz: required " \
                                         "(positive number)"


def test_negative_size_in_arch(capsys, tmp_path):
    arch = write(tmp_path, "neg.yaml", Path(ARCH).read_text().replace("depth: 16384",
                                                                      "depth: -16384"))
    code, _, err = run(capsys, "evaluate", "--arch", arch, "--layer", LAYER, "--mapping", MAP)
    assert code == 2 and "levels[1].depth: a positive int, got -16384" in err


@pytest.mark.parametrize("mapping, expected", [
    ("DRAM: P8 Q2 M4\nshared_glb: P14 Q4 X: Q14 Y: C3 S3\nweights_spad: R3\npsum_spad: M4",
     "factors of M: a product of at least the bound 32"),
    ("DRAM: P8 Q2 M4\nshared_glb: P14 Q2 X: Q28 Y: C3 S3\nweights_spad: R3\npsum_spad: M8",
     "shared_glb.spatial X: a spatial product of at most the fan-out 14, got 28"),
    ("DRAM: P8 Q2\nshared_glb: P14 Q4 X: Q14 Y: C3 S3\nweights_spad: R3\npsum_spad: M32",
     "psum_spad: tiles of outputs that fit its 256 bits, got 512 bits"),
    ("DRAM: P8 Q2 M4\nglb: P14 Q4", "levels[1]: a level of eyeriss-like-timeloop"),
])
def test_inconsistent_mapping(capsys, tmp_path, mapping, expected):
    path = write(tmp_path, "m.map", mapping)
    code, _, err = run(capsys, "evaluate", "--arch", ARCH, "--layer", LAYER, "--mapping", path)
    assert code == 2, err
    assert f"{path}: {expected}" in err and "Traceback" not in err


def test_console_script_exit_code(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "picojoule.cli.main", "evaluate", "--arch",
                           "nope", "--layer", LAYER, "--mapping", MAP],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


def test_arch_list_and_show(capsys):
    code, out, _ = run(capsys, "arch", "list")
    assert code == 0 and all(n in out for n in ("eyeriss", "tpu-v1", "simple-systolic"))
    code, out, _ = run(capsys, "arch", "show", "eyeriss")
    assert code == 0 and "psum_spad" in out and "source:" in out


def test_demo_runs(capsys, tmp_path):
    code, out, _ = run(capsys, "demo", "--one-layer")
    assert code == 0 and "pJ/MAC" in out and "[shared_glb]" in out
    # the default is what `make demo` runs: all of ResNet-18 on eyeriss, with the report
    report = tmp_path / "demo.html"
    code, out, _ = run(capsys, "demo", "--report", str(report))
    assert code == 0 and "resnet-18 on eyeriss" in out
    assert "12 distinct layers of 21" in out and "total energy" in out
    assert report.read_text().startswith("<!DOCTYPE html>")
