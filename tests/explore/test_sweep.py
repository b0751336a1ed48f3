"""Sweeps: deterministic for a seed, the same on Dask as in-process, and resumable after
SIGKILL with nothing lost and nothing evaluated twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from picojoule.explore import DaskExecutor, SerialExecutor, explore, load_space


def stored(db: Path) -> int:
    """Layers plus trials in the store (0 before it exists)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db) as con:
            return sum(con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                       for t in ("layers", "trials"))
    except sqlite3.OperationalError:  # created but the tables not yet
        return 0


def rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT number, params, vals, feasible, why FROM trials "
                           "ORDER BY number").fetchall()


@pytest.mark.parametrize("sampler", ["nsga2", "random", "grid"])
def test_same_seed_same_designs_bit_for_bit(space_file, tmp_path: Path, sampler: str) -> None:
    space = load_space(space_file(sampler, trials=8))
    a = explore(space, tmp_path / "a.db", SerialExecutor())
    b = explore(space, tmp_path / "b.db", SerialExecutor())
    assert rows(tmp_path / "a.db") == rows(tmp_path / "b.db")
    assert len(a.trials) == 8 and a.front == b.front
    # every layer of every design was searched at most once: distinct keys only
    with sqlite3.connect(tmp_path / "a.db") as con:
        keys = [k for (k,) in con.execute("SELECT key FROM layers")]
    assert len(keys) == len(set(keys)) == a.searched_layers


def test_a_two_worker_local_cluster_gives_the_serial_results(space_file, tmp_path: Path
                                                             ) -> None:
    space = load_space(space_file("nsga2", trials=8))
    explore(space, tmp_path / "serial.db", SerialExecutor())
    executor = DaskExecutor.local(2)
    try:
        assert executor.workers == 2
        explore(space, tmp_path / "dask.db", executor)
    finally:
        executor.close()
    assert rows(tmp_path / "dask.db") == rows(tmp_path / "serial.db")


def test_resume_without_the_flag_refuses_to_overwrite(space_file, tmp_path: Path) -> None:
    from picojoule.errors import SpecError

    space = load_space(space_file("random", trials=2))
    explore(space, tmp_path / "s.db", SerialExecutor())
    with pytest.raises(SpecError, match="--resume"):
        explore(space, tmp_path / "s.db", SerialExecutor())
    other = load_space(space_file("grid", trials=2, name="other.yaml"))
    with pytest.raises(SpecError, match="another sweep"):
        explore(other, tmp_path / "s.db", SerialExecutor(), resume=True)


def test_sigkill_ten_times_then_resume_equals_an_uninterrupted_run(space_file,
                                                                   tmp_path: Path) -> None:
    """Kill the CLI at ten random moments, resuming each time: the final store holds exactly
    the trials of an uninterrupted run (none doubled, none lost), and no layer was searched
    twice (each layer search is stored the moment it ends)."""
    path = space_file("nsga2", trials=24)
    explore(load_space(path), tmp_path / "clean.db", SerialExecutor())
    db = tmp_path / "killed.db"
    cmd = [sys.executable, "-m", "picojoule.cli.main", "explore", str(path), "--serial",
           "--store", str(db), "--resume", "--json"]
    rng = np.random.default_rng(7)
    kills = 0
    for _ in range(10):
        before = stored(db)
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while proc.poll() is None and stored(db) == before and time.monotonic() < deadline:
            time.sleep(0.02)  # wait for this run to store something, then kill it soon after
        time.sleep(float(rng.uniform(0.0, 0.3)))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait(timeout=30)
    final = subprocess.run(cmd, capture_output=True, timeout=300)
    assert final.returncode == 0, final.stderr.decode()[-500:]
    assert kills == 10  # every run died mid-sweep
    assert rows(db) == rows(tmp_path / "clean.db")
    with sqlite3.connect(db) as a, sqlite3.connect(tmp_path / "clean.db") as b:
        assert sorted(a.execute("SELECT key, record FROM layers")) == \
            sorted(b.execute("SELECT key, record FROM layers"))


def test_killing_a_dask_sweep_leaves_no_worker_behind(space_file, tmp_path: Path) -> None:
    import psutil

    path = space_file("nsga2", trials=400)
    proc = subprocess.Popen([sys.executable, "-m", "picojoule.cli.main", "explore", str(path),
                             "--workers", "2", "--store", str(tmp_path / "d.db"), "--json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while stored(tmp_path / "d.db") < 3 and time.monotonic() < deadline:
        time.sleep(0.05)  # the cluster is up and computing
    children = psutil.Process(proc.pid).children(recursive=True)
    assert len([c for c in children if "dask worker" in " ".join(c.cmdline())]) == 2
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    _gone, alive = psutil.wait_procs(children, timeout=20)
    assert not alive, [c.pid for c in alive]
