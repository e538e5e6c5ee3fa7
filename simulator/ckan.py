"""CKAN Action API (`/api/3/action/<action>` and `/api/action/<action>`, GET params or POST JSON) and
resource downloads, for the portals of `ckan_portals`."""
from __future__ import annotations

import json
import re
import threading

from simulator import ckan_portals, solr
from simulator.http_util import Response, json_response

ROWS_MAX = 1000               # package_search rows cap (the portal's setting)
DATASTORE_ROWS_MAX = 32000    # ckan.datastore.search.rows_max
ORG_ALL_FIELDS_MAX = 25       # ckan.group_and_organization_list_all_fields_max (real default)
ORG_LIST_MAX = 1000


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
        if rest[:1] == ["api"] and (len(rest) == 1 or len(rest) == 2 and rest[1] in ("1", "2", "3")):
            return json_response({"version": int(rest[1]) if len(rest) == 2 else 1})
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
        try:
            match_q = solr.package_query(str(params.get("q", "") or ""))
            fqs = params.get("fq_list") or []
            fqs = [str(params.get("fq") or "")] + (json.loads(fqs) if isinstance(fqs, str) else list(fqs))
            match_fq = [solr.standard(fq) for fq in fqs if fq.strip()]
        except (solr.QuerySyntaxError, ValueError) as exc:
            # Solr refuses the query; CKAN turns that SearchError into 409 "Search Error"
            raise ActionError(409, "Search Error", f"Search error: ('SOLR returned an error running query: "
                                                   f"{exc}',)") from None
        found = [p for p, doc in portal.documents() if match_q(doc) and all(m(doc) for m in match_fq)]
        sort = str(params.get("sort") or "score desc, metadata_modified desc")
        for clause in reversed([c.strip() for c in sort.split(",") if c.strip()]):
            field, _, order = clause.partition(" ")
            if order.strip() not in ("asc", "desc"):
                raise ActionError(400, "Search Query Error", "Search Query is invalid: ('Invalid \"sort\" "
                                                             "parameter',)")
            if field == "score":
                continue
            found.sort(key=lambda p: (str(p.get(field, "")), p["id"]), reverse=order.strip() == "desc")
        offset = max(0, start - shift * rows)
        results = [self._out(p, root) for p in found[offset: offset + rows]]
        facets, search_facets = _facets(portal, found, params)
        return {"count": len(found), "facets": facets, "results": results, "sort": sort,
                "search_facets": search_facets}, start // max(rows, 1) + 1

    def act_package_list(self, portal, params, root, shift):
        names = sorted(p["name"] for p in portal.packages)
        offset = _int(params, "offset", 0)
        limit = _int(params, "limit", len(names))
        return names[offset: offset + limit], None

    def act_tag_list(self, portal, params, root, shift):
        query = str(params.get("query") or "").lower()
        tags = {t["name"]: t for p in portal.packages for t in p.get("tags") or []}
        chosen = [tags[n] for n in sorted(tags) if query in n.lower()]
        if str(params.get("all_fields", "false")).lower() in ("true", "1", "yes"):
            return chosen, None
        return [t["name"] for t in chosen], None

    def act_group_list(self, portal, params, root, shift):
        return [], None   # these portals organise by organization only, as many regional portals do

    def act_site_read(self, portal, params, root, shift):
        return True, None

    def act_help_show(self, portal, params, root, shift):
        name = str(params.get("name") or "")
        fn = getattr(self, f"act_{name}", None)
        if fn is None:
            raise ActionError(404, "Not Found Error", f"Not found: Action function not found: {name}")
        return HELP.get(name, f"{name}: see the CKAN API documentation."), None

    def act_datastore_search(self, portal, params, root, shift):
        rid = str(params.get("resource_id", params.get("id", "")))
        table = portal.tables.get(rid)
        if table is None:
            raise ActionError(404, "Not Found Error", f'Resource "{rid}" was not found.')
        limit = min(_int(params, "limit", 100), DATASTORE_ROWS_MAX)
        offset = _int(params, "offset", 0)
        names = [f for f, _ in table.fields]
        filters = _json_param(params, "filters", {})
        q = _json_param(params, "q", "")
        sort = [c.strip() for c in _list_param(params.get("sort")) if c.strip()]
        chosen = _list_param(params.get("fields")) or ["_id", *names]
        for key, asked in (("filters", list(filters) if isinstance(filters, dict) else [filters]),
                           ("fields", chosen), ("sort", [c.split()[0] for c in sort]),
                           ("q", list(q) if isinstance(q, dict) else [])):
            unknown = [f for f in asked if f not in ("_id", *names)]
            if unknown or (key == "filters" and not isinstance(filters, dict)):
                raise ActionError(409, "Validation Error", {key: [f'invalid value "{(unknown or asked)[0]}"']})
        include_total = str(params.get("include_total", "true")).lower() not in ("false", "0", "no")
        if filters or q or sort:
            matched = [r for r in table.records(0, table.total) if _record_matches(r, filters, q)]
            for clause in reversed(sort):
                field, _, order = clause.partition(" ")
                matched.sort(key=lambda r: (r[field] is None, r[field]), reverse=order.strip().lower() == "desc")
            total = len(matched)
            records = matched[max(0, offset - shift * limit): max(0, offset - shift * limit) + limit]
        else:
            total = table.total
            records = table.records(max(0, offset - shift * limit), limit)
        if self.sim.faults.active("decimal_comma", "ckan"):
            from simulator.textfmt import id_number
            numeric = {f for f, t in table.fields if t in ("int", "numeric")}
            records = [{k: id_number(v, 0 if isinstance(v, int) else 2) if k in numeric else v
                        for k, v in r.items()} for r in records]
        types = {"_id": "int", **dict(table.fields)}
        records = [{k: r[k] for k in chosen} for r in records]
        out = {"include_total": include_total, "limit": limit, "records_format": "objects", "resource_id": rid,
               "fields": [{"id": f, "type": types[f]} for f in chosen], "records": records,
               "_links": {"start": f"/api/3/action/datastore_search?resource_id={rid}&limit={limit}",
                          "next": f"/api/3/action/datastore_search?offset={offset + limit}&resource_id={rid}"
                                  f"&limit={limit}"}}
        for key in ("filters", "q", "sort"):
            if params.get(key):
                out[key] = filters if key == "filters" else q if key == "q" else ", ".join(sort)
        if include_total:
            out.update(total=total, total_was_estimated=False)
        return out, offset // max(limit, 1) + 1

    def act_datastore_search_sql(self, portal, params, root, shift):
        import duckdb

        sql = str(params.get("sql") or "").strip().rstrip(";")
        if not sql:
            raise ActionError(409, "Validation Error", {"sql": ["Missing value"]})
        if ";" in sql or not re.match(r"(?is)^\s*(select|with)\b", sql):
            raise ActionError(409, "Validation Error", {"query": ["Query is not a single statement."]})
        used = [rid for rid in portal.tables if rid in sql]
        con = duckdb.connect()
        try:
            for rid in used:
                table = portal.tables[rid]
                if table.total > DATASTORE_ROWS_MAX:
                    raise ActionError(409, "Validation Error",
                                      {"query": [f'resource "{rid}" is too large for SQL here']})
                cols = ", ".join(f'"{f}" {"BIGINT" if t == "int" else "DOUBLE" if t == "numeric" else "VARCHAR"}'
                                 for f, t in [("_id", "int"), *table.fields])
                con.execute(f'create table "{rid}" ({cols})')
                rows = table.records(0, table.total)
                if rows:
                    marks = ", ".join("?" * len(rows[0]))
                    con.executemany(f'insert into "{rid}" values ({marks})', [list(r.values()) for r in rows])
            cur = con.execute(sql)
            names = [d[0] for d in cur.description]
            got = cur.fetchmany(DATASTORE_ROWS_MAX + 1)
        except duckdb.Error as exc:
            raise ActionError(409, "Validation Error", {"query": [str(exc).splitlines()[0]],
                                                        "info": {"statement": [sql]}}) from None
        finally:
            con.close()
        out = {"sql": sql, "fields": [{"id": n, "type": "text"} for n in names],
               "records": [dict(zip(names, r, strict=True)) for r in got[:DATASTORE_ROWS_MAX]]}
        if len(got) > DATASTORE_ROWS_MAX:
            out["records_truncated"] = True
        return out, None

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


