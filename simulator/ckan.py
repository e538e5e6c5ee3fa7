"""CKAN Action API (`/api/3/action/<action>` and `/api/action/<action>`, GET params or POST JSON) and
resource downloads, for the portals of `ckan_portals`."""
from __future__ import annotations

import json
import re
import threading
from datetime import datetime

from simulator import ckan_portals
from simulator.http_util import Response, json_response

ROWS_MAX = 1000               # package_search rows cap (the portal's setting)
DATASTORE_ROWS_MAX = 32000    # ckan.datastore.search.rows_max
ORG_ALL_FIELDS_MAX = 25       # ckan.group_and_organization_list_all_fields_max (real default)
ORG_LIST_MAX = 1000
_FQ = re.compile(r'([+-]?)([\w.]+):(\[[^\]]*\]|"[^"]*"|\S+)')


class ActionError(Exception):
    def __init__(self, status: int, type_: str, message: str | dict):
        self.status, self.type, self.message = status, type_, message


def _int(params: dict, name: str, default: int, lo: int = 0) -> int:
    try:
        value = int(params.get(name, default))
    except (TypeError, ValueError):
        raise ActionError(409, "Validation Error", {name: ["Invalid integer"]}) from None
    if value < lo:
        raise ActionError(409, "Validation Error", {name: ["Must be a natural number"]})
    return value


def _when(text: str) -> datetime | None:
    text = text.strip().strip('"')
    if text in ("*", ""):
        return None
    if text.upper().startswith("NOW"):
        return datetime.max
    return datetime.fromisoformat(text.rstrip("Z").replace("Z", ""))


CACHED_ACTIONS = {"package_search"}
CACHE_MAX_BYTES = 256 * 1024 * 1024


