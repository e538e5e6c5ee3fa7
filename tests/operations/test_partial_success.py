"""Partial success publishes: one CKAN portal fails, the others land, `record_landing` still runs and
emits the Asset event that triggers the publish, and the run is still marked failed. One portal's
connection exists only in Airflow's metadata database (`airflow connections add`): it is discovered from
the portal registry and read through Airflow's connection API. Real Airflow (`dag.test()` through the
runner `smartcity run` uses) against the simulator."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from smartcity.airflow_env import airflow_env
from smartcity_base.settings import PROJECT_ROOT, relocated

pytestmark = [pytest.mark.airflow, pytest.mark.slow]


def test_one_failed_portal_does_not_hold_back_the_others(tmp_path):
    from simulator.server import run_in_thread

    from extractors.landing import read_manifests

    home = tmp_path / "airflow"
    with run_in_thread(seed=7, scale=60) as sim:
        conns = dict(sim.connections)
        # JATIM's connection points at a portal the server does not have: 404, not retried
        jatim = "AIRFLOW_CONN_SMARTCITY_CKAN_JATIM"
        conns[jatim] = conns[jatim].rsplit("/", 1)[0] + "/nope"
        muaraenim = conns.pop("AIRFLOW_CONN_SMARTCITY_CKAN_MUARAENIM")
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_")},
               **airflow_env(home), **relocated(tmp_path), **conns, "SMARTCITY_TASK_RETRIES": "0",
               "SMARTCITY_AIRFLOW_HOME": str(home)}
        setup = ("import os; from smartcity.runner import ensure_metadata_db; ensure_metadata_db(dict(os.environ))")
        subprocess.run([sys.executable, "-c", setup], env=env, cwd=PROJECT_ROOT, check=True, capture_output=True,
                       timeout=300)
        airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
        subprocess.run([airflow, "connections", "add", "smartcity_ckan_muaraenim", "--conn-uri", muaraenim],
                       env=env, check=True, capture_output=True, timeout=120)
        states_file = tmp_path / "states.json"
        proc = subprocess.run([sys.executable, "-m", "smartcity.runner", "extract_ckan", "--states-out",
                               str(states_file)], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True,
                              timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out[-3000:]
    assert json.loads(states_file.read_text()) == {"extract_ckan": "failed"}
    portals = {m["partition_values"].get("portal") for m in read_manifests(tmp_path / "data" / "raw", "ckan")}
    db = sqlite3.connect(home / "airflow.db")
    try:
        states = dict(db.execute("select coalesce(rendered_map_index, task_id), state from task_instance "
                                 "where dag_id = 'extract_ckan'").fetchall())
        events = db.execute("select count(*) from asset_event e join asset a on a.id = e.asset_id "
                            "where a.uri = 'smartcity://raw/ckan'").fetchone()[0]
    finally:
        db.close()
    assert {"nasional", "muaraenim"} <= portals and "jatim" not in portals, (states, out[-4000:])
    assert states["jatim"] == "failed" and states["nasional"] == "success", states
    assert states["record_landing"] == "success" and states["every_portal_landed"] == "upstream_failed", states
    assert events == 1  # the publish is triggered by what landed
