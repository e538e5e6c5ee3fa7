"""Publisher process for the kill test: publish the given candidates one after another, forever."""
from __future__ import annotations

import sys

from smartcity.publish import publish

if __name__ == "__main__":
    candidates = sys.argv[1:]
    print("ready", flush=True)
    i = 0
    while True:
        publish(candidates[i % len(candidates)], keep_versions=3, exports=(i % 2 == 0), postgres_dsn="")
        i += 1
