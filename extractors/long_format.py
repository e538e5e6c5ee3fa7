"""Long-format tables: one indicator per CSV, one row per region x year, as Open Data Jabar and several
city portals publish them:

    id,kode_provinsi,nama_provinsi,kode_kabupaten_kota,nama_kabupaten_kota,<value column>,satuan,tahun

Recognised by the header alone (a year column, a region column by code or by name, one value column,
optionally a unit and a province column), so no data row is taken for a header. Region codes are read
as Kemendagri ('32.01', '3201') or BPS ('3201') codes with the row's province as context; when the two
readings name different regions, the name column decides, else the row is quarantined."""
from __future__ import annotations

import re
from dataclasses import dataclass

from extractors import numbers, regions
from extractors.numbers import parse_number, parse_year, strip_footnote
from smartcity_base import reference


def _key(label) -> str:
    return "_".join(re.sub(r"[^a-z0-9]+", " ", str(label or "").lower()).split())


_YEAR = {"tahun", "year", "tahun_data", "periode_tahun"}
_UNIT = {"satuan", "unit", "satuan_indikator"}
_ID = {"id", "no", "nomor", "_id"}
_PROVINCE_CODE = re.compile(r"^(kode|kd|id)_(provinsi|prov)$")
_PROVINCE_NAME = re.compile(r"^(nama_)?(provinsi|prov)$")
_REGION_CODE = re.compile(r"^(kode|kd|bps_kode|kemendagri_kode)_(kabupaten_kota|kab_kota|kabupaten|kota|"
                          r"wilayah|kab)$")
_REGION_NAME = re.compile(r"^(nama_)?(kabupaten_kota|kab_kota|kabupaten|kota|wilayah|kab)$")


@dataclass
class LongLayout:
    header_row: int
    year_col: int
    value_col: int
    value_label: str
    region_code_col: int | None
    region_name_col: int | None
    province_code_col: int | None
    unit_col: int | None


def detect(rows: list[list]) -> LongLayout | None:
    """The long layout when the first non-blank row is such a header, else None (a wide table)."""
    r = next((i for i, row in enumerate(rows[:10]) if any(str(v or "").strip() for v in row)), None)
    if r is None:
        return None
    keys = [_key(v) for v in rows[r]]
    named = [k for k in keys if k]
    if len(named) != len(set(named)) or any(parse_year(v) for v in rows[r]):
        return None  # a merged (repeated) or year-column header: a wide table
    find = lambda test: next((c for c, k in enumerate(keys) if test(k)), None)  # noqa: E731
    year = find(lambda k: k in _YEAR)
    code = find(lambda k: bool(_REGION_CODE.match(k)))
    name = find(lambda k: bool(_REGION_NAME.match(k)))
    if year is None or (code is None and name is None):
        return None
    used = {year, code, name, find(lambda k: k in _UNIT), find(lambda k: k in _ID),
            find(lambda k: bool(_PROVINCE_CODE.match(k))), find(lambda k: bool(_PROVINCE_NAME.match(k)))}
    values = [c for c, k in enumerate(keys) if k and c not in used]
    if len(values) != 1:
        return None
    return LongLayout(r, year, values[0], str(rows[r][values[0]]).strip(), code, name,
                      find(lambda k: bool(_PROVINCE_CODE.match(k))), find(lambda k: k in _UNIT))


def _digits(code) -> str:
    text = str(code or "").strip()
    if re.fullmatch(r"\d+\.0", text):  # a spreadsheet's float
        text = text[:-2]
    return text


