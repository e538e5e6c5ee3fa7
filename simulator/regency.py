"""Regency REST system `monev` (masterplan monitoring) under /regency/monev/api/v1/: bearer token,
three paging styles (page numbers, cursor, Link header) and an `updated_at` cursor for increments."""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta
from functools import cached_property
from urllib.parse import urlencode

import numpy as np

from simulator.http_util import Response, json_response
from simulator.textfmt import id_number
from simulator.world import AS_OF, YEARS

STATUSES = ("perencanaan", "berjalan", "berjalan", "selesai", "tertunda")
PROGRAMS = {
    "Smart Governance": ("Sistem Informasi Perencanaan Terpadu", "Command Center", "E-Office Terintegrasi",
                         "Satu Data Daerah", "Layanan Pengaduan Terpadu"),
    "Smart Branding": ("Portal Pariwisata Digital", "Festival Budaya Daring", "Pemetaan UMKM Unggulan"),
    "Smart Economy": ("Pasar Digital UMKM", "Transaksi Non Tunai Retribusi", "Inkubator Bisnis Digital"),
    "Smart Living": ("Telemedisin Puskesmas", "Sistem Transportasi Cerdas", "Rumah Sakit Online"),
    "Smart Society": ("Wifi Publik Desa", "Literasi Digital Warga", "Sekolah Digital"),
    "Smart Environment": ("Bank Sampah Digital", "Pemantauan Kualitas Udara", "PJU Cerdas"),
}
QUICKWINS = ("Aplikasi Layanan Satu Pintu", "Dashboard Eksekutif", "Panic Button 112", "CCTV Kota Terintegrasi",
             "Aplikasi Antrian Online", "Peta Digital Aset Daerah", "Kartu Pelajar Digital", "E-Retribusi Pasar")
# a quick win belongs to one dimension: its name says what it is
QUICKWIN_DIMENSION = {"Aplikasi Layanan Satu Pintu": "Smart Governance", "Dashboard Eksekutif": "Smart Governance",
                      "Panic Button 112": "Smart Living", "CCTV Kota Terintegrasi": "Smart Living",
                      "Aplikasi Antrian Online": "Smart Society", "Peta Digital Aset Daerah": "Smart Environment",
                      "Kartu Pelajar Digital": "Smart Society", "E-Retribusi Pasar": "Smart Economy"}
# realised share of the budget by status (percent range): done programs spent most of it, delayed ones little
REALISATION_PCT = {"perencanaan": (0, 0), "berjalan": (30, 90), "selesai": (85, 100), "tertunda": (5, 40)}
PER_PAGE_MAX = 200
ENTITIES = ("programs", "quickwins", "budget_realisation", "daftar_peserta")


