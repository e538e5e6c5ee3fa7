"""Mart suites, run on the candidate warehouse before it is published (schema `marts`).

Tables: `dim_region`, `fct_indicator_value` always; `fct_smart_city_index`, `fct_data_completeness` and the
participation table only when the dbt project builds them (a suite for an absent table is skipped and
reported as skipped, never failed). Ranges come from the indicator catalogue (`indikator_usulan.csv`):
percent indicators 0-100, `skor 0-5` 0-5, `index/skor 0-100` 0-100, counts and rates not negative."""
from __future__ import annotations

import csv
import os
import re
from functools import lru_cache

from expectations.spec import (CRITICAL, WARNING, TableSpec, current_year, equals, expect, first_present,
                               is_in, present)
from smartcity_base import reference
from smartcity_base.settings import DBT_PROJECT_DIR

SUITE = "marts"
FIRST_YEAR = 1990
REQUIRED_FACT_COLUMNS = ["region_code", "indicator_code", "year", "value", "source", "as_of_date",
                         "manifest_id"]
NON_NEGATIVE_UNITS = ("count", "per 100k", "per 1000", "hari", "menit", "visits per resident", "tahun")


def region_coverage_severity() -> str:
    """Severity of "every region present for BPS indicators": critical, or warning for runs that serve a
    subset of regions on purpose (simulator `--scale` below 514), via env SMARTCITY_GX_REGION_COVERAGE."""
    value = os.environ.get("SMARTCITY_GX_REGION_COVERAGE", CRITICAL).strip().lower()
    return value if value in (CRITICAL, WARNING) else CRITICAL


def region_codes() -> list[str]:
    return sorted(r["kode_kemendagri"] for r in reference.regions())


@lru_cache(maxsize=None)
def indicator_ranges() -> dict[tuple[float | None, float | None, str], list[str]]:
    """(min, max, severity) -> indicator codes, from the catalogue's `satuan` (unit)."""
    ranges: dict[tuple[float | None, float | None, str], list[str]] = {}

    def add(key, code):
        ranges.setdefault(key, []).append(code)

    for row in reference.indicators():
        unit = row["satuan"].strip().lower()
        code = row["kode"]
        if unit.startswith("%") and "growth" in row["name_en"].lower():
            add((-100, 100, WARNING), code)  # a growth rate is a percentage that can be negative
        elif unit.startswith("%"):
            add((0, 100, CRITICAL), code)
        elif unit == "skor 0-5":
            add((0, 5, CRITICAL), code)
        elif unit in ("skor 0-100", "index 0-100"):
            add((0, 100, CRITICAL), code)
        elif unit == "boolean":
            add((0, 1, CRITICAL), code)
        elif unit.startswith("ordinal (wtp=4"):
            add((1, 4, CRITICAL), code)
        elif unit in NON_NEGATIVE_UNITS:
            add((0, None, CRITICAL), code)
        elif unit == "idr":
            add((0, None, WARNING), code)
    return ranges


@lru_cache(maxsize=None)
def seeded_bps_indicators() -> frozenset[str]:
    """Indicators the catalogue says come from BPS variables (`seeds/bps_indicator_variables.csv`)."""
    path = DBT_PROJECT_DIR / "seeds" / "bps_indicator_variables.csv"
    if not path.exists():
        return frozenset()
    with open(path, newline="", encoding="utf-8") as fh:
        return frozenset(r["indicator_code"] for r in csv.DictReader(fh) if r.get("indicator_code"))


@lru_cache(maxsize=None)
def every_region_indicators() -> frozenset[str]:
    """Indicators the catalogue says exist for every kab/kota (`level_tersedia` exactly "kab/kota"; not
    "prov (some kab/kota)", "kab/kota (partial)" or participants only)."""
    return frozenset(r["kode"] for r in reference.indicators() if r["level_tersedia"].strip() == "kab/kota")


def bps_indicators(df) -> list[str]:
    """BPS indicators present in the fact table that the catalogue expects for every region: seeded BPS
    indicators plus rows whose source is BPS."""
    codes = set(seeded_bps_indicators()) & set(df["indicator_code"].dropna().unique())
    if "source" in df.columns:
        is_bps = df["source"].astype("string").str.lower().str.startswith("bps").fillna(False)
        codes |= set(df.loc[is_bps, "indicator_code"].dropna().unique())
    return sorted(codes & every_region_indicators())


# --- fct_indicator_value -------------------------------------------------------------------------------

