"""One real Airflow run of every DAG (`python -m smartcity.runner`, `dag.test()`), everything it writes
under one root - landing zone, quarantine, manifests, warehouse and its versions, GX results and Data Docs,
dbt logs and target, exports, the Airflow home with its SQLite database and task logs - then a byte grep
for the BPS key. The run uses its own simulator whose BPS key also appears in URLs that fail (a 5xx burst
and 429s on BPS, retried), so error paths are logged too."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from reliability_kit import SCALE, SEED

pytestmark = [pytest.mark.reliability, pytest.mark.airflow, pytest.mark.slow]


@pytest.fixture(scope="module")
def airflow_run(tmp_path_factory):
    from simulator.drops import write_drops
    from simulator.server import run_in_thread

    from smartcity.airflow_env import airflow_env
    from smartcity_base.settings import relocated

    root = tmp_path_factory.mktemp("airflow_run")
    write_drops(root / "data" / "drop", seed=SEED, scale=SCALE, bad_rows_fraction=0.05)
    faults = {"server_error_burst": {"every": 40, "burst": 2, "systems": ["bps"]},
              "rate_limit": {"every": 60, "systems": ["bps"]}}
    with run_in_thread(seed=SEED, scale=SCALE, faults=faults) as sim:
        env = {**os.environ, **airflow_env(root / "airflow"), **relocated(root), **sim.connections,
               "SMARTCITY_AIRFLOW_HOME": str(root / "airflow"),   # the runner re-applies its home from this
               "SMARTCITY_TASK_RETRY_DELAY_S": "1", "SMARTCITY_GX_REGION_COVERAGE": "warning",
               "SMARTCITY_POSTGRES_URL": ""}
        states = root / "states.json"
        with open(root / "runner.log", "wb") as log:
            proc = subprocess.run([sys.executable, "-m", "smartcity.runner", "--states-out", str(states)],
                                  env=env, stdout=log, stderr=subprocess.STDOUT, timeout=600)
        return {"root": root, "rc": proc.returncode, "key": sim.bps_key,
                "states": json.loads(states.read_text()) if states.exists() else {},
                "requests": dict(sim.sim.requests)}


def test_the_airflow_run_succeeds(airflow_run):
    log = (airflow_run["root"] / "runner.log").read_text(errors="replace")[-3000:]
    assert airflow_run["rc"] == 0, log
    assert set(airflow_run["states"].values()) == {"success"} and len(airflow_run["states"]) == 5
    assert (airflow_run["root"] / "warehouse" / "smartcity.duckdb").exists()


def test_the_bps_key_is_in_no_file_the_run_wrote(airflow_run):
    root, key = airflow_run["root"], airflow_run["key"].encode()
    files = [p for p in root.rglob("*") if p.is_file()]
    # dag.test() runs the tasks in the runner's process: their logs are its output (runner.log) - files
    # under <AIRFLOW_HOME>/logs appear only with a scheduler/executor - and the metadata DB is airflow.db
    task_log = (root / "runner.log").read_text(errors="replace")
    assert "[DAG TEST] running task" in task_log and "extract_bps.extract_domains" in task_log
    assert (root / "airflow" / "airflow.db").exists()
    assert any(p.name == "_manifest.json" for p in files) and any(p.suffix == ".duckdb" for p in files)
    assert any(p.parts[-3:-1] == ("logs", "dbt") or p.name == "dbt.log" for p in files)
    leaks = [str(p.relative_to(root)) for p in files if key in p.read_bytes()]
    assert leaks == [], f"the BPS key is written in {len(leaks)} file(s): {leaks[:10]}"
