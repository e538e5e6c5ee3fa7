"""Spreadsheets as regional offices make them: a title row, merged header rows, footnotes.
Byte-stable for a seed (fixed workbook dates and zip timestamps)."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

FIXED = datetime(2025, 1, 31)


Sheet = tuple[str, str, list[list], list[tuple[int, int, int, int]], list[list], list[str]]


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    """sheets: (sheet name, title, header rows, merges (r1, c1, r2, c2) 1-based within the header,
    body rows, footnotes). The title sits in row 1, a blank row 2, the header from row 3."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, title, header, merges, body, notes in sheets:
        ws = wb.create_sheet(name[:31])
        width = max(len(r) for r in header + body)
        ws.cell(1, 1, title).font = Font(bold=True)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        for i, row in enumerate(header):
            for j, v in enumerate(row):
                if v is not None:
                    c = ws.cell(3 + i, 1 + j, v)
                    c.font, c.alignment = Font(bold=True), Alignment(horizontal="center", vertical="center")
        for r1, c1, r2, c2 in merges:
            ws.merge_cells(start_row=2 + r1, start_column=c1, end_row=2 + r2, end_column=c2)
        start = 3 + len(header)
        for i, row in enumerate(body):
            for j, v in enumerate(row):
                ws.cell(start + i, 1 + j, v)
        for k, note in enumerate(notes):
            ws.cell(start + len(body) + 1 + k, 1, note)
    wb.properties.created = wb.properties.modified = FIXED
    buf = io.BytesIO()
    wb.save(buf)
    return _stable_zip(buf.getvalue())


def _stable_zip(data: bytes) -> bytes:
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":      # openpyxl stamps the save time here
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + FIXED.isoformat().encode() + b"Z", data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=FIXED.timetuple()[:6]), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding, errors="replace")
