"""Exports for spreadsheet users: CSV that Excel opens correctly, and one Excel workbook of the marts.

Excel opens a CSV as the local code page unless it starts with a UTF-8 byte order mark (names such as
"Kab. Kepulauan Seribu" are fine, "Bumi Wonderland — Papua" is not), and turns every cell that looks
like a number into one, quoted or not: region code `32.10` becomes 32.1, `0012` becomes 12. So:

- `write_excel_csv(table, path)`: UTF-8 with BOM; text cells that a spreadsheet would run as a formula
  (= + - @ tab CR first) are prefixed with `'` (OWASP CSV injection, as before); other text cells that
  Excel would read as a number or a date are written as the text formula `="32.10"` (Excel and
  LibreOffice show the text 32.10; no other CSV notation keeps them); numbers stay numbers. Tools other
  than spreadsheets should read the Parquet exports (or PostgreSQL), which hold the plain values.
- `write_xlsx(con, path)`: one sheet per mart with text columns stored as text (cell format `@`, so
  `32.10` stays `32.10` and nothing is evaluated as a formula; XlsxWriter), a README sheet first with the version,
  each sheet's row count and description, and every column's type and description (dbt persist_docs).

`export_marts` (smartcity.publish) calls `write_spreadsheet_exports(con, folder, version_id=...)`."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

BOM = b"\xef\xbb\xbf"
WORKBOOK_NAME = "smartcity_marts.xlsx"
EXCEL_MAX_ROWS = 1_048_576     # rows of a sheet, the header included
# What Excel converts on open: numbers with . , separators, signs, exponents, percentages, fractions,
# and date/time-like strings (32.10, 0012, 1E5, 3/4, 12:30, 2020-01, 1,5%).
_NUMBER_LIKE = r"^\s*[-+]?(\d[\d.,]*([eE][-+]?\d+)?%?|\d+[/:\-]\d+([/:\-]\d+)*([ T]\d+(:\d+)*)?)\s*$"
_FORMULA_START = r"^([=+\-@\t\r])"


def write_excel_csv(table, path: str | Path) -> int:
    """Write a pyarrow table as a CSV Excel opens correctly (see the module docstring). Returns rows."""
    import pyarrow.csv as pacsv

    path = Path(path)
    with open(path, "wb") as fh:
        fh.write(BOM)
        pacsv.write_csv(excel_safe_text(table), fh)
    return table.num_rows


def excel_safe_text(table):
    """The table with its text columns made safe and kept as text in a spreadsheet."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for col in table.columns:
        if pa.types.is_dictionary(col.type) and pa.types.is_string(col.type.value_type):
            col = col.cast(pa.string())
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            as_text = pc.binary_join_element_wise(
                "=\"", pc.replace_substring(col, pattern='"', replacement='""'), "\"", "")
            neutral = pc.replace_substring_regex(col, pattern=_FORMULA_START, replacement=r"'\1")
            # a leading sign is neutralised like any formula start (as `export_marts` always did); the rest
            # of the number-like text becomes a text formula
            number_like = pc.and_(pc.fill_null(pc.match_substring_regex(col, _NUMBER_LIKE), False),
                                  pc.invert(pc.fill_null(pc.match_substring_regex(col, _FORMULA_START), False)))
            col = pc.if_else(number_like, as_text, neutral)
        columns.append(col)
    return pa.table(columns, names=table.column_names)


def write_xlsx(con, path: str | Path, names: Iterable[str] | None = None, *, schema: str = "marts",
               version_id: str | None = None) -> dict[str, int]:
    """One workbook: a README sheet, then one sheet per table of `schema` (all, or `names`) read from the
    open DuckDB connection `con`. Returns {table: rows written}. XlsxWriter in constant-memory mode (about
    twice as fast as openpyxl), with strings never turned into formulas, numbers or links."""
    import xlsxwriter

    names = list(names) if names is not None else _tables(con, schema)
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False,
                                         "nan_inf_to_errors": True, "default_date_format": "yyyy-mm-dd"})
    formats = {"bold": wb.add_format({"bold": True}), "text": wb.add_format({"num_format": "@"}),
               "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
               "datetime": wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
               "wrap": wb.add_format({"text_wrap": True, "valign": "top"})}
    readme = wb.add_worksheet("README")
    sheets = _sheet_names(names)
    written: dict[str, int] = {}
    truncated: dict[str, int] = {}
    try:
        for name in names:
            ws = wb.add_worksheet(sheets[name])
            columns = con.execute(
                "select column_name, data_type from duckdb_columns() where database_name = current_database() "
                "and schema_name = ? and table_name = ? order by column_index", [schema, name]).fetchall()
            text = [kind.upper() in ("VARCHAR", "UUID", "JSON") or kind.upper().startswith("ENUM")
                    for _, kind in columns]
            for c, (column, _) in enumerate(columns):
                ws.write_string(0, c, column, formats["bold"])
                ws.set_column(c, c, max(10, min(40, len(column) + 2)), formats["text"] if text[c] else None)
            ws.freeze_panes(1, 0)
            total = con.execute(f'select count(*) from {schema}."{name}"').fetchone()[0]
            rows = con.execute(f'select * from {schema}."{name}" limit {EXCEL_MAX_ROWS - 1}').fetchall()
            for r, record in enumerate(rows, start=1):
                for c, value in enumerate(record):
                    _write(ws, r, c, value, text[c], formats)
            written[name] = len(rows)
            if len(rows) < total:
                truncated[name] = total
        _write_readme(con, readme, names, sheets, written, truncated, schema, version_id, formats)
    finally:
        wb.close()
    return written