def _json_param(params: dict, name: str, default):
    value = params.get(name, default)
    if isinstance(value, str) and value[:1] and value[0] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            raise ActionError(409, "Validation Error", {name: ["Cannot parse JSON"]}) from None
    return value if value not in (None, "") else default


def _list_param(value) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        if value.startswith("["):
            return [str(v) for v in json.loads(value)]
        return [v.strip() for v in value.split(",")]
    return [str(v) for v in value]


def _record_matches(record: dict, filters: dict, q) -> bool:
    for field, want in filters.items():
        wanted = want if isinstance(want, list) else [want]
        if str(record.get(field)) not in {str(w) for w in wanted}:
            return False
    if isinstance(q, dict):
        return all(set(solr.tokens(str(text))) <= set(solr.tokens(str(record.get(f, "")))) for f, text in q.items())
    if q:
        words = set(solr.tokens(" ".join(str(v) for k, v in record.items() if k != "_id")))
        return set(solr.tokens(str(q))) <= words
    return True


def _facets(portal, found: list[dict], params: dict) -> tuple[dict, dict]:
    """`facets` (field -> value -> count) and `search_facets` as CKAN restructures them."""
    fields = _list_param(params.get("facet.field"))
    limit = _int(params, "facet.limit", 50, lo=-1)
    mincount = _int(params, "facet.mincount", 1)
    facets, search_facets = {}, {}
    titles = {o["name"]: o["title"] for o in portal.organizations}
    for field in fields:
        counts: dict[str, int] = {}
        for pkg in found:
            for value in set(solr.package_fields(pkg).get(field, [])):
                if value:
                    counts[value] = counts.get(value, 0) + 1
        ranked = sorted(((v, c) for v, c in counts.items() if c >= mincount), key=lambda vc: (-vc[1], vc[0]))
        ranked = ranked if limit < 0 else ranked[:limit]
        facets[field] = dict(ranked)
        items = [{"count": c, "display_name": titles.get(v, v) if field == "organization" else v, "name": v}
                 for v, c in ranked]
        search_facets[field] = {"items": sorted(items, key=lambda i: i["display_name"], reverse=True),
                                "title": field}
    return facets, search_facets


HELP = {
    "package_search": "Searches for packages satisfying a given search criteria.\n\n:param q: the solr query. "
                      "Optional.  Default: ``\"*:*\"``\n:param fq: any filter queries to apply.\n:param rows: the "
                      "maximum number of matching rows (datasets) to return.\n:param start: the offset in the "
                      "complete result for where the set of returned datasets should begin.",
    "datastore_search": "Search a DataStore resource.\n\n:param resource_id: id or alias of the resource to be "
                        "searched against\n:param filters: matching conditions to select, e.g "
                        "{\"key1\": \"a\", \"key2\": \"b\"}\n:param q: full text query.",
}
