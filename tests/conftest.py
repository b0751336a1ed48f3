"""Suite-wide settings. Under CI (CI=true) hypothesis replays a fixed set of examples, so a
landing never depends on which random cases a run happens to draw; developers' runs and
`make test-slow` keep exploring new ones."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")


# -- the fuzz suite's counts (tests/fuzz): summed over every test, printed as one line ----------
_FUZZ: dict[str, int] = {}


def pytest_runtest_logreport(report: Any) -> None:
    """Collect the ``fuzz`` property of each test (it arrives here from xdist workers too)."""
    if report.when != "call":
        return
    for name, value in getattr(report, "user_properties", ()):
        if name == "fuzz" and isinstance(value, dict):
            for key, count in value.items():
                _FUZZ[key] = _FUZZ.get(key, 0) + int(count)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _FUZZ:
        terminalreporter.write_line(
            f"fuzz: {_FUZZ.get('cases', 0)} cases, tracebacks {_FUZZ.get('traceback', 0)}, "
            f"hangs {_FUZZ.get('hang', 0)}, exit-0 nonsense {_FUZZ.get('nonsense', 0)}")