def build_fct_indicator_value(df) -> list:
    exps = [expect("ExpectTableColumnsToMatchSet",
                   "the table has the contract's columns (region_code, indicator_code, year, value, source, "
                   "as_of_date, manifest_id)",
                   column_set=REQUIRED_FACT_COLUMNS, exact_match=False),
            expect("ExpectTableRowCountToBeBetween", "the fact table is not empty", min_value=1)]
    if present(df, "region_code", "indicator_code", "year"):
        exps.append(expect("ExpectCompoundColumnsToBeUnique",
                           "one value per region, indicator and year (no duplicate keys)",
                           column_list=["region_code", "indicator_code", "year"]))
    if present(df, "region_code"):
        exps.append(expect("ExpectColumnValuesToNotBeNull", "every row has a region code", column="region_code"))
        exps.append(expect("ExpectColumnValuesToBeInSet",
                           "region codes are among the 514 Kemendagri kabupaten/kota codes",
                           column="region_code", value_set=region_codes()))
    if present(df, "value"):
        exps.append(expect("ExpectColumnValuesToNotBeNull", "every row has a value", column="value"))
    if present(df, "year"):
        exps.append(expect("ExpectColumnValuesToBeBetween",
                           f"years are between {FIRST_YEAR} and this year (none in the future)",
                           column="year", min_value=FIRST_YEAR, max_value=current_year()))
    if present(df, "indicator_code"):
        catalogue = sorted({r["kode"] for r in reference.indicators()} | seeded_bps_indicators())
        exps.append(expect("ExpectColumnValuesToBeInSet", "indicator codes are in the indicator catalogue",
                           severity=WARNING, column="indicator_code", value_set=catalogue))
    if present(df, "indicator_code", "value"):
        in_data = set(df["indicator_code"].dropna().unique())
        for (lo, hi, severity), codes in sorted(indicator_ranges().items(), key=lambda kv: str(kv[0])):
            codes = sorted(set(codes) & in_data)
            if not codes:
                continue
            label = (f"between {lo:g} and {hi:g}" if hi is not None else f"at least {lo:g}")
            exps.append(expect("ExpectColumnValuesToBeBetween",
                               f"values of {', '.join(codes)} are {label} (unit in the catalogue)",
                               severity=severity, column="value", min_value=lo, max_value=hi,
                               row_condition=is_in("indicator_code", codes)))
    if present(df, "indicator_code", "region_code"):
        all_codes = region_codes()
        for code in bps_indicators(df):
            exps.append(expect("ExpectColumnDistinctValuesToContainSet",
                               f"every one of the 514 regions has values for BPS indicator {code}",
                               severity=region_coverage_severity(),
                               column="region_code", value_set=all_codes,
                               row_condition=equals("indicator_code", code)))
    for col, what in (("source", "a source"), ("manifest_id", "a landing manifest id"),
                      ("as_of_date", "an as-of date")):
        if present(df, col):
            exps.append(expect("ExpectColumnValuesToNotBeNull", f"every row names {what} (lineage)",
                               severity=WARNING, column=col))
    return exps


# --- dim_region ----------------------------------------------------------------------------------------

def _region_key(df) -> str | None:
    return first_present(df, "region_code", "kode_kemendagri", "code")


def build_dim_region(df) -> list:
    exps = [expect("ExpectTableRowCountToEqual", "dim_region has one row for each of the 514 kabupaten/kota",
                   value=len(reference.regions()))]
    key = _region_key(df)
    if key is None:
        exps.append(expect("ExpectTableColumnsToMatchSet", "dim_region has a region_code column",
                           column_set=["region_code"], exact_match=False))
        return exps
    exps += [expect("ExpectColumnValuesToBeUnique", "region codes are unique", column=key),
             expect("ExpectColumnValuesToNotBeNull", "every region has a code", column=key),
             expect("ExpectColumnValuesToBeInSet", "region codes are Kemendagri kabupaten/kota codes",
                    column=key, value_set=region_codes())]
    exps += _participation_expectations(df)
    return exps


# --- participation -------------------------------------------------------------------------------------

_COHORT_COLUMNS = ("cohort_year", "tahun_kohort", "cohort", "join_year", "first_cohort_year")
_PARTICIPANT_FLAGS = ("is_participant", "participant", "is_peserta")


def _participation_expectations(df) -> list:
    """No participant without a cohort: in a participation table every row needs a cohort; in a table with
    a participant flag, every flagged row does."""
    cohort = first_present(df, *_COHORT_COLUMNS)
    flag = first_present(df, *_PARTICIPANT_FLAGS)
    if cohort is None:
        return []
    if flag is not None:
        return [expect("ExpectColumnValuesToNotBeNull", "no participant without a cohort year",
                       column=cohort, row_condition=equals(flag, True))]
    return []


