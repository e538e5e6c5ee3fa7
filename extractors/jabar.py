"""Open Data Jabar (data.jabarprov.go.id): its own API, not CKAN. Lands the same package shape as the
CKAN adapter (`ckan/packages/portal=P/batch=full/`), so staging and marts need not know the platform,
and its CSV downloads (long format, one indicator per file) as tidy values.

- `GET <site>/api-backend/dataset/list?search=&sort=["mdate:desc"]&limit=N&skip=K&where=[...]` answers
  `{"data": [...]}`; paged by `skip` until a page comes back empty or short.
- `where` is a JSON list: `["dataset_class_id=3", ["regional_id=1", "regional_id=8"]]` (strings ANDed,
  nested lists ORed); the connection extra `where` overrides the default.
- Incremental by `mdate`: pages sorted newest first stop at the first dataset not newer than the cursor.
- Each dataset's `download_url` (or `/api-backend/bigdata/<kode_skpd>/<title>?download=csv`) is a
  long-format CSV; `extract_values` lands its rows through the long-format parser."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from extractors import ckan, landing
from extractors.ckan import PACKAGE_SCHEMA, _json_text, _parse_ts, batch_name
from extractors.connections import get_connection
from extractors.cursors import future_cursor
from extractors.errors import ExtractError
from extractors.http import HttpClient, default_client, origin_of
from extractors.numbers import DOT_DECIMAL
from extractors.secrets import get_logger

log = get_logger(__name__)

SOURCE = "ckan"          # the same landing dataset as CKAN portals: one package shape for every platform
PAGE = 1000
DEFAULT_WHERE = ["dataset_class_id=3"]


class JabarClient:
    def __init__(self, site_url: str, *, portal: str = "jabar", http: HttpClient | None = None,
                 where: list | None = None, page: int = PAGE):
        self.site_url = site_url.rstrip("/")
        self.portal = portal
        self.http = http or default_client()
        self.where = where if where is not None else list(DEFAULT_WHERE)
        self.page = page

    @classmethod
    def from_env(cls, portal: str, http: HttpClient | None = None, environ=None) -> "JabarClient":
        conn = get_connection(f"smartcity_ckan_{portal}", environ)
        where = conn.extra.get("where")
        if isinstance(where, str):
            where = json.loads(where)
        return cls(conn.base_url, portal=portal.lower(), http=http, where=where,
                   page=int(conn.extra.get("page", PAGE)))

    def datasets(self, *, since: str | None = None, search: str = "",
                 trace: list | None = None) -> Iterator[dict]:
        """Every dataset, newest `mdate` first; with `since`, only those modified after it."""
        floor = _parse_ts(since) if since else None
        skip = 0
        while True:
            params = {"search": search, "sort": json.dumps(["mdate:desc"]), "limit": self.page, "skip": skip,
                      "where": json.dumps(self.where)}
            payload = self.http.get_json(f"{self.site_url}/api-backend/dataset/list", params=params, trace=trace)
            if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
                raise ExtractError(f"Open Data Jabar {self.portal}: answer without a `data` list "
                                   "(keys: " + (str(sorted(payload)[:10]) if isinstance(payload, dict)
                                                else type(payload).__name__) + ")")
            batch = payload["data"]
            for item in batch:
                if floor is not None and item.get("mdate") and _parse_ts(item["mdate"]) <= floor:
                    return  # sorted newest first: the rest is older than the cursor
                yield item
            if len(batch) < self.page:
                return
            skip += len(batch)

    def download_url(self, item: dict) -> str:
        url = (item.get("download_url")
               or f"/api-backend/bigdata/{item.get('kode_skpd')}/{item.get('title')}?download=csv")
        return url if urlsplit(url).scheme else self.site_url + "/" + url.lstrip("/")


def _meta(item: dict) -> dict:
    return {str(m.get("key")): m.get("value") for m in item.get("metadata") or [] if isinstance(m, dict)}


def package_row(portal: str, item: dict, client: JabarClient) -> dict:
    """An Open Data Jabar dataset in the CKAN package shape: `nama_skpd` is the organisation, `cdate`
    and `mdate` the portal's dates, the `metadata` pairs the extras, the CSV download the one resource."""
    if item.get("id") is None or not item.get("mdate"):
        raise ExtractError(f"Open Data Jabar {portal}: dataset without id/mdate (schema drift?); "
                           f"keys: {sorted(item)[:15]}")
    first, last, years_from = ckan.data_years({"title": item.get("name"), "extras": [
        {"key": k, "value": v} for k, v in _meta(item).items()]})
    # a kab/kota dataset (regional_id other than the province's) is published by an office that names its
    # region ("BAPPEDA KABUPATEN BOGOR"): the region's slug is the organisation name staging resolves
    org_name = item.get("kode_skpd")
    if str(item.get("regional_id")) not in ("", "None", "1"):
        from extractors.spreadsheet import _official_name, region_in_text
        region = region_in_text(item.get("nama_skpd"))
        if region.code:
            org_name = re.sub(r"[^a-z0-9]+", "-", (_official_name(region.code) or "").lower()).strip("-") or org_name
    resource = {"id": f"{item['id']}-csv", "name": item.get("title"), "format": "CSV", "mimetype": "text/csv",
                "url": client.download_url(item)}
    return {
        "portal": portal, "package_id": str(item["id"]), "name": item.get("title"), "title": item.get("name"),
        "organization_name": org_name, "organization_title": item.get("nama_skpd"),
        "metadata_created": item.get("cdate"), "metadata_modified": item.get("mdate"), "num_resources": 1,
        "resources_json": _json_text([resource]),
        "extras_json": _json_text([{"key": k, "value": v} for k, v in _meta(item).items()]
                                  + [{"key": "regional_id", "value": str(item.get("regional_id"))},
                                     {"key": "kode_skpd", "value": str(item.get("kode_skpd"))}]),
        "tags_json": _json_text([]), "notes": item.get("description"), "license_id": item.get("license"),
        "state": "active", "data_first_year": first, "data_last_year": last, "data_years_from": years_from,
    }


