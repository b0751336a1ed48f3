"""The HTML report in a real headless Chromium (Debian's, which `make test` installs when
missing): it loads without console errors, fetches nothing (a dead proxy catches any attempt,
and the page names no external resource), and every plot has drawn marks. A screenshot is
kept in out/test-artifacts/ for a person to look at."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from picojoule.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "out" / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--proxy-server=127.0.0.1:9", "--enable-logging=stderr", "--v=0",
         "--virtual-time-budget=15000"]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Chromium is needed for this test: `make test` installs Debian's package "
                    "(apt-get install chromium)")
    return found


def run_browser(page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *extra,
                               page.as_uri()], capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "lenet5 <eyeriss>.html"
    assert main(["analyze", "lenet-5", "--arch", "eyeriss", "--budget", "2000",
                 "--report", str(path)]) == 0
    return path


def test_report_names_no_external_resource(report: Path) -> None:
    text = report.read_text()
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=[\"']?https?:", text)


def test_report_loads_without_console_errors_and_every_plot_draws(report: Path) -> None:
    out = run_browser(report, "--dump-dom")
    console = [line for line in out.stderr.splitlines() if ":CONSOLE" in line]
    errors = [line for line in console if re.search(r"Uncaught|Error|Failed to load", line)]
    assert not errors, errors
    dom = out.stdout
    plots = re.findall(r'id="plot-(\d+)"', dom)
    assert len(plots) == 4
    for i in range(4):  # each plot's section of the DOM has an SVG with drawn bars
        start = dom.index(f'id="plot-{i}"')
        end = dom.find(f'id="plot-{i + 1}"', start) if i < 3 else len(dom)
        section = dom[start:end]
        assert "main-svg" in section and section.count('class="point"') >= 1, i


def test_screenshot_is_kept_as_an_artifact(report: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "analyze-report.png"
    shot.unlink(missing_ok=True)
    run_browser(report, f"--screenshot={shot}", "--window-size=1280,2400")
    assert shot.exists() and shot.stat().st_size > 20_000
