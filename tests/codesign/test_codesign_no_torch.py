"""House rule: torch is imported only in compress/ and importers/; codesign's orchestration
imports on numpy alone and reaches torch through compress.codesign_ops when it measures."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def test_no_torch_import_statement_in_codesign():
    pattern = re.compile(r"^\s*(import torch|from torch)", re.M)
    offenders = [p.name for p in (SRC / "picojoule" / "codesign").glob("*.py")
                 if pattern.search(p.read_text())]
    assert offenders == []


def test_importing_the_orchestration_does_not_import_torch():
    code = ("import sys\n"
            "import picojoule.codesign.pipeline, picojoule.codesign.search\n"
            "import picojoule.codesign.pruning, picojoule.codesign.netadapt\n"
            "import picojoule.codesign.report, picojoule.codesign.task\n"
            "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(SRC)}, check=True)
    assert out.stdout.strip() == "[]"


def test_old_task_names_still_resolve():
    from picojoule.codesign import task as old
    from picojoule.compress import task as new

    assert old.mnist_task is new.mnist_task and old.Task is new.Task