def extract_portal(raw_dir, portal: str, run_id: str, *, since: str | None = "auto",
                   client: JabarClient | None = None, quarantine_dir=None) -> dict:
    """Land the datasets changed since the cursor as `ckan/packages/portal=P/batch=<since>/`; with
    `quarantine_dir`, also the long-format CSVs of those datasets (`extract_values`)."""
    portal = portal.lower()
    client = client or JabarClient.from_env(portal)
    if since == "auto":
        since = landing.last_cursor(raw_dir, SOURCE, "packages", {"portal": portal})
        if since and future_cursor(since, f"jabar {portal} stored cursor"):
            since = None
    trace: list = []
    items = list(client.datasets(since=since, trace=trace))  # one small catalogue page or a few
    if since and not items:
        # nothing changed since the cursor: no new (empty) batch partition, the landing zone stays as it was
        log.info("jabar %s: nothing changed since %s", portal, since)
        return {"source": SOURCE, "dataset": "packages", "partition": f"portal={portal}/batch={batch_name(since)}",
                "row_count": 0, "status": "unchanged", "since": since}
    with landing.PartitionWriter(raw_dir, SOURCE, "packages", {"portal": portal, "batch": batch_name(since)},
                                 run_id, schema=PACKAGE_SCHEMA, cursor=since) as part:
        part.requests.extend(trace)
        newest = since
        for item in items:
            modified = item.get("mdate")
            if modified and not future_cursor(modified, f"jabar {portal} dataset {item.get('id')}") \
                    and (newest is None or _parse_ts(modified) > _parse_ts(newest)):
                newest = modified
            part.write([package_row(portal, item, client)])
        part.cursor = newest
        part.extra.update(since=since, platform="jabar", where=client.where)
    log.info("jabar %s: %d datasets changed since %s", portal, part.row_count, since or "the start")
    summary = {**landing.summary(part.manifest), "since": since}
    if quarantine_dir is not None:
        values = extract_values(raw_dir, quarantine_dir, portal, run_id, client=client, items=items)
        summary["value_rows"] = sum(v.get("row_count") or 0 for v in values)
        summary["value_files"] = len(values)
    return summary


def download_csvs(portal: str, dest_dir, *, client: JabarClient | None = None, items: list[dict] | None = None,
                  max_bytes: int = 64 * 1024 * 1024) -> list[Path]:
    """The CSV of every dataset (or of `items`) into `dest_dir` (the portal's own origin only)."""
    client = client or JabarClient.from_env(portal)
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    allowed = {"%s://%s:%s" % origin_of(client.site_url)}
    out = []
    for item in (items if items is not None else client.datasets()):
        dest = landing.contained(dest_dir, landing.safe_filename(f"{item.get('title') or item['id']}.csv"))
        try:
            got = client.http.download(client.download_url(item), dest, max_bytes=max_bytes,
                                       allowed_hosts=allowed).to_dict()
        except ExtractError as exc:
            log.warning("jabar %s dataset %s: %s", portal, item.get("id"), exc)
            continue
        if got.get("sniffed") not in ("csv", "text"):  # a "CSV" that is an image or an HTML page: flagged
            log.warning("jabar %s dataset %s: declared CSV but the bytes are %s; not parsed", portal,
                        item.get("id"), got.get("sniffed"))
            dest.unlink(missing_ok=True)
            continue
        out.append(dest)
    return out


def extract_values(raw_dir, quarantine_dir, portal: str, run_id: str, *, client: JabarClient | None = None,
                   download_dir=None, items: list[dict] | None = None) -> list[dict]:
    """Download every dataset's (or `items`') long-format CSV and land its rows
    (`spreadsheet/<portal>/file=<name>/`, bad rows in quarantine). Machine-written: the declared number
    format is a decimal point. A file that cannot be read is reported (status "failed"), the others land."""
    from extractors import spreadsheet

    download_dir = Path(download_dir or Path(raw_dir).parent / "downloads" / portal)
    out = []
    for path in download_csvs(portal, download_dir, client=client, items=items):
        try:
            out.append(spreadsheet.extract_file(path, raw_dir, quarantine_dir, run_id, dataset=portal,
                                                declared_locale=DOT_DECIMAL))
        except ExtractError as exc:
            log.warning("jabar %s: %s", portal, exc)
            out.append({"file": path.name, "status": "failed", "error": str(exc), "row_count": 0})
    return out
