"""BPS WebAPI (Statistics Indonesia): paged lists, dynamic tables, static tables, the national pull.

The key is a path segment (`/key/KEY/`): URLs go through `secrets.redact` before they are logged or
stored. Dynamic-table cells are found by building each `datacontent` key from the cross product
vervar x var x turvar x tahun x turtahun; segments vary in width, so a key is never split or
prefix-matched (a prefix match returns a January value as the annual one)."""
from __future__ import annotations

import csv
import html
import itertools
import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import pyarrow as pa

from extractors import landing, regions
from extractors.connections import get_connection
from extractors.errors import BpsApiError, ExtractError
from extractors.http import HttpClient, default_client
from extractors.numbers import parse_number
from extractors.parallel import checked_pages
from extractors.secrets import get_logger

log = get_logger(__name__)

CONN_ID = "smartcity_bps"
SOURCE = "bps"
NOT_AVAILABLE = {"list-not-available", "not-available"}
INDICATOR_VARS_CSV = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "bps_indicator_variables.csv"
ANNUAL_TURTAHUN = {"0", "13"}  # 0 "Tahun", 13 "Tahunan"; 1..12 are months

OBSERVATION_SCHEMA = pa.schema([
    ("domain_id", pa.string()), ("var_id", pa.string()), ("var_label", pa.string()), ("unit", pa.string()),
    ("vervar_id", pa.string()), ("vervar_label", pa.string()), ("turvar_id", pa.string()),
    ("turvar_label", pa.string()), ("year", pa.int32()), ("turtahun_id", pa.string()),
    ("turtahun_label", pa.string()), ("month", pa.int8()), ("value", pa.float64()),
    ("value_raw", pa.string()), ("region_code", pa.string()), ("indicator_code", pa.string()),
    ("last_update", pa.string()),
])


class BpsClient:
    def __init__(self, base_url: str, key: str, http: HttpClient | None = None, lang: str = "ind"):
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.http = http or default_client()
        self.lang = lang

    @classmethod
    def from_env(cls, conn_id: str = CONN_ID, http: HttpClient | None = None, environ=None) -> "BpsClient":
        conn = get_connection(conn_id, environ)
        if not conn.password:
            raise ExtractError(f"connection {conn_id} has no password (the BPS App ID)")
        return cls(conn.base_url, conn.password, http)

    def url(self, action: str, model: str, domain: str, *segments: Any, page: int | None = None) -> str:
        """`<base>/<action>/model/<model>/lang/ind/domain/D/<segments>/key/KEY/[page/N]`, the path style
        of the real API."""
        parts = [action, "model", model, "lang", self.lang, "domain", domain, *map(str, segments), "key", self.key]
        if page is not None:
            parts += ["page", str(page)]
        return f"{self.base_url}/{'/'.join(parts)}/"

    def _call(self, url: str, what: str, trace: list | None) -> dict | None:
        """The envelope checked: None when BPS says the data are not available (that is "no data", not a
        failure); `{"status": "Error"}` or a foreign shape is a `BpsApiError`."""
        payload = self.http.get_json(url, trace=trace)
        if not isinstance(payload, dict):
            raise BpsApiError(f"BPS {what}: unexpected answer ({type(payload).__name__})", url=url)
        status = str(payload.get("status", "")).upper()
        if status != "OK":
            message = payload.get("message") or payload.get("data") or "no message"
            raise BpsApiError(f"BPS {what}: status {payload.get('status')!r}: {message}", url=url)
        if payload.get("data-availability") in NOT_AVAILABLE:
            return None
        return payload

    # --- lists ----------------------------------------------------------------------------------------
    def list_page(self, model: str, domain: str, page: int = 1, *, filters: dict | None = None,
                  trace: list | None = None) -> tuple[dict, list[dict]]:
        segments = [x for k, v in (filters or {}).items() for x in (k, v)]
        payload = self._call(self.url("list", model, domain, *segments, page=page),
                             f"list {model} domain {domain} page {page}", trace)
        data = payload.get("data") if payload else None
        if not data:  # "" when not available, [] seen too
            return {"page": page, "pages": 0, "total": 0}, []
        if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], dict)):
            raise BpsApiError(f"BPS list {model} domain {domain}: unexpected `data` shape")
        return data[0], list(data[1] or [])

    def list_all(self, model: str, domain: str, *, filters: dict | None = None, trace: list | None = None,
                 parallel: bool = True) -> Iterator[dict]:
        """Every item of a paged list, the last page too. Page 1 says how many pages there are; the rest
        are fetched in parallel within the host limit and yielded in page order."""
        info, items = self.list_page(model, domain, 1, filters=filters, trace=trace)
        yield from items
        pages = int(info.get("pages") or 1)
        rest = range(2, pages + 1)
        fetch = lambda p: self.list_page(model, domain, p, filters=filters, trace=trace)[1]  # noqa: E731
        window = self.http.max_per_host if parallel else 1
        for page_items in checked_pages(fetch, rest, lambda x: x, window, first=items,
                                        what=f"BPS list {model} domain {domain} page"):
            yield from page_items

    # --- dynamic and static tables --------------------------------------------------------------------
    def data(self, domain: str, var: str | int, th: str | int | None = None, *,
             trace: list | None = None) -> dict | None:
        segments = ["var", var] + (["th", th] if th not in (None, "") else [])
        return self._call(self.url("list", "data", domain, *segments), f"data var {var} domain {domain}", trace)

    def statictable(self, domain: str, table_id: str | int, *, trace: list | None = None) -> dict | None:
        payload = self._call(self.url("view", "statictable", domain, "id", table_id),
                             f"static table {table_id} domain {domain}", trace)
        if payload is None:
            return None
        data = payload.get("data")
        if not isinstance(data, dict) or "table" not in data:
            raise BpsApiError(f"BPS static table {table_id} domain {domain}: no `data.table` in the answer")
        return data


