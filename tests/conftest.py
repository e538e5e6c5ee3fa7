"""Test-wide environment: every path the project writes goes under a temporary folder, Airflow uses
its own SQLite home there, and nothing phones home."""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from smartcity.airflow_env import NO_TELEMETRY, airflow_env

_SESSION_ROOT = Path(os.environ.get("SMARTCITY_TEST_ROOT", "/tmp/smartcity-tests")) / str(os.getpid())


def pytest_configure(config):
    os.environ.update(NO_TELEMETRY)
    os.environ.setdefault("SMARTCITY_AIRFLOW_HOME", str(_SESSION_ROOT / "airflow"))
    for key, value in airflow_env(Path(os.environ["SMARTCITY_AIRFLOW_HOME"])).items():
        os.environ.setdefault(key, value)


def postgres_reachable(host: str = "127.0.0.1", port: int = 5432) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def project_paths(tmp_path, monkeypatch):
    """Point data, warehouse, logs and exports at a fresh temporary folder."""
    from smartcity_base.settings import get_settings, relocated

    for key, value in relocated(tmp_path).items():
        monkeypatch.setenv(key, value)

    return get_settings()


@pytest.fixture(scope="session")
def postgres_dsn():
    """The PostgreSQL server of the machine; skipped on a laptop without one, required under CI."""
    if not postgres_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is required under CI but is not reachable")
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is not reachable (start it to run these tests)")
    return "postgresql://postgres@127.0.0.1:5432/postgres"
