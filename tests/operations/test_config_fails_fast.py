"""A configuration error fails the DAG at its first task, without retries, saying what to fix (it used to
be retried like an outage: a missing BPS connection took 2 min 15 s to fail). Real Airflow, `dag.test()`."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from smartcity.airflow_env import airflow_env
from smartcity_base.settings import PROJECT_ROOT, relocated

pytestmark = [pytest.mark.airflow, pytest.mark.slow]


def test_a_missing_bps_connection_fails_at_once_with_the_fix(tmp_path):
    home = tmp_path / "airflow"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_")},
           **airflow_env(home), **relocated(tmp_path), "SMARTCITY_AIRFLOW_HOME": str(home),
           "SMARTCITY_TASK_RETRIES": "2", "SMARTCITY_TASK_RETRY_DELAY_S": "30"}
    states_file = tmp_path / "states.json"
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "smartcity.runner", "extract_bps", "--states-out", str(states_file)],
                          env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    elapsed = time.monotonic() - started
    out = proc.stdout + proc.stderr
    assert json.loads(states_file.read_text()) == {"extract_bps": "failed"}, out[-3000:]
    db = sqlite3.connect(home / "airflow.db")
    try:
        rows = db.execute("select task_id, state, try_number from task_instance where dag_id = 'extract_bps'"
                          ).fetchall()
        run_s = db.execute("select (julianday(end_date) - julianday(start_date)) * 86400 from dag_run "
                           "where dag_id = 'extract_bps'").fetchone()[0]
    finally:
        db.close()
    states = {task: (state, tries) for task, state, tries in rows}
    assert states["check_config"] == ("failed", 1), states
    assert states["plan_domain_batches"][0] == "upstream_failed"
    assert "connection smartcity_bps is not configured" in out and "airflow connections add smartcity_bps" in out
    print(f"DAG run failed after {run_s:.1f}s ({elapsed:.1f}s with Airflow's start)")
    assert run_s < 60  # no retry delays (2 retries with 30 s exponential backoff take 90 s and more)
