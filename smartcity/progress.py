"""Stage-by-stage progress for people watching a run. Tasks append JSON lines to the file named by
SMARTCITY_PROGRESS_FILE (the demo tails it); framework logs go elsewhere."""
from __future__ import annotations

import json
import logging
import os
import time

log = logging.getLogger("smartcity.progress")


def report(stage: str, message: str, **fields) -> None:
    event = {"ts": time.time(), "stage": stage, "message": message, **fields}
    log.info("[%s] %s", stage, message)
    path = os.environ.get("SMARTCITY_PROGRESS_FILE")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(event, default=str) + "\n")
