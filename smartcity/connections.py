"""Connections through Airflow: its connection API and secrets backends (the environment's
`AIRFLOW_CONN_*` variables are one backend, the metadata database and Vault/AWS/GCP backends others).
The orchestration side resolves a connection and hands plain values to the extractors
(`extractors.connections.use_resolver`), which never import Airflow."""
from __future__ import annotations

import os

CKAN_PORTALS_ENV = "SMARTCITY_CKAN_PORTALS"
CKAN_PREFIX = "smartcity_ckan_"


def airflow_fields(conn_id: str) -> dict | None:
    """Plain fields of an Airflow connection, or None when no backend defines it."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = Connection.get(conn_id)
    except AirflowNotFoundException:
        return None
    return {"conn_type": conn.conn_type, "host": conn.host, "port": conn.port, "schema": conn.schema,
            "login": conn.login, "password": conn.password, "extra": conn.extra_dejson}


def install() -> None:
    """Make every extractor in this process resolve connections through Airflow."""
    from extractors.connections import use_resolver

    use_resolver(airflow_fields)


def conn_exists(conn_id: str) -> bool:
    try:
        return airflow_fields(conn_id) is not None
    except Exception:  # no Airflow configured (plain CLI use): the environment decides
        return bool(os.environ.get("AIRFLOW_CONN_" + conn_id.upper()))


def ckan_portals(through_airflow: bool = False) -> list[str]:
    """Portals to harvest: the explicit list `SMARTCITY_CKAN_PORTALS`, else every portal of the registry
    seed (`ckan_portals.csv`) that has a connection `smartcity_ckan_<portal>` in Airflow, plus portals
    whose connection is in the environment (a portal missing from the registry is then reported by
    `smartcity doctor`). Without `through_airflow` (plain CLI, benchmarks) only the environment counts."""
    explicit = os.environ.get(CKAN_PORTALS_ENV)
    if explicit:
        return [p.strip().lower() for p in explicit.split(",") if p.strip()]
    from smartcity.doctor import _portal_registry

    env_prefix = "AIRFLOW_CONN_" + CKAN_PREFIX.upper()
    from_env = {k[len(env_prefix):].lower() for k in os.environ if k.startswith(env_prefix)}
    from_registry = {p.lower() for p in _portal_registry() if through_airflow and p.lower() not in from_env
                     and conn_exists(CKAN_PREFIX + p.lower())}
    return sorted(from_env | from_registry)
