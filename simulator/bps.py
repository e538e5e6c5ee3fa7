"""BPS WebAPI (webapi.bps.go.id/v1/api) in path style: list/model/<model>/<k>/<v>/.../key/KEY/.

Domains: 0000 national (vervar = provinces, BPS codes x100, plus 9999 INDONESIA), PP00 provinces by
BPS code (vervar = their kab/kota by BPS 4-digit code), and kab/kota domains by BPS code. The four 2022
Papua provinces have no BPS code: their regions sit under the old BPS province domain."""
from __future__ import annotations

import csv
import html
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from simulator.bps_codes import bps_identity
from simulator.http_util import Response, json_response
from simulator.textfmt import bps_label, id_number
from simulator.world import YEARS
from smartcity_base import reference
from smartcity_base.settings import DBT_PROJECT_DIR

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
    """One dynamic table of one domain. `indicator`: the catalogue indicator it carries (decoys: the one
    they imitate); `kind`: main, or a decoy (by age, by kecamatan, another unit); `years`: the years
    this id covers when a series moved to a new id."""
    id: int
    label: str
    unit: str
    indicator: str
    monthly: bool
    kind: str = "main"
    years: tuple[int, int] | None = None
    domain_kind: str = "prov"

    @property
    def string_vervar(self) -> bool:   # some tables give vervar `val`s as strings, others as ints
        return self.id % 3 == 0

    @property
    def string_tahun(self) -> bool:
        return self.id % 4 == 0

    def covers(self, year: int) -> bool:
        return self.years is None or self.years[0] <= year <= self.years[1]

    # derived variables (turvar) and periods (turtahun) with BPS's real labels and ids; each with the
    # function from the region's true annual value to the published cell
    @property
    def turvars(self) -> list[tuple[int, str, object]]:
        if self.kind != "main" or self.domain_kind != "prov":
            return [(0, "Tidak Ada", None)]
        if self.indicator == "SE03":                      # var 192: 432/433/434 urban / rural / total
            return [(432, "Perkotaan", 0.75), (433, "Perdesaan", 1.25), (434, "Perkotaan+Perdesaan", None)]
        if self.indicator == "POP":
            return [(1, "Laki-laki", 0.5), (2, "Perempuan", -0.5), (3, "Laki-laki+Perempuan", None)]
        return [(0, "Tidak Ada", None)]

    @property
    def periods(self) -> list[tuple[int, str, float | None]]:
        if self.monthly:
            return [(m + 1, n, None) for m, n in enumerate(MONTHS)] + [(13, "Tahunan", None)]
        if self.kind == "main" and self.domain_kind == "prov":
            if self.indicator == "SE03":                  # poverty: semesters; March is the official figure
                return [(61, "Maret", 0.0), (62, "September", 0.37)]
            if self.indicator == "SE04":                  # unemployment: rounds; August is the official one
                return [(189, "Februari", -0.41), (190, "Agustus", 0.0)]
            if self.indicator == "SE01":                  # growth: quarters and the annual 35
                return [(31, "Triwulan I", -0.6), (32, "Triwulan II", 0.9), (33, "Triwulan III", 0.2),
                        (34, "Triwulan IV", -0.3), (35, "Tahunan", 0.0)]
        return [(0, "Tahun", None)]


# title variants BPS uses for one table ("Jumlah Penduduk", "Banyaknya Penduduk", "... (Jiwa)")
def _title_variants(label: str, unit: str, indicator: str) -> list[str]:
    out = [label, f"{label} Menurut Kabupaten/Kota"]
    if indicator == "POP":
        out += ["Banyaknya Penduduk", f"{label} ({unit})"]
    elif unit in ("Persen", "Tahun", "Indeks", "Rupiah"):
        out.append(f"{label} ({unit})")
    return out


