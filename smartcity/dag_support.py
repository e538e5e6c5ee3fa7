"""What every DAG shares: retry policy and the one-line failure summary. Light imports only: this is
read at DAG parse time."""
from __future__ import annotations

import logging
import os
from datetime import timedelta

import pendulum

log = logging.getLogger("smartcity.alerts")

START_DATE = pendulum.datetime(2025, 1, 1, tz="Asia/Jakarta")
BPS_INTERVAL = "@weekly"  # extract_bps's data intervals; a rerun inside one does not ask BPS again


def on_task_failure(context) -> None:
    """One line an operator can act on: which source, which stage, why (secrets redacted)."""
    from extractors.secrets import redact

    ti = context.get("ti") or context.get("task_instance")
    reason = str(context.get("exception") or "unknown error").strip().splitlines()
    reason_line = redact(reason[0] if reason else "unknown error")
    log.error("pipeline failure: dag=%s stage=%s run=%s reason=%s",
              getattr(ti, "dag_id", "?"), getattr(ti, "task_id", "?"), getattr(ti, "run_id", "?"), reason_line)


def default_args() -> dict:
    return {
        "owner": "smartcity-data",
        "retries": int(os.environ.get("SMARTCITY_TASK_RETRIES", "2")),
        "retry_delay": timedelta(seconds=float(os.environ.get("SMARTCITY_TASK_RETRY_DELAY_S", "30"))),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=10),
        "on_failure_callback": on_task_failure,
    }