# --- dynamic table decoding ---------------------------------------------------------------------------
def _axis(payload: dict, name: str) -> list[dict]:
    value = payload.get(name)
    return [v for v in value if isinstance(v, dict) and "val" in v] if isinstance(value, list) else []


def _year(tahun: dict) -> int | None:
    label = str(tahun.get("label", "")).strip()
    if label.isdigit() and len(label) == 4:
        return int(label)
    try:
        return int(tahun["val"]) + 1900  # tahun val is year - 1900: 99 -> 1999, 121 -> 2021
    except (TypeError, ValueError):
        return None


def _value(raw: Any) -> float | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    text = str(raw).strip()
    try:
        return float(text)  # BPS writes decimals with a dot
    except ValueError:
        return None  # "-", "", "..." : no figure; the text stays in value_raw


_DOT_GROUPS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def _value_parser(values: Iterable[Any]):
    """How this table writes its string cells. JSON numbers are unambiguous; strings are BPS dot-decimals
    unless the table shows Indonesian formatting: a comma anywhere, or every string a dot-grouped integer
    ('308.669') with three or more of them or one with two groups ('1.234.567'): dot-decimals with exactly
    three decimals in every cell are implausible."""
    strings = [v.strip() for v in values if isinstance(v, str) and v.strip() not in ("", "-")]
    indonesian = any("," in s for s in strings) or (
        bool(strings) and all(_DOT_GROUPS.match(s) for s in strings)
        and (len(strings) >= 3 or any(s.count(".") > 1 for s in strings)))
    if not indonesian:
        return _value
    def indonesian(raw: Any) -> float | None:
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return float(raw)
        return None if raw is None else parse_number(raw).value
    return indonesian


TOTAL_VERVAR = {"9999"}  # the province / national total row of a table


def _vervar_kind(labelvervar: str | None) -> str:
    """What a bare vervar name means, from `labelvervar`: 'Kota' tables list cities by bare name
    ('Ambon', 'Tual'); kab/kota tables list kabupaten bare and cities as 'Kota X'."""
    text = " ".join(str(labelvervar or "").lower().split())
    if text in ("kota", "kota/kotamadya", "kotamadya"):
        return "Kota"
    return "Kabupaten"


