"""What every DAG shares: retry policy, timeouts, failure alerts, the configuration check that opens each
DAG, and the publish deadline. Light imports only: this is read at DAG parse time."""
from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import timedelta

import pendulum

from smartcity.alerts import notify_failure
from smartcity_base.settings import operation_setting

TIMEZONE = "Asia/Jakarta"
START_DATE = pendulum.datetime(2025, 1, 1, tz=TIMEZONE)
BPS_INTERVAL = "@weekly"  # extract_bps's data intervals; a rerun inside one does not ask BPS again
PUBLISH_BY = "06:00"      # Asia/Jakarta: the daily runs should have published by then (deadline alert)

# Kept for callers of the former name: the one-line failure summary is now the notifier's job.
on_task_failure = notify_failure


def default_args() -> dict:
    return {
        "owner": "smartcity-data",
        "retries": int(os.environ.get("SMARTCITY_TASK_RETRIES", "2")),
        "retry_delay": timedelta(seconds=float(os.environ.get("SMARTCITY_TASK_RETRY_DELAY_S", "30"))),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=10),
        "execution_timeout": timedelta(minutes=operation_setting("task_timeout_min")),
        "on_failure_callback": notify_failure,
    }


def dag_args(**overrides) -> dict:
    """Arguments every DAG takes: Jakarta start date, no catch-up, one run at a time (backfills too),
    failure alerts at the DAG level as well."""
    # unpaused on creation: a deployment that starts runs its schedules without a click in the UI
    args = {"start_date": START_DATE, "catchup": False, "max_active_runs": 1, "default_args": default_args(),
            "on_failure_callback": notify_failure, "is_paused_upon_creation": False}
    args.update(overrides)
    return args


def deadlines_enabled() -> bool:
    """Deadline Alerts are experimental in Airflow 3.3 and `dag.test()` (the demo, the tests) fails on them
    when a run succeeds (3.3.2: "'dict' object has no attribute 'hex'" looking up the alert): opt in with
    SMARTCITY_DEADLINE_ALERTS=1 on a scheduler deployment (the triggerer runs the callback)."""
    return os.environ.get("SMARTCITY_DEADLINE_ALERTS", "0").strip().lower() in ("1", "true", "yes")


def publish_deadline():
    """Deadline Alert for a daily DAG: its run for a day has not finished by 06:00 Asia/Jakarta (the
    logical date of a daily run is midnight Jakarta time), so the warehouse was not published on time.
    None unless enabled (`deadlines_enabled`)."""
    if not deadlines_enabled():
        return None
    from airflow.sdk.definitions.deadline import AsyncCallback, DeadlineAlert, DeadlineReference

    hours, minutes = (int(x) for x in PUBLISH_BY.split(":"))
    return DeadlineAlert(reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
                         interval=timedelta(hours=hours, minutes=minutes),
                         callback=AsyncCallback("smartcity.alerts.deadline_missed",
                                                kwargs={"deadline": f"not published by {PUBLISH_BY} {TIMEZONE}"}))


def build_deadline():
    """Deadline Alert for transform_publish: a build and publish still not done 2 hours after it was queued."""
    if not deadlines_enabled():
        return None
    from airflow.sdk.definitions.deadline import AsyncCallback, DeadlineAlert, DeadlineReference

    return DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(hours=2),
                         callback=AsyncCallback("smartcity.alerts.deadline_missed",
                                                kwargs={"deadline": "not published within 2 h of being triggered"}))


def check_configuration(kinds: set[str], warn_kinds: frozenset[str] = frozenset()) -> str:
    """The first task of every DAG: `smartcity doctor` for what this DAG uses. A configuration error fails
    the task at once (no retry) with what to fix; problems of `warn_kinds` are logged as warnings only
    (a landed dataset no model reads must not hold back the publish of everything else)."""
    import logging

    from airflow.sdk.exceptions import AirflowFailException

    from smartcity import connections, doctor

    connections.install()
    problems = doctor.diagnose(kinds | set(warn_kinds))
    for problem in (p for p in problems if p.kind in warn_kinds):
        logging.getLogger("smartcity.doctor").warning("configuration warning: %s", problem)
    errors = [p for p in problems if p.kind not in warn_kinds]
    if errors:
        raise AirflowFailException(f"{len(errors)} configuration problem(s); fix and rerun (`smartcity doctor` "
                                   "lists them):\n" + "\n".join(f"  {p}" for p in errors))
    return "configuration OK: " + ", ".join(sorted(kinds)) + (f" ({len(problems)} warning(s))" if problems else "")


@contextmanager
def in_task():
    """Around each task body: connections through Airflow; a configuration error (missing connection,
    bad sources.yml) is not retried."""
    from airflow.sdk.exceptions import AirflowFailException

    from extractors.errors import ConnectionConfigError, RegistryError
    from smartcity import connections
    from smartcity.doctor import ConfigurationError

    connections.install()
    try:
        yield
    except (ConnectionConfigError, RegistryError, ConfigurationError) as exc:
        raise AirflowFailException(f"configuration error (not retried): {exc}") from None


def airflow_db_url() -> str:
    """The metadata database's SQLAlchemy URL for `airflow db clean`, from connection `smartcity_airflow_db`
    (a `postgres` connection, or any connection whose host is the full URL); skips the task when absent."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException, AirflowSkipException

    try:
        conn = Connection.get("smartcity_airflow_db")
    except AirflowNotFoundException:
        raise AirflowSkipException("no connection smartcity_airflow_db: Airflow's metadata is not cleaned "
                                   "(add it to enable `airflow db clean`; docs/operations.md)") from None
    if "://" in (conn.host or ""):
        return conn.host
    return conn.get_uri().replace("postgres://", "postgresql+psycopg://", 1).replace(
        "postgresql://", "postgresql+psycopg://", 1)
