"""Regency REST systems declared in `sources.yml`: auth, paging style, record path and incremental cursor
come from the registry, so a new system is configuration. The landed partition
`regency/<entity>/system=S/` always holds the current state: an incremental batch (records changed since
the cursor) is merged into it by primary key, and the whole partition is replaced atomically."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urljoin

import pyarrow.parquet as pq
import yaml
from requests.auth import _basic_auth_str

from extractors import landing
from extractors.connections import get_connection
from extractors.errors import ExtractError, RegistryError
from extractors.http import HttpClient, default_client, host_of, origin_of
from extractors.cursors import future_cursor
from extractors.parallel import page_signature
from extractors.secrets import get_logger, register

log = get_logger(__name__)

SOURCE = "regency"
REGISTRY_PATH = Path(__file__).with_name("sources.yml")
PAGING_STYLES = {"page", "cursor", "link-header"}
MAX_PAGES = 100_000  # a server that never says "last page" must not loop forever


@dataclass
class Entity:
    name: str
    path: str
    paging: str
    record_path: str = "data"
    page_param: str = "page"
    size_param: str | None = "per_page"
    page_size: int = 100
    cursor_param: str = "cursor"
    next_cursor_path: str = "next_cursor"
    cursor_field: str | None = None
    since_param: str | None = None
    primary_key: str | None = "id"


@dataclass
class System:
    name: str
    connection: str
    auth: str = "bearer"
    auth_header: str = "Authorization"
    base_path: str = ""
    entities: dict[str, Entity] = field(default_factory=dict)


def load_registry(path: Path | str = REGISTRY_PATH) -> dict[str, System]:
    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    systems = {}
    for name, spec in (doc.get("systems") or {}).items():
        entities = {}
        for ent_name, ent in (spec.get("entities") or {}).items():
            ent = dict(ent)
            if ent.get("paging") not in PAGING_STYLES:
                raise RegistryError(f"sources.yml {name}.{ent_name}: paging must be one of {sorted(PAGING_STYLES)}")
            ent.setdefault("path", ent_name)
            try:
                entities[ent_name] = Entity(name=ent_name, **ent)
            except TypeError as exc:
                raise RegistryError(f"sources.yml {name}.{ent_name}: {exc}") from None
        if spec.get("auth", "bearer") not in {"bearer", "header", "basic", "none"}:
            raise RegistryError(f"sources.yml {name}: auth must be bearer, header, basic or none")
        systems[name] = System(name=name, connection=spec.get("connection") or f"smartcity_regency_{name}",
                               auth=spec.get("auth", "bearer"), auth_header=spec.get("auth_header", "Authorization"),
                               base_path=spec.get("base_path", ""), entities=entities)
    return systems


def dig(body: Any, path: str | None) -> Any:
    """The value at a dotted path ('meta.next_cursor'); '' or None is the body itself."""
    for part in (path or "").split(".") if path else []:
        body = body.get(part) if isinstance(body, dict) else None
    return body


def flatten(record: dict, prefix: str = "") -> dict:
    """Nested objects become `parent_child` columns; lists stay as JSON text (landing stringifies them)."""
    out: dict = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}_"))
        else:
            out[name] = value
    return out


class RegencyClient:
    def __init__(self, system: System, base_url: str, *, token: str | None = None, login: str | None = None,
                 http: HttpClient | None = None):
        self.system = system
        self.root = base_url.rstrip("/") + ("/" + system.base_path.strip("/") if system.base_path else "")
        self.http = http or default_client()
        if system.auth == "bearer":
            self.headers = {"Authorization": f"Bearer {token}"}
        elif system.auth == "header":
            self.headers = {system.auth_header: token or ""}
        elif system.auth == "basic":
            self.headers = {"Authorization": _basic_auth_str(login or "", token or "")}
            register(self.headers["Authorization"].split(" ", 1)[1])
        else:
            self.headers = {}

    @classmethod
    def from_env(cls, system: str, registry: dict[str, System] | None = None, http=None, environ=None):
        registry = registry or load_registry()
        if system not in registry:
            raise RegistryError(f"unknown regency system {system!r}; sources.yml has {sorted(registry)}")
        spec = registry[system]
        conn = get_connection(spec.connection, environ)
        return cls(spec, conn.base_url, token=conn.password, login=conn.login, http=http)

    def records(self, entity: Entity, *, since: Any = None, trace: list | None = None) -> Iterator[dict]:
        """Every record of an entity (changed since `since` when the entity declares `since_param`)."""
        url = f"{self.root}/{entity.path.strip('/')}"
        params: dict[str, Any] = {}
        if entity.size_param:
            params[entity.size_param] = entity.page_size
        if since is not None and entity.since_param:
            params[entity.since_param] = since
        page, previous = 1, None
        for _ in range(MAX_PAGES):
            if entity.paging == "page":
                params[entity.page_param] = page
            body, response = self.http.get_json_response(url, params=params, headers=self.headers, trace=trace)
            records = dig(body, entity.record_path)
            if not isinstance(records, list):
                raise ExtractError(f"regency {self.system.name}/{entity.name}: no record list at "
                                   f"{entity.record_path!r}")
            signature = page_signature(records)
            if signature is not None and signature == previous:
                # a server under load answered this page with the previous one: ask once more
                body, response = self.http.get_json_response(url, params=params, headers=self.headers,
                                                              trace=trace)
                records = dig(body, entity.record_path) or []
                if page_signature(records) == previous:
                    raise ExtractError(f"regency {self.system.name}/{entity.name}: a page repeats the "
                                       "previous one (server paging fault)")
                signature = page_signature(records)
            previous = signature
            yield from records
            if entity.paging == "page":
                if not records or (entity.size_param and len(records) < entity.page_size):
                    return
                page += 1
            elif entity.paging == "cursor":
                cursor = dig(body, entity.next_cursor_path)
                if not cursor or not records:
                    return
                params[entity.cursor_param] = cursor
            else:  # link-header: the next URL carries every parameter itself
                nxt = response.links.get("next", {}).get("url")
                if not nxt or not records:
                    return
                nxt = urljoin(url, nxt)
                if origin_of(nxt) != origin_of(self.root):
                    # the next request would carry our token to whatever server the answer names
                    raise ExtractError(f"regency {self.system.name}/{entity.name}: Link rel=next points at "
                                       f"another server ({host_of(nxt)}); not followed, the token stays home")
                url, params = nxt, None
        raise ExtractError(f"regency {self.system.name}/{entity.name}: more than {MAX_PAGES} pages")


def _max_cursor(current, value, where: str = "regency"):
    if value is None:
        return current
    if future_cursor(value, where):  # a poisoned cursor would skip every real change until then
        return current
    return value if current is None or str(value) > str(current) else current


def extract_entity(raw_dir, client: RegencyClient, entity: Entity, run_id: str, *, full: bool = False) -> dict:
    system = client.system.name
    partition = {"system": system}
    dataset = entity.name
    since = None if full or not entity.since_param else landing.last_cursor(raw_dir, SOURCE, dataset, partition)
    if since is not None and future_cursor(since, f"regency {system}/{entity.name} stored cursor"):
        since = None  # poisoned before the guard existed: a full pull heals it, no hand edit
    existing = Path(raw_dir) / SOURCE / dataset / landing.partition_path(partition) / landing.DATA_FILE
    with landing.PartitionWriter(raw_dir, SOURCE, dataset, partition, run_id, cursor=since) as part:
        seen: set[str] = set()
        cursor, fetched = since, 0
        for record in client.records(entity, since=since, trace=part.requests):
            row = flatten(record)
            if entity.cursor_field and entity.cursor_field not in row:
                # the incremental cursor would silently stop moving: fail loudly instead
                raise ExtractError(f"regency {system}/{entity.name}: record without {entity.cursor_field!r} "
                                   f"(schema drift?); fields: {sorted(row)[:15]}")
            if entity.primary_key:
                key = str(row.get(entity.primary_key))
                if key in seen:  # `updated_since` is inclusive and pages can shift: one row per id
                    continue
                seen.add(key)
            if entity.cursor_field:
                cursor = _max_cursor(cursor, row.get(entity.cursor_field), f"regency {system}/{entity.name}")
            part.write([row])
            fetched += 1
        kept = 0
        if since is not None and existing.exists():
            # carry forward the records that did not change since the last run
            for batch in pq.ParquetFile(existing).iter_batches(batch_size=landing.BATCH_ROWS):
                old = [{k: v for k, v in r.items() if k not in ("_manifest_id", "_extracted_at")}
                       for r in batch.to_pylist()]
                old = [r for r in old if str(r.get(entity.primary_key)) not in seen]
                kept += part.write(old)
        part.cursor = cursor
        part.extra.update(since=since, fetched=fetched, carried_forward=kept)
    return {**landing.summary(part.manifest), "fetched": fetched}


def extract_system(raw_dir, system: str, run_id: str, *, entities: list[str] | None = None,
                   full: bool = False, registry: dict[str, System] | None = None,
                   client: RegencyClient | None = None) -> list[dict]:
    """Land every (or the named) entity of a registry system; incremental unless `full`."""
    registry = registry or load_registry()
    client = client or RegencyClient.from_env(system, registry)
    names = entities or list(client.system.entities)
    unknown = [n for n in names if n not in client.system.entities]
    if unknown:
        raise RegistryError(f"regency system {system}: unknown entities {unknown}; "
                            f"sources.yml has {sorted(client.system.entities)}")
    out = []
    for name in names:
        summary = extract_entity(raw_dir, client, client.system.entities[name], run_id, full=full)
        log.info("regency %s/%s: %d fetched, %d rows landed", system, name, summary["fetched"],
                 summary["row_count"])
        out.append(summary)
    return out
