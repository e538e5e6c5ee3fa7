"""A small synthetic landing zone in the layout and columns of docs/contracts.md, for the dbt tests.

`write_landing(raw_dir)` writes Parquet partitions plus `_manifest.json` files:

- `bps/observations/domain=PP00/var=V/` for ALL 514 regions (province domains list their kab/kota
  by BPS code, which differs from the Kemendagri code for 199 regions) and a handful of BPS variables,
  with a planted program effect (participants improve from cohort_year + 1 on) and known traps:
  a province aggregate row, an unknown region, a region's own domain with a local vervar id, a
  turvar split (male / female / total), monthly-only data and one annual override.
- `spreadsheet/<dataset>/file=.../` tidy rows (region_name, region_code, indicator_code, measure, year,
  value, ...) keyed by old codes, names and ambiguous names, evaluation scores as PG01/PG02/PG03.
- `ckan/packages/portal=P/batch=B/` and `regency/<entity>/system=S/`.

It returns a `Truth` with the planted effects and the exact values the tests assert.
Codes are read from the dbt seeds, so the landing follows whatever bps_indicator_variables.csv says.
"""
from __future__ import annotations

import csv
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SEEDS = PROJECT_ROOT / "dbt_project" / "seeds"
YEARS = list(range(2015, 2025))
EXTRACTED_AT = datetime(2025, 1, 31, 6, 0, tzinfo=timezone.utc)

# indicator -> (kabupaten level, kota level, region sd, trend per year, noise sd)
SPECS = {
    "POP": (300_000, 500_000, 100_000, 3_000, 500),
    "SE03": (11.0, 7.0, 3.0, -0.2, 0.25),      # poverty %, lower is better
    "SE04": (4.5, 6.5, 1.5, -0.05, 0.4),       # unemployment %, lower is better
    "SE05": (67.0, 75.0, 4.0, 0.55, 0.15),     # HDI
    "SL01": (68.5, 71.5, 2.5, 0.12, 0.05),     # life expectancy
    "SS03": (22.0, 36.0, 6.0, 3.5, 1.5),       # internet use %
    "SB02": (45.0, 55.0, 8.0, 0.8, 2.0),       # hotel occupancy %, monthly
}
LOWER_BETTER = {"SE03", "SE04"}
EFFECTS = {"SS03": 6.0, "SE03": -1.5}           # planted, from cohort_year + 1
NO_EFFECT = ("SE05", "SE04", "SL01")
SELECTION_SD = 0.5                              # participants start from better baselines


@dataclass
class Truth:
    effects: dict[str, float]
    no_effect: tuple[str, ...]
    bps_indicators: list[str]
    n_regions: int
    values: dict[tuple[str, str, int], float] = field(default_factory=dict)  # (kemendagri, code, year)
    checks: dict[str, object] = field(default_factory=dict)


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write(raw_dir: Path, source: str, dataset: str, partition: dict[str, str], table: pa.Table) -> str:
    manifest_id = str(uuid.uuid4())
    n = table.num_rows
    table = table.append_column("_manifest_id", pa.array([manifest_id] * n, pa.string()))
    table = table.append_column("_extracted_at", pa.array([EXTRACTED_AT] * n, pa.timestamp("us", tz="UTC")))
    folder = raw_dir / source / dataset / "/".join(f"{k}={v}" for k, v in partition.items())
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / "data.parquet")
    (folder / "_manifest.json").write_text(json.dumps({
        "manifest_id": manifest_id, "source": source, "dataset": dataset, "partition": partition,
        "run_id": "test", "started_at": EXTRACTED_AT.isoformat(), "finished_at": EXTRACTED_AT.isoformat(),
        "row_count": n, "sha256": "", "cursor": None, "requests": [], "duration_s": 0.0, "status": "ok"}))
    return manifest_id


def _text_table(rows: list[dict[str, object]]) -> pa.Table:
    """Schema-less landing: every column text, as extractors.landing writes drifting sources."""
    cols: dict[str, None] = {}
    for r in rows:
        cols.update(dict.fromkeys(r))
    return pa.table({c: pa.array([None if r.get(c) is None else str(r[c]) for r in rows], pa.string())
                     for c in cols})