# domains whose numbering is known from real recordings (Pinrang 7315: population is var 31; Batang
# Hari 1504: population is var 32, by age group and sex 178, by kecamatan and sex 169 and 39)
KNOWN_IDS = {"7315": {"POP": 31}, "1504": {"POP": 32, "decoy_age": 178, "decoy_kecamatan": 169,
                                           "decoy_kecamatan_2": 39}}
REFERENCE_NUMBERED = "3500"  # Jawa Timur keeps the seed's reference ids (population 31 to 2020, 248 from 2021)
POP_SPLIT_YEAR = 2021  # province population tables moved to a new id (var 31 to 2020, 248 from 2021)


class Bps:
    def __init__(self, sim):
        self.sim = sim
        self.world = sim.world
        self._cubes: dict = {}
        self._catalogues: dict[str, dict[int, Var]] = {}

    @cached_property
    def vars(self) -> dict[int, Var]:
        """The reference numbering (seed var ids): the national domain's."""
        return {int(r["var_id"]): Var(int(r["var_id"]), r["var_label"], r["unit"], r["indicator_code"],
                                      r["period"] == "monthly", domain_kind="national") for r in variables()}

    def catalogue(self, domain: str) -> dict[int, Var]:
        """This domain's own numbering: title variants, decoys, a few indicators missing in kab/kota
        domains, population under two ids over the years in province domains."""
        if domain not in self._catalogues:
            self._catalogues[domain] = self._catalogue(domain)
        return self._catalogues[domain]

    def _catalogue(self, domain: str) -> dict[int, Var]:
        if domain == "0000":
            return self.vars
        kind = self.domains[domain]["kind"]
        rng = np.random.default_rng([int(domain), 18])
        entries: list[tuple[str, Var]] = []
        for r in variables():
            code, label, unit = r["indicator_code"], r["var_label"], r["unit"]
            if kind == "kab" and code != "POP" and rng.random() < 0.15:
                continue                                            # this office publishes no such table
            variants = _title_variants(label, unit, code)
            title = variants[int(rng.integers(len(variants)))] if code != "POP" or kind == "prov" else label
            monthly = r["period"] == "monthly"
            if code == "POP" and kind == "prov":
                other = variants[int(rng.integers(len(variants)))]
                entries.append((code, Var(0, title, unit, code, monthly, years=(YEARS[0], POP_SPLIT_YEAR - 1),
                                          domain_kind=kind)))
                entries.append(("POP_new", Var(0, other, unit, code, monthly, years=(POP_SPLIT_YEAR, YEARS[-1]),
                                               domain_kind=kind)))
            else:
                entries.append((code, Var(0, title, unit, code, monthly, domain_kind=kind)))
        entries += [
            ("decoy_age", Var(0, "Jumlah Penduduk Menurut Kelompok Umur dan Jenis Kelamin", "Jiwa", "POP", False,
                              kind="decoy_age", domain_kind=kind)),
            ("decoy_kecamatan", Var(0, "Jumlah Penduduk Menurut Kecamatan dan Jenis Kelamin", "Jiwa", "POP", False,
                                    kind="decoy_kecamatan", domain_kind=kind)),
            ("decoy_unit", Var(0, "Jumlah Penduduk", "Ribu Jiwa", "POP", False, kind="decoy_unit", domain_kind=kind)),
            ("decoy_poor", Var(0, "Jumlah Penduduk Miskin", "Ribu Jiwa", "SE03", False, kind="decoy_unit",
                               domain_kind=kind)),
        ]
        if domain == "1504":
            entries.append(("decoy_kecamatan_2", Var(0, "Jumlah Penduduk Menurut Kecamatan", "Jiwa", "POP", False,
                                                     kind="decoy_kecamatan", domain_kind=kind)))
        known = dict(KNOWN_IDS.get(domain, {}))
        if domain == REFERENCE_NUMBERED:  # one province numbers its tables as the national domain does
            known.update({r["indicator_code"]: int(r["var_id"]) for r in variables()}, POP_new=248)
        free = [i for i in rng.permutation(np.arange(20, 1800)).tolist() if i not in known.values()]
        out: dict[int, Var] = {}
        for name, var in entries:
            var.id = known.get(name) or free.pop()
            out[var.id] = var
        return out

    def var_for(self, domain: str, indicator: str, year: int | None = None, kind: str = "main") -> Var | None:
        """The table carrying `indicator` in `domain` (in `year`): for tests and the truth endpoint."""
        for var in self.catalogue(domain).values():
            if var.indicator == indicator and var.kind == kind and (year is None or var.covers(year)):
                return var
        return None

    @cached_property
    def domains(self) -> dict[str, dict]:
        """domain id -> {name, rows: served region indices, kind}. Province domains: every current one
        (seed bps_province_domains), the four 2022 Papua provinces included; `held[r, y]` says whether
        the domain publishes region r in year y (before 2022 the old Papua domains hold the new
        provinces' regions)."""
        from extractors import regions as region_ref

        served = self.sim.served
        regions = self.world.regions
        index = {r["kode_kemendagri"]: i for i, r in enumerate(regions)}
        names = {p["kode_provinsi"]: p["nama_provinsi"] for p in reference.provinces()}
        out = {"0000": {"name": "Pusat", "rows": served, "kind": "national"}}
        served_set = {int(i) for i in served}
        for d in region_ref.province_domains():
            held_by_year = {y: {index[c] for c in region_ref.regions_of_domain(d, y) if c in index} & served_set
                            for y in YEARS}
            rows = np.array(sorted(set().union(*held_by_year.values())), int)
            held = np.array([[int(i) in held_by_year[y] for y in YEARS] for i in rows], bool)
            held = held.reshape(len(rows), len(YEARS))
            prov = region_ref.province_of_bps_domain(d)
            out[d] = {"name": names[prov], "rows": rows, "kind": "prov", "held": held,
                      "bps_name": names[prov].upper(), "local_ids": int(d[:2]) % 3 == 0}
        for i in served:
            r = regions[i]
            code = bps_identity(r)[0]
            out[code] = {"name": bps_label(r), "rows": np.array([i]), "kind": "kab", "prov": code[:2] + "00"}
        return out

    # -- data cube ---------------------------------------------------------------------------------
    def annual(self, var: Var, domain: str) -> tuple[list[tuple[int, str]], np.ndarray] | None:
        """vervar list and the true annual values (V, Y, 1 or 13) of a main table (static tables)."""
        key = ("annual", var.id, domain)
        if key not in self._cubes:
            self._cubes[key] = self._annual(var, domain)
        return self._cubes[key]

    def _annual(self, var: Var, domain: str):
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
            vervar = [(int(bps_identity(self.world.regions[rows[0]])[0]), d["name"])]
            cube = base[rows].copy()
        elif d["kind"] == "prov":
            vervar = [(int(bps_identity(self.world.regions[i])[0]), bps_label(self.world.regions[i])) for i in rows]
            cube = base[rows].copy()
            cube[~d["held"]] = np.nan                                  # not this domain's region that year
        else:
            vervar, cube = self._national(base, var)
        year_ok = np.array([var.covers(y) for y in YEARS])
        cube[:, ~year_ok] = np.nan
        if len(rows) == 0 or np.isnan(cube).all():
            return None
        return vervar, cube

    def cube(self, var: Var, domain: str):
        """The published table: (labelvervar, vervar [(val, label)], {(v, y, turvar, period): value}),
        or None when the domain has nothing for it."""
        key = ("cube", var.id, domain)
        if key not in self._cubes:
            self._cubes[key] = self._cube(var, domain)
        return self._cubes[key]

    def _cube(self, var: Var, domain: str):
        d = self.domains[domain]
        if var.kind in ("decoy_age", "decoy_kecamatan"):
            rng = np.random.default_rng([var.id, int(domain)])
            if var.kind == "decoy_age":
                vervar = [(k + 1, f"{5 * k}-{5 * k + 4}") for k in range(8)]
                labelvervar = "Kelompok Umur"
            else:
                vervar = [(k + 1, f"Kecamatan {chr(65 + k)}") for k in range(6)]
                labelvervar = "Kecamatan"
            cells = {(v, y, 0, 0): int(rng.integers(1_000, 60_000)) for v, _ in vervar for y in YEARS}
            return labelvervar, vervar, cells
        main = self.var_for(domain, var.indicator, kind="main") if var.kind == "decoy_unit" else var
        if main is None:
            return None
        found = self.annual(main if var.kind != "decoy_unit" else _all_years(main), domain)
        if found is None:
            return None
        vervar, cube = found
        labelvervar = {"national": "Provinsi", "prov": "Kabupaten/Kota", "kab": "Kecamatan"}[d["kind"]]
        if d["kind"] == "prov" and d["local_ids"]:
            # local ids with bare names (trailing spaces as BPS writes them) and the 9999 total row
            regions = self.world.regions
            vervar = [(k + 1, (bps_label(regions[i]) + (" " if k % 4 == 0 else ""))) for k, i in enumerate(d["rows"])]
        cells: dict = {}
        for v in range(len(vervar)):
            for y, year in enumerate(YEARS):
                for tval, _, tfac in var.turvars:
                    for p, (pval, _, poff) in enumerate(var.periods):
                        x = cube[v, y, p if var.monthly else 0]
                        if np.isnan(x):
                            continue
                        if var.kind == "decoy_unit":
                            x = round(x / 1000, 2) if var.indicator == "POP" else round(x * 3.1, 2)
                        elif var.indicator == "POP" and tfac is not None:
                            half = float(np.floor(x / 2))
                            x = half if tfac > 0 else x - half
                        elif tfac is not None:
                            x = round(x * tfac, 2)
                        if poff:
                            x = round(x + poff, 2)
                        cells[(vervar[v][0], year, tval, pval)] = x
        if d["kind"] == "prov" and d["local_ids"] and var.kind == "main":
            pop = self.world.population[d["rows"]].astype(float)
            for y, year in enumerate(YEARS):
                for tval, _, _ in var.turvars:
                    for pval, _, _ in var.periods:
                        vals = [(cells.get((vv, year, tval, pval)), pop[k, y]) for k, (vv, _) in enumerate(vervar)]
                        vals = [(x, w) for x, w in vals if x is not None]
                        if vals:
                            total = sum(x for x, _ in vals) if var.indicator == "POP" else \
                                round(sum(x * w for x, w in vals) / sum(w for _, w in vals), 2)
                            cells[(9999, year, tval, pval)] = total
            vervar = vervar + [(9999, d["name"])]
        return labelvervar, vervar, cells

    def last_update(self, var: Var, domain: str) -> str:
        day = (var.id * 7 + int(domain)) % 28 + 1
        return f"2025-{1 + (var.id + int(domain)) % 12:02d}-{day:02d} 10:{var.id % 60:02d}:00"

    def _national(self, base, var):
        """Province aggregates (sum of people, population-weighted mean of rates) plus Indonesia."""
        groups = [(k, d) for k, d in self.domains.items() if d["kind"] == "prov" and len(d["rows"])]
        groups.append(("9999", {"bps_name": "INDONESIA", "rows": self.sim.served,
                                "held": np.ones((len(self.sim.served), len(YEARS)), bool)}))
        pop = self.world.population[:, :, None].astype(float)
        out = []
        for _, d in groups:
            held = d["held"][:, :, None]
            v = np.where(held, base[d["rows"]], np.nan)
            w = np.broadcast_to(pop[d["rows"]], v.shape)
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
        return [v for v in self.catalogue(domain).values() if self.cube(v, domain) is not None]

    def _var(self, args) -> Var | None:
        try:
            return self.catalogue(args["domain"]).get(int(args.get("var", 0) or 0))
        except ValueError:
            return None

    def list_var(self, args, page):
        items = [{"var_id": v.id, "title": v.label, "sub_id": 500 + _sub_id(v), "sub_name": _subject(v),
                  "subcsa_id": 1, "subcsa_name": "Statistik Demografi dan Sosial", "def": "", "notes": "",
                  "vertical": 4 if self.domains[args["domain"]]["kind"] == "prov" else 1,
                  "unit": v.unit, "graph_id": 1, "graph_name": "Line"} for v in self._vars_in(args["domain"])]
        return self._list(items, page, self._requested(args))

    def list_subject(self, args, page):
        subjects = sorted({(500 + _sub_id(v), _subject(v)) for v in self._vars_in(args["domain"])})
        items = [{"sub_id": i, "title": t, "subcat_id": 1, "subcat": "Sosial dan Kependudukan", "ntabel": None}
                 for i, t in subjects]
        return self._list(items, page, self._requested(args))

    def list_th(self, args, page):
        var = self._var(args) if args.get("var") else None
        if var is not None:
            found = self.cube(var, args["domain"])
            years = sorted({k[1] for k in found[2]}) if found else []
        else:
            years = list(YEARS)
        items = [{"th_id": y - 1900, "th": str(y)} for y in years]
        return self._list(items, page, self._requested(args))

    def list_turth(self, args, page):
        var = self._var(args)
        periods = var.periods if var is not None else [(m + 1, n, None) for m, n in enumerate(MONTHS)]
        items = [{"turth_id": val, "turth": label, "group_turth_id": 1, "name_group_turth": "Periode"}
                 for val, label, _ in periods]
        return self._list(items, page, self._requested(args))

    def list_turvar(self, args, page):
        var = self._var(args)
        turvars = var.turvars if var is not None else [(0, "Tidak Ada", None)]
        items = [{"turvar_id": val, "turvar": label, "group_turvar_id": 0 if val == 0 else 1,
                  "name_group": "Tidak Ada" if val == 0 else "Turunan"} for val, label, _ in turvars]
        return self._list(items, page, self._requested(args))

    def list_vervar(self, args, page):
        d = self.domains[args["domain"]]
        var = self._var(args) or self.var_for(args["domain"], "POP")
        found = self.cube(var, args["domain"]) if var else None
        group = {"national": "Provinsi", "prov": "Kabupaten/Kota", "kab": "Kabupaten/Kota"}[d["kind"]]
        items = [{"kode_ver_id": val, "vervar": label, "item_ver_id": val, "group_ver_id": 1,
                  "name_group_ver_id": group} for val, label in (found[1] if found else [])]
        return self._list(items, page, self._requested(args))

    def list_statictable(self, args, page):
        domain = args["domain"]
        items = [{"table_id": tid, "title": self._static_title(v, domain), "subj_id": 500 + _sub_id(v),
                  "subj": _subject(v), "updt_date": f"2025-01-{1 + tid % 28:02d}", "size": "0.02 MB",
                  "excel": f"https://{'www' if domain == '0000' else domain}.bps.go.id/statictable/"
                           f"downloadapi.html?data={domain}{tid:04d}&tokenuser="}
                 for tid, v in self._static_tables(domain)]
        return self._list(items, page, self._requested(args))

    # -- dynamic data ------------------------------------------------------------------------------
    def list_data(self, args, page):
        var = self._var(args)
        found = self.cube(var, args["domain"]) if var else None
        if found is None:
            return json_response(NOT_AVAILABLE)
        labelvervar, vervar, cells = found
        wanted = [int(t) for t in args["th"].split(";") if t.strip()] if args.get("th") else None
        years = sorted({k[1] for k in cells}) if wanted is None else \
            [t + 1900 for t in wanted if t + 1900 in YEARS and any(k[1] == t + 1900 for k in cells)]
        drift = self.sim.faults.active("schema_drift", "bps")
        comma = self.sim.faults.active("decimal_comma", "bps")
        content = {}
        year_set = set(years)
        for (vval, year, tval, pval), x in cells.items():
            if year not in year_set:
                continue
            key = f"{vval}{var.id}{tval}{year - 1900}{pval}"
            num = int(x) if var.indicator == "POP" and var.kind != "decoy_unit" or float(x).is_integer() else float(x)
            content[key] = id_number(num, 0 if isinstance(num, int) else 2) if comma else num
        sv, st = var.string_vervar, var.string_tahun
        body = {
            "status": "OK", "data-availability": "available",
            "var": [{"val": var.id, "label": var.label, "unit": var.unit, "subj": _subject(var), "def": "",
                     "decimal": "0" if var.indicator == "POP" else "2", "note": ""}],
            "turvar": [{"val": val, "label": label} for val, label, _ in var.turvars],
            "labelvervar": labelvervar,
            "vervar": [{"val": str(val) if sv else val, "label": label} for val, label in vervar],
            "tahun": [{"val": str(y - 1900) if st else y - 1900, "label": str(y)} for y in years],
            "turtahun": [{"val": val, "label": label} for val, label, _ in var.periods],
            "datacontent": dict(sorted(content.items())) or [],     # PHP's empty array
            "last_update": self.last_update(var, args["domain"]),
        }
        if drift:
            body["ver_var"] = body.pop("vervar")
        return json_response(body)

    # -- static tables -----------------------------------------------------------------------------
    def _static_tables(self, domain):
        mains = [v for v in self.catalogue(domain).values() if v.kind == "main" and v.years is None]
        return [(k + 1, v) for k, v in enumerate(mains) if self.annual(v, domain) is not None]

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
        vervar, cube = self.annual(var, domain)
        years = [YEARS.index(y) for y in STATIC_YEARS]
        t = cube.shape[2] - 1                                       # annual column (Tahunan for monthly)
        lead = {"national": "Provinsi", "prov": "Kabupaten/Kota", "kab": "Wilayah"}[self.domains[domain]["kind"]]
        out = ["<table border=0 cellpadding=0 cellspacing=0 width=520 style='border-collapse:collapse;"
               "table-layout:fixed;width:390pt'>",
               " <col width=220 style='width:165pt'>", f" <col width=100 span={len(years)} style='width:75pt'>",
               # as BPS publishes: the Indonesian title, the English one, an &nbsp; row, then the header band
               f" <tr height=20><td colspan={len(years) + 1} class=xl70>"
               f"{html.escape(self._static_title(var, domain))}</td></tr>",
               f" <tr height=20><td colspan={len(years) + 1} class=xl71><i>{html.escape(_english(var))}</i></td></tr>",
               " <tr height=20><td>&nbsp;</td>" + "<td></td>" * len(years) + "</tr>",
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
        out.append(f" <tr height=20><td colspan={len(years) + 1} class=xl72>Sumber: BPS, "
                   f"{html.escape(self.domains[domain]['name'])}</td></tr>")
        out.append("</table>")
        return "\n".join(out)


def _english(var: Var) -> str:
    return {"POP": "Population", "SE03": "Percentage of Poor People", "SE04": "Open Unemployment Rate",
            "SE05": "Human Development Index"}.get(var.indicator, var.indicator) + f" ({var.unit})"


def _all_years(var: Var) -> Var:
    """The same series over every year (a decoy in another unit does not move ids)."""
    return replace(var, id=-abs(var.id) - 1, years=None)


def _sub_id(var: Var) -> int:
    return sum(map(ord, var.indicator)) % 7


def _subject(var: Var) -> str:
    return {"POP": "Kependudukan", "SE": "Kemiskinan dan Ketenagakerjaan", "SL": "Kesehatan dan Perumahan",
            "SS": "Pendidikan dan Teknologi Informasi", "SB": "Pariwisata", "SN": "Energi"}.get(
        var.indicator if var.indicator == "POP" else var.indicator[:2], "Lainnya")
