"""CKAN portals (Satu Data Indonesia and regional portals): the Action API, paged and incremental.

- `package_search` pages by rows/start, never asking more than the portal's row cap; incremental by
  `metadata_modified` (the cursor lives in the manifest; the next run asks only for what changed).
- `datastore_search` pages by limit/offset and stops on an empty page, a short page or offset >= total:
  `_links.next` is present even on the last page, so it is never followed.
- Resource downloads stream to disk with a size cap, only from hosts on the portal's allowlist, and the
  bytes are sniffed because `format` and `mimetype` disagree in the wild.
- `success: false` becomes a typed error (not found, not authorised, validation)."""
from __future__ import annotations

import itertools
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import msgspec
import pyarrow as pa

from extractors import landing
from extractors.connections import get_connection
from extractors.cursors import future_cursor
from extractors.errors import (
    CkanError,
    CkanNotAuthorized,
    CkanNotFound,
    CkanValidationError,
    ExtractError,
)
from extractors.http import HttpClient, default_client, origin_of
from extractors.parallel import checked_pages
from extractors.secrets import get_logger

log = get_logger(__name__)

SOURCE = "ckan"
DEFAULT_ROW_CAP = 1000  # CKAN's default `ckan.search.rows_max`
DATASTORE_PAGE = 10_000
DEFAULT_MAX_DOWNLOAD = 512 * 1024 * 1024

PACKAGE_SCHEMA = pa.schema([
    ("portal", pa.string()), ("package_id", pa.string()), ("name", pa.string()), ("title", pa.string()),
    ("organization_name", pa.string()), ("organization_title", pa.string()),
    ("metadata_created", pa.string()), ("metadata_modified", pa.string()), ("num_resources", pa.int32()),
    ("resources_json", pa.string()), ("extras_json", pa.string()), ("tags_json", pa.string()),
    ("notes", pa.string()), ("license_id", pa.string()), ("state", pa.string()),
    # the years the data cover, from the package itself (extras keys/values, title), kept apart from the
    # portal's own dates: a migrated portal creates every package on the migration day
    ("data_first_year", pa.int32()), ("data_last_year", pa.int32()), ("data_years_from", pa.string()),
])
_YEAR_TEXT = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:\s*[-–/]\s*((?:19|20)\d{2}))?(?!\d)")
_YEAR_KEY = re.compile(r"^\s*(?:tahun\s*)?((?:19|20)\d{2})(?:\s*[-–/]\s*((?:19|20)\d{2}))?\s*$", re.IGNORECASE)
_YEAR_VALUE_KEYS = re.compile(r"^\s*(tahun|year|periode|dimensi dataset (awal|akhir)|tahun data)\s*$", re.IGNORECASE)
_PARSABLE_KINDS = {"csv", "text", "xlsx", "xls", "json"}

_ERROR_TYPES = {
    "Not Found Error": CkanNotFound,
    "Authorization Error": CkanNotAuthorized,
    "Validation Error": CkanValidationError,
}

# what a declared format/mimetype should sniff as
_EXPECTED_KIND = {
    "csv": {"csv", "text"}, "text/csv": {"csv", "text"}, "xlsx": {"xlsx"}, "xls": {"xls", "xlsx"},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"xlsx"},
    "application/vnd.ms-excel": {"xls", "xlsx"}, "json": {"json"}, "application/json": {"json"},
    "pdf": {"pdf"}, "application/pdf": {"pdf"}, "png": {"png"}, "image/png": {"png"},
    "jpeg": {"jpeg"}, "jpg": {"jpeg"}, "image/jpeg": {"jpeg"}, "zip": {"zip", "xlsx"},
    "html": {"html"}, "text/html": {"html"},
}


def raise_for_ckan_error(payload: Any, action: str, url: str | None = None) -> Any:
    """The `result` of a CKAN envelope, or a typed error for `success: false`."""
    if not isinstance(payload, dict) or "success" not in payload:
        raise CkanError(f"CKAN {action}: not a CKAN Action API answer", url=url)
    if payload["success"] is True:
        return payload.get("result")
    error = payload.get("error") or {}
    error_type = error.get("__type", "Error") if isinstance(error, dict) else "Error"
    message = error.get("message") if isinstance(error, dict) else str(error)
    if not message and isinstance(error, dict):  # validation errors list field -> messages
        message = "; ".join(f"{k}: {v}" for k, v in error.items() if k != "__type")
    cls = _ERROR_TYPES.get(error_type, CkanError)
    raise cls(f"CKAN {action}: {error_type}: {message or 'no message'}", error_type=error_type, url=url)