def _region_code(domain: str, vervar_id: str, vervar_label: str, labelvervar: str | None = None) -> str | None:
    """Kemendagri code of a vervar when it is a kab/kota. vervar values are BPS codes or local ids, so
    labels lead (trimmed; the kind from `labelvervar`); the BPS->Kemendagri crosswalk is the fallback.
    The total row (9999) and the province itself are aggregates: no region."""
    vervar_id, vervar_label = str(vervar_id).strip(), " ".join(str(vervar_label or "").split())
    if vervar_id in TOTAL_VERVAR or vervar_id == domain:
        return None if regions.province_of_bps_domain(domain) or domain == "0000" else \
            regions.bps_code_to_kemendagri(domain)
    if regions.province_of_bps_domain(domain):
        match = regions.match_region(vervar_label, unprefixed_kind=_vervar_kind(labelvervar),
                                     **regions.domain_filter(domain))
        if match.code:
            return match.code
        return regions.bps_code_to_kemendagri(vervar_id) if vervar_id.startswith(domain[:2]) else None
    own = regions.bps_code_to_kemendagri(domain) if domain != "0000" else None
    if own and regions.match_region(vervar_label, bps_province=domain[:2],
                                    unprefixed_kind=_vervar_kind(labelvervar)).code == own:
        return own  # a kab/kota domain reporting itself under a local id
    return None


def decode_data(payload: dict | None, domain: str, stats: dict | None = None, *,
                indicator_code: str | None = None) -> Iterator[dict]:
    """One row per non-empty cell of a dynamic table. `stats` (optional) receives counts of cells found,
    datacontent keys no combination produced, and keys two combinations produce (left out: ambiguous)."""
    stats = stats if stats is not None else {}
    stats.update(cells=0, unmatched_keys=0, ambiguous_keys=0)
    if not payload:
        return
    content = payload.get("datacontent")
    if not isinstance(content, dict) or not content:  # {} or [] when there are no cells
        return
    names = ("vervar", "var", "turvar", "tahun", "turtahun")
    missing = [n for n in names if not isinstance(payload.get(n), list)]
    if missing:  # cells without their metadata cannot be decoded: say so instead of landing nothing
        raise BpsApiError(f"BPS data for domain {domain}: cells present but metadata {missing} missing "
                          f"(schema drift? keys: {sorted(payload)[:12]})")
    axes = [_axis(payload, n) for n in names]
    to_number = _value_parser(content.values())
    combos: dict[str, tuple | None] = {}
    for combo in itertools.product(*axes):
        key = "".join(str(item["val"]) for item in combo)
        combos[key] = None if key in combos else combo  # the same key from two combinations: ambiguous
    var_unit = {str(v["val"]): v.get("unit") for v in axes[1]}
    labelvervar = payload.get("labelvervar")
    last_update = payload.get("last_update")
    region_cache: dict[tuple, str | None] = {}
    used = 0
    for key, combo in combos.items():
        if key not in content:
            continue
        used += 1
        if combo is None:
            stats["ambiguous_keys"] += 1
            continue
        vervar, var, turvar, tahun, turtahun = combo
        raw = content[key]
        if raw is None or raw == "":
            continue
        turtahun_id = str(turtahun["val"])
        stats["cells"] += 1
        vervar_id, vervar_label = str(vervar["val"]).strip(), " ".join(str(vervar.get("label", "")).split())
        if (vervar_id, vervar_label) not in region_cache:
            region_cache[(vervar_id, vervar_label)] = _region_code(domain, vervar_id, vervar_label, labelvervar)
        yield {
            "domain_id": domain,
            "var_id": str(var["val"]),
            "var_label": var.get("label"),
            "unit": var_unit.get(str(var["val"])),
            "vervar_id": vervar_id,
            "vervar_label": vervar_label,
            "turvar_id": str(turvar["val"]),
            "turvar_label": turvar.get("label"),
            "year": _year(tahun),
            "turtahun_id": turtahun_id,
            "turtahun_label": turtahun.get("label"),
            "month": None if turtahun_id in ANNUAL_TURTAHUN or not turtahun_id.isdigit()
            or not 1 <= int(turtahun_id) <= 12 else int(turtahun_id),
            "value": to_number(raw),
            "value_raw": str(raw),
            "region_code": region_cache[(vervar_id, vervar_label)],
            "indicator_code": indicator_code,
            "last_update": None if last_update in (None, "") else str(last_update),
        }
    stats["unmatched_keys"] = len(content) - used
    if stats["unmatched_keys"] or stats["ambiguous_keys"]:
        log.warning("BPS domain %s: %d datacontent keys match no metadata combination, %d are ambiguous",
                    domain, stats["unmatched_keys"], stats["ambiguous_keys"])