def build_participation(df) -> list:
    cohort = first_present(df, *_COHORT_COLUMNS)
    if cohort is None:
        return [expect("ExpectTableColumnsToMatchSet", "the participation table has a cohort column",
                       column_set=["cohort_year"], exact_match=False)]
    flag = first_present(df, *_PARTICIPANT_FLAGS)
    condition = {"row_condition": equals(flag, True)} if flag else {}
    exps = [expect("ExpectColumnValuesToNotBeNull", "no participant without a cohort year", column=cohort,
                   **condition)]
    if cohort in ("cohort_year", "tahun_kohort", "join_year", "first_cohort_year"):
        exps.append(expect("ExpectColumnValuesToBeBetween", "cohort years are between 2017 and this year",
                           column=cohort, min_value=2017, max_value=current_year(), **condition))
    key = _region_key(df)
    if key:
        exps.append(expect("ExpectColumnValuesToBeInSet", "participants are known kabupaten/kota",
                           column=key, value_set=region_codes()))
    return exps


# --- fct_smart_city_index ------------------------------------------------------------------------------

# Scales as the warehouse defines them (dbt_project/models/marts/_marts.yml); other score/index columns
# default to 0-5 (the ministry's Indeks Pencapaian scale) unless their name ends in _100/_pct.
SCORE_SCALES = {"indicator_index": 100.0, "evaluation_index": 5.0, "composite_score": 100.0,
                "dimension_score": 100.0}
RANK_SCORE = "composite_score"   # the score plain rank_* columns are computed from (1 = highest)
# measure-specific ranks (<measure>_rank_*) are computed from that measure only: no rank mixes measures
RANK_SCORES = {"indicator": "indicator_index", "evaluation": "evaluation_index"}
_RANK_PARTITIONS = {  # words in the rank column -> candidate partition columns (besides year)
    "national": [], "province": ["province_code", "kode_provinsi"], "provinsi": ["province_code", "kode_provinsi"],
    "cohort": ["cohort_year", "tahun_kohort", "cohort"], "peer": ["peer_group", "region_type", "jenis"],
    "jenis": ["peer_group", "jenis", "region_type"],
}


def _is_numeric(df, col) -> bool:
    return str(df[col].dtype).lower().startswith(("float", "int", "uint", "decimal"))


def _score_columns(df) -> list[tuple[str, float]]:
    out = []
    for col in df.columns:
        name = col.lower()
        if name in SCORE_SCALES and _is_numeric(df, col):
            out.append((col, SCORE_SCALES[name]))
            continue
        if (name.startswith(("rank", "n_", "_")) or name.endswith(("_change", "_delta", "_diff"))
                or not re.search(r"index|indeks|score|skor", name) or not _is_numeric(df, col)):
            continue
        out.append((col, 100.0 if re.search(r"(_100|_pct|percent)$", name) else 5.0))
    return out


def _rank_columns(df) -> list[str]:
    return [c for c in df.columns if re.match(r"^(\w+_)?rank", c.lower()) and not c.lower().endswith(
        ("_change", "_delta", "_diff", "_score", "_status")) and _is_numeric(df, c)]


def _rank_score(df, rank_col: str) -> str | None:
    """The score a rank column ranks: `<measure>_rank_*` -> that measure's index, `rank_*` -> RANK_SCORE."""
    measure = rank_col.lower().split("rank", 1)[0].strip("_")
    score = RANK_SCORES.get(measure, RANK_SCORE) if measure else RANK_SCORE
    return score if score in df.columns and _is_numeric(df, score) else None


def _rank_partition(df, rank_col: str) -> list[str] | None:
    parts = [c for c in ("year",) if c in df.columns]
    suffix = rank_col.lower().split("rank", 1)[1].strip("_") or "national"
    for key, candidates in _RANK_PARTITIONS.items():
        if key in suffix:
            if not candidates:
                return parts
            col = first_present(df, *candidates)
            return parts + [col] if col else None
    return parts


def _gapless(ranks) -> bool:
    """Ranks 1..n without gaps: dense (1,2,2,3) or competition ranking where ties share a rank and the
    next rank counts the tied rows (1,2,2,4). Null ranks (not ranked) are ignored."""
    values = sorted(int(r) for r in ranks.dropna())
    if not values:
        return True
    dense = sorted(set(values)) == list(range(1, len(set(values)) + 1))
    competition = all(v == 1 + sum(1 for w in values if w < v) for v in set(values))
    return dense or competition