def _solr_time(ts: str) -> str:
    """CKAN stores naive UTC ISO times; Solr wants a trailing Z."""
    text = ts.strip().replace(" ", "T")
    text = text[:-6] if text.endswith("+00:00") else text
    return text if text.endswith("Z") else text + "Z"


def batch_name(since: str | None) -> str:
    """Partition value for an incremental batch: the cursor the batch started from."""
    if not since:
        return "full"
    return re.sub(r"[^0-9A-Za-z]", "", _solr_time(since))


class CkanClient:
    def __init__(self, site_url: str, *, portal: str | None = None, http: HttpClient | None = None,
                 api_key: str | None = None, row_cap: int = DEFAULT_ROW_CAP,
                 allow_hosts: set[str] | None = None, api_prefix: str = "api/3/action"):
        self.site_url = site_url.rstrip("/")
        self.portal = portal or urlsplit(site_url).hostname
        self.http = http or default_client()
        self.api_key = api_key
        self.row_cap = row_cap
        # the portal's own origin (scheme, host and port) plus the configured file hosts; a bare host in
        # `allow_hosts` means its default ports only (extractors.http.parse_origins)
        self.allow_hosts = {f"{origin[0]}://{origin[1]}:{origin[2]}" for origin in [origin_of(self.site_url)]} \
            | set(allow_hosts or ())
        self.api_prefix = api_prefix

    @classmethod
    def from_env(cls, portal: str, http: HttpClient | None = None, environ=None) -> "CkanClient":
        """`AIRFLOW_CONN_SMARTCITY_CKAN_<PORTAL>`: the site root; extras `row_cap`, `allow_hosts` (comma
        separated origins such as `https://files.example.go.id:8443`; a bare host allows its default
        ports only) and the password as API token when the portal needs one (sent to the portal's own
        origin only)."""
        conn = get_connection(f"smartcity_ckan_{portal}", environ)
        extra = conn.extra
        hosts = {h.strip() for h in str(extra.get("allow_hosts", "")).split(",") if h.strip()}
        return cls(conn.base_url, portal=portal.lower(), http=http, api_key=conn.password,
                   row_cap=int(extra.get("row_cap", DEFAULT_ROW_CAP)), allow_hosts=hosts)

    @property
    def _headers(self) -> dict | None:
        return {"Authorization": self.api_key} if self.api_key else None

    def action(self, name: str, params: dict | None = None, *, trace: list | None = None) -> Any:
        url = f"{self.site_url}/{self.api_prefix}/{name}"
        payload = self.http.get_json(url, params=params, headers=self._headers, trace=trace, error_json_ok=True)
        return raise_for_ckan_error(payload, name, url)

    # --- catalogue ------------------------------------------------------------------------------------
    def package_show(self, package_id: str, *, trace: list | None = None) -> dict:
        return self.action("package_show", {"id": package_id}, trace=trace)

    def organization_list(self, *, trace: list | None = None) -> list:
        return self.action("organization_list", {"all_fields": "true"}, trace=trace)

    def package_search(self, *, q: str = "*:*", organization: str | None = None, since: str | None = None,
                       rows: int | None = None, trace: list | None = None) -> Iterator[dict]:
        """Every matching package. Incremental (`since`): Solr range on metadata_modified, oldest first,
        and the same filter applied here too in case a portal ignores `fq`."""
        fq = []
        if organization:
            fq.append(f"organization:{organization}")
        if since:
            # inclusive range (portals' fq parsers vary); `_newer` drops the boundary package client-side
            fq.append(f"metadata_modified:[{_solr_time(since)} TO *]")
        base = {"q": q, "sort": "metadata_modified asc, id asc" if since else "id asc"}
        if fq:
            base["fq"] = " AND ".join(fq)
        page = min(rows or self.row_cap, self.row_cap)

        def fetch(start: int) -> dict:
            return self.action("package_search", {**base, "rows": page, "start": start}, trace=trace)

        first = fetch(0)
        count = int(first.get("count") or 0)
        results = first.get("results") or []
        yield from self._newer(results, since)
        if not results or len(results) >= count:
            return
        if len(results) < page:  # the portal caps rows lower than we asked: use its page size
            page = len(results)
        starts = range(page, count, page)
        for result in checked_pages(fetch, starts, lambda r: r.get("results") or [], self.http.max_per_host,
                                    first=first, what="package_search start"):
            batch = result.get("results") or []
            yield from self._newer(batch, since)
            if len(batch) < page:
                break

    @staticmethod
    def _newer(packages: list[dict], since: str | None) -> Iterator[dict]:
        if not since:
            yield from packages
            return
        floor = _parse_ts(since)
        for pkg in packages:
            modified = pkg.get("metadata_modified")
            if not modified or _parse_ts(modified) > floor:  # undated packages are kept, not lost
                yield pkg

    # --- datastore ------------------------------------------------------------------------------------
    def datastore_pages(self, resource_id: str, *, limit: int = DATASTORE_PAGE,
                        trace: list | None = None) -> Iterator[tuple[list[dict], list[dict]]]:
        """(fields, records) per page. Stops on an empty page, a short page, or offset >= total; pages
        after the first are fetched in parallel (bounded) when the total is exact."""

        def fetch(offset: int) -> dict:
            return self.action("datastore_search", {"resource_id": resource_id, "limit": limit,
                                                    "offset": offset}, trace=trace)

        first = fetch(0)
        fields = first.get("fields") or []
        records = first.get("records") or []
        total = first.get("total")
        limit = int(first.get("limit") or limit)  # the server may lower the limit
        yield fields, records
        if not records or len(records) < limit or (total is not None and len(records) >= int(total)):
            return
        if total is not None and not first.get("total_was_estimated"):
            offsets, in_flight = range(limit, int(total), limit), self.http.max_per_host
        else:  # estimated total: sequential until an empty or short page
            offsets, in_flight = itertools.count(limit, limit), 1
        for page in checked_pages(fetch, offsets, lambda r: r.get("records") or [], in_flight, first=first,
                                  what=f"datastore_search {resource_id} offset"):
            batch = page.get("records") or []
            if not batch:
                return
            yield fields, batch
            if len(batch) < limit:
                return

    # --- downloads ------------------------------------------------------------------------------------
    def download_resource(self, resource: dict, dest_dir: Path | str, *, max_bytes: int = DEFAULT_MAX_DOWNLOAD,
                          trace: list | None = None) -> dict:
        url = resource.get("url") or ""
        if not url:
            raise ExtractError(f"resource {resource.get('id')} has no url")
        # both parts are the portal's choice: `../../x` or `/abs/x` must not leave dest_dir (landing owns names)
        name = Path(urlsplit(url).path).name or "resource.bin"
        dest = landing.contained(dest_dir, landing.safe_filename(f"{resource.get('id')}-{name}"))
        # the API token belongs to the portal: a resource on another (allowed) host is fetched without it
        headers = self._headers if origin_of(url) == origin_of(self.site_url) else None
        result = self.http.download(url, dest, max_bytes=max_bytes, allowed_hosts=self.allow_hosts,
                                    headers=headers, trace=trace).to_dict()
        declared_format = (resource.get("format") or "").strip().lower()
        declared_mime = (resource.get("mimetype") or "").strip().lower()
        sniffed = result["sniffed"]
        mismatch = [d for d in (declared_format, declared_mime)
                    if d and d in _EXPECTED_KIND and sniffed not in _EXPECTED_KIND[d]]
        if mismatch:
            log.warning("resource %s: declared %s but the bytes are %s", resource.get("id"),
                        "/".join(mismatch), sniffed)
        # what the bytes are decides whether a parser may read them: a "CSV" that is a PNG is flagged, not parsed
        return {**result, "resource_id": resource.get("id"), "declared_format": declared_format or None,
                "declared_mimetype": declared_mime or None, "kind": sniffed,
                "declared_mismatch": bool(mismatch), "parsable": sniffed in _PARSABLE_KINDS}