# --- static tables ------------------------------------------------------------------------------------
class _Cell:
    __slots__ = ("text", "colspan", "rowspan", "header")

    def __init__(self, colspan: int, rowspan: int, header: bool):
        self.text, self.colspan, self.rowspan, self.header = "", colspan, rowspan, header


class _TableParser(HTMLParser):
    """Rows of cells of the first <table> (Excel's HTML export: td/th with colspan/rowspan)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: list[list[_Cell]] = []
        self.head_rows = 0
        self._depth = 0
        self._done = False
        self._in_head = False
        self._cell: _Cell | None = None

    @staticmethod
    def _span(attrs: dict, name: str) -> int:
        try:
            return max(1, min(int(str(attrs.get(name) or 1).strip()), 1000))
        except ValueError:
            return 1

    def handle_starttag(self, tag, attrs):
        if self._done:
            return
        attrs = dict(attrs)
        if tag == "table":
            self._depth += 1
        elif self._depth != 1:
            return
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self.rows.append([])
            if self._in_head:
                self.head_rows = len(self.rows)
        elif tag in ("td", "th"):
            if not self.rows:
                self.rows.append([])
            self._cell = _Cell(self._span(attrs, "colspan"), self._span(attrs, "rowspan"), tag == "th")
            self.rows[-1].append(self._cell)
        elif tag == "br" and self._cell is not None:
            self._cell.text += " "

    def handle_endtag(self, tag):
        if tag == "table":
            self._depth -= 1
            self._done = self._depth == 0
        elif tag == "thead":
            self._in_head = False
        elif tag in ("td", "th"):
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None and self._depth == 1:
            self._cell.text += data


def _grid(rows: list[list[_Cell]]) -> tuple[list[list[str]], list[list[_Cell | None]]]:
    """Expand colspan/rowspan: every covered position gets the spanning cell's text."""
    placed: dict[tuple[int, int], _Cell] = {}
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in placed:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    placed[(r + dr, c + dc)] = cell
            c += cell.colspan
    n_rows = max((r for r, _ in placed), default=-1) + 1
    n_cols = max((c for _, c in placed), default=-1) + 1
    cells = [[placed.get((r, c)) for c in range(n_cols)] for r in range(n_rows)]
    text = [[" ".join(cell.text.split()) if cell else "" for cell in row] for row in cells]
    return text, cells


_NOTE = re.compile(r"^\s*(sumber|source|catatan|note|keterangan|ket\.|\*|\d\)|¹|²|³)", re.IGNORECASE)
_NUMBERISH = re.compile(r"^[-+]?[\d.,]+%?$")
_DASHES = ("-", "–", "—", "- ", "…", "...")


def _distinct(cells: list) -> list:
    seen, out = set(), []
    for c in cells:
        if c is not None and id(c) not in seen:
            seen.add(id(c))
            out.append(c)
    return out


def _texts(row: list) -> list[str]:
    return [" ".join(c.text.split()) if c is not None else "" for c in row]


def _is_blank(row: list) -> bool:
    return not any(_texts(row))


def _is_title_row(cells: list, n_cols: int) -> bool:
    """One text across the table: a single cell spanning it, or one filled cell and the rest empty."""
    if n_cols <= 1:
        return False
    filled = [c for c in _distinct(cells) if " ".join(c.text.split())]
    if len(filled) != 1:
        return False
    return len(_distinct(cells)) == 1 or (filled[0] is cells[0] and all(
        c is None or c is cells[0] or not c.text.strip() for c in cells))


