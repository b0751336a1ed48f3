"""A sweep killed with SIGKILL resumes from its SQLite store: the same final points, and no
config that had finished is evaluated again; each layer mapping is searched once per
distinct signature across both runs."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")
CONFIGS = 8


def command(out: Path, models: Path) -> list[str]:
    return [sys.executable, "-m", "picojoule.cli.main", "codesign", "lenet5", "--arch",
            "eyeriss", "--configs", str(CONFIGS), "--eval-limit", "300", "--train-limit",
            "1000", "--epochs", "1", "--model-cache", str(models), "--out", str(out),
            "--json", str(out / "points.json")]


def finished(db: Path) -> set[str]:
    if not db.exists():
        return set()
    try:
        with sqlite3.connect(db) as con:
            return {r[0] for r in con.execute("SELECT key FROM points")}
    except sqlite3.OperationalError:
        return set()


@pytest.mark.slow  # two sweeps in subprocesses: about 1-2 min idle, 8 min on a loaded box
def test_sigkill_then_resume_gives_the_same_points(tmp_path):
    env = {**os.environ, "PYTHONPATH": SRC}
    models = tmp_path / "models"
    # The model is trained once (so the killed run is killed while sweeping).
    subprocess.run([*command(tmp_path / "warm", models)[:-2]], env=env, check=True,
                   capture_output=True, timeout=900)
    out = tmp_path / "run"
    db = out / "points.sqlite"
    proc = subprocess.Popen(command(out, models), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while len(finished(db)) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = finished(db)
    assert 3 <= len(done_before) < CONFIGS  # killed mid-sweep
    subprocess.run(command(out, models), env=env, check=True, capture_output=True,
                   timeout=900)
    with sqlite3.connect(db) as con:
        events = con.execute("SELECT run, key FROM log WHERE event = 'start'").fetchall()
    runs = list(dict.fromkeys(r for r, _ in events))
    assert len(runs) == 2
    second = {k for r, k in events if r == runs[1]}
    assert not second & done_before  # nothing that had finished was evaluated again
    resumed = json.loads((out / "points.json").read_text())["points"]
    assert len(resumed) == CONFIGS
    # the uninterrupted run of the same sweep measured the same numbers
    with sqlite3.connect(tmp_path / "warm" / "points.sqlite") as con:
        warm = {k: json.loads(r) for k, r in con.execute("SELECT key, record FROM points")}
    for p in resumed:
        w = warm[p["key"]]
        assert (p["metric"], p["energy_pj"], p["cycles"], p["size_bits"]) == \
            (w["metric"], w["energy_pj"], w["cycles"], w["size_bits"])
    # one mapping file per distinct (layer signature, arch variant, options); a signature
    # searched twice would make the searches outnumber the files
    searched = sum(p["searched"] for p in resumed)
    assert 0 < searched <= len(list((out / "mappings").glob("*.json")))