def _json_text(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def _years(match: re.Match) -> list[int]:
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) else first
    return list(range(first, last + 1)) if first <= last <= first + 50 else [first]


def data_years(pkg: dict) -> tuple[int | None, int | None, str | None]:
    """(first, last, where from) of the years a package's data cover: extras keyed by a year ('2023',
    'Tahun 2022', 'Tahun 2019-2024'), extras whose key says year ('tahun', 'Dimensi Dataset Awal'), else
    the years named in the title. (None, None, None) when the package says nothing."""
    years: set[int] = set()
    for extra in pkg.get("extras") or []:
        if not isinstance(extra, dict):
            continue
        key, value = str(extra.get("key") or ""), str(extra.get("value") or "")
        match = _YEAR_KEY.match(key)
        if match:
            years.update(_years(match))
        elif _YEAR_VALUE_KEYS.match(key):
            for match in _YEAR_TEXT.finditer(value):
                years.update(_years(match))
    if years:
        return min(years), max(years), "extras"
    for match in _YEAR_TEXT.finditer(str(pkg.get("title") or "")):
        years.update(_years(match))
    if years:
        return min(years), max(years), "title"
    return None, None, None


def package_row(portal: str, pkg: dict) -> dict:
    if "metadata_modified" not in pkg or "id" not in pkg:
        # without it the incremental cursor cannot move: refuse instead of landing half-understood rows
        raise CkanError(f"CKAN {portal}: package without id/metadata_modified (schema drift?); "
                        f"keys: {sorted(pkg)[:15]}")
    org = pkg.get("organization") or {}
    return {
        "portal": portal,
        "package_id": pkg.get("id"),
        "name": pkg.get("name"),
        "title": pkg.get("title"),
        "organization_name": org.get("name"),
        "organization_title": org.get("title"),
        "metadata_created": pkg.get("metadata_created"),
        "metadata_modified": pkg.get("metadata_modified"),
        "num_resources": pkg.get("num_resources", len(pkg.get("resources") or [])),
        "resources_json": _json_text(pkg.get("resources") or []),
        "extras_json": _json_text(pkg.get("extras") or []),
        "tags_json": _json_text([t.get("name") for t in pkg.get("tags") or []]),
        "notes": pkg.get("notes"),
        "license_id": pkg.get("license_id"),
        "state": pkg.get("state"),
        **dict(zip(("data_first_year", "data_last_year", "data_years_from"), data_years(pkg), strict=True)),
    }