def _is_value(text: str) -> bool:
    return text in _DASHES or bool(_NUMBERISH.match(text.replace(" ", "")))


def _is_column_number_row(texts: list[str]) -> bool:
    filled = [t for t in texts if t]
    return bool(filled) and all(t.startswith("(") and t.strip("() ").isdigit() for t in filled)


def _is_data_row(cells: list, texts: list[str]) -> bool:
    """A row label (or none) and at least one value cell of its own (not a header spanning down)."""
    first = 1 if len(cells) > 1 else 0  # a one-column table has no row label
    own = [t for c, t in zip(cells[first:], texts[first:], strict=False) if c is not None and c.rowspan == 1 and t]
    return bool(own) and any(_is_value(t) for t in own)


def _header_band(cells: list[list], head_rows: int) -> tuple[list[int], int, int]:
    """(title rows, first header row, first data row). Titles (the Indonesian title, then the English
    one) and `&nbsp;` rows come first; the header band is every row from there to the first data row,
    at least as deep as the spans of its first row reach (a group label spanning its sub-columns has
    them below it; a year row under a spanning label is header, not data)."""
    n_cols = len(cells[0]) if cells else 0
    titles, r = [], 0
    while r < len(cells) and (_is_blank(cells[r]) or _is_title_row(cells[r], n_cols)):
        if not _is_blank(cells[r]):
            titles.append(r)
        r += 1
    start = r
    if head_rows and head_rows > start:
        return titles, start, head_rows
    if start >= len(cells):
        return titles, start, start
    reach = start + 1
    for c in _distinct(cells[start]):
        reach = max(reach, start + c.rowspan)
    r = start + 1
    while r < len(cells):
        texts = _texts(cells[r])
        if _is_column_number_row(texts) or _is_blank(cells[r]):
            break
        if r >= reach and (_is_data_row(cells[r], texts) or _is_title_row(cells[r], n_cols)):
            break
        if r < reach or all(c is None or c.header for c in cells[r]) or \
                not any(_is_value(t) for t in texts[1 if n_cols > 1 else 0:] if t):
            for c in _distinct(cells[r]):
                if c.colspan > 1 and c.text.strip():
                    reach = max(reach, r + c.rowspan + 1)  # a group label has sub-columns below it
            r += 1
            continue
        break
    return titles, start, r


def parse_statictable(table_html: str) -> tuple[list[str], list[dict], dict]:
    """(columns, rows, info) of BPS's HTML-escaped Excel table. Title rows and footnotes ("Sumber: ...")
    go to `info` (titles, notes); each column is named by its path through the header band
    ('Status / DEP. KESEHATAN'); '-' cells become empty and are listed in `_dash_columns`; `info["long"]`
    holds the long form (row label, column path, value, is_dash)."""
    text = table_html
    for _ in range(3):  # escaped once in the wild; twice seen when JSON was escaped again
        if "&lt;" not in text:
            break
        text = html.unescape(text)
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    grid, cells = _grid(parser.rows)
    empty = {"title": None, "titles": [], "notes": [], "header_rows": 0, "long": []}
    if not grid:
        return [], [], empty
    n_cols = len(grid[0])
    titles, h0, h1 = _header_band(cells, parser.head_rows)
    title_texts = [next(t for t in grid[r] if t) for r in titles]
    columns: list[str] = []
    for c in range(n_cols):
        parts: list[str] = []
        seen: set[int] = set()
        for r in range(h0, h1):
            cell = cells[r][c]
            part = grid[r][c]
            if cell is None or id(cell) in seen or not part:
                continue
            seen.add(id(cell))
            if not parts or parts[-1] != part:
                parts.append(part)
        name = " / ".join(parts) or f"column_{c + 1}"
        base, n = name, 2
        while name in columns:
            name, n = f"{base} ({n})", n + 1
        columns.append(name)
    rows, notes, long = [], [], []
    in_notes = False
    for r in range(h1, len(grid)):
        values = grid[r]
        if not any(values):
            continue
        if _is_column_number_row(values):
            continue  # the "(1) (2) (3)" column-number row of BPS tables
        first = next(v for v in values if v)
        if in_notes or _NOTE.match(first) or (_is_title_row(cells[r], n_cols) and not _is_data_row(cells[r], values)):
            notes.append(first if _is_title_row(cells[r], n_cols) else " ".join(v for v in dict.fromkeys(values) if v))
            in_notes = in_notes or bool(_NOTE.match(first))
            continue
        record: dict[str, Any] = {}
        dashes = []
        number = len(rows) + 1
        for c, (name, value) in enumerate(zip(columns, values, strict=False)):
            is_dash = value in _DASHES
            if is_dash:
                dashes.append(name)
            record[name] = None if is_dash or value == "" else value
            if c > 0 or n_cols == 1:
                long.append({"_row_number": number, "row_label": values[0] or None, "column_path": name,
                             "value": record[name], "value_number": parse_number(value).value
                             if record[name] is not None else None, "is_dash": is_dash})
        record["_dash_columns"] = json.dumps(dashes, ensure_ascii=False) if dashes else None
        record["_row_number"] = number
        rows.append(record)
    return columns, rows, {"title": title_texts[0] if title_texts else None, "titles": title_texts,
                           "notes": notes, "header_rows": h1 - h0, "long": long}


