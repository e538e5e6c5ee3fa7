"""Spreadsheet drops as OPD staff make them: Kominfo evaluation scores and indicator tables, in XLSX
and CSV (some Windows-1252 with ';'), title rows, merged headers, '1.234,56', '-', 'n/a', region names
with footnote digits glued on. `bad_rows_fraction` plants rows an extractor must quarantine."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from simulator.sheets import csv_bytes, xlsx_bytes
from simulator.textfmt import id_number
from simulator.world import COMPONENTS, YEARS, World, build

EVALUATION_YEARS = tuple(y for y in YEARS if y >= 2018)
CSV_YEARS = (2019, 2021)               # these years came as Windows-1252 CSV with ';'
TEXT_SCORE_YEARS = (2020, 2023)        # in these years scores were typed as text "3,31"
INDICATOR_TABLES = {"SN03": "xlsx", "SL02": "csv", "SG01": "xlsx"}  # SG01: SPBE decree results
BAD_NAMES = ("Kabupaten Antah Berantah", "Kota Atlantis", "Kab. Tidak Diketahui", "Kota Sentosa Raya")
BAD_VALUES = ("12..5", "#REF!", "tdk ada", "3,4,5")


def opd_name(region: dict, h: int) -> str:
    """How a clerk writes a region: 'Kab. Sleman', 'KOTA BATU', 'Kota Batu1' (footnote glued on)."""
    short, kota = region["nama_pendek"], region["jenis"] == "Kota"
    name = (region["nama"], ("Kota " if kota else "Kab. ") + short, region["nama"].upper())[h % 3]
    return name + "1" if h % 29 == 0 else name


def _planter(rng, n_rows: int, fraction: float) -> dict[int, str]:
    k = int(round(n_rows * fraction))
    picked = rng.choice(n_rows, size=min(k, n_rows), replace=False) if k else []
    return {int(i): ("unmatched_region" if j % 2 == 0 else "unparseable_value") for j, i in enumerate(sorted(picked))}


def _cell(x: float, as_text: bool, h: int) -> object:
    if np.isnan(x):
        return "n/a" if h % 7 == 0 else "-"
    return id_number(x, 2) if as_text else float(x)


def write_drops(folder: str | Path, seed: int = 0, scale: int = 514, bad_rows_fraction: float = 0.0) -> dict:
    """Write every drop file into `folder`; returns {files, rows, planted_bad_rows:[{file, row, reason,
    value}]} where `row` is the 1-based data row (title and header rows not counted)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    world = build(seed)
    served = world.region_indices(scale)
    rng = np.random.default_rng([seed, 505])
    out = {"files": [], "rows": 0, "planted_bad_rows": []}
    for year in EVALUATION_YEARS:
        _evaluation_file(world, year, folder, rng, bad_rows_fraction, out)
    for code, kind in INDICATOR_TABLES.items():
        _indicator_file(world, served, code, kind, folder, rng, bad_rows_fraction, out)
    return out


def _plant(row: list, reason: str, name_col: int, value_cols: list[int], h: int) -> str:
    if reason == "unmatched_region":
        row[name_col] = BAD_NAMES[h % len(BAD_NAMES)]
        return row[name_col]
    col = value_cols[h % len(value_cols)]
    row[col] = BAD_VALUES[h % len(BAD_VALUES)]
    return row[col]


