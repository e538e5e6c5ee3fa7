"""BPS WebAPI (webapi.bps.go.id/v1/api) in path style: list/model/<model>/<k>/<v>/.../key/KEY/.

Domains: 0000 national (vervar = provinces, BPS codes x100, plus 9999 INDONESIA), PP00 provinces by
BPS code (vervar = their kab/kota by BPS 4-digit code), and kab/kota domains by BPS code. The four 2022
Papua provinces have no BPS code: their regions sit under the old BPS province domain."""
from __future__ import annotations

import csv
import html
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from simulator.http_util import Response, json_response
from simulator.textfmt import bps_label, id_number
from simulator.world import YEARS
from smartcity import reference
from smartcity.settings import DBT_PROJECT_DIR

VARIABLES_CSV = DBT_PROJECT_DIR / "seeds" / "bps_indicator_variables.csv"
PER_PAGE = 10
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
          "Oktober", "November", "Desember")
NOT_AVAILABLE = {"status": "OK", "data-availability": "list-not-available", "data": ""}
STATIC_YEARS = YEARS[-3:]


def variables() -> list[dict[str, str]]:
    with open(VARIABLES_CSV, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def error(message: str) -> Response:
    return json_response({"status": "Error", "message": message})


def page_of(items: list, page: int, per_page: int = PER_PAGE) -> tuple[dict, list]:
    pages = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page: page * per_page]
    return {"page": page, "pages": pages, "per_page": per_page, "count": len(chunk), "total": len(items)}, chunk


@dataclass
class Var:
    id: int
    label: str
    unit: str
    indicator: str
    monthly: bool

    @property
    def string_vervar(self) -> bool:   # some tables give vervar `val`s as strings, others as ints
        return self.id % 3 == 0

    @property
    def string_tahun(self) -> bool:
        return self.id % 4 == 0


