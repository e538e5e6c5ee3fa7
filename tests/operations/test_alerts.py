"""A failing task reaches the operator: real Airflow (`dag.test()`) runs a DAG built with the project's DAG
arguments; its mapped task fails with the BPS key in the error; the failure notifier POSTs to a loopback
webhook (an Airflow connection); the message names DAG, task, source and reason, with the key redacted."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from smartcity.airflow_env import airflow_env
from smartcity_base.settings import PROJECT_ROOT, relocated

pytestmark = [pytest.mark.airflow, pytest.mark.slow]

BPS_KEY = "k3y-0f-bps-7f2c9a"

DAG_FILE = '''
"""Test DAG: the project's DAG arguments and notifier around one failing mapped extract."""
from airflow.sdk import dag, task

from smartcity.dag_support import dag_args, in_task


@dag(schedule=None, **dag_args())
def extract_bps():
    @task(map_index_template="domains {{ task.op_kwargs['domains'][0] }}")
    def extract_domains(domains):
        from extractors.connections import get_connection
        with in_task():
            conn = get_connection("smartcity_bps")
        raise RuntimeError(f"BPS answered 500 for {conn.base_url}/list/model/data/domain/{domains[0]}/key/"
                           f"{conn.password}/ (token {conn.password})\\nsecond line")

    extract_domains.expand(domains=[["3500"]])


extract_bps()
'''

RUNNER = '''
import sys
from airflow.dag_processing.dagbag import DagBag
from smartcity.runner import ensure_metadata_db
import os
ensure_metadata_db(dict(os.environ))
bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
assert not bag.import_errors, bag.import_errors
run = bag.get_dag("extract_bps").test()
print("STATE", run.state)
'''


class Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Hook.received.append({"path": self.path, "auth": self.headers.get("Authorization"),
                              "body": json.loads(body)})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_task_failure_reaches_a_loopback_webhook_redacted(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "alert_probe.py").write_text(textwrap.dedent(DAG_FILE))
    env = {**os.environ, **airflow_env(tmp_path / "airflow"), **relocated(tmp_path),
           "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
           "SMARTCITY_TASK_RETRIES": "0",
           "AIRFLOW_CONN_SMARTCITY_BPS": f"http://:{BPS_KEY}@127.0.0.1:9/bps/v1/api",
           "AIRFLOW_CONN_SMARTCITY_ALERT_WEBHOOK": f"http://:hook-secret-123@127.0.0.1:{port}/alerts"}
    try:
        proc = subprocess.run([sys.executable, "-c", RUNNER], env=env, cwd=PROJECT_ROOT, capture_output=True,
                              text=True, timeout=300)
    finally:
        server.shutdown()
    out = proc.stdout + proc.stderr
    assert "STATE failed" in out, out[-3000:]
    task_alerts = [r for r in Hook.received if r["body"].get("task_id") == "extract_domains"]
    assert task_alerts, f"no task alert reached the webhook; got {Hook.received}\n{out[-2000:]}"
    msg = task_alerts[0]["body"]
    assert task_alerts[0]["path"] == "/alerts"
    assert task_alerts[0]["auth"] == "Bearer hook-secret-123"
    assert msg["dag_id"] == "extract_bps"
    assert msg["event"] == "failure"
    assert msg["source"] == "bps/domains 3500"
    assert msg["reason"].startswith("BPS answered 500 for http://127.0.0.1:9/bps/v1/api/list/model/data/domain/3500")
    assert "second line" not in msg["reason"]
    everything = json.dumps(Hook.received)
    assert BPS_KEY not in everything and "/key/***/" in msg["reason"]
    assert "extract_bps.extract_domains[domains 3500] source=bps/domains 3500" in msg["text"]