def _evaluation_file(world: World, year: int, folder: Path, rng, fraction: float, out: dict) -> None:
    y = YEARS.index(year)
    rows_idx = [i for i in np.flatnonzero(world.evaluated()[:, y])]
    as_text = year in TEXT_SCORE_YEARS or year in CSV_YEARS
    index = world.index_score()
    bad = _planter(rng, len(rows_idx), fraction)
    body, dims = [], []
    for n, i in enumerate(rows_idx):
        h = (world.seed * 7919 + i * 31 + year) & 0xFFFF
        region = world.regions[i]
        row = [n + 1, opd_name(region, h), region["nama_provinsi"]] + \
              [_cell(v, as_text, h) for v in world.components[i, y]] + [_cell(index[i, y], as_text, h)]
        if n in bad:
            value = _plant(row, bad[n], 1, list(range(3, 9)), h)
            out["planted_bad_rows"].append({"file": "", "row": n + 1, "reason": bad[n], "value": value})
        body.append(row)
        dims.append([n + 1, row[1]] + [_cell(v, as_text, h) for v in world.dimension_scores[i, y]])
    title = f"HASIL EVALUASI GERAKAN MENUJU 100 SMART CITY TAHUN {year} – REKAPITULASI"
    header = [["No", "Kabupaten/Kota", "Provinsi", "Nilai Komponen"] + [None] * 4 + ["Indeks Pencapaian"],
              [None, None, None, *COMPONENTS, None]]
    notes = ["1) Nilai setelah masa sanggah", "Sumber: Direktorat Jenderal Aplikasi Informatika"]
    if year in CSV_YEARS:
        name = f"evaluasi_smart_city_{year}.csv"
        data = csv_bytes([[title], []] + [[c if c is not None else "" for c in r] for r in header] + body +
                         [[]] + [[n] for n in notes], encoding="cp1252", delimiter=";")
    else:
        name = f"Hasil_Evaluasi_Smart_City_{year}.xlsx"
        merges = [(1, 1, 2, 1), (1, 2, 2, 2), (1, 3, 2, 3), (1, 4, 1, 8), (1, 9, 2, 9)]
        dim_header = [["No", "Kabupaten/Kota", "Nilai per Dimensi"] + [None] * (len(world.dimensions) - 1),
                      [None, None, *world.dimensions]]
        data = xlsx_bytes([("Rekap", title, header, merges, body, notes),
                           ("Per Dimensi", f"NILAI PER DIMENSI SMART CITY TAHUN {year}", dim_header,
                            [(1, 1, 2, 1), (1, 2, 2, 2), (1, 3, 1, 2 + len(world.dimensions))], dims, [])])
    _finish(folder / name, data, out, len(body))


def _indicator_file(world: World, served, code: str, kind: str, folder: Path, rng, fraction: float, out: dict) -> None:
    from smartcity_base import reference
    ind = next(r for r in reference.indicators() if r["kode"] == code)
    values = world.series(code)
    bad = _planter(rng, len(served), fraction)
    body = []
    for n, i in enumerate(served):
        h = (world.seed * 104729 + int(i) * 17) & 0xFFFF
        row = [n + 1, opd_name(world.regions[i], h)] + [_cell(v, True, h + k) for k, v in enumerate(values[i])]
        if n in bad:
            value = _plant(row, bad[n], 1, list(range(2, 2 + len(YEARS))), h)
            out["planted_bad_rows"].append({"file": "", "row": n + 1, "reason": bad[n], "value": value})
        body.append(row)
    title = f"{ind['nama_id'].upper()} MENURUT KABUPATEN/KOTA TAHUN {YEARS[0]}-{YEARS[-1]} ({ind['satuan']})"
    header = [["No", "Kabupaten/Kota", "Tahun"] + [None] * (len(YEARS) - 1), [None, None, *map(str, YEARS)]]
    stem = ind["nama_id"].replace(" ", "_").replace("/", "_")
    if kind == "csv":
        data = csv_bytes([[title], []] + [[c if c is not None else "" for c in r] for r in header] + body,
                         encoding="cp1252", delimiter=";")
        name = f"{stem}.csv"
    else:
        data = xlsx_bytes([("Data", title, header, [(1, 1, 2, 1), (1, 2, 2, 2), (1, 3, 1, 2 + len(YEARS))], body,
                            ["Keterangan: - = tidak ada data; n/a = tidak dilaporkan"])])
        name = f"{stem}.xlsx"
    _finish(folder / name, data, out, len(body))


def _finish(path: Path, data: bytes, out: dict, n_rows: int) -> None:
    path.write_bytes(data)
    out["files"].append(str(path))
    out["rows"] += n_rows
    for b in out["planted_bad_rows"]:
        b["file"] = b["file"] or path.name
