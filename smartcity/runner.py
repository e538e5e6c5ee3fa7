"""Run the project's DAGs with real Airflow (`dag.test()`), in this process, one after the other.
Used by `smartcity demo`/`smartcity run` (in a child process whose output goes to a log file) and
by the end-to-end tests. Exit code 1 when any DAG run fails."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from smartcity import airflow_env

POOLS_FILE = Path(__file__).with_name("pools.json")

# Extract DAGs first, then the transform that their Assets would trigger under a scheduler.
PIPELINE_DAGS = ("extract_bps", "extract_ckan", "extract_regency", "extract_spreadsheets", "transform_publish")


def ensure_metadata_db(env: dict[str, str]) -> None:
    """`airflow db migrate` once per Airflow home (SQLite under the project for the embedded default)."""
    conn = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    marker = Path(env["AIRFLOW_HOME"]) / ".migrated"
    if conn.startswith("sqlite:") and marker.exists():
        return
    airflow = Path(sys.executable).with_name("airflow")
    for args in (["db", "migrate"], ["pools", "import", str(POOLS_FILE)]):
        subprocess.run([str(airflow), *args], check=True, env={**os.environ, **env},
                       stdout=sys.stdout, stderr=sys.stderr)
    marker.write_text("ok\n")


def run_dags(dag_ids=PIPELINE_DAGS, conf: dict | None = None) -> dict[str, str]:
    env = airflow_env.apply()
    ensure_metadata_db(env)
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=env["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    states: dict[str, str] = {}
    for dag_id in dag_ids:
        dagrun = bag.get_dag(dag_id).test(run_conf=conf or None)
        states[dag_id] = str(getattr(dagrun.state, "value", dagrun.state))
        if states[dag_id] != "success":
            break
    return states


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dag_ids", nargs="*", default=list(PIPELINE_DAGS))
    parser.add_argument("--conf", default=None, help="JSON run configuration (params)")
    parser.add_argument("--states-out", default=None, help="write the DAG run states as JSON here")
    args = parser.parse_args(argv)
    states = run_dags(args.dag_ids, json.loads(args.conf) if args.conf else None)
    if args.states_out:
        Path(args.states_out).write_text(json.dumps(states))
    print(f"DAG run states: {states}")
    ok = len(states) == len(args.dag_ids) and all(s == "success" for s in states.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
