"""Open-data portals are platforms plus configuration. The registry (`seeds/project/ckan_portals.csv`)
names each portal's platform (`ckan`, `jabar`; room for others) and its state (`active`, `blocked`: it
refuses non-browser clients, `gone`: it no longer answers) with the date it was last reached.

`extract(portal)` dispatches to the platform's adapter, which lands the same package shape. A portal
the registry marks blocked or gone is not asked; a portal that answers with a JavaScript challenge (403)
or no longer answers at all is recorded as such - `ckan/portal_status/portal=P/` (state, reason, the
day it was last reached) - instead of failing every run. Completeness shows the state."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from extractors import landing
from extractors.errors import FirewallBlockedError, TransportError
from extractors.secrets import get_logger

log = get_logger(__name__)

PLATFORMS = ("ckan", "jabar")
STATES = ("active", "blocked", "gone")
STATUS_SCHEMA = pa.schema([
    ("portal", pa.string()), ("platform", pa.string()), ("state", pa.string()), ("reason", pa.string()),
    ("checked_on", pa.string()), ("last_reached_on", pa.string()),
])
_CHALLENGE = re.compile(rb"<script|enable javascript|just a moment|challenge", re.IGNORECASE)
# a server that does not answer at all; an HTTP 404 may be a mistyped connection URL, so it stays an error
_GONE = re.compile(r"refused|resolve|name or service|nodename|no route|unreachable", re.IGNORECASE)


@dataclass(frozen=True)
class PortalEntry:
    portal: str
    platform: str = "ckan"
    state: str = "active"
    last_reached: str | None = None


def registry_path() -> Path:
    from smartcity_base.settings import PORTAL_REGISTRY

    return PORTAL_REGISTRY


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, PortalEntry]:
    out = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            name = (row.get("portal") or "").strip().lower()
            if name:
                out[name] = PortalEntry(name, (row.get("platform") or "ckan").strip().lower() or "ckan",
                                        (row.get("state") or "active").strip().lower() or "active",
                                        (row.get("last_reached") or "").strip() or None)
    return out


def registry(path: Path | None = None) -> dict[str, PortalEntry]:
    path = path or registry_path()
    return _load(str(path)) if path.exists() else {}


def entry(portal: str, *, environ=None) -> PortalEntry:
    """The registry row of `portal`; the connection extra `platform` overrides it (a portal not yet in
    the registry still reaches its adapter)."""
    found = registry().get(portal.lower(), PortalEntry(portal.lower()))
    try:
        from extractors.connections import get_connection
        platform = str(get_connection(f"smartcity_ckan_{portal.lower()}", environ).extra.get("platform") or "")
    except Exception:  # noqa: BLE001 - no connection: the registry decides
        platform = ""
    if platform:
        found = PortalEntry(found.portal, platform.lower(), found.state, found.last_reached)
    return found


def _status_dir(raw_dir, portal: str) -> Path:
    return Path(raw_dir) / "ckan" / "portal_status" / landing.partition_path({"portal": portal})


def last_status(raw_dir, portal: str) -> dict | None:
    path = _status_dir(raw_dir, portal) / "data.parquet"
    if not path.exists():
        return None
    rows = pq.read_table(path).to_pylist()
    return rows[0] if rows else None


def record_status(raw_dir, portal: str, platform: str, state: str, reason: str | None, run_id: str,
                  *, today: date | None = None, registry_last_reached: str | None = None) -> dict:
    """Land the portal's state. Day resolution: a rerun the same day lands the same content (the
    transform then skips itself)."""
    today_text = (today or landing.utcnow().date()).isoformat()
    previous = last_status(raw_dir, portal) or {}
    reached = today_text if state == "active" else \
        (previous.get("last_reached_on") or registry_last_reached)
    row = {"portal": portal, "platform": platform, "state": state, "reason": reason,
           "checked_on": today_text, "last_reached_on": reached}
    landing.write_partition(raw_dir, "ckan", "portal_status", {"portal": portal}, run_id, [row],
                            schema=STATUS_SCHEMA)
    return row


def classify_failure(exc: Exception, http=None, site_url: str | None = None) -> tuple[str, str] | None:
    """('blocked' | 'gone', reason) for a failure that is the portal's state rather than a fault of this
    run: a 403 page carrying a JavaScript challenge, a refused connection or an unknown host. None for
    anything else (a plain firewall page, a 404, a 5xx burst, a timeout): those fail the run as before."""
    if isinstance(exc, FirewallBlockedError) and http is not None and site_url:
        try:
            body = http.get(site_url).content[:65536]
        except Exception:  # noqa: BLE001
            body = b""
        if _CHALLENGE.search(body):
            return "blocked", f"answers non-browser clients with a JavaScript challenge (HTTP 403): {exc}"
        return None
    if isinstance(exc, TransportError) and _GONE.search(str(exc)):
        return "gone", f"no longer answers: {exc}"
    return None


def extract(raw_dir, portal: str, run_id: str, *, since="auto", environ=None, http=None,
            quarantine_dir=None) -> dict:
    """One portal through its platform's adapter, or its recorded state. Returns a summary with
    `state`, `platform` and `row_count`. `quarantine_dir`: platforms whose datasets are files of values
    (jabar) also land those values (`spreadsheet/<portal>/`)."""
    portal = portal.lower()
    found = entry(portal, environ=environ)
    if found.platform not in PLATFORMS:
        raise ValueError(f"portal {portal}: unknown platform {found.platform!r} (known: {', '.join(PLATFORMS)})")
    if found.state in ("blocked", "gone"):
        row = record_status(raw_dir, portal, found.platform, found.state,
                            f"marked {found.state} in the portal registry", run_id,
                            registry_last_reached=found.last_reached)
        log.info("portal %s: %s (registry), not asked; last reached %s", portal, found.state,
                 row["last_reached_on"] or "never")
        return {"portal": portal, "platform": found.platform, "state": found.state, "row_count": 0,
                "since": None, "last_reached_on": row["last_reached_on"]}
    if found.platform == "jabar":
        from extractors import jabar
        client = jabar.JabarClient.from_env(portal, http=http, environ=environ)
        run = lambda: jabar.extract_portal(raw_dir, portal, run_id, since=since, client=client,  # noqa: E731
                                           quarantine_dir=quarantine_dir)
        http, site = client.http, client.site_url
    else:
        from extractors import ckan
        client = ckan.CkanClient.from_env(portal, http=http, environ=environ)
        run = lambda: ckan.extract_portal(raw_dir, portal, run_id, since=since, client=client)  # noqa: E731
        http, site = client.http, client.site_url
    try:
        summary = run()
    except Exception as exc:
        state = classify_failure(exc, http, site)
        if state is None:
            raise
        row = record_status(raw_dir, portal, found.platform, state[0], state[1], run_id,
                            registry_last_reached=found.last_reached)
        log.warning("portal %s is %s (%s); recorded, last reached %s", portal, state[0], state[1],
                    row["last_reached_on"] or "never")
        return {"portal": portal, "platform": found.platform, "state": state[0], "row_count": 0, "since": None,
                "last_reached_on": row["last_reached_on"]}
    row = record_status(raw_dir, portal, found.platform, "active", None, run_id)
    return {**summary, "portal": portal, "platform": found.platform, "state": "active",
            "last_reached_on": row["last_reached_on"]}
