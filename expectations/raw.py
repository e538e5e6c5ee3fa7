"""Raw-boundary suites, per source, over the landing zone's Parquet partitions (docs/contracts.md).

What they catch before dbt sees the data: schema drift (columns and types), unknown region codes, values
out of range for their unit, negative populations, future years, several values for one key, decimal-comma
strings that were not converted, and a row count that dropped by more than 25 % since the previous run
(an empty extraction) - the previous count comes from a small JSON state file written after a passing audit."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from expectations.spec import WARNING, TableSpec, current_year, expect, is_in, is_null, present
from smartcity_base import reference

ROW_COUNT_TOLERANCE = 0.25
FIRST_YEAR = 1900
DECIMAL_COMMA = r"^\s*[-+]?\d{1,3}(?:\.\d{3})*,\d+\s*$|^\s*[-+]?\d+,\d+\s*$"
FILE_COLUMN = "_file"
DERIVED_BPS = ["_region_code", "_unit_kind"]  # added by prepare_bps

def _landing_columns(schema) -> list[str]:
    from extractors.landing import META_FIELDS

    return list(schema.names) + [f.name for f in META_FIELDS]


# The extractor's schema is the contract: one definition, checked here.
BPS_COLUMNS = _landing_columns(__import__("extractors.bps", fromlist=["OBSERVATION_SCHEMA"]).OBSERVATION_SCHEMA)
CKAN_COLUMNS = ["portal", "package_id", "name", "title", "organization_name", "organization_title",
                "metadata_created", "metadata_modified", "num_resources", "resources_json", "_manifest_id",
                "_extracted_at"]

# dataset -> (glob under the raw dir, spec factory)
DATASETS = {
    "bps/observations": "bps/observations/domain=*/var=*/data.parquet",
    "ckan/packages": "ckan/packages/portal=*/batch=*/data.parquet",
    "spreadsheet/values": "spreadsheet/*/file=*/data.parquet",
    "regency/budget_realisation": "regency/budget_realisation/system=*/data.parquet",
}
# An amount as a regency system writes it: plain ("1234567.89") or Indonesian ("1.234.567,89").
AMOUNT = r"^\s*[-+]?(\d+(\.\d+)?|\d{1,3}(\.\d{3})+(,\d+)?|\d+,\d+)\s*$"


@lru_cache(maxsize=None)
def _region_lookup() -> tuple[dict[str, str], dict[str, str], set[str]]:
    """(BPS kab/kota code -> Kemendagri code, normalised BPS/Kemendagri name -> code when unambiguous,
    codes of non-kab/kota areas BPS also reports: provinces `PP`, `PP00` and Indonesia `0000`/`9999`)."""
    bps = dict(reference.bps_to_kemendagri())
    names: dict[str, set[str]] = {}
    for r in reference.regions():
        kind = "kota" if r["jenis"].lower() == "kota" else "kab"
        for name in (r["nama"], r["nama_bps_2018"]):
            if name:
                label = reference.normalise_name(name)
                names.setdefault(f"{kind}:{label}", set()).add(r["kode_kemendagri"])
                names.setdefault(label, set()).add(r["kode_kemendagri"])
    unique = {k: next(iter(v)) for k, v in names.items() if len(v) == 1}
    areas = {"0000", "9999"}
    for p in reference.provinces():
        for code in (p["kode_provinsi"], p.get("kode_bps_2018", "")):
            if code:
                areas |= {code, f"{code}00"}
    return bps, unique, areas


def resolve_bps_region(vervar_id, vervar_label) -> str | None:
    """Kemendagri code for a BPS vervar (a BPS code, or a local id with the region's name as label);
    "area" for province/national aggregates; None when the region is unknown."""
    bps, names, areas = _region_lookup()
    code = "" if vervar_id is None else re.sub(r"\.0$", "", str(vervar_id)).strip()
    if code in bps:
        return bps[code]
    if code.zfill(4) in areas or code in areas:
        return "area"
    label = str(vervar_label or "")
    if label.strip().upper() in ("INDONESIA", "NASIONAL"):
        return "area"
    kind = "kota" if re.match(r"\s*kota\b", label, re.I) else "kab"
    norm = reference.normalise_name(label)
    return names.get(f"{kind}:{norm}") or names.get(norm)


GROWTH_LABEL = re.compile(r"\b(laju|pertumbuhan|growth)\b", re.I)


def _unit_kind(unit: str, label: str = "") -> str | None:
    u = (unit or "").strip().lower()
    if GROWTH_LABEL.search(label or ""):
        return "growth"  # a growth rate is a percentage that can be negative
    if u in ("%", "persen", "percent") or u.startswith(("persen", "%")):
        return "percent"
    if u.startswith(("jiwa", "orang", "penduduk", "ribu jiwa", "ribu orang")):
        return "population"
    if u.startswith(("skor", "indeks 0-5")):
        return "score"
    return None


def prepare_bps(df):
    df = df.copy()
    if present(df, "vervar_id", "vervar_label"):
        pairs = df[["vervar_id", "vervar_label"]].drop_duplicates()
        mapping = {(a, b): resolve_bps_region(a, b) for a, b in pairs.itertuples(index=False)}
        df["_region_code"] = [mapping[(a, b)] for a, b in zip(df["vervar_id"], df["vervar_label"], strict=True)]
    if "unit" in df.columns:
        labels = df["var_label"] if "var_label" in df.columns else [""] * len(df)
        df["_unit_kind"] = [_unit_kind(u, lab) for u, lab in zip(df["unit"], labels, strict=True)]
    return df


def build_bps(df, previous_count: int | None = None) -> list:
    exps = [expect("ExpectTableColumnsToMatchSet",
                   "the BPS observation files have exactly the landing-zone columns (no renamed or extra column)",
                   column_set=BPS_COLUMNS + [FILE_COLUMN] + [c for c in DERIVED_BPS if c in df.columns],
                   exact_match=True)]
    exps += _row_count(df, previous_count, "BPS observations")
    if "value" in df.columns:
        exps.append(expect("ExpectColumnValuesToBeInTypeList", "value is numeric (DOUBLE)", column="value",
                           type_list=["float64", "Float64", "float32", "double"]))
    if "year" in df.columns:
        exps.append(expect("ExpectColumnValuesToBeInTypeList", "year is an integer", column="year",
                           type_list=["int16", "int32", "int64", "Int16", "Int32", "Int64", "uint16", "uint32"]))
        exps.append(expect("ExpectColumnValuesToBeBetween",
                           f"years are between {FIRST_YEAR} and this year (none in the future)",
                           column="year", min_value=FIRST_YEAR, max_value=current_year()))
    if "_region_code" in df.columns:
        exps.append(expect("ExpectColumnValuesToNotBeNull",
                           "every vervar is a known BPS region code (or a region name BPS uses)",
                           column="_region_code"))
    key = [c for c in ("domain_id", "var_id", "vervar_id", "turvar_id", "year", "turtahun_id") if c in df.columns]
    if len(key) >= 3:
        exps.append(expect("ExpectCompoundColumnsToBeUnique",
                           "one value per domain, variable, vervar, turvar, year and period",
                           column_list=key))
    if present(df, "value", "_unit_kind"):
        kinds = set(df["_unit_kind"].dropna().unique())
        if "percent" in kinds:
            exps.append(expect("ExpectColumnValuesToBeBetween", "percentages are between 0 and 100",
                               column="value", min_value=0, max_value=100,
                               row_condition=is_in("_unit_kind", ["percent"])))
        if "population" in kinds:
            exps.append(expect("ExpectColumnValuesToBeBetween", "populations are greater than zero",
                               column="value", min_value=0, strict_min=True,
                               row_condition=is_in("_unit_kind", ["population"])))
        if "score" in kinds:
            exps.append(expect("ExpectColumnValuesToBeBetween", "scores are between 0 and 5",
                               column="value", min_value=0, max_value=5,
                               row_condition=is_in("_unit_kind", ["score"])))
    if present(df, "value", "value_raw"):
        exps.append(expect("ExpectColumnValuesToNotMatchRegex",
                           "no decimal-comma number left unparsed (value_raw like '1.234,56' with an empty value)",
                           column="value_raw", regex=DECIMAL_COMMA, row_condition=is_null("value")))
    if "value" in df.columns and str(df["value"].dtype) in ("object", "string", "str"):
        exps.append(expect("ExpectColumnValuesToNotMatchRegex", "no decimal-comma strings in the value column",
                           column="value", regex=DECIMAL_COMMA))
    if "_manifest_id" in df.columns:
        exps.append(expect("ExpectColumnValuesToNotBeNull", "every row carries its manifest id",
                           column="_manifest_id"))
    return exps


def build_ckan(df, previous_count: int | None = None) -> list:
    exps = [expect("ExpectTableColumnsToMatchSet", "the CKAN package files have the landing-zone columns",
                   column_set=CKAN_COLUMNS + [FILE_COLUMN], exact_match=False)]
    exps += _row_count(df, previous_count, "CKAN packages")
    if present(df, "portal", "package_id"):
        exps.append(expect("ExpectColumnValuesToNotBeNull", "every package has an id", column="package_id"))
        exps.append(expect("ExpectCompoundColumnsToBeUnique", "one row per portal and package (per batch)",
                           column_list=[c for c in ("portal", "package_id", FILE_COLUMN) if c in df.columns]))
    if "num_resources" in df.columns:
        if str(df["num_resources"].dtype) in ("object", "string", "str"):
            exps.append(expect("ExpectColumnValuesToMatchRegex", "num_resources holds whole numbers",
                               column="num_resources", regex=r"^\s*\d+\s*$"))
        else:
            exps.append(expect("ExpectColumnValuesToBeBetween", "num_resources is not negative",
                               column="num_resources", min_value=0))
    if "metadata_modified" in df.columns:
        exps.append(expect("ExpectColumnValuesToMatchRegex", "metadata_modified is an ISO timestamp",
                           severity=WARNING, column="metadata_modified", regex=r"^\d{4}-\d{2}-\d{2}"))
        exps.append(expect("ExpectColumnValuesToBeBetween", "metadata_modified is not in the future",
                           column="_modified_year", min_value=1990, max_value=current_year()))
    return exps


def prepare_ckan(df):
    df = df.copy()
    if "metadata_modified" in df.columns:
        df["_modified_year"] = df["metadata_modified"].astype("string").str.slice(0, 4).str.extract(
            r"^(\d{4})$", expand=False).astype("Float64")
    return df


def build_spreadsheet(df, previous_count: int | None = None) -> list:
    """Rows of the spreadsheet drops after the extractor's own quarantine: what slipped through."""
    exps = _row_count(df, previous_count, "spreadsheet values")
    if "region_code" in df.columns:
        exps.append(expect("ExpectColumnValuesToBeInSet", "spreadsheet regions are known Kemendagri codes",
                           column="region_code", value_set=sorted(known_region_codes())))
    if "year" in df.columns:
        exps.append(expect("ExpectColumnValuesToNotBeNull", "every spreadsheet value has a year", column="year"))
        exps.append(expect("ExpectColumnValuesToBeBetween", "spreadsheet years are not in the future",
                           column="year", min_value=FIRST_YEAR, max_value=current_year()))
    if present(df, "value", "_unit_kind"):
        exps.append(expect("ExpectColumnValuesToBeBetween", "spreadsheet percentages are between 0 and 100",
                           column="value", min_value=0, max_value=100,
                           row_condition=is_in("_unit_kind", ["percent"])))
    key = [c for c in ("region_code", "indicator_code", "measure", "year", FILE_COLUMN) if c in df.columns]
    if len(key) >= 4:
        exps.append(expect("ExpectCompoundColumnsToBeUnique", "one value per region, indicator, measure and year",
                           severity=WARNING, column_list=key))
    return exps


def prepare_spreadsheet(df):
    df = df.copy()
    if "indicator_code" in df.columns:
        units = {r["kode"]: _unit_kind(r["satuan"], r["name_en"]) for r in reference.indicators()}
        df["_unit_kind"] = df["indicator_code"].map(units)
    return df


def build_regency_budget(df, previous_count: int | None = None) -> list:
    exps = _row_count(df, previous_count, "regency budget lines")
    if present(df, "system", "id"):
        exps.append(expect("ExpectCompoundColumnsToBeUnique", "one budget line per system and id",
                           column_list=["system", "id"]))
    for column in ("budget_idr", "realisation_idr"):
        if column in df.columns:
            exps.append(expect("ExpectColumnValuesToMatchRegex", f"{column} is an amount (plain or Indonesian)",
                               column=column, regex=AMOUNT))
    if "updated_at" in df.columns:
        exps.append(expect("ExpectColumnValuesToNotBeNull", "every budget line has updated_at (the cursor)",
                           column="updated_at"))
    return exps


def known_region_codes() -> set[str]:
    """Current Kemendagri codes and the pre-2022 codes that map onto them."""
    return {r["kode_kemendagri"] for r in reference.regions()} | set(reference.old_to_current_code())


def _row_count(df, previous_count: int | None, what: str) -> list:
    exps = [expect("ExpectTableRowCountToBeBetween", f"the {what} are not empty", min_value=1)]
    if previous_count:
        low = int(previous_count * (1 - ROW_COUNT_TOLERANCE))
        high = int(previous_count * (1 + ROW_COUNT_TOLERANCE)) + 1
        exps.append(expect("ExpectTableRowCountToBeBetween",
                           f"the {what} did not drop by more than 25 % since the previous run ({previous_count} rows)",
                           min_value=low))
        exps.append(expect("ExpectTableRowCountToBeBetween",
                           f"the {what} did not grow by more than 25 % since the previous run ({previous_count} rows)",
                           severity=WARNING, max_value=high))
    return exps


def specs(previous_counts: dict[str, int]) -> dict[str, TableSpec]:
    return {
        "bps/observations": TableSpec(
            "raw_bps", "bps/observations", lambda df: build_bps(df, previous_counts.get("bps/observations")),
            index_columns=["domain_id", "var_id", "vervar_id", "vervar_label", "year", FILE_COLUMN],
            prepare=prepare_bps),
        "ckan/packages": TableSpec(
            "raw_ckan", "ckan/packages", lambda df: build_ckan(df, previous_counts.get("ckan/packages")),
            index_columns=["portal", "package_id", FILE_COLUMN], prepare=prepare_ckan),
        "spreadsheet/values": TableSpec(
            "raw_spreadsheet", "spreadsheet/values",
            lambda df: build_spreadsheet(df, previous_counts.get("spreadsheet/values")),
            index_columns=["region_name", "region_code", "indicator_code", "year", FILE_COLUMN],
            prepare=prepare_spreadsheet),
        "regency/budget_realisation": TableSpec(
            "raw_regency", "regency/budget_realisation",
            lambda df: build_regency_budget(df, previous_counts.get("regency/budget_realisation")),
            index_columns=["system", "id", "region_code", FILE_COLUMN]),
    }


def read_dataset(raw_dir: Path, dataset: str):
    """All partitions of a landing dataset as one DataFrame (columns unioned by name, `_file` added), or
    None when the dataset has no partition. Read through an in-memory DuckDB (no lock on any file)."""
    import duckdb

    raw_dir = Path(raw_dir)
    pattern = DATASETS[dataset]
    files = sorted(p for p in raw_dir.glob(pattern) if ".staging" not in p.parts)
    if not files:
        return None
    con = duckdb.connect()
    try:
        rel = con.execute(
            "select * exclude (filename), filename as _file from read_parquet(?, union_by_name = true, "
            "filename = true, hive_partitioning = false)", [[str(f) for f in files]])
        df = rel.df()
    finally:
        con.close()
    prefix = str(raw_dir) + "/"
    df[FILE_COLUMN] = df[FILE_COLUMN].str.replace(prefix, "", regex=False)
    return df