# --- landing ------------------------------------------------------------------------------------------
def land_observations(raw_dir, client: BpsClient, domain: str, var: str | int, run_id: str,
                      th: str | int | None = None, *, entry=None, quarantine_dir=None) -> dict:
    """Fetch one dynamic table and land it as `bps/observations/domain=D/var=V/`. Returns the manifest.

    `entry` (a `bps_discovery.MapEntry`): the table the variable map expects. The answer is verified
    against it (label, unit, labelvervar); a table that is not the mapped one is not landed: its rows go
    to `<quarantine>/bps/observations/` with the reason and the manifest returned says `quarantined`.
    Rows outside the years the entry covers (a series that moved to another id) are left out.
    `last_update` (BPS's own revision date) is kept on the rows and in the manifest; a change from the
    last landed one is noted as a revision."""
    from extractors import bps_discovery

    partition = {"domain": domain, "var": var}
    try:  # the last landed answer of this table (whatever years it was asked for): its last_update
        previous = json.loads((Path(raw_dir) / SOURCE / "observations" / landing.partition_path(partition)
                               / landing.MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = None
    with landing.PartitionWriter(raw_dir, SOURCE, "observations", partition, run_id,
                                 schema=OBSERVATION_SCHEMA, query={"th": th}) as part:
        payload = client.data(domain, var, th, trace=part.requests)
        stats: dict = {}
        reason = bps_discovery.verify(payload, entry) if entry is not None else None
        rows = decode_data(payload, domain, stats, indicator_code=entry.indicator_code if entry else None)
        if entry is not None:
            rows = (r for r in rows if r["year"] is None or entry.covers(r["year"]))
        if reason:
            bad = [{**r, "reason": reason} for r in rows]
            target = landing.write_quarantine(quarantine_dir or Path(raw_dir).parent / "quarantine", SOURCE,
                                              "observations", f"domain={domain}_var={var}", bad, run_id)
            log.warning("BPS domain %s var %s quarantined: %s", domain, var, reason)
            raise _Quarantined(reason, len(bad), target)
        part.write(rows)
        last_update = (payload or {}).get("last_update") or None
        decimal = next((v.get("decimal") for v in (payload or {}).get("var") or [] if isinstance(v, dict)), None)
        before = (previous or {}).get("last_update")
        part.extra.update(availability="available" if payload else "not-available", th=th, **stats,
                          last_update=last_update, decimal=decimal,
                          indicator_code=entry.indicator_code if entry else None,
                          revised=bool(before and last_update and before != last_update),
                          previous_last_update=before)
        years = [_year(t) for t in _axis(payload or {}, "tahun")]
        part.cursor = max((y for y in years if y), default=None)
    return part.manifest


class _Quarantined(Exception):
    """Raised inside the partition writer so nothing is landed; turned into a summary by the caller."""

    def __init__(self, reason: str, rows: int, path: str | None):
        super().__init__(reason)
        self.reason, self.rows, self.path = reason, rows, path


STATIC_LONG_SCHEMA = pa.schema([("_row_number", pa.int32()), ("row_label", pa.string()), ("column_path", pa.string()),
                                ("value", pa.string()), ("value_number", pa.float64()), ("is_dash", pa.bool_())])


def land_statictable(raw_dir, client: BpsClient, domain: str, table_id: str | int, run_id: str) -> dict:
    """One static table landed twice: wide as BPS lays it out (`bps/statictables/`, columns named by
    their header path) and long beside it (`bps/statictables_long/`: row label, column path, value,
    is_dash). Titles, footnotes and the header depth are manifest metadata."""
    partition = {"domain": domain, "table": table_id}
    with landing.PartitionWriter(raw_dir, SOURCE, "statictables", partition, run_id) as part:
        data = client.statictable(domain, table_id, trace=part.requests)
        if data is None:
            columns, rows, info = [], [], {"title": None, "titles": [], "notes": [], "header_rows": 0, "long": []}
        else:
            columns, rows, info = parse_statictable(str(data.get("table") or ""))
        part.schema = pa.schema([(c, pa.string()) for c in columns] +
                                [("_dash_columns", pa.string()), ("_row_number", pa.int32())])
        part.write(rows)
        part.extra.update(title=(data or {}).get("title") or info["title"], titles=info["titles"],
                          notes=info["notes"], columns=columns, header_rows=info["header_rows"],
                          updt_date=(data or {}).get("updt_date"))
        requests = list(part.requests)
    long_manifest = landing.write_partition(
        raw_dir, SOURCE, "statictables_long", partition, run_id, info["long"], schema=STATIC_LONG_SCHEMA,
        requests=requests,
        extra={"title": part.manifest.get("title"), "wide_manifest_id": part.manifest["manifest_id"]})
    part.manifest["long_manifest_id"] = long_manifest["manifest_id"]
    return part.manifest


def load_indicator_vars(path: Path | str = INDICATOR_VARS_CSV) -> list[dict]:
    """`bps_indicator_variables.csv`: the indicator rules (indicator_code, reference var_id of the
    national domain, var_label, unit, period, title_pattern, total_turvar, annual_period)."""
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


MAP_MAX_AGE = timedelta(days=30)  # variable lists change slowly: discovery runs on a slower cadence


def variable_maps(raw_dir, run_id: str, domains: Iterable[str], client: "BpsClient", *,
                  max_age: timedelta | None = MAP_MAX_AGE, workers: int = 1) -> dict[str, list]:
    """The variable map of each domain: the landed one when discovered within `max_age`, else discovered
    again (and landed as `bps/variable_map/domain=D/`)."""
    from extractors import bps_discovery

    rules, overrides = bps_discovery.load_rules(), bps_discovery.load_overrides()

    def one(domain):
        if max_age is not None and landing.landed_for(raw_dir, SOURCE, "variable_map", {"domain": domain},
                                                      since=landing.utcnow() - max_age):
            return domain, bps_discovery.read_landed_map(raw_dir, domain)
        try:
            return domain, bps_discovery.land_variable_map(raw_dir, client, domain, run_id, rules, overrides)[1]
        except ExtractError as exc:  # the slow-cadence list failed: the last landed map still holds
            try:
                entries = bps_discovery.read_landed_map(raw_dir, domain)
            except OSError:
                raise exc from None
            log.warning("BPS domain %s: variable discovery failed (%s); using the last landed map", domain, exc)
            return domain, entries

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return dict(pool.map(one, list(domains)))


def extract_national(raw_dir, run_id: str, indicator_vars: Iterable[str | int | dict] | None = None,
                     years: Iterable[int] | None = None, *, domains: Iterable[str] | None = None,
                     client: BpsClient | None = None, max_workers: int | None = None,
                     progress: Callable[[str], None] | None = None,
                     fresh_since: datetime | None = None, quarantine_dir=None,
                     map_max_age: timedelta | None = MAP_MAX_AGE) -> list[dict]:
    """Every province domain (the four 2022 Papua provinces included) x the tables its variable map
    matched to a catalogue indicator (or an analyst overrode), fetched in parallel within the host
    limit; one landing partition per domain x var. No var id is fixed: each domain's numbering is
    discovered (`bps_discovery`), each answer verified against the map (a different table is
    quarantined, not landed). Ambiguous and missing indicators are reported (`status: "gap"`).
    `indicator_vars`: explicit var ids instead (a manual pull, not verified). `years`: only those years
    (`th` = year - 1900, `;`-separated) instead of the whole series. Tables that fail are reported
    together after the others have landed.

    `fresh_since`: a table fetched for the same years at or after this moment (or fetched again then
    and found unchanged) is not asked again; its summary says `status: "fresh"`. A DAG passes the end of
    its data interval, so a rerun or retry of the same interval asks only what it has not fetched yet.
    The landed `last_update` says when BPS last revised a table (a changed one is noted `revised`)."""
    client = client or BpsClient.from_env()
    domains = list(domains) if domains is not None else regions.province_domains()
    years = None if years is None else sorted({int(y) for y in years})
    progress = progress or (lambda line: log.info("%s", line))
    workers = max(1, max_workers or client.http.max_per_host)
    summaries: list[dict] = []
    jobs: list[tuple[str, str, Any]] = []
    if indicator_vars is not None:
        var_ids = sorted({str(v["var_id"]) if isinstance(v, dict) else str(v) for v in indicator_vars}, key=_num_key)
        jobs = [(d, v, None) for d in domains for v in var_ids]
    else:
        from extractors import bps_discovery

        for domain, entries in variable_maps(raw_dir, run_id, domains, client, max_age=map_max_age,
                                             workers=workers).items():
            for e in entries:
                if e.status in bps_discovery.PULLED and e.var_id:
                    if years is None or any(e.covers(y) for y in years):
                        jobs.append((domain, e.var_id, e))
                else:
                    summaries.append({"source": SOURCE, "dataset": "observations", "status": "gap",
                                      "partition": f"domain={domain}/indicator={e.indicator_code}",
                                      "row_count": 0, "gap": e.status, "reason": e.reason})
    gaps = [s for s in summaries if s.get("status") == "gap"]
    if gaps:
        progress(f"bps: {len(gaps)} domain x indicator gaps (ambiguous or missing in the variable maps)")

    def run(job):
        domain, var, entry = job
        wanted = years if entry is None or years is None else [y for y in years if entry.covers(y)]
        th = None if wanted is None else ";".join(str(y - 1900) for y in wanted)
        if fresh_since is not None:
            landed = landing.landed_for(raw_dir, SOURCE, "observations", {"domain": domain, "var": var},
                                        query={"th": th}, since=fresh_since)
            if landed is not None:
                return {**landing.summary(landed), "status": "fresh"}
        try:
            manifest = land_observations(raw_dir, client, domain, var, run_id, th=th, entry=entry,
                                         quarantine_dir=quarantine_dir)
        except _Quarantined as q:
            progress(f"bps domain={domain} var={var}: quarantined ({q.reason})")
            return {"source": SOURCE, "dataset": "observations", "partition": f"domain={domain}/var={var}",
                    "row_count": 0, "status": "quarantined", "reason": q.reason, "quarantined_rows": q.rows}
        progress(f"bps domain={domain} var={var}: {manifest['row_count']} rows")
        return landing.summary(manifest)

    failures = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(run, job): job for job in jobs}
        for future, job in futures.items():
            try:
                summaries.append(future.result())
            except ExtractError as exc:
                failures.append(f"domain={job[0]} var={job[1]}: {exc}")
    if failures:
        raise ExtractError(f"{len(failures)} of {len(jobs)} BPS tables failed; first: {failures[0]}")
    return summaries


def _num_key(value: str):
    return (0, int(value)) if value.isdigit() else (1, value)


__all__ = ["BpsClient", "decode_data", "parse_statictable", "land_observations", "land_statictable",
           "extract_national", "load_indicator_vars", "OBSERVATION_SCHEMA"]
