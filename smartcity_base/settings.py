"""Where things live. Every path can be moved with an environment variable; defaults sit under the
project folder so a fresh clone works without configuration (never the user's home)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
REFERENCE_DIR = DBT_PROJECT_DIR / "seeds" / "reference"
PROJECT_SEEDS_DIR = DBT_PROJECT_DIR / "seeds" / "project"
# The open-data portal registry: platform, state and title of every portal
PORTAL_REGISTRY = PROJECT_SEEDS_DIR / "ckan_portals.csv"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


# Environment variables that move each output folder (tests point them all at a temporary folder).
PATH_ENV = {
    "data": "SMARTCITY_DATA_DIR",
    "warehouse": "SMARTCITY_WAREHOUSE_DIR",
    "logs": "SMARTCITY_LOG_DIR",
    "exports": "SMARTCITY_EXPORTS_DIR",
}


def relocated(root: Path) -> dict[str, str]:
    """The environment that puts every output folder under `root`."""
    return {env: str(Path(root) / name) for name, env in PATH_ENV.items()}


def _path(env: str, default: Path) -> Path:
    value = os.environ.get(env)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    warehouse_dir: Path
    log_dir: Path

    @property
    def raw_dir(self) -> Path:
        """Landing zone: immutable Parquet partitions plus one manifest each."""
        return self.data_dir / "raw"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def drop_dir(self) -> Path:
        """Spreadsheet drops (XLSX/CSV) as regencies send them."""
        return self.data_dir / "drop"

    @property
    def build_dir(self) -> Path:
        """Candidate warehouses being built and audited; never read by BI tools."""
        return self.warehouse_dir / ".build"

    @property
    def published_path(self) -> Path:
        """The file BI tools open read-only. Only the publish step replaces it."""
        return self.warehouse_dir / "smartcity.duckdb"

    @property
    def published_inputs_path(self) -> Path:
        """The inputs fingerprint the served warehouse was built from (after a rollback: the inputs of the
        version rolled back from, so they are not published again)."""
        return self.warehouse_dir / "published_inputs.json"

    @property
    def versions_dir(self) -> Path:
        return self.warehouse_dir / "versions"

    @property
    def docs_dir(self) -> Path:
        return self.warehouse_dir / "docs"

    @property
    def keep_versions(self) -> int:
        return max(1, int(operation_setting("keep_versions")))

    @property
    def candidate_retention_hours(self) -> float:
        return operation_setting("candidate_retention_hours")

    @property
    def log_retention_days(self) -> float:
        return operation_setting("log_retention_days")

    @property
    def airflow_db_retention_days(self) -> float:
        return operation_setting("airflow_db_retention_days")

    @property
    def dbt_timeout_s(self) -> float:
        return operation_setting("dbt_timeout_s")

    @property
    def exports_dir(self) -> Path:
        return _path("SMARTCITY_EXPORTS_DIR", PROJECT_ROOT / "exports")


def _number(env: str, default: float) -> float:
    value = os.environ.get(env, "").strip()
    try:
        return float(value) if value else default
    except ValueError:
        raise ValueError(f"{env}={value!r} is not a number (default {default})") from None


# Operations settings: (environment variable, default). docs/operations.md lists them.
OPERATION_DEFAULTS = {
    "keep_versions": ("SMARTCITY_KEEP_VERSIONS", 5),              # published versions kept for rollback
    "candidate_retention_hours": ("SMARTCITY_CANDIDATE_RETENTION_HOURS", 24),  # failed runs' candidates
    "log_retention_days": ("SMARTCITY_LOG_RETENTION_DAYS", 30),   # run logs under logs/
    "airflow_db_retention_days": ("SMARTCITY_AIRFLOW_DB_RETENTION_DAYS", 30),  # `airflow db clean`
    "dbt_timeout_s": ("SMARTCITY_DBT_TIMEOUT_S", 1800),            # one dbt command
    "task_timeout_min": ("SMARTCITY_TASK_TIMEOUT_MIN", 60),        # execution_timeout of every task
}


def operation_setting(name: str) -> float:
    env, default = OPERATION_DEFAULTS[name]
    return _number(env, default)


def get_settings() -> Settings:
    return Settings(
        data_dir=_path("SMARTCITY_DATA_DIR", PROJECT_ROOT / "data"),
        warehouse_dir=_path("SMARTCITY_WAREHOUSE_DIR", PROJECT_ROOT / "warehouse"),
        log_dir=_path("SMARTCITY_LOG_DIR", PROJECT_ROOT / "logs"),
    )
