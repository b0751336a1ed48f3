"""Suite-wide settings. Under CI (CI=true) hypothesis replays a fixed set of examples, so a
landing never depends on which random cases a run happens to draw; developers' runs and
`make test-slow` keep exploring new ones."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")