class Bps:
    def __init__(self, sim):
        self.sim = sim
        self.world = sim.world
        self._cubes: dict = {}

    @cached_property
    def vars(self) -> dict[int, Var]:
        return {int(r["var_id"]): Var(int(r["var_id"]), r["var_label"], r["unit"], r["indicator_code"],
                                      r["period"] == "monthly") for r in variables()}

    @cached_property
    def domains(self) -> dict[str, dict]:
        """domain id -> {name, rows: served region indices, kind}."""
        served = self.sim.served
        regions = self.world.regions
        out = {"0000": {"name": "Pusat", "rows": served, "kind": "national"}}
        for p in reference.provinces():
            if p["kode_bps_2018"]:
                rows = np.array([i for i in served if regions[i]["kode_bps_2018"][:2] == p["kode_bps_2018"]], int)
                out[p["kode_bps_2018"] + "00"] = {"name": p["nama_provinsi"], "rows": rows, "kind": "prov",
                                                  "bps_name": p["nama_bps_2018"]}
        for i in served:
            r = regions[i]
            out[r["kode_bps_2018"]] = {"name": bps_label(r), "rows": np.array([i]), "kind": "kab",
                                       "prov": r["kode_bps_2018"][:2] + "00"}
        return out

    # -- data cube ---------------------------------------------------------------------------------
    def cube(self, var: Var, domain: str) -> tuple[list[tuple[int, str]], np.ndarray] | None:
        """vervar list and values (V, Y, T) with T = 1 (annual) or 13 (12 months + Tahunan)."""
        key = (var.id, domain)
        if key not in self._cubes:
            self._cubes[key] = self._cube(var, domain)
        return self._cubes[key]

    def _cube(self, var: Var, domain: str):
        d = self.domains[domain]
        rows = d["rows"]
        if var.indicator == "POP":
            base = self.world.population[:, :, None].astype(float)
        elif var.monthly:
            m = self.world.monthly[var.indicator]
            base = np.concatenate([m, self.world.series(var.indicator)[:, :, None]], axis=2)
        else:
            base = self.world.series(var.indicator)[:, :, None]
        if d["kind"] == "kab":
            vervar = [(int(self.world.regions[rows[0]]["kode_bps_2018"]), d["name"])]
            cube = base[rows]
        elif d["kind"] == "prov":
            vervar = [(int(self.world.regions[i]["kode_bps_2018"]), bps_label(self.world.regions[i])) for i in rows]
            cube = base[rows]
        else:
            vervar, cube = self._national(base, var)
        if len(rows) == 0 or np.isnan(cube).all():
            return None
        return vervar, cube

    def _national(self, base, var):
        """Province aggregates (sum of people, population-weighted mean of rates) plus Indonesia."""
        groups = [(k, d) for k, d in self.domains.items() if d["kind"] == "prov" and len(d["rows"])]
        groups.append(("9999", {"bps_name": "INDONESIA", "rows": self.sim.served}))
        pop = self.world.population[:, :, None].astype(float)
        out = []
        for _, d in groups:
            v, w = base[d["rows"]], np.broadcast_to(pop[d["rows"]], base[d["rows"]].shape)
            ok = ~np.isnan(v)
            if var.indicator == "POP":
                agg = np.where(ok.any(0), np.nansum(v, 0), np.nan)
            else:
                agg = np.round(np.nansum(np.where(ok, v * w, 0), 0) / np.where(ok.any(0), (w * ok).sum(0), np.nan), 2)
            out.append(agg)
        return [(int(k) if k != "9999" else 9999, d["bps_name"]) for k, d in groups], np.array(out)

    # -- routing -----------------------------------------------------------------------------------
    def handle(self, req) -> Response:
        parts = [p for p in req.parts if p]
        paired = parts[:1] in (["list"], ["view"])
        args = dict(zip(parts[3::2], parts[4::2], strict=False)) if paired else {}
        if parts[:1] == ["domain"]:                                     # the real domain endpoint
            args = dict(zip(parts[1::2], parts[2::2], strict=False))
            parts = ["list", "model", "domain"]
        args.update({k: v for k, v in req.query.items() if k not in args})
        key = args.get("key")
        if not key:
            return error("Key is required")
        if key != self.sim.bps_key:
            return error("Invalid API key")
        if len(parts) < 3 or parts[1] != "model":
            return error("Invalid request")
        action, model = parts[0], parts[2]
        page = max(1, int(args.get("page", 1) or 1) - req.page_shift)
        if action == "view" and model == "statictable":
            return self.view_statictable(args)
        handler = getattr(self, f"list_{model}", None)
        if action != "list" or handler is None:
            return error(f"Model {model} not found")
        if model != "domain" and args.get("domain") not in self.domains:
            return json_response(NOT_AVAILABLE)
        return handler(args, page)

    def _list(self, items: list, page: int, requested: int) -> Response:
        if not items:
            return json_response(NOT_AVAILABLE)
        info, chunk = page_of(items, page)
        if not chunk:
            return json_response(NOT_AVAILABLE)
        return json_response({"status": "OK", "data-availability": "available", "data": [info, chunk]},
                             page=requested)

    def _requested(self, args) -> int:
        return max(1, int(args.get("page", 1) or 1))

    # -- list models -------------------------------------------------------------------------------
    def list_domain(self, args, page):
        kind, prov = args.get("type", "all"), args.get("prov")
        items = []
        for k, d in self.domains.items():
            if kind == "prov" and d["kind"] != "prov" or kind == "kab" and d["kind"] != "kab":
                continue
            if kind == "kabbyprov" and (d["kind"] != "kab" or d.get("prov") != prov):
                continue
            host = "www" if k == "0000" else k
            items.append({"domain_id": k, "domain_name": d["name"], "domain_url": f"https://{host}.bps.go.id"})
        info, chunk = page_of(items, 1, per_page=max(1, len(items)))
        return json_response({"status": "OK", "data-availability": "available", "data": [info, chunk]})

    def _vars_in(self, domain):
        return [v for v in self.vars.values() if self.cube(v, domain) is not None]

    def list_var(self, args, page):
        items = [{"var_id": v.id, "title": v.label, "sub_id": 500 + v.id % 7, "sub_name": _subject(v),
                  "subcsa_id": 1, "subcsa_name": "Statistik Demografi dan Sosial", "def": "", "notes": "",
                  "vertical": 4 if self.domains[args["domain"]]["kind"] == "prov" else 1,
                  "unit": v.unit, "graph_id": 1, "graph_name": "Line"} for v in self._vars_in(args["domain"])]
        return self._list(items, page, self._requested(args))

    def list_subject(self, args, page):
        subjects = sorted({(500 + v.id % 7, _subject(v)) for v in self._vars_in(args["domain"])})
        items = [{"sub_id": i, "title": t, "subcat_id": 1, "subcat": "Sosial dan Kependudukan", "ntabel": None}
                 for i, t in subjects]
        return self._list(items, page, self._requested(args))

    def list_th(self, args, page):
        items = [{"th_id": y - 1900, "th": str(y)} for y in YEARS]
        return self._list(items, page, self._requested(args))

    def list_turth(self, args, page):
        var = self.vars.get(int(args.get("var", 0) or 0))
        if var is not None and not var.monthly:
            items = [{"turth_id": 0, "turth": "Tahun", "group_turth_id": 0, "name_group_turth": "Tahunan"}]
        else:
            items = [{"turth_id": m + 1, "turth": n, "group_turth_id": 1, "name_group_turth": "Bulanan"}
                     for m, n in enumerate(MONTHS)]
            items.append({"turth_id": 13, "turth": "Tahunan", "group_turth_id": 1, "name_group_turth": "Bulanan"})
        return self._list(items, page, self._requested(args))

    def list_turvar(self, args, page):
        items = [{"turvar_id": 0, "turvar": "Tidak Ada", "group_turvar_id": 0, "name_group": "Tidak Ada"}]
        return self._list(items, page, self._requested(args))

    def list_vervar(self, args, page):
        d = self.domains[args["domain"]]
        var = self.vars.get(int(args.get("var", 31) or 31))
        found = self.cube(var, args["domain"]) if var else None
        group = {"national": "Provinsi", "prov": "Kabupaten/Kota", "kab": "Kabupaten/Kota"}[d["kind"]]
        items = [{"kode_ver_id": val, "vervar": label, "item_ver_id": val, "group_ver_id": 1,
                  "name_group_ver_id": group} for val, label in (found[0] if found else [])]
        return self._list(items, page, self._requested(args))

    def list_statictable(self, args, page):
        domain = args["domain"]
        items = [{"table_id": tid, "title": self._static_title(v, domain), "subj_id": 500 + v.id % 7,
                  "subj": _subject(v), "updt_date": f"2025-01-{1 + tid % 28:02d}", "size": "0.02 MB",
                  "excel": f"https://{'www' if domain == '0000' else domain}.bps.go.id/statictable/"
                           f"downloadapi.html?data={domain}{tid:04d}&tokenuser="}
                 for tid, v in self._static_tables(domain)]
        return self._list(items, page, self._requested(args))

    # -- dynamic data ------------------------------------------------------------------------------
    def list_data(self, args, page):
        var = self.vars.get(int(args.get("var", 0) or 0))
        found = self.cube(var, args["domain"]) if var else None
        if found is None:
            return json_response(NOT_AVAILABLE)
        vervar, cube = found
        wanted = [int(t) for t in args["th"].split(";") if t.strip()] if args.get("th") else [y - 1900 for y in YEARS]
        year_idx = [YEARS.index(t + 1900) for t in wanted if t + 1900 in YEARS]
        turtahun = [(m + 1, n) for m, n in enumerate(MONTHS)] + [(13, "Tahunan")] if var.monthly else [(0, "Tahun")]
        drift = self.sim.faults.active("schema_drift", "bps")
        comma = self.sim.faults.active("decimal_comma", "bps")
        content = {}
        for v, (vval, _) in enumerate(vervar):
            for y in year_idx:
                for t, (tval, _) in enumerate(turtahun):
                    x = cube[v, y, t]
                    if np.isnan(x):
                        continue                                    # sparse: missing cells are absent
                    key = f"{vval}{var.id}0{YEARS[y] - 1900}{tval}"
                    num = int(x) if var.indicator == "POP" or float(x).is_integer() else float(x)
                    content[key] = id_number(num, 0 if isinstance(num, int) else 2) if comma else num
        sv, st = var.string_vervar, var.string_tahun
        body = {
            "status": "OK", "data-availability": "available",
            "var": [{"val": var.id, "label": var.label, "unit": var.unit, "subj": _subject(var), "def": "",
                     "note": ""}],
            "turvar": [{"val": 0, "label": "Tidak Ada"}],
            "labelvervar": {"national": "Provinsi", "prov": "Kabupaten/Kota", "kab": "Kecamatan"}[
                self.domains[args["domain"]]["kind"]],
            "vervar": [{"val": str(val) if sv else val, "label": label} for val, label in vervar],
            "tahun": [{"val": str(YEARS[y] - 1900) if st else YEARS[y] - 1900, "label": str(YEARS[y])}
                      for y in year_idx],
            "turtahun": [{"val": val, "label": label} for val, label in turtahun],
            "datacontent": content or [],                           # PHP's empty array
        }
        if drift:
            body["ver_var"] = body.pop("vervar")
        return json_response(body)

    # -- static tables -----------------------------------------------------------------------------
    def _static_tables(self, domain):
        return [(k + 1, v) for k, v in enumerate(self.vars.values()) if self.cube(v, domain) is not None]

    def _static_title(self, var, domain):
        d = self.domains[domain]
        where = {"national": "Provinsi di Indonesia", "prov": f"Kabupaten/Kota di Provinsi {d['name']}",
                 "kab": d["name"]}[d["kind"]]
        return f"{var.label} Menurut {where}, {STATIC_YEARS[0]}-{STATIC_YEARS[-1]}"

    def view_statictable(self, args):
        domain = args.get("domain")
        if domain not in self.domains:
            return json_response(NOT_AVAILABLE)
        tables = dict(self._static_tables(domain))
        var = tables.get(int(args.get("id", 0) or 0))
        if var is None:
            return json_response(NOT_AVAILABLE)
        tid = int(args["id"])
        return json_response({"status": "OK", "data-availability": "available", "data": {
            "table_id": tid, "title": self._static_title(var, domain), "subcsa_id": 1,
            "subcsa": "Statistik Demografi dan Sosial", "subj_id": 500 + var.id % 7, "subj": _subject(var),
            "table": html.escape(self.static_html(var, domain)), "cr_date": "2024-12-02",
            "updt_date": f"2025-01-{1 + tid % 28:02d}", "excel": ""}})

    def static_html(self, var: Var, domain: str) -> str:
        """Excel-exported HTML: a two-row merged header, Indonesian numbers, '-' for none."""
        vervar, cube = self.cube(var, domain)
        years = [YEARS.index(y) for y in STATIC_YEARS]
        t = cube.shape[2] - 1                                       # annual column (Tahunan for monthly)
        lead = {"national": "Provinsi", "prov": "Kabupaten/Kota", "kab": "Wilayah"}[self.domains[domain]["kind"]]
        out = ["<table border=0 cellpadding=0 cellspacing=0 width=520 style='border-collapse:collapse;"
               "table-layout:fixed;width:390pt'>",
               " <col width=220 style='width:165pt'>", f" <col width=100 span={len(years)} style='width:75pt'>",
               " <tr height=20 style='height:15.0pt'>",
               f"  <td rowspan=2 height=40 class=xl65 width=220 style='height:30.0pt;width:165pt'>{lead}</td>",
               f"  <td colspan={len(years)} class=xl66 style='border-left:none'>{var.label} ({var.unit})</td>",
               " </tr>", " <tr height=20 style='height:15.0pt'>"]
        out += [f"  <td height=20 class=xl67 style='height:15.0pt;border-top:none'>{YEARS[y]}</td>" for y in years]
        out.append(" </tr>")
        for (_, label), row in zip(vervar, cube, strict=True):
            out.append(" <tr height=20 style='height:15.0pt'>")
            out.append(f"  <td height=20 class=xl68 style='height:15.0pt;border-top:none'>{label}</td>")
            for y in years:
                x = row[y, t]
                text = "-" if np.isnan(x) else id_number(x, 0 if var.indicator == "POP" else 2)
                out.append(f"  <td class=xl69 align=right style='border-top:none;border-left:none'>{text}</td>")
            out.append(" </tr>")
        out.append("</table>")
        return "\n".join(out)


def _subject(var: Var) -> str:
    return {"POP": "Kependudukan", "SE": "Kemiskinan dan Ketenagakerjaan", "SL": "Kesehatan dan Perumahan",
            "SS": "Pendidikan dan Teknologi Informasi", "SB": "Pariwisata", "SN": "Energi"}.get(
        var.indicator if var.indicator == "POP" else var.indicator[:2], "Lainnya")