_AUTO = "auto"


def extract_portal(raw_dir, portal: str, run_id: str, *, since: str | None = _AUTO,
                   organization: str | None = None, client: CkanClient | None = None) -> dict:
    """Land the packages of a portal changed since the last cursor as
    `ckan/packages/portal=P/batch=<since>/`. `since="auto"` reads the cursor of the last successful
    batch (none: a full pull); `since=None` forces a full pull. Returns a small summary (XCom)."""
    portal = portal.lower()
    client = client or CkanClient.from_env(portal)
    if since == _AUTO:
        since = landing.last_cursor(raw_dir, SOURCE, "packages", {"portal": portal})
        if since and future_cursor(since, f"ckan {portal} stored cursor"):
            since = None  # poisoned before the guard existed: a full pull heals it, no hand edit
    partition = {"portal": portal, "batch": batch_name(since)}
    with landing.PartitionWriter(raw_dir, SOURCE, "packages", partition, run_id, schema=PACKAGE_SCHEMA,
                                 cursor=since) as part:
        newest = since
        for pkg in client.package_search(organization=organization, since=since, trace=part.requests):
            modified = pkg.get("metadata_modified")
            if modified and not future_cursor(modified, f"ckan {portal} package {pkg.get('id')}") \
                    and (newest is None or _parse_ts(modified) > _parse_ts(newest)):
                newest = modified
            part.write([package_row(portal, pkg)])
        part.cursor = newest  # the next run asks for what changed after this
        part.extra.update(since=since, organization=organization)
    log.info("ckan %s: %d packages changed since %s", portal, part.row_count, since or "the start")
    return {**landing.summary(part.manifest), "since": since}


def extract_datastore(raw_dir, portal: str, resource_id: str, run_id: str, *,
                      client: CkanClient | None = None, limit: int = DATASTORE_PAGE) -> dict:
    """Land a datastore resource's records (all fields as text) as `ckan/datastore/portal=P/resource=R/`."""
    portal = portal.lower()
    client = client or CkanClient.from_env(portal)
    with landing.PartitionWriter(raw_dir, SOURCE, "datastore", {"portal": portal, "resource": resource_id},
                                 run_id) as part:
        declared: list = []
        for fields, records in client.datastore_pages(resource_id, limit=limit, trace=part.requests):
            declared = fields
            part.write(records)
        part.extra.update(fields=[{"id": f.get("id"), "type": f.get("type")} for f in declared])
    return landing.summary(part.manifest)


def download_resources(portal: str, dest_dir, *, packages: list[dict] | None = None,
                       formats: set[str] | None = None, max_bytes: int = DEFAULT_MAX_DOWNLOAD,
                       client: CkanClient | None = None) -> list[dict]:
    """Download the resources of `packages` (default: every package) into `dest_dir`, e.g. a spreadsheet
    drop folder. `formats` keeps resources whose declared format or sniffed kind is listed. A resource that
    cannot be fetched is reported (status "failed", the reason) and the others go on."""
    client = client or CkanClient.from_env(portal)
    packages = packages if packages is not None else list(client.package_search())
    out = []
    for pkg in packages:
        for res in pkg.get("resources") or []:
            if formats and (res.get("format") or "").lower() not in formats:
                continue
            try:
                out.append(client.download_resource(res, dest_dir, max_bytes=max_bytes))
            except ExtractError as exc:  # one hostile resource (off the allowlist, too big, too slow)
                log.warning("ckan %s resource %s: %s", portal, res.get("id"), exc)
                out.append({"resource_id": res.get("id"), "status": "failed", "error": str(exc)})
    return out


def _parse_ts(text: str) -> datetime:
    """metadata_modified as an aware UTC datetime (string order breaks on differing fractions)."""
    value = datetime.fromisoformat(_solr_time(text).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