BPS_SCHEMA = pa.schema([
    ("domain_id", pa.string()), ("var_id", pa.int64()), ("var_label", pa.string()), ("unit", pa.string()),
    ("vervar_id", pa.int64()), ("vervar_label", pa.string()), ("turvar_id", pa.int64()),
    ("turvar_label", pa.string()), ("year", pa.int64()), ("turtahun_id", pa.int64()),
    ("turtahun_label", pa.string()), ("value", pa.float64()), ("value_raw", pa.string()),
    ("indicator_code", pa.string()), ("region_code", pa.string())])


def write_landing(raw_dir: Path | str, seed: int = 20240601) -> Truth:
    raw_dir = Path(raw_dir)
    rng = np.random.default_rng(seed)
    regions = _csv(SEEDS / "reference" / "kabupaten_kota.csv")
    participants = _csv(SEEDS / "reference" / "smart_city_peserta.csv")
    variables = {r["indicator_code"]: r for r in _csv(SEEDS / "bps_indicator_variables.csv")}
    codes = [c for c in SPECS if c in variables]
    cohort: dict[str, int] = {}
    for p in participants:  # a region named by two cohorts joined with the earlier one
        cohort[p["kode_kemendagri"]] = min(int(p["tahun_kohort"]), cohort.get(p["kode_kemendagri"], 9999))
    truth = Truth(effects={k: v for k, v in EFFECTS.items() if k in codes},
                  no_effect=tuple(c for c in NO_EFFECT if c in codes), bps_indicators=codes,
                  n_regions=len(regions))

    years = np.array(YEARS)
    n = len(regions)
    is_kota = np.array([r["jenis"] == "Kota" for r in regions])
    coh = np.array([cohort.get(r["kode_kemendagri"], 0) for r in regions])
    part = coh > 0
    series: dict[str, np.ndarray] = {}
    for code in codes:
        kab, kota, sd, trend, noise = SPECS[code]
        sign = -1.0 if code in LOWER_BETTER else 1.0
        base = np.where(is_kota, kota, kab) + sd * rng.standard_normal(n) + sign * SELECTION_SD * sd * part
        treated = part[:, None] & (years[None, :] >= coh[:, None] + 1)
        vals = (base[:, None] + trend * (years - years[0])[None, :]
                + noise * rng.standard_normal((n, len(years))) + EFFECTS.get(code, 0.0) * treated)
        series[code] = np.round(vals, 0 if code == "POP" else 3)

    # --- BPS observations: one partition per province domain and variable -----------------------
    by_province: dict[str, list[int]] = {}
    for i, r in enumerate(regions):
        by_province.setdefault(r["kode_bps_2018"][:2], []).append(i)
    sb02_monthly = {}
    for code in codes:
        var = variables[code]
        monthly = var["period"] == "monthly"
        for prov, idx in sorted(by_province.items()):
            rows = []
            for i in idx:
                r = regions[i]
                for y_i, y in enumerate(YEARS):
                    v = float(series[code][i, y_i])
                    base_row = dict(domain_id=f"{prov}00", var_id=int(var["var_id"]), var_label=var["var_label"],
                                    unit=var["unit"], vervar_id=int(r["kode_bps_2018"]),
                                    vervar_label=r["nama_bps_2018"], turvar_id=0, turvar_label="Tidak Ada",
                                    year=y)
                    truth.values[(r["kode_kemendagri"], code, y)] = v
                    if monthly:
                        # twelve months around the annual level; the warehouse takes their mean
                        offsets = np.round(rng.normal(0, 3, 12), 3)
                        offsets -= offsets.mean()
                        months = [round(v + float(o), 3) for o in offsets]
                        sb02_monthly[(r["kode_kemendagri"], y)] = months
                        truth.values[(r["kode_kemendagri"], code, y)] = float(np.mean(months))
                        for m, mv in enumerate(months, start=1):
                            rows.append({**base_row, "turtahun_id": m, "turtahun_label": f"Bulan {m}",
                                         "value": mv, "value_raw": str(mv)})
                    else:
                        rows.append({**base_row, "turtahun_id": 0, "turtahun_label": "Tahun",
                                     "value": v, "value_raw": str(v)})
            if code == "SE05" and prov == "16":
                # province aggregate (counted as aggregate_level) and an unknown region (counted)
                for y in YEARS:
                    rows.append(dict(domain_id="1600", var_id=int(var["var_id"]), var_label=var["var_label"],
                                     unit=var["unit"], vervar_id=1600, vervar_label="Sumatera Selatan",
                                     turvar_id=0, turvar_label="Tidak Ada", year=y, turtahun_id=0,
                                     turtahun_label="Tahun", value=70.0, value_raw="70"))
                    rows.append(dict(domain_id="1600", var_id=int(var["var_id"]), var_label=var["var_label"],
                                     unit=var["unit"], vervar_id=1699, vervar_label="Kabupaten Antah Berantah",
                                     turvar_id=0, turvar_label="Tidak Ada", year=y, turtahun_id=0,
                                     turtahun_label="Tahun", value=1.0, value_raw="1"))
            if code == "SE04" and prov == "16":
                # turvar split for Musi Rawas 2020: male / female / total -> total wins
                i = next(j for j in idx if regions[j]["kode_kemendagri"] == "16.05")
                total = truth.values[("16.05", "SE04", 2020)]
                rows = [row for row in rows if not (row["vervar_id"] == 1605 and row["year"] == 2020)]
                for tv, tl, val in ((1, "Laki-laki", total + 1.0), (2, "Perempuan", total - 1.0),
                                    (3, "Jumlah", total)):
                    rows.append(dict(domain_id="1600", var_id=int(var["var_id"]), var_label=var["var_label"],
                                     unit=var["unit"], vervar_id=1605, vervar_label="MUSI RAWAS", turvar_id=tv,
                                     turvar_label=tl, year=2020, turtahun_id=0, turtahun_label="Tahun",
                                     value=val, value_raw=str(val)))
            if code in ("SE03", "SE04", "SE05") and prov == "16":
                # BPS as it publishes: urban / rural / total derived variables with their real labels
                # (no spaces) and ids, semesters (61 Maret, 62 September) and survey rounds (189 Februari,
                # 190 Agustus); the rule picks the total and the official period, never the smallest id
                # or a mean of the sub-periods
                region = {"SE03": idx[1], "SE04": idx[2], "SE05": idx[3]}[code]
                r = regions[region]
                vid = int(r["kode_bps_2018"])
                year = 2021
                total = truth.values[(r["kode_kemendagri"], code, year)]
                rows = [row for row in rows if not (row["vervar_id"] == vid and row["year"] == year)]
                periods = {"SE03": ((61, "Maret", 0.0), (62, "September", 1.5)),
                           "SE04": ((189, "Februari", 0.7), (190, "Agustus", 0.0)),
                           "SE05": ((0, "Tahun", 0.0),)}[code]
                splits = ((432, "Perkotaan", 2.0), (433, "Perdesaan", -2.0), (434, "Perkotaan+Perdesaan", 0.0))
                for tv, tl, dv in splits:
                    for tt, ttl, dp in periods:
                        val = round(total + dv + dp, 3)
                        rows.append(dict(domain_id="1600", var_id=int(var["var_id"]), var_label=var["var_label"],
                                         unit=var["unit"], vervar_id=vid, vervar_label=r["nama_bps_2018"],
                                         turvar_id=tv, turvar_label=tl, year=year, turtahun_id=tt,
                                         turtahun_label=ttl, value=val, value_raw=str(val)))
                truth.checks[f"rule_{code}"] = (r["kode_kemendagri"], code, year, total)
                if code == "SE05":
                    # a year with only quarters (no annual 35, no rule) and one with only male/female:
                    # reported in int_bps__unaligned, not averaged
                    for tt in (31, 32, 33, 34):
                        rows.append(dict(domain_id="1600", var_id=int(var["var_id"]), var_label=var["var_label"],
                                         unit=var["unit"], vervar_id=vid, vervar_label=r["nama_bps_2018"],
                                         turvar_id=0, turvar_label="Tidak Ada", year=2014, turtahun_id=tt,
                                         turtahun_label=f"Triwulan {tt - 30}", value=60.0 + tt - 30,
                                         value_raw=""))
                    for tv, tl in ((1, "Laki-laki"), (2, "Perempuan")):
                        rows.append(dict(domain_id="1600", var_id=int(var["var_id"]), var_label=var["var_label"],
                                         unit=var["unit"], vervar_id=vid, vervar_label=r["nama_bps_2018"],
                                         turvar_id=tv, turvar_label=tl, year=2013, turtahun_id=0,
                                         turtahun_label="Tahun", value=60.0 + tv, value_raw=""))
                    truth.checks["unaligned"] = {(r["kode_kemendagri"], "SE05", 2014): "no_period_rule",
                                                 (r["kode_kemendagri"], "SE05", 2013): "no_total_turvar"}
            if monthly and prov == "16":
                # Musi Rawas 2023 also has an annual (Tahunan, 13) value: annual wins over the months
                rows.append(dict(domain_id="1600", var_id=int(var["var_id"]), var_label=var["var_label"],
                                 unit=var["unit"], vervar_id=1605, vervar_label="MUSI RAWAS", turvar_id=0,
                                 turvar_label="Tidak Ada", year=2023, turtahun_id=13, turtahun_label="Tahunan",
                                 value=55.5, value_raw="55.5"))
                truth.values[("16.05", code, 2023)] = 55.5
                truth.checks["annual_override"] = ("16.05", code, 2023, 55.5)
            _write(raw_dir, "bps", "observations", {"domain": f"{prov}00", "var": var["var_id"]},
                   pa.Table.from_pylist(rows, schema=BPS_SCHEMA))

    # Pinrang's own domain (7315) lists itself under a local vervar id: resolved by label, and the
    # region's own domain wins over the province domain.
    pinrang = next(r for r in regions if r["nama_pendek"] == "Pinrang")
    if "SE05" in codes:
        var = variables["SE05"]
        own = [dict(domain_id=pinrang["kode_bps_2018"], var_id=int(var["var_id"]), var_label=var["var_label"],
                    unit=var["unit"], vervar_id=1, vervar_label="Kabupaten Pinrang", turvar_id=0,
                    turvar_label="Tidak Ada", year=y, turtahun_id=0, turtahun_label="Tahun",
                    value=truth.values[(pinrang["kode_kemendagri"], "SE05", y)] + 0.5, value_raw="")
               for y in YEARS]
        for row in own:
            truth.values[(pinrang["kode_kemendagri"], "SE05", row["year"])] = row["value"]
        _write(raw_dir, "bps", "observations", {"domain": pinrang["kode_bps_2018"], "var": var["var_id"]},
               pa.Table.from_pylist(own, schema=BPS_SCHEMA))
        truth.checks["pinrang"] = (pinrang["kode_kemendagri"], "SE05", 2020,
                                   truth.values[(pinrang["kode_kemendagri"], "SE05", 2020)])

    # --- spreadsheet drops: tidy rows as extractors.spreadsheet lands them ------------------------
    pop_1605_2022 = truth.values.get(("16.05", "POP", 2022))
    sheet = [
        {"region_name": "KAB. MIMIKA", "region_code": "91.09", "indicator_code": "SG09", "year": "2023",
         "value": "80.5", "as_of_date": "2024-03-01"},
        {"region_name": "Kab. Musi Rawas", "region_code": None, "indicator_code": "SG09", "year": "2023",
         "value": "77.25", "as_of_date": "2024-03-01"},
        {"region_name": "Bandung", "region_code": None, "indicator_code": "SG09", "year": "2023",
         "value": "70", "as_of_date": "2024-03-01"},
        {"region_name": "Kota Antah", "region_code": "99.99", "indicator_code": "SG09", "year": "2023",
         "value": "70", "as_of_date": "2024-03-01"},
        {"region_name": "Kota Kediri", "region_code": "35.71", "indicator_code": "SG09", "year": "2023",
         "value": None, "value_raw": "-", "value_missing": "true"},
        {"region_name": "Kabupaten Musi Rawas", "region_code": "16.05", "indicator_code": "SG03", "year": "2022",
         "value": "1000", "unit": "count", "as_of_date": "-"},
    ]
    _write(raw_dir, "spreadsheet", "indicators", {"file": "skm_2023.xlsx"}, _text_table(sheet))
    truth.checks["old_code"] = ("94.04", "SG09", 2023, 80.5)
    truth.checks["by_name"] = ("16.05", "SG09", 2023, 77.25)
    if pop_1605_2022 is not None:
        truth.checks["per_capita"] = ("16.05", "SG03", 2022, 1000 / pop_1605_2022 * 100000)

    # --- evaluation scores: Kota Kediri 2021 (weights A) = 3.06, 2022 (weights B) = 3.31 ----------
    comps = ["Baseline", "Output", "Outcome", "Impact", "Quick Win"]
    kediri = {2021: [3.0, 3.0, 3.1, 3.05, 3.1], 2022: [3.0, 3.5, 3.2, 3.4, 3.3]}
    others = {"35.77": {2021: [2.0] * 5, 2022: [4.0] * 5},          # Kota Batu (cohort 2019)
              "33.71": {2021: [3.5] * 5, 2022: [3.0] * 5}}          # Kota Magelang (cohort 2019)
    ev_rows = []
    for y, scores in kediri.items():
        for c, s in zip(comps, scores, strict=True):
            ev_rows.append({"region_name": "Kota Kediri", "region_code": "35.71", "indicator_code": "PG02",
                            "measure": c, "year": str(y), "value": str(s)})
        ev_rows.append({"region_name": "Kota Kediri", "region_code": "35.71", "indicator_code": "PG03",
                        "measure": "Smart Governance", "year": str(y), "value": "2.75"})
    _write(raw_dir, "spreadsheet", "indicators", {"file": "Hasil_Evaluasi_Kediri.xlsx"}, _text_table(ev_rows))
    ev_rows = []
    for code, by_year in others.items():
        for y, scores in by_year.items():
            for c, s in zip(comps, scores, strict=True):
                ev_rows.append({"region_code": code, "indicator_code": "PG02_" + c.upper().replace(" ", ""),
                                "year": str(y), "value": str(s)})
    ev_rows.append({"region_name": "Kota Kediri", "region_code": "35.71", "indicator_code": "PG01",
                    "year": "2022", "value": "3.31"})
    _write(raw_dir, "spreadsheet", "evaluasi", {"file": "evaluasi_lain.csv"}, _text_table(ev_rows))
    truth.checks["evaluation"] = {("35.71", 2021): (3.06, "A"), ("35.71", 2022): (3.31, "B"),
                                  ("35.77", 2022): (4.0, "B"), ("33.71", 2022): (3.0, "B")}

    # --- CKAN packages ------------------------------------------------------------------------
    def pkg(pid, org_name, org_title, created, modified, portal):
        return {"portal": portal, "package_id": pid, "name": pid, "title": pid.title(),
                "organization_name": org_name, "organization_title": org_title,
                "metadata_created": created, "metadata_modified": modified, "num_resources": "2",
                "resources_json": "[]"}
    nas = [pkg(f"kediri-{k}", "kota-kediri", "Pemerintah Kota Kediri", f"{2018 + k % 4}-03-01T10:00:00.000000",
               "2024-05-01T10:00:00.000000", "NASIONAL") for k in range(6)]
    nas += [pkg("kemenkes-1", "kemenkes", "Kementerian Kesehatan", "2020-01-01T00:00:00", "2020-01-02T00:00:00",
                "NASIONAL")]
    _write(raw_dir, "ckan", "packages", {"portal": "NASIONAL", "batch": "0"}, _text_table(nas))
    # batch 1 re-harvests kediri-0 (modified again): one package, latest version wins
    nas1 = [pkg("kediri-0", "kota-kediri", "Pemerintah Kota Kediri", "2018-03-01T10:00:00.000000",
                "2024-12-01T10:00:00.000000", "NASIONAL")]
    _write(raw_dir, "ckan", "packages", {"portal": "NASIONAL", "batch": "1"}, _text_table(nas1))
    me = [pkg(f"me-{k}", "diskominfo", "Diskominfo", "2022-06-01T00:00:00", "2023-06-01T00:00:00", "MUARAENIM")
          for k in range(3)]
    _write(raw_dir, "ckan", "packages", {"portal": "MUARAENIM", "batch": "0"}, _text_table(me))
    jt = [pkg("jatim-1", "dinas-kominfo-provinsi-jawa-timur", "Dinas Kominfo Provinsi Jawa Timur",
              "2021-01-01T00:00:00", "2021-01-01T00:00:00", "JATIM")]
    _write(raw_dir, "ckan", "packages", {"portal": "JATIM", "batch": "0"}, _text_table(jt))
    # a migrated portal: re-created on one day in 2026, the data (extras) covering 2019-2020
    migrated = [{**pkg(f"me-migrated-{k}", "diskominfo", "Diskominfo", "2026-03-13T08:31:59.625721",
                       "2026-03-13T08:33:59.625721", "MUARAENIM"),
                 "data_first_year": "2019", "data_last_year": "2020", "data_years_from": "extras"} for k in range(4)]
    _write(raw_dir, "ckan", "packages", {"portal": "MUARAENIM", "batch": "20260101T000000Z"}, _text_table(migrated))
    truth.checks["open_data_muaraenim_migrated"] = {2019: 4, 2020: 0, 2022: 3}
    # a portal behind a JavaScript challenge, recorded by extractors.portals
    _write(raw_dir, "ckan", "portal_status", {"portal": "jatimweb"}, _text_table([{
        "portal": "jatimweb", "platform": "ckan", "state": "blocked", "reason": "JavaScript challenge (HTTP 403)",
        "checked_on": "2026-12-01", "last_reached_on": None}]))
    # SG06 for Kota Kediri: cumulative packages created by year end (created 2018,2019,2020,2021,2018,2019)
    truth.checks["sg06_kediri"] = {2017: 0, 2018: 2, 2019: 4, 2020: 5, 2021: 6, 2024: 6}
    truth.checks["open_data_muaraenim_2022"] = 3

    # --- regency systems (the simulator's `monev` shape; every field text) ------------------------
    _write(raw_dir, "regency", "programs", {"system": "monev"}, _text_table([
        {"id": "1", "region": "35.71", "dimension": "Smart Governance", "program_name": "Kediri Satu Data",
         "status": "Berjalan", "start_year": "2022", "budget_idr": "500000000", "realisation_idr": "300000000",
         "updated_at": "2024-05-01T00:00:00Z"},
        {"id": "2", "region": "Kabupaten Muara Enim", "dimension": "Smart Living", "program_name": "Command Center",
         "status": "selesai", "start_year": "2019", "budget_idr": "250000000", "realisation_idr": "250000000",
         "updated_at": "2023-01-01T00:00:00Z"},
        {"id": "3", "region": "Kabupaten Antah", "dimension": "Smart Living", "program_name": "?",
         "status": "berjalan", "start_year": "2020", "budget_idr": "1", "realisation_idr": "0",
         "updated_at": "2023-01-01T00:00:00Z"}]))
    _write(raw_dir, "regency", "quickwins", {"system": "monev"}, _text_table([
        {"id": "qw-3571-01", "region_code": "35.71", "name": "Portal data", "dimension": "Smart Governance",
         "status": "selesai", "progress_pct": "100", "updated_at": "2022-12-01T00:00:00Z"}]))
    budget = []
    for y, final in ((2023, 80_000_000), (2024, 40_000_000)):
        for m in range(1, 13 if y == 2023 else 7):
            budget.append({"id": f"3571-{y}-{m:02d}", "region_code": "35.71", "year": str(y), "month": str(m),
                           "budget_idr": "100000000", "realisation_idr": str(final * m // (12 if y == 2023 else 6)),
                           "updated_at": f"{y}-{m:02d}-28T00:00:00Z"})
    _write(raw_dir, "regency", "budget_realisation", {"system": "monev"}, _text_table(budget))
    # a system that names its regency instead of tagging records with a region
    _write(raw_dir, "regency", "programs", {"system": "kota-kediri"}, _text_table([
        {"id": "K1", "program_name": "Pasar Digital", "dimension": "Smart Economy", "status": "perencanaan",
         "start_year": "2024", "budget_idr": "200000000", "realisation_idr": "0",
         "updated_at": "2024-02-01T00:00:00Z"}]))
    truth.checks["program_pct"] = {("monev", "1"): 60.0, ("monev", "2"): 100.0, ("kota-kediri", "K1"): 0.0}
    truth.checks["pg06_kediri"] = {2023: 100_000_000.0, 2024: 100_000_000.0}
    truth.checks["budget_pct_kediri"] = {2023: 80.0, 2024: 40.0}
    return truth
