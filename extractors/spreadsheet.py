"""Spreadsheet drops (XLSX and CSV) as regional offices make them: a title row, merged multi-row headers,
Indonesian numbers, UTF-8 or Windows-1252, one column per year, footnote digits glued to labels, region
names instead of codes. Each file becomes tidy rows (region_name, region_code, indicator_code, year, value);
rows that cannot be resolved go to quarantine with the reason, good rows land.

Two layouts are recognised: one row per region (a region column; the indicator named in the title, the
file name or an indicator column) and one row per indicator (an indicator column; the region named in the
title or file name)."""
from __future__ import annotations

import codecs
import csv
import io
import os
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
from openpyxl.utils.cell import range_boundaries
import pyarrow as pa
import pyarrow.parquet as pq

from extractors import landing, numbers, regions
from extractors.errors import SpreadsheetError
from extractors.numbers import parse_number, parse_year, strip_footnote
from extractors.secrets import get_logger, redact
from smartcity_base import reference

log = get_logger(__name__)

SOURCE = "spreadsheet"
SUFFIXES = {".xlsx", ".xlsm", ".csv", ".txt"}
TIDY_SCHEMA = pa.schema([
    ("region_name", pa.string()), ("region_code", pa.string()), ("indicator_code", pa.string()),
    ("measure", pa.string()), ("year", pa.int32()), ("value", pa.float64()), ("value_raw", pa.string()),
    ("value_missing", pa.bool_()),
    ("indicator_label", pa.string()), ("unit", pa.string()), ("source_file", pa.string()),
    ("sheet", pa.string()), ("source_row", pa.int32()),
])
_REGION_HEADER = re.compile(r"kabupaten|kota|wilayah|daerah|region|kab\b", re.IGNORECASE)
_INDICATOR_HEADER = re.compile(r"indikator|indicator|uraian", re.IGNORECASE)
_UNIT_HEADER = re.compile(r"^(satuan|unit)\b", re.IGNORECASE)
_CODE = re.compile(r"\b(PG|SG|SB|SE|SL|SS|SN)\d{2}\b")
_TOTAL_ROW = re.compile(r"^(jumlah|total|provinsi|rata-rata|rata rata)\b", re.IGNORECASE)


# --- reading ------------------------------------------------------------------------------------------
@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]  # merged ranges filled with their top-left value
    merged_rows: set[int] = field(default_factory=set)  # rows touched by a horizontal merge


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252: the two encodings drops come in. A file pasted
    together from both is decoded line by line (decoding it whole as cp1252 would turn every UTF-8
    'é' into 'Ã©')."""
    try:
        return codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError:
        pass
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    lines, kinds = [], set()
    for line in data.splitlines(keepends=True):
        try:
            lines.append(line.decode("utf-8"))
            kinds.add("utf-8" if not line.isascii() else "ascii")
        except UnicodeDecodeError:
            lines.append(line.decode("cp1252", errors="replace"))
            kinds.add("cp1252")
    if {"utf-8", "cp1252"} <= kinds:
        log.warning("a drop file mixes UTF-8 and Windows-1252 lines; decoded line by line")
    return "".join(lines)


def read_csv(path: Path) -> list[Sheet]:
    text = decode_text(path.read_bytes())
    rows = [list(r) for r in csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text))]
    return [Sheet(landing.valid_utf8(path.stem), rows)]


def sniff_delimiter(text: str) -> str:
    """The separator that splits most lines into the same number of fields. csv.Sniffer is thrown off by
    title lines above the table and by decimal commas inside ';'-separated files."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    best, best_score = ",", (0, 0)
    for delim in (";", ",", "\t", "|"):
        counts = Counter(line.count(delim) for line in lines)
        counts.pop(0, None)
        if counts:
            count, freq = counts.most_common(1)[0]
            if (freq, count) > best_score:
                best, best_score = delim, (freq, count)
    return best


# XLSX bombs: a 1.6 KB file with one cell at XFD1048576 or a merged range C3:XFD1048576 makes openpyxl
# iterate ~17 billion cells. Real drops are a few thousand cells; these caps are checked before openpyxl
# reads a sheet (zip sizes, cell and merged-cell counts from a streaming pass over the sheet XML).
MAX_XLSX_UNCOMPRESSED = int(os.environ.get("SMARTCITY_XLSX_MAX_UNCOMPRESSED", 256 * 1024 * 1024))
MAX_CELLS = int(os.environ.get("SMARTCITY_XLSX_MAX_CELLS", 2_000_000))
MAX_MERGED_CELLS = int(os.environ.get("SMARTCITY_XLSX_MAX_MERGED_CELLS", 1_000_000))