def write_spreadsheet_exports(con, folder: str | Path, names: Iterable[str] | None = None, *,
                              version_id: str | None = None, schema: str = "marts") -> dict:
    """`<table>.csv` (Excel-ready) for every table of `schema` and the workbook `smartcity_marts.xlsx`, into
    `folder`, from the open DuckDB connection `con`. Returns {"csv": {table: rows}, "xlsx": {...}, ...}."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = list(names) if names is not None else _tables(con, schema)
    csv_rows = {}
    for name in names:
        table = con.sql(f'select * from {schema}."{name}"').to_arrow_table()
        csv_rows[name] = write_excel_csv(table, folder / f"{name}.csv")
    xlsx = write_xlsx(con, folder / WORKBOOK_NAME, names, schema=schema, version_id=version_id)
    return {"csv": csv_rows, "xlsx": xlsx, "workbook": str(folder / WORKBOOK_NAME)}


# --- internals -----------------------------------------------------------------------------------------

def _tables(con, schema: str) -> list[str]:
    return [t for (t,) in con.execute(
        "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE' "
        "order by table_name", [schema]).fetchall()]


def _write(ws, r: int, c: int, value, text: bool, formats: dict) -> None:
    import datetime as dt
    from decimal import Decimal

    if value is None:
        return
    if isinstance(value, str):
        ws.write_string(r, c, value, formats["text"] if text else None)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value)
    elif isinstance(value, (int, float, Decimal)):
        ws.write_number(r, c, float(value))
    elif isinstance(value, dt.datetime):
        if value.tzinfo is not None:                       # Excel has no time zones: UTC, as README says
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        ws.write_datetime(r, c, value, formats["datetime"])
    elif isinstance(value, dt.date):
        ws.write_datetime(r, c, value, formats["date"])
    else:                                                  # time, interval, uuid, lists, structs, blobs
        ws.write_string(r, c, str(value), formats["text"])


def _sheet_names(names: list[str]) -> dict[str, str]:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique, and not README."""
    used = {"readme"}
    out = {}
    for name in names:
        base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"
        candidate, n = base, 1
        while candidate.lower() in used:
            n += 1
            suffix = f"~{n}"
            candidate = base[:31 - len(suffix)] + suffix
        used.add(candidate.lower())
        out[name] = candidate
    return out


def _write_readme(con, ws, names, sheets, written, truncated, schema, version_id, formats) -> None:
    lines: list[tuple] = []

    def row(*values, strong=False):
        lines.append((values, strong))

    comments = dict(con.execute(
        "select table_name, comment from duckdb_tables() where database_name = current_database() "
        "and schema_name = ?", [schema]).fetchall())
    row("smartcity-warehouse: marts of the Gerakan Menuju Smart City evaluation", strong=True)
    row("Version", version_id or "")
    row("Exported at (UTC)", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"))
    row("Codes (region_code, indicator_code, ...) are text: 32.10 is Kabupaten Majalengka's Kemendagri code, "
        "not a number. Timestamps are UTC.")
    row()
    row("Sheet", "Table", "Rows", "Description", strong=True)
    for name in names:
        note = f" (first {written[name]} of {truncated[name]} rows: Excel's limit; see the Parquet export)" \
            if name in truncated else ""
        row(sheets[name], f"{schema}.{name}", written[name], (comments.get(name) or "") + note)
    row()
    row("Table", "Column", "Type", "Description", strong=True)
    for name, column, kind, comment in con.execute(
            "select table_name, column_name, data_type, comment from duckdb_columns() "
            "where database_name = current_database() and schema_name = ? order by table_name, column_index",
            [schema]).fetchall():
        if name in sheets:
            row(f"{schema}.{name}", column, kind, comment or "")
    ws.set_column(0, 1, 28)
    ws.set_column(2, 2, 12)
    ws.set_column(3, 3, 90, formats["wrap"])
    for r, (values, strong) in enumerate(lines):
        for c, value in enumerate(values):
            if isinstance(value, (int, float)):
                ws.write_number(r, c, value, formats["bold"] if strong else None)
            else:
                ws.write_string(r, c, value, formats["bold"] if strong else None)