class Ckan:
    def __init__(self, sim):
        self.sim = sim
        self._portals: dict = {}
        self._lock = threading.Lock()
        # A real portal answers from Solr on many processes; here every page would cost this one process
        # tens of ms of CPU under the GIL and bound every client's speed. Catalogues never change after they
        # are built, so an answered search page is kept (as bytes: faults re-shape copies of it).
        self._pages: dict = {}

    def portal(self, name: str):
        with self._lock:
            if name not in self._portals:
                self._portals[name] = ckan_portals.BUILDERS[name](self.sim.world, self.sim.served)
            return self._portals[name]

    def handle(self, req) -> Response:
        parts = [p for p in req.parts if p]
        if not parts or parts[0] not in ckan_portals.BUILDERS:
            return Response(404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html")
        portal, rest = self.portal(parts[0]), parts[1:]
        root = f"{req.base_url}/ckan/{portal.name}"
        if len(rest) >= 5 and rest[0] == "dataset" and rest[2] == "resource" and rest[4] == "download":
            return self.download(portal, rest[3])
        if rest[:2] == ["api", "action"] and len(rest) == 3 or rest[:3] == ["api", "3", "action"] and len(rest) == 4:
            action = rest[-1]
            help_url = f"{root}/api/3/action/help_show?name={action}"
            params = dict(req.query)
            if req.body:
                try:
                    params.update(json.loads(req.body))
                except ValueError:
                    return _error(help_url, ActionError(400, "Bad request", "Bad request - JSON Error: Could not "
                                                                            "decode request body"))
            fn = getattr(self, f"act_{action}", None)
            if fn is None:
                unknown = f"Bad request - Action name not known: {action}"
                return _error(help_url, ActionError(400, "Bad request", unknown))
            key = None
            if action in CACHED_ACTIONS and not self.sim.faults.active("schema_drift", "ckan"):
                key = (portal.name, action, root, req.page_shift, tuple(sorted((k, str(v)) for k, v in params.items())))
                if key in self._pages:
                    body, page = self._pages[key]
                    return Response(200, body, "application/json", {}, True, page)
            try:
                result, page = fn(portal, params, root, req.page_shift)
            except ActionError as exc:
                return _error(help_url, exc)
            response = json_response({"help": help_url, "success": True, "result": result}, page=page)
            if key is not None:
                if sum(len(b) for b, _ in self._pages.values()) > CACHE_MAX_BYTES:
                    self._pages.clear()
                self._pages[key] = (response.body, page)
            return response
        return Response(404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html")

    # -- actions -----------------------------------------------------------------------------------
    def act_status_show(self, portal, params, root, shift):
        return {"ckan_version": "2.10.4", "site_title": portal.title, "site_description": "", "site_url": root,
                "error_emails_to": None, "locale_default": "id", "extensions": ["datastore", "datapusher"]}, None

    def act_organization_list(self, portal, params, root, shift):
        all_fields = str(params.get("all_fields", "false")).lower() in ("true", "1", "yes")
        cap = ORG_ALL_FIELDS_MAX if all_fields else ORG_LIST_MAX
        limit = min(_int(params, "limit", cap), cap)
        offset = _int(params, "offset", 0)
        key = "title" if "title" in str(params.get("sort", "")) else "name"
        orgs = sorted(portal.organizations, key=lambda o: o[key])[offset: offset + limit]
        if all_fields:
            return [{k: v for k, v in o.items() if not k.startswith("_")} for o in orgs], None
        return [o["name"] for o in orgs], None

    def act_organization_show(self, portal, params, root, shift):
        for o in portal.organizations:
            if params.get("id") in (o["id"], o["name"]):
                return {k: v for k, v in o.items() if not k.startswith("_")}, None
        raise ActionError(404, "Not Found Error", "Organization not found")

    def act_package_show(self, portal, params, root, shift):
        pkg = portal.by_id.get(str(params.get("id", "")))
        if pkg is None:
            raise ActionError(404, "Not Found Error", "Not found")
        return self._out(pkg, root), None

    def act_package_search(self, portal, params, root, shift):
        rows = min(_int(params, "rows", 10), ROWS_MAX)
        start = _int(params, "start", 0)
        q = str(params.get("q", "") or "").strip()
        terms = [] if q in ("", "*:*") else q.lower().split()
        try:
            clauses = _parse_fq(str(params.get("fq", "") or ""))
        except ValueError as exc:
            raise ActionError(409, "Search Query Error", f"Invalid fq: {exc}") from None
        found = [p for p in portal.packages if _matches(p, terms, clauses)]
        sort = str(params.get("sort") or "score desc, metadata_modified desc")
        for clause in reversed([c.strip() for c in sort.split(",") if c.strip()]):
            field, _, order = clause.partition(" ")
            if field == "score":
                continue
            found.sort(key=lambda p: (str(p.get(field, "")), p["id"]), reverse=order.strip() == "desc")
        offset = max(0, start - shift * rows)
        results = [self._out(p, root) for p in found[offset: offset + rows]]
        return {"count": len(found), "facets": {}, "results": results, "sort": sort,
                "search_facets": {}}, start // max(rows, 1) + 1

    def act_datastore_search(self, portal, params, root, shift):
        rid = str(params.get("resource_id", params.get("id", "")))
        table = portal.tables.get(rid)
        if table is None:
            raise ActionError(404, "Not Found Error", f'Resource "{rid}" was not found.')
        limit = min(_int(params, "limit", 100), DATASTORE_ROWS_MAX)
        offset = _int(params, "offset", 0)
        records = table.records(max(0, offset - shift * limit), limit)
        fields = [{"id": "_id", "type": "int"}] + [{"id": f, "type": t} for f, t in table.fields]
        if self.sim.faults.active("decimal_comma", "ckan"):
            from simulator.textfmt import id_number
            numeric = {f for f, t in table.fields if t in ("int", "numeric")}
            records = [{k: id_number(v, 0 if isinstance(v, int) else 2) if k in numeric else v
                        for k, v in r.items()} for r in records]
        return {"include_total": True, "limit": limit, "records_format": "objects", "resource_id": rid,
                "fields": fields, "records": records, "total": table.total, "total_was_estimated": False,
                "_links": {"start": f"/api/3/action/datastore_search?resource_id={rid}&limit={limit}",
                           "next": f"/api/3/action/datastore_search?offset={offset + limit}&resource_id={rid}"
                                   f"&limit={limit}"}}, offset // max(limit, 1) + 1

    # -- helpers -----------------------------------------------------------------------------------
    def _out(self, pkg: dict, root: str) -> dict:
        out = dict(pkg, resources=[dict(r, url=root + r["url"]) for r in pkg["resources"]])
        if self.sim.faults.active("schema_drift", "ckan"):
            out["metadata_updated"] = out.pop("metadata_modified")
        return out

    def download(self, portal, rid: str) -> Response:
        make = portal.files.get(rid)
        if make is None:
            return Response(404, b"<html><body><h1>404 Not Found</h1><p>Resource not found</p></body></html>",
                            "text/html")
        content_type, body = make()
        name = portal.resources[rid][1]["url"].rsplit("/", 1)[-1]
        return Response(200, body, content_type, {"Content-Disposition": f'attachment; filename="{name}"'})


def _error(help_url: str, exc: ActionError) -> Response:
    error = {"__type": exc.type, **(exc.message if isinstance(exc.message, dict) else {"message": exc.message})}
    return json_response({"help": help_url, "success": False, "error": error}, status=exc.status)


def _parse_fq(fq: str) -> list[tuple[bool, str, object]]:
    """fq clauses -> (negated, field, test); ranges become ISO strings compared as text."""
    out = []
    for sign, field, value in _FQ.findall(fq):
        if field.upper() in ("AND", "OR"):
            continue
        if value.startswith("["):
            lo, _, hi = value[1:-1].partition(" TO ")
            lo_t, hi_t = _when(lo), _when(hi)
            out.append((sign == "-", field, (lo_t and lo_t.isoformat(timespec="microseconds"),
                                             hi_t and (hi_t.isoformat(timespec="microseconds")
                                                       if hi_t != datetime.max else None))))
        else:
            out.append((sign == "-", field, value.strip('"')))
    return out


def _matches(pkg: dict, terms: list[str], clauses) -> bool:
    if terms:
        text = f"{pkg['title']} {pkg['name']} {pkg['notes']}".lower()
        if not all(term in text for term in terms):
            return False
    for negated, field, test in clauses:
        if isinstance(test, tuple):
            got = pkg.get(field, "")
            ok = (test[0] is None or got >= test[0]) and (test[1] is None or got <= test[1])
        elif field == "organization":
            ok = pkg["organization"]["name"] == test
        elif field == "res_format":
            ok = any(r["format"].lower() == test.lower() for r in pkg["resources"])
        else:
            ok = str(pkg.get(field, "")) == test
        if ok == negated:
            return False
    return True
