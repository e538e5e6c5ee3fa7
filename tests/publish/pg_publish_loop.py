"""Publisher process for the PostgreSQL kill test: publish the given DuckDB files to `dsn` forever."""
from __future__ import annotations

import sys

from smartcity.postgres import publish_marts_to_postgres

if __name__ == "__main__":
    dsn, files = sys.argv[1], sys.argv[2:]
    print("ready", flush=True)
    i = 0
    while True:
        publish_marts_to_postgres(files[i % len(files)], dsn, "bi-secret")
        i += 1
