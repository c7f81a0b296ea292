"""Named points where a run can be told to stop, so crash tests can SIGKILL it at a known moment.

``CREATIVE_SESSIONS_PAUSE_AT=lake-commit`` (a comma-separated list of names) makes a run that
reaches the point print ``pause point <name> reached`` to stderr and sleep until it is killed.
Unset, which it always is outside the tests, a point costs one environment lookup. Points:

- ``lake-commit``: a lake partition file is fully written to its temp name, not yet renamed;
- ``embedding``: the first batch of images or prompts is embedded, nothing of it written;
- ``intents-commit``: the intent tables are written to temp names, none renamed yet;
- ``intents-partial``: one intent table (member_phases) renamed into place, the others not.
"""

from __future__ import annotations

import os
import sys
import time

PAUSE_ENV = "CREATIVE_SESSIONS_PAUSE_AT"


def pause_point(name: str) -> None:
    """Block forever here when ``$CREATIVE_SESSIONS_PAUSE_AT`` names this point."""
    if name not in os.environ.get(PAUSE_ENV, "").split(","):
        return
    sys.stderr.write(f"pause point {name} reached (pid {os.getpid()})\n")
    sys.stderr.flush()
    while True:
        time.sleep(60)
