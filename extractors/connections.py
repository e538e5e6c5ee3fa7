"""Airflow connections, without importing Airflow.

Extractors call `get_connection(conn_id)`. By default it reads the environment; the DAG support layer
(`smartcity.connections.install()`) registers a resolver that asks Airflow (its connection API and
secrets backends, the environment being one of them) and hands back plain values, so this module and
every extractor stay free of Airflow.

`AIRFLOW_CONN_<ID>` holds either Airflow's URI form (`http://login:password@host:port/schema?extra=..`)
or its JSON form (`{"conn_type": "http", "host": ..., "password": ...}`). Host, port and schema give the
base URL; the password is the secret (BPS App ID, regency token)."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from extractors import secrets
from extractors.errors import ConnectionConfigError


@dataclass(frozen=True)
class Connection:
    conn_id: str
    conn_type: str = "http"
    host: str = ""
    port: int | None = None
    schema: str = ""
    login: str | None = None
    password: str | None = field(default=None, repr=False)  # never in repr or logs
    extra: dict = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        """`scheme://host[:port]/schema` without a trailing slash and without credentials."""
        if "://" in self.host:  # Airflow allows a full URL in host
            root = self.host.rstrip("/")
        else:
            scheme = self.extra.get("scheme") or ("https" if self.conn_type == "https" else "http")
            root = f"{scheme}://{self.host}" + (f":{self.port}" if self.port else "")
        schema = self.schema.strip("/")
        return f"{root}/{quote(schema, safe='/')}" if schema else root

    @property
    def secret(self) -> str | None:
        return self.password


def env_var(conn_id: str) -> str:
    return "AIRFLOW_CONN_" + conn_id.upper()


def parse_uri(conn_id: str, uri: str) -> Connection:
    """Airflow's URI form: scheme is the conn type, path (minus the leading /) is the schema, the query
    string is `extra` (or `__extra__` holding JSON)."""
    parts = urlsplit(uri)
    if not parts.scheme or not parts.hostname:
        raise ConnectionConfigError(f"connection {conn_id}: not a URI (expected scheme://host...)")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    extra = json.loads(query.pop("__extra__")) if "__extra__" in query else query
    try:
        port = parts.port
    except ValueError as exc:
        raise ConnectionConfigError(f"connection {conn_id}: bad port ({exc})") from None
    return Connection(
        conn_id=conn_id,
        conn_type=parts.scheme.replace("-", "_"),
        host=unquote(parts.hostname),
        port=port,
        schema=unquote(parts.path.lstrip("/")),
        login=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        extra=extra,
    )


def parse_json(conn_id: str, text: str) -> Connection:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise ConnectionConfigError(f"connection {conn_id}: invalid JSON") from None
    extra = data.get("extra") or {}
    if isinstance(extra, str):
        extra = json.loads(extra) if extra.strip() else {}
    return Connection(
        conn_id=conn_id,
        conn_type=data.get("conn_type") or "http",
        host=data.get("host") or "",
        port=int(data["port"]) if data.get("port") not in (None, "") else None,
        schema=data.get("schema") or "",
        login=data.get("login"),
        password=data.get("password"),
        extra=extra,
    )


# A function conn_id -> dict of plain fields (conn_type, host, port, schema, login, password, extra) or
# None when the connection does not exist. Set by the orchestration layer; None: environment only.
_resolver = None


def use_resolver(resolver) -> None:
    """Resolve connections through `resolver(conn_id) -> dict | None` (None restores env-only)."""
    global _resolver
    _resolver = resolver


def from_fields(conn_id: str, fields: dict) -> Connection:
    extra = fields.get("extra") or {}
    if isinstance(extra, str):
        extra = json.loads(extra) if extra.strip() else {}
    port = fields.get("port")
    return Connection(conn_id=conn_id, conn_type=fields.get("conn_type") or "http", host=fields.get("host") or "",
                      port=int(port) if port not in (None, "") else None, schema=fields.get("schema") or "",
                      login=fields.get("login"), password=fields.get("password"), extra=extra)


def get_connection(conn_id: str, environ: dict | None = None) -> Connection:
    """The connection from the registered resolver (Airflow), else `AIRFLOW_CONN_<CONN_ID>`; its secret is
    registered for redaction."""
    if environ is None and _resolver is not None:
        fields = _resolver(conn_id)
        if fields is None:
            raise ConnectionConfigError(f"connection {conn_id} is not configured: add it in Airflow "
                                        f"(`airflow connections add {conn_id} ...`) or set {env_var(conn_id)}")
        conn = from_fields(conn_id, fields)
        secrets.register(conn.password)
        return conn
    env = os.environ if environ is None else environ
    name = env_var(conn_id)
    value = env.get(name)
    if not value:
        raise ConnectionConfigError(f"connection {conn_id} is not configured: set {name}")
    value = value.strip()
    conn = parse_json(conn_id, value) if value.startswith("{") else parse_uri(conn_id, value)
    secrets.register(conn.password)
    return conn