def prepare_smart_city_index(df):
    """Derived columns GX can check row by row: `_<rank>_gapless` (the row's partition - year, and the
    province/cohort/peer group for those ranks - has ranks 1..n without gaps) and `_<rank>_matches_score`
    (the rank equals the competition rank of its own measure - indicator_index for indicator_rank_*,
    evaluation_index for evaluation_rank_* - highest first, within the partition)."""
    df = df.copy()
    for col in _rank_columns(df):
        parts = _rank_partition(df, col)
        if parts is None:
            continue
        if parts:
            ok = df.groupby(parts, dropna=False)[col].transform(_gapless).astype(bool)
        else:
            ok = bool(_gapless(df[col]))
        df[f"_{col}_gapless"] = ok
        score = _rank_score(df, col)
        if score:
            ranked = df[df[col].notna() & df[score].notna()]
            if parts:
                expected = ranked.groupby(parts, dropna=False)[score].rank(method="min", ascending=False)
            else:
                expected = ranked[score].rank(method="min", ascending=False)
            match = (ranked[col].astype(float) == expected).reindex(df.index, fill_value=True)
            df[f"_{col}_matches_score"] = match.astype(bool)
    return df


def build_smart_city_index(df) -> list:
    exps = [expect("ExpectTableRowCountToBeBetween", "the index table is not empty", severity=WARNING,
                   min_value=1)]
    for col, top in _score_columns(df):
        exps.append(expect("ExpectColumnValuesToBeBetween", f"{col} is between 0 and {top:g} as defined",
                           column=col, min_value=0, max_value=top))
    for col in _rank_columns(df):
        within = "/".join(_rank_partition(df, col) or []) or "the table"
        if f"_{col}_gapless" in df.columns:
            exps.append(expect("ExpectColumnValuesToBeInSet",
                               f"{col} runs 1..n without gaps within each {within}",
                               column=f"_{col}_gapless", value_set=[True]))
        if f"_{col}_matches_score" in df.columns:
            exps.append(expect("ExpectColumnValuesToBeInSet",
                               f"{col} agrees with {_rank_score(df, col)} (1 = highest) within each {within}",
                               column=f"_{col}_matches_score", value_set=[True]))
    if present(df, "region_code", "year"):
        exps.append(expect("ExpectCompoundColumnsToBeUnique", "one index row per region and year",
                           column_list=["region_code", "year"]))
    key = _region_key(df)
    if key:
        exps.append(expect("ExpectColumnValuesToBeInSet", "region codes are Kemendagri kabupaten/kota codes",
                           column=key, value_set=region_codes()))
    if present(df, "year"):
        exps.append(expect("ExpectColumnValuesToBeBetween", "years are not in the future", column="year",
                           min_value=FIRST_YEAR, max_value=current_year()))
    exps += _participation_expectations(df)
    return exps


# --- fct_data_completeness -----------------------------------------------------------------------------

COMPLETENESS_THRESHOLD = 0.5  # share of expected values present, below which a warning is recorded


def build_data_completeness(df) -> list:
    exps = []
    for col in df.columns:
        name = col.lower()
        if not re.search(r"complete|coverage|share_present", name) or name.endswith("_change"):
            continue
        if not str(df[col].dtype).lower().startswith(("float", "int", "uint", "decimal")):
            continue
        top = 100.0 if re.search(r"pct|percent", name) else 1.0
        exps.append(expect("ExpectColumnValuesToBeBetween", f"{col} is a share between 0 and {top:g}",
                           column=col, min_value=0, max_value=top))
        exps.append(expect("ExpectColumnValuesToBeBetween",
                           f"{col} is at least {COMPLETENESS_THRESHOLD * top:g} (completeness threshold)",
                           severity=WARNING, column=col, min_value=COMPLETENESS_THRESHOLD * top,
                           mostly=0.9))
    if "is_stale" in df.columns:
        exps.append(expect("ExpectColumnValuesToBeInSet",
                           "at least half of the region/source/year rows are fresh (is_stale false)",
                           severity=WARNING, column="is_stale", value_set=[False], mostly=0.5))
    if not exps:
        exps.append(expect("ExpectTableRowCountToBeBetween", "the completeness table is not empty",
                           severity=WARNING, min_value=1))
    return exps


# --- fct_program_progress: plausibility of program data (warnings: real data may have reasons) ----------

DONE_MIN_REALISATION_PCT = 50      # a program marked selesai (done) spent at least half its budget
MASTERPLAN_MAX_YEARLY_BUDGETS = 10  # a region's masterplan costs at most this many yearly smart city budgets