def check_xlsx_limits(path: Path) -> None:
    """Refuse a workbook whose parts would expand beyond the caps, before openpyxl builds any cell."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SpreadsheetError(f"{path.name}: not a readable XLSX workbook ({type(exc).__name__})") from None
    with archive:
        total = sum(info.file_size for info in archive.infolist())
        if total > MAX_XLSX_UNCOMPRESSED:
            raise SpreadsheetError(f"{path.name}: expands to {total} bytes, cap is {MAX_XLSX_UNCOMPRESSED} "
                                   "(a zip bomb?)")
        for info in archive.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            cells = merged = 0
            try:
                with archive.open(info) as fh:
                    for _, elem in ElementTree.iterparse(fh):
                        tag = elem.tag.rpartition("}")[2]
                        if tag == "c":
                            cells += 1
                        elif tag == "mergeCell":
                            merged += _range_area(elem.get("ref") or "")
                        if tag in ("c", "row", "mergeCell"):
                            elem.clear()
                        if cells > MAX_CELLS or merged > MAX_MERGED_CELLS:
                            break
            except ElementTree.ParseError as exc:
                raise SpreadsheetError(f"{path.name}: {info.filename} is not well-formed XML ({exc})") from None
            sheet = info.filename.rsplit("/", 1)[1]
            if cells > MAX_CELLS:
                raise SpreadsheetError(f"{path.name}: {sheet} has more than {MAX_CELLS} cells (an XLSX bomb?)")
            if merged > MAX_MERGED_CELLS:
                raise SpreadsheetError(f"{path.name}: {sheet} merges more than {MAX_MERGED_CELLS} cells "
                                       "(an XLSX bomb?)")


def _range_area(ref: str) -> int:
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
    except (ValueError, TypeError):
        return 0
    return (max_row - min_row + 1) * (max_col - min_col + 1)


def _sheet_rows(ws, path: Path) -> list[list[Any]]:
    """The sheet's values over the bounding box of its non-empty cells only. `iter_rows` walks
    max_row x max_column, which one stray cell at XFD1048576 makes 17 billion."""
    cells = {(r, c): cell.value for (r, c), cell in ws._cells.items() if cell.value not in (None, "")}
    if not cells:
        return []
    max_row = max(r for r, _ in cells)
    max_col = max(c for _, c in cells)
    if max_row * max_col > MAX_CELLS:
        raise SpreadsheetError(f"{path.name}: sheet {ws.title!r} spans {max_row} rows x {max_col} columns, "
                               f"more than {MAX_CELLS} cells (an XLSX bomb?)")
    rows = [[None] * max_col for _ in range(max_row)]
    for (r, c), value in cells.items():
        rows[r - 1][c - 1] = value
    return rows


def read_xlsx(path: Path) -> list[Sheet]:
    check_xlsx_limits(path)
    try:
        # not read_only: merged ranges are only available on full worksheets (drops are small)
        wb = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise SpreadsheetError(f"{path.name}: not a readable XLSX workbook ({type(exc).__name__})") from None
    sheets = []
    for ws in wb.worksheets:
        rows = _sheet_rows(ws, path)
        merged_rows: set[int] = set()
        for rng in ws.merged_cells.ranges:
            value = ws.cell(rng.min_row, rng.min_col).value
            # clipped to the cells that hold data: a range may reach far past them
            for r in range(rng.min_row, min(rng.max_row, len(rows)) + 1):
                if rng.max_col > rng.min_col:
                    merged_rows.add(r - 1)
                for c in range(rng.min_col, min(rng.max_col, len(rows[r - 1])) + 1):
                    rows[r - 1][c - 1] = value
        if any(any(v not in (None, "") for v in row) for row in rows):
            sheets.append(Sheet(ws.title, rows, merged_rows))
    wb.close()
    return sheets


def read_file(path: Path) -> list[Sheet]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    if suffix in (".csv", ".txt"):
        head = path.read_bytes()[:4]
        if head.startswith(b"PK\x03\x04"):  # an XLSX named .csv (format and content disagree)
            return read_xlsx(path)
        return read_csv(path)
    raise SpreadsheetError(f"{path.name}: unsupported file type {suffix!r}")


# --- resolving indicators and regions -----------------------------------------------------------------
def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", str(text).lower()).split())


@lru_cache(maxsize=1)
def _indicator_names() -> list[tuple[str, str]]:
    """(normalised name, code): catalogue names in Indonesian and English, each also without its
    parenthetical ('Persentase penduduk miskin (P0)' -> 'persentase penduduk miskin'), plus the labels
    of the BPS variables that carry catalogue indicators."""
    names: list[tuple[str, str]] = []
    sources = [(r["kode"], r["nama_id"]) for r in reference.indicators()] + \
        [(r["kode"], r["name_en"]) for r in reference.indicators()]
    bps_vars = Path(reference.REFERENCE_DIR).parent / "bps_indicator_variables.csv"
    if bps_vars.exists():
        with open(bps_vars, newline="", encoding="utf-8") as fh:
            sources += [(r["indicator_code"], r["var_label"]) for r in csv.DictReader(fh)]
    for code, name in sources:
        for variant in (name, re.sub(r"\([^)]*\)", " ", name)):
            key = _norm(variant)
            if len(key) >= 6:
                names.append((key, code))
    return sorted(set(names), key=lambda x: -len(x[0]))


def match_indicator(text: str | None) -> str | None:
    """A catalogue code named in free text: an explicit code ('SE03') or the longest catalogue name
    contained in it."""
    if not text:
        return None
    code = _CODE.search(str(text))
    known = {r["kode"] for r in reference.indicators()}
    if code and code.group(0) in known:
        return code.group(0)
    norm = f" {_norm(strip_footnote(str(text)))} "
    for key, code in _indicator_names():  # longest first
        if f" {key} " in norm:
            return code
    return None


def region_in_text(text: str | None) -> regions.Match:
    """The region a title or file name is about ('... Kabupaten Muara Enim 2019-2024')."""
    if not text:
        return regions.Match(None, "no text")
    words = re.sub(r"[_\-]+", " ", str(text)).split()
    for i, word in enumerate(words):
        if regions.split_kind(word + " x")[0] or word.lower().rstrip(".") in ("kab", "kabupaten", "kota"):
            for n in range(4, 0, -1):
                candidate = " ".join(words[i:i + 1 + n])
                cleaned = re.sub(r"[\d,()]+", " ", candidate).strip()
                match = regions.match_region(cleaned)
                if match.code:
                    return match
    return regions.Match(None, "no region named in the title or file name")


# --- layout -------------------------------------------------------------------------------------------
def _text(value) -> str:
    return "" if value is None else " ".join(str(value).split())


@dataclass
class Column:
    """A value column: its year (from the header, else the title) and what it measures."""
    year: int | None
    indicator_code: str | None
    measure: str | None  # evaluation component or smart-city dimension, for PG02/PG03
    label: str


@dataclass
class Layout:
    header_rows: range
    columns: dict[int, Column]
    region_col: int | None
    indicator_col: int | None
    unit_col: int | None
    title: str


@lru_cache(maxsize=1)
def _measures() -> list[tuple[str, str, str]]:
    """(normalised name, indicator code, measure): evaluation components -> PG02, dimensions -> PG03,
    the achievement index -> PG01. From the reference, so a new component needs no code change."""
    out = [(_norm(r["komponen"]), "PG02", r["komponen"]) for r in reference.load("smart_city_evaluasi_komponen")]
    out += [(_norm(d), "PG03", d) for d in dict.fromkeys(r["dimensi"] for r in reference.load("smart_city_dimensi"))]
    out.append(("indeks pencapaian", "PG01", None))
    return sorted(out, key=lambda m: -len(m[0]))


def _is_title(row, sheet: Sheet, r: int) -> bool:
    values = [_text(v) for v in row if _text(v)]
    return len(set(values)) == 1 and (r in sheet.merged_rows or len(values) == 1) and parse_year(values[0]) is None


def _looks_numeric(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) or \
        bool(re.fullmatch(r"\d+\.?", _text(value)))


def detect_layout(sheet: Sheet, file_context: str = "") -> Layout:
    """Title rows (one text cell, merged or alone) and blank rows on top, then the header block: down to a
    row of year cells, or else to the row before the first data row (its first cell a row number)."""
    rows = sheet.rows
    start = 0
    while start < len(rows) and (not any(_text(v) for v in rows[start]) or _is_title(rows[start], sheet, start)):
        start += 1
    title = " ".join(_text(v) for row in rows[:start] for v in dict.fromkeys(row) if _text(v))
    end = None
    for r in range(start, min(len(rows), start + 8)):
        if any(parse_year(v) for v in rows[r]) and not any(_looks_numeric(v) and not parse_year(v)
                                                           for v in rows[r] if v not in (None, "")):
            end = r + 1
            break
    if end is None:
        end = next((r for r in range(start + 1, min(len(rows), start + 8))
                    if rows[r] and _looks_numeric(next((v for v in rows[r] if _text(v)), None))), None)
    if end is None or end <= start:
        raise SpreadsheetError(f"sheet {sheet.name!r}: no header followed by data rows found")
    header = [list(rows[r]) for r in range(start, end)]
    width = max(len(r) for r in header)
    for row in header:
        row.extend([None] * (width - len(row)))
    # CSV has no merged cells: a parent label spans the empty cells to its right that have sub-labels
    for i, row in enumerate(header[:-1]):
        for c in range(1, width):
            if not _text(row[c]) and _text(row[c - 1]) and any(_text(h[c]) for h in header[i + 1:]):
                row[c] = row[c - 1]
    labels = {}
    for c in range(width):
        parts: list[str] = []
        for row in header:
            value = _text(row[c])
            if value and value not in parts:
                parts.append(value)
        labels[c] = " ".join(parts)
    title_year = _title_year(title) or _title_year(file_context)
    region_col = indicator_col = unit_col = None
    columns: dict[int, Column] = {}
    for c, label in labels.items():
        year = next((parse_year(row[c]) for row in header if parse_year(row[c])), None)
        if year:
            columns[c] = Column(year, None, None, label)
        elif region_col is None and _REGION_HEADER.search(label):
            region_col = c
        elif indicator_col is None and _INDICATOR_HEADER.search(label):
            indicator_col = c
        elif unit_col is None and _UNIT_HEADER.search(label):
            unit_col = c
        else:
            norm = f" {_norm(label)} "
            measure = next((m for m in _measures() if f" {m[0]} " in norm), None)
            if measure:
                columns[c] = Column(title_year, measure[1], measure[2], label)
            elif match_indicator(label):
                columns[c] = Column(title_year, match_indicator(label), None, label)
    if not columns:
        raise SpreadsheetError(f"sheet {sheet.name!r}: no year or indicator columns in the header")
    return Layout(range(start, end), columns, region_col, indicator_col, unit_col, title)


def _title_year(text: str) -> int | None:
    years = [int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", text or "")]
    return years[0] if len(years) == 1 or (years and "-" not in text) else None


# --- tidy rows ----------------------------------------------------------------------------------------
def tidy_sheet(sheet: Sheet, source_file: str, *, indicator_code: str | None = None,
               file_context: str = "", declared_locale: str | None = None,
               decisions: dict | None = None) -> tuple[list[dict], list[dict]]:
    """(good rows, quarantined rows with a `reason`). The number-locale decision of the sheet (from its
    values, units and `declared_locale`) is added to `decisions` under the sheet name."""
    from extractors import long_format

    long = long_format.detect(sheet.rows)
    if long is not None:
        good, bad, decision = long_format.tidy(sheet.rows, long, sheet=sheet.name, source_file=source_file,
                                               indicator_code=indicator_code, title=file_context,
                                               declared_locale=declared_locale)
        if decisions is not None:
            decisions[sheet.name] = {**decision, "layout": "long", "value_column": long.value_label}
        return good, bad
    layout = detect_layout(sheet, file_context)
    context = f"{layout.title} {file_context}"
    header_text = " ".join(_text(sheet.rows[r][c]) for r in layout.header_rows
                           for c in range(len(sheet.rows[r])) if c not in layout.columns)
    file_indicator = indicator_code or match_indicator(context) or match_indicator(header_text)
    file_region = region_in_text(context) if layout.region_col is None else None
    decision = _sheet_locale(sheet, layout, indicator_code or file_indicator, declared_locale)
    if decisions is not None:
        decisions[sheet.name] = {**decision.to_dict(), "layout": "wide"}
    good, bad = [], []
    for r in range(layout.header_rows.stop, len(sheet.rows)):
        row = sheet.rows[r]
        cells = [_text(v) for v in row]
        if not any(cells):
            continue
        if not [c for c in layout.columns if c < len(row) and _text(row[c])]:
            continue  # footnotes ("Sumber: ...", "1) Nilai setelah masa sanggah"), section labels
        base = {"source_file": source_file, "sheet": sheet.name, "source_row": r + 1}
        if layout.region_col is not None:
            region_name = strip_footnote(cells[layout.region_col]) if layout.region_col < len(cells) else ""
            if _TOTAL_ROW.match(region_name):
                continue  # province totals are not a kabupaten/kota
            match = regions.match_region(region_name)
        else:
            region_name = None
            match = file_region or regions.Match(None, "no region")
        label = strip_footnote(cells[layout.indicator_col]) if layout.indicator_col is not None else None
        row_indicator = match_indicator(label) if label else None
        unit = cells[layout.unit_col] if layout.unit_col is not None and layout.unit_col < len(cells) else None
        for c, column in layout.columns.items():
            raw = row[c] if c < len(row) else None
            if raw is None or _text(raw) == "":
                continue
            code = column.indicator_code or row_indicator or (None if label else file_indicator)
            parsed = parse_number(raw, decision.locale)
            record = {**base, "region_name": region_name or _official_name(match.code),
                      "region_code": match.code, "indicator_code": code, "measure": column.measure,
                      "year": column.year, "value": parsed.value, "value_raw": _text(raw),
                      "value_missing": parsed.status == "missing", "indicator_label": label or column.label,
                      "unit": unit or None}
            reason = (match.reason if not match.code else None) or \
                (f"unknown indicator {label or layout.title!r}" if not code else None) or \
                ("no year in the header, title or file name" if not column.year else None) or \
                (decision.evidence if decision.ambiguous and numbers.value_evidence(raw) else None) or \
                (f"unparseable value {_text(raw)!r}" if parsed.status == "invalid" else None)
            if reason:
                bad.append({**record, "reason": reason})
            else:
                good.append(record)
    return good, bad


def _unit_of(code: str | None) -> str | None:
    return next((r["satuan"] for r in reference.indicators() if r["kode"] == code), None) if code else None


def _sheet_locale(sheet: Sheet, layout: Layout, file_indicator: str | None,
                  declared: str | None) -> numbers.LocaleDecision:
    """One decimal mark for the sheet's value cells, from all of them (with each cell's unit: the unit
    column, else the catalogue unit of its indicator)."""
    values, units = [], []
    for r in range(layout.header_rows.stop, len(sheet.rows)):
        row = sheet.rows[r]
        unit = _text(row[layout.unit_col]) if layout.unit_col is not None and layout.unit_col < len(row) else ""
        row_code = match_indicator(strip_footnote(_text(row[layout.indicator_col]))) \
            if layout.indicator_col is not None and layout.indicator_col < len(row) else None
        for c, column in layout.columns.items():
            if c < len(row) and row[c] not in (None, ""):
                values.append(row[c])
                units.append(unit or _unit_of(column.indicator_code or row_code or file_indicator))
    return numbers.decide_locale(values, units=units, declared=declared)


def _official_name(code: str | None) -> str | None:
    return next((r["nama"] for r in reference.regions() if r["kode_kemendagri"] == code), None)


def dataset_of(path: Path, drop_dir: Path) -> str:
    """The drop sub-folder names the dataset (drop/<dataset>/file.xlsx); files at the top: 'indicators'."""
    try:
        rel = path.relative_to(drop_dir)
    except ValueError:
        return "indicators"
    return rel.parts[0] if len(rel.parts) > 1 else "indicators"


@lru_cache(maxsize=1)
def parser_version() -> str:
    """Identifies what turns a file into rows: this parser, the number, region and reference readers, and
    every seed names are matched against. A change to any of them re-reads every drop file."""
    import hashlib

    from smartcity_base.settings import REFERENCE_DIR

    digest = hashlib.sha256()
    from extractors import long_format

    for source in [Path(__file__), Path(long_format.__file__), Path(regions.__file__), Path(numbers.__file__),
                   Path(reference.__file__), *sorted(REFERENCE_DIR.parent.rglob("*.csv"))]:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def extract_file(path, raw_dir, quarantine_dir, run_id: str, *, dataset: str = "indicators",
                 indicator_code: str | None = None, declared_locale: str | None = None) -> dict:
    """Land one drop file as `spreadsheet/<dataset>/file=<name>/`, its bad rows in quarantine. A file already
    landed from the same bytes by the same parser is not read again (status "skipped")."""
    path = Path(path)
    name = landing.valid_utf8(path.name)  # a name with undecodable bytes cannot go into Parquet or XCom
    query = {"file_sha256": landing.file_sha256(path), "parser": parser_version(), "indicator_code": indicator_code}
    if declared_locale:
        query["declared_locale"] = declared_locale
    landed = landing.landed_for(raw_dir, SOURCE, dataset, {"file": name}, query=query)
    if landed is not None:
        quarantine = landing.quarantine_path(quarantine_dir, SOURCE, dataset, name)
        quarantined = pq.read_metadata(quarantine).num_rows if quarantine.exists() else 0
        return {**landing.summary(landed), "status": "skipped", "quarantined": quarantined, "file": name}
    good, bad, decisions = [], [], {}
    for sheet in read_file(path):
        try:
            g, b = tidy_sheet(sheet, name, indicator_code=indicator_code,
                              file_context=landing.valid_utf8(path.stem), declared_locale=declared_locale,
                              decisions=decisions)
        except SpreadsheetError as exc:
            bad.append({"source_file": name, "sheet": sheet.name, "reason": str(exc)})
            continue
        good += g
        bad += b
    with landing.PartitionWriter(raw_dir, SOURCE, dataset, {"file": name}, run_id, schema=TIDY_SCHEMA,
                                 query=query) as part:
        part.write(good)
        quarantine = landing.write_quarantine(quarantine_dir, SOURCE, dataset, name, bad, run_id)
        part.extra.update(quarantined=len(bad), quarantine_path=quarantine, file_bytes=path.stat().st_size,
                          reasons=sorted({b["reason"] for b in bad})[:20], number_locale=decisions)
    return {**landing.summary(part.manifest), "quarantined": len(bad), "file": name}


def extract_drop_folder(drop_dir, raw_dir, quarantine_dir, run_id: str) -> list[dict]:
    """Every XLSX/CSV under `drop_dir` (sub-folders name datasets). A file that cannot be read at all is
    reported in its summary (status "failed") and does not stop the others."""
    drop_dir = Path(drop_dir)
    root = drop_dir.resolve()
    out = []
    for path in sorted(p for p in drop_dir.rglob("*") if p.suffix.lower() in SUFFIXES
                       and not p.name.startswith((".", "~$")) and (p.is_symlink() or p.is_file())):
        shown = landing.valid_utf8(path.name)
        if path.is_symlink() or not path.resolve().is_relative_to(root):
            # a link can point anywhere the worker can read (secrets, other drops): never followed
            log.warning("spreadsheet drop %s: a symbolic link, not followed", shown)
            out.append({"file": shown, "status": "failed", "error": f"{shown}: a symbolic link, "
                        "not followed"})
            continue
        try:
            out.append(extract_file(path, raw_dir, quarantine_dir, run_id, dataset=dataset_of(path, drop_dir)))
        except Exception as exc:  # one hostile file (a bomb, a name the disk refuses) must not stop the rest
            message = str(exc) if isinstance(exc, SpreadsheetError) else \
                f"{shown}: {type(exc).__name__}: {redact(str(exc))[:300]}"
            log.warning("spreadsheet drop %s", message)
            quarantined = None
            try:  # the file's quarantine entry says why nothing of it landed
                quarantined = landing.write_quarantine(
                    quarantine_dir, SOURCE, dataset_of(path, drop_dir), shown,
                    [{"source_file": shown, "reason": message}], run_id)
            except Exception as qexc:  # noqa: BLE001 - the summary still carries the reason
                log.warning("could not quarantine %s: %s", shown, qexc)
            out.append({"file": shown, "status": "failed", "error": message, "quarantine_path": quarantined})
    return out
