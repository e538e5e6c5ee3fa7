"""Exports for spreadsheet users: CSV that Excel opens correctly, and one Excel workbook of the marts.

Excel opens a CSV as the local code page unless it starts with a UTF-8 byte order mark (names such as
"Kab. Kepulauan Seribu" are fine, "Bumi Wonderland — Papua" is not), and turns every cell that looks
like a number into one, quoted or not: region code `32.10` becomes 32.1, `0012` becomes 12. So:

- `write_excel_csv(table, path)`: UTF-8 with BOM; text cells that Excel would read as a number or a
  date are written as the text formula `="32.10"` (Excel and LibreOffice show the text 32.10; no other
  CSV notation keeps them); other text cells that a spreadsheet would run as a formula (= + - @ tab CR
  first) are prefixed with `'` (OWASP CSV injection); numbers stay numbers. Tools other than spreadsheets
  should read the Parquet exports (or PostgreSQL), which hold the plain values.
- `write_xlsx(con, path)`: one sheet per mart with text columns stored as text (cell format `@`, so
  `32.10` stays `32.10` and nothing is evaluated as a formula), a README sheet first with the version,
  each sheet's row count and description, and every column's type and description (dbt persist_docs).

`export_marts` (smartcity.publish) calls `write_spreadsheet_exports(con, folder, names, version_id)`."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

BOM = b"\xef\xbb\xbf"
WORKBOOK_NAME = "smartcity_marts.xlsx"
EXCEL_MAX_ROWS = 1_048_576
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
            col = pc.if_else(pc.fill_null(pc.match_substring_regex(col, _NUMBER_LIKE), False), as_text, neutral)
        columns.append(col)
    return pa.table(columns, names=table.column_names)


def write_xlsx(con, path: str | Path, names: Iterable[str] | None = None, *, schema: str = "marts",
               version_id: str | None = None) -> dict[str, int]:
    """One workbook: a README sheet, then one sheet per table of `schema` (all, or `names`) read from the
    open DuckDB connection `con`. Returns {table: rows written}."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    names = list(names) if names is not None else [t for (t,) in con.execute(
        "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE' "
        "order by table_name", [schema]).fetchall()]
    wb = Workbook(write_only=True)
    readme = wb.create_sheet("README")
    bold = Font(bold=True)
    sheets = _sheet_names(names)
    written: dict[str, int] = {}
    truncated: dict[str, int] = {}
    for name in names:
        ws = wb.create_sheet(sheets[name])
        columns = con.execute(
            "select column_name, data_type from duckdb_columns() where database_name = current_database() "
            "and schema_name = ? and table_name = ? order by column_index", [schema, name]).fetchall()
        header = []
        for column, _ in columns:
            cell = WriteOnlyCell(ws, value=column)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        ws.freeze_panes = "A2"
        text_columns = {i for i, (_, kind) in enumerate(columns) if kind.upper() in ("VARCHAR", "UUID", "JSON")
                        or kind.upper().startswith("ENUM")}
        total = con.execute(f'select count(*) from {schema}."{name}"').fetchone()[0]
        cursor = con.execute(f'select * from {schema}."{name}"')
        rows = 0
        while rows < EXCEL_MAX_ROWS - 1:
            batch = cursor.fetchmany(10_000)
            if not batch:
                break
            for record in batch[:EXCEL_MAX_ROWS - 1 - rows]:
                ws.append([_cell(ws, value, i in text_columns) for i, value in enumerate(record)])
                rows += 1
        written[name] = rows
        if rows < total:
            truncated[name] = total
    _write_readme(con, readme, names, sheets, written, truncated, schema, version_id, bold)
    path = Path(path)
    wb.save(path)
    return written


def write_spreadsheet_exports(con, folder: str | Path, names: Iterable[str] | None = None, *,
                              version_id: str | None = None, schema: str = "marts") -> dict:
    """`<table>.csv` (Excel-ready) for every table of `schema` and the workbook `smartcity_marts.xlsx`, into
    `folder`, from the open DuckDB connection `con`. Returns {"csv": {table: rows}, "xlsx": {...}, ...}."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = list(names) if names is not None else [t for (t,) in con.execute(
        "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE' "
        "order by table_name", [schema]).fetchall()]
    csv_rows = {}
    for name in names:
        table = con.sql(f'select * from {schema}."{name}"').to_arrow_table()
        csv_rows[name] = write_excel_csv(table, folder / f"{name}.csv")
    xlsx = write_xlsx(con, folder / WORKBOOK_NAME, names, schema=schema, version_id=version_id)
    return {"csv": csv_rows, "xlsx": xlsx, "workbook": str(folder / WORKBOOK_NAME)}


# --- internals -----------------------------------------------------------------------------------------

def _cell(ws, value, text: bool):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)   # Excel has no time zones: UTC
    elif isinstance(value, (list, dict, tuple)):
        value = str(value)
    elif value is not None and not isinstance(value, (str, int, float, bool, datetime)) and \
            type(value).__name__ not in ("date", "time", "Decimal", "timedelta"):
        value = str(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"            # never a formula, whatever the text starts with
    if text:
        cell.number_format = "@"
    return cell


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


def _write_readme(con, ws, names, sheets, written, truncated, schema, version_id, bold) -> None:
    from openpyxl.cell import WriteOnlyCell

    def row(*values, strong=False):
        cells = []
        for v in values:
            cell = WriteOnlyCell(ws, value=v)
            if isinstance(v, str):
                cell.data_type = "s"
            if strong:
                cell.font = bold
            cells.append(cell)
        ws.append(cells)

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