def resolve_code(code, province: str | None = None, name: str | None = None) -> regions.Match:
    """A kab/kota code read as Kemendagri ('32.01' or '3201') and as BPS ('3201'), within `province`."""
    text = _digits(code)
    if not text:
        return regions.Match(None, "empty region code")
    by_kemendagri = {r["kode_kemendagri"]: r for r in reference.regions()}
    readings: dict[str, str] = {}
    if re.fullmatch(r"\d{2}\.\d{2}", text):
        if text in by_kemendagri:
            readings["kemendagri"] = text
    elif re.fullmatch(r"\d{4}", text):
        if f"{text[:2]}.{text[2:]}" in by_kemendagri:
            readings["kemendagri"] = f"{text[:2]}.{text[2:]}"
        if regions.bps_code_to_kemendagri(text):
            readings["bps"] = regions.bps_code_to_kemendagri(text)
    else:
        return regions.Match(None, f"not a kab/kota code {text!r}")
    province = _digits(province)
    if province:  # the row's province is context: a reading outside it is not this region
        readings = {k: v for k, v in readings.items() if v.startswith(province + ".")
                    or by_kemendagri[v]["kode_bps_2018"].startswith(province)}
    codes = set(readings.values())
    if len(codes) == 1:
        return regions.Match(codes.pop())
    if not codes:
        return regions.Match(None, f"unknown region code {text!r}" + (f" in province {province}" if province else ""))
    by_name = regions.match_region(name) if name else regions.Match(None, "")
    if by_name.code in codes:
        return by_name
    return regions.Match(None, f"ambiguous region code {text!r}: Kemendagri {readings['kemendagri']}, "
                               f"BPS {readings['bps']}" + (f"; name {name!r} decides neither" if name else ""))


def tidy(rows: list[list], layout: LongLayout, *, sheet: str, source_file: str, indicator_code: str | None,
         title: str = "", declared_locale: str | None = None) -> tuple[list[dict], list[dict], dict]:
    """(good rows, quarantined rows, the number-locale decision)."""
    from extractors.spreadsheet import _official_name, _text, match_indicator

    label = layout.value_label
    code = indicator_code or match_indicator(label.replace("_", " ")) or match_indicator(title)
    body = [(r, row) for r, row in enumerate(rows) if r > layout.header_row and any(_text(v) for v in row)]
    cell = lambda row, c: _text(row[c]) if c is not None and c < len(row) else ""  # noqa: E731
    catalogue_unit = next((i["satuan"] for i in reference.indicators() if i["kode"] == code), None)
    decision = numbers.decide_locale([row[layout.value_col] if layout.value_col < len(row) else None
                                      for _, row in body],
                                     units=[cell(row, layout.unit_col) or catalogue_unit for _, row in body],
                                     declared=declared_locale)
    good, bad = [], []
    for r, row in body:
        raw = row[layout.value_col] if layout.value_col < len(row) else None
        name = strip_footnote(cell(row, layout.region_name_col)) or None
        province = cell(row, layout.province_code_col) or None
        if layout.region_code_col is not None and cell(row, layout.region_code_col):
            match = resolve_code(cell(row, layout.region_code_col), province, name)
        else:
            match = regions.match_region(name, province=_digits(province) or None)
        year = parse_year(row[layout.year_col]) if layout.year_col < len(row) else None
        parsed = parse_number(raw, decision.locale)
        text = _text(raw)
        record = {"source_file": source_file, "sheet": sheet, "source_row": r + 1,
                  "region_name": name or _official_name(match.code), "region_code": match.code,
                  "indicator_code": code, "measure": None, "year": year, "value": parsed.value,
                  "value_raw": text, "value_missing": parsed.status == "missing", "indicator_label": label,
                  "unit": cell(row, layout.unit_col) or None}
        reason = match.reason if not match.code else None
        reason = reason or (f"unknown indicator {label!r}" if not code else None) \
            or (f"no year in column {layout.year_col + 1} "
                f"({_text(row[layout.year_col]) if layout.year_col < len(row) else ''!r})"
                if not year else None) \
            or (decision.evidence if decision.ambiguous and numbers.value_evidence(raw) else None) \
            or (f"unparseable value {text!r}" if parsed.status == "invalid" else None)
        (bad if reason else good).append({**record, "reason": reason} if reason else record)
    return good, bad, decision.to_dict()
