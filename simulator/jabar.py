"""Open Data Jabar (data.jabarprov.go.id) on loopback: not CKAN but its own API.

    GET /jabar/api-backend/dataset/list?search=&sort=["mdate:desc"]&limit=25&skip=0
        &where=["dataset_class_id=3",["regional_id=1"]]
    -> {"data": [ {id, name, title, nama_skpd, kode_skpd, regional_id, dataset_class_id, cdate, mdate,
                   metadata: [{key, value}], ...}, ... ]}
    GET /jabar/api-backend/bigdata/<kode_skpd>/<title>?download=csv   -> the dataset as a long-format CSV

Wire format as public clients of the real API call it: `search`, `sort` as a JSON list of "field:dir",
`limit`/`skip` paging (clients page until `data` comes back empty), `where` a JSON list whose strings
are ANDed and whose nested lists are ORed ("regional_id=1" is the province, other ids its kab/kota),
items carrying `name` (the title people read), `nama_skpd` (the publishing office) and `metadata` as
key/value pairs ("Dimensi Dataset Awal"/"Dimensi Dataset Akhir": the first and last year held).
Datasets are one indicator per CSV in long form:
`id,kode_provinsi,nama_provinsi,kode_kabupaten_kota,nama_kabupaten_kota,<indicator>,satuan,tahun`
with a decimal point ('7.27', '0.381'), region codes as BPS writes them ('3201')."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from simulator.http_util import Response, json_response
from simulator.sheets import csv_bytes
from simulator.world import YEARS, World

LIMIT_MAX = 5000
PROVINCE_REGIONAL_ID = 1
# regional_id of some kab/kota on the real portal (as public clients filter them)
REGIONAL_IDS = {"32.01": 8, "32.02": 9, "32.03": 10, "32.04": 17, "32.05": 20, "32.06": 21, "32.07": 22,
                "32.08": 23, "32.09": 24, "32.73": 12}
# (indicator, column name, unit label, decimals, office, office code)
DATASETS = (
    ("SE03", "persentase_penduduk_miskin", "PERSEN", 2, "BADAN PUSAT STATISTIK PROVINSI JAWA BARAT", "bps"),
    ("SE05", "indeks_pembangunan_manusia", "INDEKS", 3, "BADAN PERENCANAAN PEMBANGUNAN DAERAH", "bappeda"),
    ("SS03", "persentase_penduduk_yang_mengakses_internet", "PERSEN", 2, "DINAS KOMUNIKASI DAN INFORMATIKA",
     "diskominfo"),
)


def _parse_where(text: str | None) -> list:
    if not text:
        return []
    value = json.loads(text)
    if not isinstance(value, list):
        raise ValueError("where must be a JSON list")
    return value


def _matches(item: dict, where: list) -> bool:
    def one(cond: str) -> bool:
        key, _, want = str(cond).partition("=")
        return str(item.get(key.strip())) == want.strip()
    for cond in where:
        if isinstance(cond, list):
            if cond and not any(one(c) for c in cond):
                return False
        elif not one(cond):
            return False
    return True


class Jabar:
    def __init__(self, sim):
        self.sim = sim
        self._items: list[dict] | None = None
        self._files: dict[str, bytes] = {}

    def items(self) -> list[dict]:
        if self._items is None:
            self._items = build(self.sim.world, self.sim.served, self._files)
        return self._items

    def handle(self, req) -> Response:
        parts = [p for p in req.parts if p]
        if parts[:3] == ["api-backend", "dataset", "list"]:
            return self.dataset_list(req.query)
        if parts[:2] == ["api-backend", "bigdata"] and len(parts) == 4:
            self.items()
            body = self._files.get(f"{parts[2]}/{parts[3]}")
            if body is None:
                return json_response({"error": 1, "message": "Dataset tidak ditemukan", "data": []}, 404)
            return Response(200, body, "text/csv; charset=utf-8",
                            {"Content-Disposition": f'attachment; filename="{parts[3]}.csv"'})
        return Response(404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html")

    def dataset_list(self, query: dict) -> Response:
        try:
            where = _parse_where(query.get("where"))
            sort = json.loads(query.get("sort") or '["mdate:desc"]')
            limit = min(int(query.get("limit", 25)), LIMIT_MAX)
            skip = int(query.get("skip", 0))
        except (ValueError, TypeError) as exc:
            return json_response({"error": 1, "message": f"Bad request: {exc}", "data": []}, 400)
        search = (query.get("search") or "").lower()
        items = [i for i in self.items() if _matches(i, where) and search in i["name"].lower()]
        for spec in reversed(sort if isinstance(sort, list) else [sort]):
            field, _, direction = str(spec).partition(":")
            items.sort(key=lambda i: (str(i.get(field) or ""), i["id"]), reverse=direction == "desc")
        return json_response({"data": items[skip:skip + limit]}, page=skip // max(limit, 1) + 1)


def build(world: World, served, files: dict[str, bytes]) -> list[dict]:
    """One province dataset per indicator (every served Jabar kab/kota x year) and, for the kab/kota with
    a known regional_id, its own dataset of the first indicator."""
    rows = [i for i in served if world.regions[i]["kode_provinsi"] == "32"]
    items = []
    for n, (code, column, unit, dec, office, office_code) in enumerate(DATASETS):
        items.append(_dataset(world, files, n, code, column, unit, dec, office, office_code, rows,
                              PROVINCE_REGIONAL_ID, "Jawa Barat"))
    code, column, unit, dec, _, _ = DATASETS[0]
    for k, i in enumerate(rows):
        region = world.regions[i]
        rid = REGIONAL_IDS.get(region["kode_kemendagri"])
        if rid:
            office = f"BAPPEDA {region['nama'].upper()}"
            items.append(_dataset(world, files, 10 + k, code, column, unit, dec, office, f"bappeda{rid}", [i],
                                  rid, region["nama"]))
    return items


def _dataset(world, files, n, code, column, unit, dec, office, office_code, rows, regional_id, where) -> dict:
    values = world.series(code)
    years = YEARS[-6:]
    title = f"od_{15000 + n}_{column}_berdasarkan_kabupatenkota"
    lines = [["id", "kode_provinsi", "nama_provinsi", "kode_kabupaten_kota", "nama_kabupaten_kota", column,
              "satuan", "tahun"]]
    for i in rows:
        region = world.regions[i]
        for y in years:
            v = values[i, YEARS.index(y)]
            lines.append([len(lines), 32, "JAWA BARAT", region["kode_bps_2018"], region["nama"].upper(),
                          "" if v != v else f"{v:.{dec}f}", unit, y])
    files[f"{office_code}/{title}"] = csv_bytes(lines)
    created = datetime(2021, 3, 1) + timedelta(days=11 * n, seconds=n * 3631)
    modified = datetime(2024, 11, 5) + timedelta(days=3 * n, seconds=n * 977)
    name = f"{column.replace('_', ' ').title()} Berdasarkan Kabupaten/Kota di {where}"
    return {"id": 15000 + n, "name": name, "title": title, "nama_skpd": office, "kode_skpd": office_code,
            "regional_id": regional_id, "dataset_class_id": 3, "satuan": unit,
            "cdate": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "mdate": modified.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "metadata": [{"key": "Dimensi Dataset Awal", "value": str(years[0])},
                         {"key": "Dimensi Dataset Akhir", "value": str(years[-1])},
                         {"key": "Satuan", "value": unit}, {"key": "Frekuensi Dataset", "value": "Tahunan"}],
            "download_url": f"/api-backend/bigdata/{office_code}/{title}?download=csv"}
