"""What the three CKAN portals hold. `nasional` (katalog.data.go.id stand-in): one organization per
region, its packages following the region's SG06 open-dataset count; `jatim` and `muaraenim`: OPD
organizations publishing datastore tables of indicator values as Indonesian text."""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Iterator

import numpy as np

from simulator.sheets import csv_bytes, xlsx_bytes
from simulator.textfmt import id_number, slug
from simulator.world import AS_OF, YEARS, World
from smartcity_base import reference

THEMES = ("Jumlah Penduduk Menurut Kecamatan", "Data Sekolah Dasar dan Menengah", "Jumlah Fasilitas Kesehatan",
          "Panjang Jalan Menurut Kondisi", "Data Usaha Mikro Kecil dan Menengah", "Jumlah Pengaduan Masyarakat",
          "Realisasi Anggaran Pendapatan dan Belanja Daerah", "Jumlah Kunjungan Wisatawan", "Produksi Padi",
          "Data Menara Telekomunikasi", "Titik Wifi Publik", "Daftar Aplikasi Layanan Publik",
          "Volume Sampah Terangkut", "Jumlah Penerima Bantuan Sosial", "Indeks Kepuasan Masyarakat")
LICENSE = {"license_id": "cc-by", "license_title": "Creative Commons Attribution",
           "license_url": "http://www.opendefinition.org/licenses/cc-by"}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
BIG_ROWS = 1_000_000      # the jatim service log: benchmarks page through it and download it
JATIM_INDICATORS = ("SE03", "SS03", "SE05", "SE04", "SL05", "SN03")
MUARAENIM_INDICATORS = ("SE03", "SE05", "SS03", "SL01", "SG09", "SG10")
MUARAENIM_MIGRATED = datetime(2026, 3, 13, 8, 31, 59, 625721)  # metadata_created of the real portal's datasets