def _h(*parts) -> int:
    return int.from_bytes(hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


def _stamp(year: int, h: int) -> str:
    """A deterministic moment in `year`, never after the simulated now."""
    when = datetime(year, 1, 1) + timedelta(seconds=h % (365 * 86400))
    return min(when, datetime.fromisoformat(AS_OF) - timedelta(seconds=1 + h % 3600)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Regency:
    def __init__(self, sim):
        self.sim = sim
        self.world = sim.world

    @cached_property
    def participants(self) -> list[int]:
        return [int(i) for i in self.sim.served if self.world.cohort[i] > 0]

    @cached_property
    def programs(self) -> list[dict]:
        out, pg06 = [], self.world.series("PG06")
        for i in self.participants:
            r, cohort = self.world.regions[i], int(self.world.cohort[i])
            # the yearly smart city budget (PG06) bounds a program's budget: a masterplan program costs
            # 3-30 % of one year's smart city budget (Rp 25 million steps, at least one step)
            yearly = pg06[i][~np.isnan(pg06[i])]
            yearly_budget = float(np.median(yearly)) if yearly.size else 2e9
            for k in range(8 + _h(self.world.seed, r["kode_kemendagri"]) % 15):
                h = _h(self.world.seed, "program", r["kode_kemendagri"], k)
                dim = list(PROGRAMS)[h % 6]
                share = (3 + (h >> 8) % 28) / 100
                budget = max(1, round(yearly_budget * share / 25_000_000)) * 25_000_000
                status = STATUSES[(h >> 16) % len(STATUSES)]
                lo, hi = REALISATION_PCT[status]
                real = budget * (lo + (h >> 24) % (hi - lo + 1)) // 100
                start = min(2024, cohort + (h >> 40) % 4)
                out.append({"id": len(out) + 1,
                            "region": r["nama"] if (h >> 30) % 4 == 0 else r["kode_kemendagri"],  # code or name
                            "dimension": dim, "program_name": PROGRAMS[dim][(h >> 34) % len(PROGRAMS[dim])],
                            "status": status, "start_year": start,
                            "budget_idr": budget, "realisation_idr": real,
                            "updated_at": _stamp(min(2024, start + (h >> 44) % 4), h)})
        return _by_update(out)

    @cached_property
    def quickwins(self) -> list[dict]:
        out = []
        for i in self.participants:
            r, cohort = self.world.regions[i], int(self.world.cohort[i])
            # distinct quick wins per region, each in its own dimension
            order = sorted(QUICKWINS, key=lambda q: _h(self.world.seed, "qw-pick", r["kode_kemendagri"], q))
            for k in range(3 + _h(self.world.seed, "qw", r["kode_kemendagri"]) % 6):
                h = _h(self.world.seed, "quickwin", r["kode_kemendagri"], k)
                progress = min(100, 20 * (2024 - cohort) + (h >> 8) % 30)
                name = order[k]
                out.append({"id": f"qw-{r['kode_kemendagri_nodot']}-{k + 1:02d}", "region_code": r["kode_kemendagri"],
                            "name": name, "dimension": QUICKWIN_DIMENSION[name],
                            "status": "selesai" if progress >= 100 else "berjalan", "progress_pct": progress,
                            "updated_at": _stamp(min(2024, cohort + (h >> 12) % 5), h)})
        return _by_update(out)

    @cached_property
    def budget_realisation(self) -> list[dict]:
        """Monthly cumulative realisation of the smart city budget (PG06) per participant and year."""
        out, pg06 = [], self.world.series("PG06")
        for i in self.participants:
            r, cohort = self.world.regions[i], int(self.world.cohort[i])
            for y in range(cohort, YEARS[-1] + 1):
                budget = pg06[i, YEARS.index(y)]
                if np.isnan(budget):
                    continue
                h = _h(self.world.seed, "budget", r["kode_kemendagri"], y)
                final = 0.7 + ((h % 30) / 100)
                for m in range(1, 13):
                    done = round(budget * final * (m / 12) ** 1.6)
                    when = datetime(y, m, 28) + timedelta(days=5, seconds=(h >> m) % 86400)
                    out.append({"id": f"{r['kode_kemendagri_nodot']}-{y}-{m:02d}", "region_code": r["kode_kemendagri"],
                                "year": y, "month": m, "budget_idr": int(budget), "realisation_idr": int(done),
                                "updated_at": min(when, datetime.fromisoformat(AS_OF)).strftime("%Y-%m-%dT%H:%M:%SZ")})
        return _by_update(out)

    @cached_property
    def daftar_peserta(self) -> list[dict]:
        """The ministry's full participant list: one record per (cohort, region), every region the
        program enrolled (the public list names only some of them), whatever the served scale."""
        out = []
        for year, i in self.world.listed:
            r = self.world.regions[i]
            h = _h(self.world.seed, "peserta", r["kode_kemendagri"], year)
            out.append({"id": f"{year}-{r['kode_kemendagri_nodot']}", "region_code": r["kode_kemendagri"],
                        "region_name": r["nama"], "cohort_year": year,
                        "program": f"Gerakan Menuju Smart City {year}",
                        "updated_at": _stamp(min(2024, year), h)})
        return _by_update(out)

    # -- HTTP --------------------------------------------------------------------------------------
    def handle(self, req) -> Response:
        parts = [p for p in req.parts if p]
        if parts[:1] != ["monev"] or parts[1:3] != ["api", "v1"]:
            return json_response({"error": "not_found", "message": "Unknown system"}, 404)
        auth = req.headers.get("Authorization", "")
        if auth != f"Bearer {self.sim.regency_token}":
            return json_response({"error": "unauthorized", "message": "Missing or invalid bearer token"}, 401,
                                 {"WWW-Authenticate": 'Bearer realm="monev"'})
        entity = parts[3] if len(parts) > 3 else ""
        if entity == "":
            return json_response({"entities": list(ENTITIES)})
        if entity not in ENTITIES:
            return json_response({"error": "not_found", "message": f"Unknown entity {entity}"}, 404)
        since = req.query.get("updated_since")
        records = getattr(self, entity)
        if since:
            since = since.replace("+00:00", "Z")
            records = [r for r in records if r["updated_at"] >= since]       # inclusive: clients dedupe on id
        try:
            return getattr(self, f"page_{entity}")(req, records)
        except ValueError as exc:
            return json_response({"error": "bad_request", "message": str(exc)}, 400)

    def _shape(self, records: list[dict]) -> list[dict]:
        drift = self.sim.faults.active("schema_drift", "regency")
        comma = self.sim.faults.active("decimal_comma", "regency")
        out = []
        for r in records:
            r = dict(r)
            if comma:
                for k in ("budget_idr", "realisation_idr"):
                    if k in r:
                        r[k] = id_number(r[k], 2)
            if drift:
                r["updatedAt"] = r.pop("updated_at")
            out.append(r)
        return out

    def page_programs(self, req, records):
        page, per_page = _pos(req.query, "page", 1), min(_pos(req.query, "per_page", 50), PER_PAGE_MAX)
        served = max(1, page - req.page_shift)
        chunk = records[(served - 1) * per_page: served * per_page]
        meta = {"page": page, "per_page": per_page, "total": len(records),
                "total_pages": max(1, -(-len(records) // per_page))}
        return json_response({"data": self._shape(chunk), "meta": meta}, page=page)

    def page_quickwins(self, req, records):
        limit = min(_pos(req.query, "limit", 50), PER_PAGE_MAX)
        cursor = req.query.get("cursor")
        offset = _decode_cursor(cursor) if cursor else 0
        served = max(0, offset - req.page_shift * limit)
        chunk = records[served: served + limit]
        nxt = _encode_cursor(offset + limit) if offset + limit < len(records) else None
        return json_response({"items": self._shape(chunk), "next_cursor": nxt}, page=offset // limit + 1)

    def page_daftar_peserta(self, req, records):
        return self.page_programs(req, records)

    def page_budget_realisation(self, req, records):
        page, per_page = _pos(req.query, "page", 1), min(_pos(req.query, "per_page", 100), PER_PAGE_MAX)
        served = max(1, page - req.page_shift)
        chunk = records[(served - 1) * per_page: served * per_page]
        headers = {"X-Total-Count": str(len(records))}
        if page * per_page < len(records):
            query = {k: v for k, v in req.query.items() if k not in ("page", "per_page")}
            query.update(page=page + 1, per_page=per_page)
            headers["Link"] = f'<{req.base_url}/regency/monev/api/v1/budget_realisation?{urlencode(query)}>; rel="next"'
        return json_response(self._shape(chunk), headers=headers, page=page)


def _by_update(records: list[dict]) -> list[dict]:
    return sorted(records, key=lambda r: (r["updated_at"], str(r["id"])))


def _pos(query: dict, name: str, default: int) -> int:
    try:
        value = int(query.get(name, default))
    except ValueError:
        raise ValueError(f"{name} must be an integer") from None
    if value < 1:
        raise ValueError(f"{name} must be >= 1")
    return value


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        assert text.startswith("o:")
        return int(text[2:])
    except Exception:
        raise ValueError("invalid cursor") from None