def prepare_program_progress(df):
    """Derived columns: `_delayed_below_running` (per system, delayed programs realise less of their budget
    than running ones, by median), `_quickwin_one_dimension` (a quick-win name is used in one dimension per
    region), `_masterplan_to_yearly_budget` (the region's masterplan budget / its yearly smart city budget)."""
    import pandas as pd

    df = df.copy()
    if not {"item_type", "status", "realisation_pct"} <= set(df.columns):
        return df
    programs = df["item_type"] == "masterplan_program"
    medians = (df[programs].groupby(["system", "status"])["realisation_pct"].median().unstack()
               if "system" in df.columns else pd.DataFrame())
    ok = {}
    for system, row in medians.iterrows():
        delayed, running = row.get("tertunda"), row.get("berjalan")
        ok[system] = bool(pd.isna(delayed) or pd.isna(running) or delayed < running)
    df["_delayed_below_running"] = df["system"].map(ok).fillna(True).astype(bool) if ok else True
    if {"region_code", "item_name", "dimension"} <= set(df.columns):
        qw = df["item_type"] == "quick_win"
        dims = df[qw].groupby(["region_code", "item_name"])["dimension"].transform("nunique")
        df["_quickwin_one_dimension"] = (dims.reindex(df.index).fillna(1) <= 1).astype(bool)
    if {"region_code", "budget_idr", "region_yearly_budget_idr"} <= set(df.columns):
        total = df[programs].groupby("region_code")["budget_idr"].sum()
        ratio = df["region_code"].map(total) / df["region_yearly_budget_idr"]
        df["_masterplan_to_yearly_budget"] = ratio.where(programs).astype(float)
    return df


def build_program_progress(df) -> list:
    exps = []
    if {"status", "realisation_pct"} <= set(df.columns):
        exps.append(expect("ExpectColumnValuesToBeBetween",
                           f"programs marked selesai realised at least {DONE_MIN_REALISATION_PCT}% of their budget",
                           severity=WARNING, column="realisation_pct", min_value=DONE_MIN_REALISATION_PCT,
                           row_condition=equals("status", "selesai"), mostly=0.95))
    if "_delayed_below_running" in df.columns:
        exps.append(expect("ExpectColumnValuesToBeInSet",
                           "delayed (tertunda) programs realise less of their budget than running ones",
                           severity=WARNING, column="_delayed_below_running", value_set=[True]))
    if "_quickwin_one_dimension" in df.columns:
        exps.append(expect("ExpectColumnValuesToBeInSet",
                           "a quick-win name is used in one dimension per region",
                           severity=WARNING, column="_quickwin_one_dimension", value_set=[True], mostly=0.95))
    if "_masterplan_to_yearly_budget" in df.columns:
        exps.append(expect("ExpectColumnValuesToBeBetween",
                           f"a region's masterplan budget is at most {MASTERPLAN_MAX_YEARLY_BUDGETS}x its yearly"
                           " smart city budget (PG06)", severity=WARNING, column="_masterplan_to_yearly_budget",
                           min_value=0, max_value=MASTERPLAN_MAX_YEARLY_BUDGETS, mostly=0.95))
    return exps


def specs(tables: set[str]) -> list[TableSpec]:
    """The mart specs for the tables present in `marts` (names without schema)."""
    out = [TableSpec(SUITE, "marts.dim_region", build_dim_region, index_columns=["region_code", "region_name"]),
           TableSpec(SUITE, "marts.fct_indicator_value", build_fct_indicator_value,
                     index_columns=["region_code", "indicator_code", "year"])]
    if "fct_smart_city_index" in tables:
        out.append(TableSpec(SUITE, "marts.fct_smart_city_index", build_smart_city_index,
                             index_columns=["region_code", "year", "province_code", "peer_group", "cohort_year",
                                            "indicator_index", "indicator_rank_national",
                                            "evaluation_index", "evaluation_rank_national"],
                             prepare=prepare_smart_city_index))
    if "fct_program_progress" in tables:
        out.append(TableSpec(SUITE, "marts.fct_program_progress", build_program_progress,
                             index_columns=["region_code", "system", "item_type", "item_id", "status"],
                             prepare=prepare_program_progress))
    if "fct_data_completeness" in tables:
        out.append(TableSpec(SUITE, "marts.fct_data_completeness", build_data_completeness,
                             index_columns=["region_code", "source", "year"]))
    for name in sorted(tables):
        if re.search(r"particip|peserta|cohort", name):
            out.append(TableSpec(SUITE, f"marts.{name}", build_participation,
                                 index_columns=["region_code", "year", "participation_status"]))
    return out