def _h(*parts) -> int:
    return int.from_bytes(hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


def stable_id(*parts: object) -> str:
    """A deterministic version-4 UUID: CKAN's ids are UUIDs, and clients may validate them."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=16).digest()
    return str(uuid.UUID(bytes=digest, version=4))


def ts(dt: datetime) -> str:
    return dt.isoformat(timespec="microseconds")


@dataclass
class Table:
    """A datastore table computed row by row (the 1M-row one is never held in memory)."""
    fields: list[tuple[str, str]]          # (id, type) without _id
    total: int
    row: Callable[[int], list]             # values of row i, in field order

    def records(self, offset: int, limit: int) -> list[dict]:
        names = [f for f, _ in self.fields]
        end = min(self.total, offset + limit)
        return [{"_id": i + 1, **dict(zip(names, self.row(i), strict=True))} for i in range(offset, end)]

    def csv_chunks(self, chunk: int = 20000) -> Iterator[bytes]:
        yield csv_bytes([[f for f, _ in self.fields]])
        for start in range(0, self.total, chunk):
            yield csv_bytes([self.row(i) for i in range(start, min(self.total, start + chunk))])


@dataclass
class Portal:
    name: str
    title: str
    organizations: list[dict] = field(default_factory=list)
    packages: list[dict] = field(default_factory=list)
    tables: dict[str, Table] = field(default_factory=dict)          # resource id -> datastore table
    files: dict[str, Callable[[], tuple[str, bytes | Iterator[bytes]]]] = field(default_factory=dict)

    def documents(self) -> list[tuple[dict, dict]]:
        """(package, its Solr document), built once: the catalogue never changes after it is built."""
        if getattr(self, "_documents", None) is None:
            from simulator.solr import package_fields
            self._documents = [(p, package_fields(p)) for p in self.packages]
        return self._documents

    def index(self) -> None:
        self._documents = None
        self.by_id = {p["id"]: p for p in self.packages} | {p["name"]: p for p in self.packages}
        self.resources = {r["id"]: (p, r) for p in self.packages for r in p["resources"]}
        counts: dict[str, int] = {}
        for p in self.packages:
            counts[p["owner_org"]] = counts.get(p["owner_org"], 0) + 1
        for o in self.organizations:
            o["package_count"] = counts.get(o["id"], 0)


def _org(portal: str, name: str, title: str, description: str, created: datetime) -> dict:
    return {"approval_status": "approved", "created": ts(created), "description": description,
            "display_name": title, "id": stable_id(portal, "org", name), "image_display_url": "", "image_url": "",
            "is_organization": True, "name": name, "num_followers": 0, "package_count": 0, "state": "active",
            "title": title, "type": "organization"}


def _package(portal, org, name, title, notes, created, modified, resources, extras=(), tags=()) -> dict:
    pid = stable_id(portal, "pkg", name)
    org_ref = org.setdefault("_ref", {k: org[k] for k in ("id", "name", "title", "type", "description", "image_url",
                                                         "created", "is_organization", "approval_status", "state")})
    for pos, r in enumerate(resources):
        r.update(package_id=pid, position=pos)
    return {"author": "", "author_email": "", "creator_user_id": org["id"][::-1],
            "id": pid, "isopen": True, **LICENSE, "maintainer": "", "maintainer_email": "",
            "metadata_created": ts(created), "metadata_modified": ts(modified), "name": name, "notes": notes,
            "num_resources": len(resources), "num_tags": len(tags), "organization": org_ref, "owner_org": org["id"],
            "private": False, "state": "active", "title": title, "type": "dataset", "url": "", "version": "",
            "extras": [{"key": k, "value": v} for k, v in extras], "resources": resources,
            "tags": [_tag(portal, t) for t in tags],
            "groups": [], "relationships_as_subject": [], "relationships_as_object": []}


_TAGS: dict = {}


def _tag(portal: str, name: str) -> dict:
    if (portal, name) not in _TAGS:
        _TAGS[portal, name] = {"display_name": name, "id": stable_id(portal, "tag", name), "name": name,
                               "state": "active", "vocabulary_id": None}
    return _TAGS[portal, name]


def _resource(portal, pkg_name, k, name, fmt, mimetype, created, size, datastore=False, ext=None) -> dict:
    rid = stable_id(portal, "res", pkg_name, k)
    pid = stable_id(portal, "pkg", pkg_name)
    stem = name.rsplit(".", 1)[0] if name.lower().endswith((".csv", ".xlsx", ".png")) else name
    filename = f"{slug(stem)}.{ext or fmt.lower()}"
    return {"cache_last_updated": None, "cache_url": None, "created": ts(created), "datastore_active": datastore,
            "description": name, "format": fmt, "hash": "", "id": rid, "last_modified": ts(created),
            "metadata_modified": ts(created), "mimetype": mimetype, "mimetype_inner": None, "name": name,
            "package_id": "", "position": k, "resource_type": None, "size": size, "state": "active",
            "url": f"/dataset/{pid}/resource/{rid}/download/{filename}",
            "url_type": "upload"}


def nasional(world: World, served: np.ndarray) -> Portal:
    portal = Portal("nasional", "Katalog Data Indonesia")
    as_of = datetime.fromisoformat(AS_OF)
    sg06 = world.series("SG06")
    for i in served:
        region = world.regions[i]
        oname = slug(region["nama"])
        org = _org("nasional", oname, region["nama"], f"Satu Data {region['nama']}", datetime(2013, 1, 2))
        portal.organizations.append(org)
        counts = [0] + [int(c) for c in sg06[i]]
        for y_i, year in enumerate(YEARS):
            for k in range(counts[y_i], counts[y_i + 1]):
                h = _h(world.seed, oname, k)
                span = (datetime(year + 1, 1, 1) - (datetime(2013, 1, 1) if y_i == 0 else datetime(year, 1, 1)))
                created = datetime(year + 1, 1, 1) - timedelta(seconds=1 + h % int(span.total_seconds() - 1),
                                                               microseconds=h % 999983)
                later = timedelta(days=(h >> 20) % 500) if (h >> 8) % 5 < 3 else timedelta(seconds=(h >> 12) % 300)
                modified = min(created + later, as_of - timedelta(microseconds=1 + h % 997))
                theme = THEMES[(h >> 32) % len(THEMES)]
                data_year = min(year, 2024) - (h >> 40) % 2
                name = f"{slug(theme)}-{oname}-{k + 1}"
                title = f"{theme} {region['nama']} Tahun {data_year}"
                portal.packages.append(_package("nasional", org, name, title, title, created, modified,
                                                _nasional_resources(portal, world, name, h, created, i, data_year),
                                                extras=[("tahun", str(data_year))], tags=[region["nama_pendek"]]))
    portal.index()
    return portal


def _nasional_resources(portal, world, name, h, created, region, year) -> list[dict]:
    kind = (h >> 44) % 20
    res = []
    if kind < 12:
        res.append(_resource("nasional", name, 0, f"{name}.csv", "CSV", "text/csv", created, 400))
    elif kind < 16:
        res.append(_resource("nasional", name, 0, f"{name}.xlsx", "XLSX", XLSX_MIME, created, 6000))
    elif kind < 18:   # format says CSV, the file is really XLSX: clients must sniff content
        res.append(_resource("nasional", name, 0, f"{name}", "CSV", "text/csv", created, 6000, ext="xlsx"))
    else:             # format CSV, mimetype image/png, a picture of a table (as on the Muara Enim portal)
        res.append(_resource("nasional", name, 0, f"{name}.png", "CSV", "image/png", created, len(PNG), ext="png"))
    for r in res:
        portal.files[r["id"]] = lambda url=r["url"], t=r["name"]: _small_file(url, t, h, year)
    return res


def _small_file(url: str, title: str, h: int, year: int) -> tuple[str, bytes]:
    rows = [["No", "Uraian", str(year)]] + [[k + 1, f"Item {k + 1}", id_number((h >> k) % 5000, 0)] for k in range(8)]
    if url.endswith(".csv"):
        return "text/csv", csv_bytes(rows)
    if url.endswith(".png"):
        return "image/png", PNG
    return XLSX_MIME, xlsx_bytes([("Sheet1", title, [rows[0]], [], rows[1:], [])])


def _indicator_table(world: World, code: str, rows: np.ndarray, label: Callable[[dict], str]) -> Table:
    """Region names (no codes) and one text column per year, '1.234,56' and '-'."""
    values = world.series(code)
    dec = 0 if code in ("SG06", "PG08") else 2
    fields = [("No", "text"), ("Kabupaten/Kota", "text")] + [(str(y), "text") for y in YEARS]

    def row(k: int) -> list:
        i = rows[k]
        return [str(k + 1), label(world.regions[i])] + [id_number(v, dec) for v in values[i]]
    return Table(fields, len(rows), row)


def _jatim_label(region: dict) -> str:
    return ("Kota " if region["jenis"] == "Kota" else "Kab. ") + region["nama_pendek"]


def jatim(world: World, served: np.ndarray) -> Portal:
    portal = Portal("jatim", "Open Data Jawa Timur")
    catalogue = {r["kode"]: r for r in reference.indicators()}
    orgs = {k: _org("jatim", k, t, f"{t} Provinsi Jawa Timur", datetime(2019, 3, 1)) for k, t in
            [("diskominfo", "Dinas Komunikasi dan Informatika"), ("bappeda", "Badan Perencanaan Pembangunan Daerah"),
             ("dinkes", "Dinas Kesehatan"), ("disnakertrans", "Dinas Tenaga Kerja dan Transmigrasi")]}
    portal.organizations = list(orgs.values())
    rows = np.array([i for i in served if world.regions[i]["kode_provinsi"] == "35"])
    for n, code in enumerate(JATIM_INDICATORS):
        ind = catalogue[code]
        org = orgs[("bappeda", "diskominfo", "bappeda", "disnakertrans", "dinkes", "bappeda")[n]]
        name = f"{slug(ind['nama_id'])}-kabupaten-kota-jawa-timur"
        title = f"{ind['nama_id']} Menurut Kabupaten/Kota di Jawa Timur {YEARS[0]}-{YEARS[-1]}"
        created = datetime(2020, 2, 3) + timedelta(days=37 * n, seconds=_h(code) % 86400)
        modified = datetime(2025, 1, 10) + timedelta(hours=5 * n, microseconds=_h(code, 1) % 999999)
        res = [_resource("jatim", name, 0, f"{title}.csv", "CSV", "text/csv", modified, None, datastore=True),
               _resource("jatim", name, 1, f"{title}.xlsx", "XLSX", XLSX_MIME, modified, None)]
        table = _indicator_table(world, code, rows, _jatim_label)
        portal.tables[res[0]["id"]] = table
        portal.files[res[0]["id"]] = lambda t=table: ("text/csv", t.csv_chunks())
        portal.files[res[1]["id"]] = lambda t=table, title=title, unit=ind["satuan"]: (
            XLSX_MIME, _year_xlsx(t, title, unit))
        portal.packages.append(_package("jatim", org, name, title, f"{title}. Satuan: {ind['satuan']}.",
                                        created, modified, res, tags=[ind["dimensi"]]))
    _big_table(portal, orgs["diskominfo"], rows, world)
    portal.index()
    return portal


def _year_xlsx(table: Table, title: str, unit: str) -> bytes:
    """Merged 'Tahun' header over the year columns, as exported by an OPD."""
    names = [f for f, _ in table.fields]
    years = names[2:]
    header = [["No", "Kabupaten/Kota", f"Tahun ({unit})"] + [None] * (len(years) - 1), [None, None] + years]
    merges = [(1, 1, 2, 1), (1, 2, 2, 2), (1, 3, 1, 2 + len(years))]
    body = [table.row(k) for k in range(table.total)]
    return xlsx_bytes([("Data", title, header, merges, body, ["Sumber: BPS dan OPD terkait, diolah"])])


def _big_table(portal: Portal, org: dict, rows: np.ndarray, world: World) -> None:
    services = ("KTP-el", "Kartu Keluarga", "Akta Kelahiran", "Izin Usaha", "Pengaduan", "Perizinan Bangunan")
    names = [_jatim_label(world.regions[i]) for i in rows]
    seed = world.seed

    def row(i: int) -> list:
        h = (i * 2654435761 + seed * 97) & 0xFFFFFFFF
        day = datetime(2024, 1, 1) + timedelta(days=i % 366)
        return [day.strftime("%Y-%m-%d"), names[h % len(names)], services[(h >> 8) % len(services)],
                1 + (h >> 12) % 40, round(((h >> 16) % 9000) / 100, 2)]
    table = Table([("tanggal", "date"), ("kabupaten_kota", "text"), ("layanan", "text"), ("jumlah", "int"),
                   ("durasi_menit", "numeric")], BIG_ROWS, row)
    name = "log-layanan-publik-harian-jawa-timur-2024"
    created = datetime(2024, 1, 2, 7, 0, 0, 123456)
    res = [_resource("jatim", name, 0, "log-layanan-2024.csv", "CSV", "text/csv", datetime(2025, 1, 2), None,
                     datastore=True)]
    portal.tables[res[0]["id"]] = table
    portal.files[res[0]["id"]] = lambda: ("text/csv", table.csv_chunks())
    portal.packages.append(_package("jatim", org, name, "Log Layanan Publik Harian Jawa Timur 2024",
                                    "Satu baris per transaksi layanan publik.", created,
                                    datetime(2025, 1, 2, 8, 0, 0, 1), res))


def muaraenim(world: World, served: np.ndarray) -> Portal:
    portal = Portal("muaraenim", "Satu Data Muara Enim")
    catalogue = {r["kode"]: r for r in reference.indicators()}
    created = datetime(2018, 2, 18, 4, 19, 52, 146441)
    orgs = {k: _org("muaraenim", k, t, f"{t} Muara Enim", created) for k, t in
            [("diskominfo", "Diskominfo"), ("bappeda", "Bappeda"), ("dinkes", "Dinas Kesehatan")]}
    portal.organizations = list(orgs.values())
    i = world.region_index("16.03")
    # indicator rows with the footnote digits OPD staff glue to labels ("Persentase Penduduk Miskin1")
    labels = [(code, catalogue[code]["nama_id"] + ("1" if n % 3 == 0 else ""), catalogue[code]["satuan"])
              for n, code in enumerate(MUARAENIM_INDICATORS)]
    fields = [("No", "text"), ("Indikator", "text"), ("Satuan", "text")] + [(str(y), "text") for y in YEARS[4:]]

    def row(k: int) -> list:
        code, label, unit = labels[k]
        return [str(k + 1), label, unit] + [id_number(v, 2) for v in world.series(code)[i, 4:]]
    table = Table(fields, len(labels), row)
    name = "indikator-kinerja-daerah-kabupaten-muara-enim"
    title = "Indikator Kinerja Daerah Kabupaten Muara Enim"
    # Migrated: the portal was rebuilt and every dataset re-created on one day in 2026 (as the real portal's
    # recorded `metadata_created`), holding years the extras name ("2023", "Tahun 2022", "Tahun 2019-2024").
    when = MUARAENIM_MIGRATED
    res = [_resource("muaraenim", name, 0, f"{title}.csv", "CSV", "text/csv", when, None, datastore=True)]
    portal.tables[res[0]["id"]] = table
    portal.files[res[0]["id"]] = lambda: ("text/csv", table.csv_chunks())
    portal.packages.append(_package("muaraenim", orgs["bappeda"], name, title, title, when, when, res,
                                    extras=[("Tahun 2019-2024", "Kabupaten Muara Enim")], tags=["IKD"]))
    akip = "hasil-evaluasi-akuntabilitas-kinerja-intansi-pemerintah-akip"
    res = [_resource("muaraenim", akip, 0, "Hasil Akip.png", "CSV", "image/png", when, len(PNG), ext="png")]
    portal.files[res[0]["id"]] = lambda: ("image/png", PNG)
    portal.packages.append(_package("muaraenim", orgs["diskominfo"], akip,
                                    "Hasil Evaluasi Akuntabilitas Kinerja Intansi Pemerintah (AKIP)",
                                    "Hasil Evaluasi Akuntabilitas Kinerja Intansi Pemerintah (AKIP)", when,
                                    when + timedelta(minutes=2), res,
                                    extras=[("2023", "75"), ("2024", "77"), ("Tahun 2022", "75")],
                                    tags=["Dinas Komunikasi Informastika Statistik dan Persandian"]))
    for code in ("SL05", "SL06"):     # one small table per indicator, the region by its full name
        ind = catalogue[code]
        pname = f"{slug(ind['nama_id'])}-muara-enim"
        t = _indicator_table(world, code, np.array([i]), lambda r: r["nama"])
        r0 = _resource("muaraenim", pname, 0, f"{ind['nama_id']}.csv", "CSV", "text/csv", when, None, datastore=True)
        portal.tables[r0["id"]] = t
        portal.files[r0["id"]] = lambda t=t: ("text/csv", t.csv_chunks())
        portal.packages.append(_package("muaraenim", orgs["dinkes"], pname, f"{ind['nama_id']} Kabupaten Muara Enim",
                                        ind["name_en"], when, when + timedelta(days=3), [r0],
                                        extras=[(f"Tahun {YEARS[0]}-{YEARS[-1]}", "Kabupaten Muara Enim")]))
    portal.index()
    return portal


BUILDERS = {"nasional": nasional, "jatim": jatim, "muaraenim": muaraenim}
