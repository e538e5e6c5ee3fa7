"""Airflow configuration for the embedded default: metadata in SQLite under the project (never the
user's home), DAGs from `dags/`, no examples, nothing that phones home."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from smartcity_base.settings import PROJECT_ROOT

# Telemetry switches of every tool in the stack; none may try to reach the internet.
NO_TELEMETRY = {
    "DO_NOT_TRACK": "1",
    "SCARF_ANALYTICS": "false",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "GX_ANALYTICS_ENABLED": "False",
}


def airflow_home() -> Path:
    return Path(os.environ.get("SMARTCITY_AIRFLOW_HOME", PROJECT_ROOT / ".airflow")).resolve()


def airflow_env(home: Path | None = None, sql_alchemy_conn: str | None = None) -> dict[str, str]:
    home = (home or airflow_home()).resolve()
    return {
        **NO_TELEMETRY,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sql_alchemy_conn or f"sqlite:///{home}/airflow.db",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH": str(home / "bundles"),
        # The project packages must be importable by task processes wherever they run.
        "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p),
        # `airflow` (and dbt) of this project's environment first on PATH
        "PATH": os.pathsep.join(p for p in (str(Path(sys.executable).parent), os.environ.get("PATH", "")) if p),
    }


def apply(home: Path | None = None) -> dict[str, str]:
    """Set the embedded-default Airflow environment in this process (before importing airflow)."""
    env = airflow_env(home)
    os.environ.update(env)
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    return env
