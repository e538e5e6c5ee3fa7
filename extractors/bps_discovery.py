"""BPS variable discovery and matching, as reviewed data.

BPS numbers each domain's dynamic tables itself ("Jumlah Penduduk" is var 31 in Pinrang, 32 in Batang
Hari), so no var id is fixed in the pull path. Per domain: the variable list (`list/model/var`, every
page, with subject and unit) is matched against the indicator rules in seed `bps_indicator_variables.csv`
(Indonesian title pattern, unit, total derived variable, official annual period), with exclusions
(breakdowns by age, sex, kecamatan, desa) and manual overrides in seed `bps_variable_overrides.csv`.
The result is a variable map: one row per domain x indicator x var id with the years it covers (a series
may move to a new id) and a status: `matched`, `ambiguous`, `missing` or `overridden`. Only matched and
overridden rows are pulled; the others are visible gaps with their reason.

Every fetch is verified against the map (`verify`): the returned variable label, unit and
`labelvervar` must agree, or the rows are quarantined with the reason, never loaded as the indicator."""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pyarrow as pa

from extractors import landing, regions
from extractors.secrets import get_logger

log = get_logger(__name__)

SEEDS = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"
RULES_CSV = SEEDS / "bps_indicator_variables.csv"
OVERRIDES_CSV = SEEDS / "bps_variable_overrides.csv"
PULLED = ("matched", "overridden")
MAP_COLUMNS = ["domain", "indicator_code", "var_id", "year_from", "year_to", "title", "unit", "subject",
               "total_turvar", "annual_period", "score", "status", "reason"]
MAP_SCHEMA = pa.schema([(c, pa.int32() if c in ("year_from", "year_to") else
                         pa.float64() if c == "score" else pa.string()) for c in MAP_COLUMNS])

# breakdowns that are never a region's indicator value (a table by age group, sex, kecamatan, ...)
EXCLUDE = re.compile(
    r"\b(menurut|berdasarkan|dirinci|per)\b.*\b(kelompok umur|golongan umur|umur|jenis kelamin|kecamatan|"
    r"desa|kelurahan|lapangan usaha|pendidikan|agama)\b|\bkecamatan\b|\bkelompok umur\b",
    re.IGNORECASE)
# what the table is about, not what it is: "... Menurut Kabupaten/Kota (di Provinsi X)", "..., 2015-2024"
_WHERE = re.compile(r"\s+(menurut|di)\s+(kabupaten\s*/\s*kota|kabupaten|kota|provinsi)\b.*$", re.IGNORECASE)
_YEARS = re.compile(r"[\s,]*(tahun\s+)?\d{4}(\s*[-–]\s*\d{4})?\s*$", re.IGNORECASE)
_PAREN = re.compile(r"\s*\(([^()]*)\)\s*$")
_UNIT_ALIASES = {"%": "persen", "percent": "persen", "orang": "jiwa", "jiwa/orang": "jiwa"}
# labelvervar of a table keyed by kab/kota (a province domain's tables must be)
_KABKOTA = re.compile(r"\b(kabupaten|kab|kota|kotamadya|wilayah|regency|city)\b", re.IGNORECASE)


def _text(value) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).replace("\xa0", " ")
    return " ".join(text.split())


def normalise_unit(unit) -> str:
    text = _text(unit).lower()
    return _UNIT_ALIASES.get(text, text)


def normalise_title(title, unit=None) -> str:
    """Lower case, spaces collapsed, without the 'Menurut Kabupaten/Kota ...' tail, a trailing year
    range, or a trailing '(unit)' ('Jumlah Penduduk (Jiwa)' is 'jumlah penduduk')."""
    text = _text(title).lower()
    for _ in range(3):
        before = text
        text = _YEARS.sub("", _WHERE.sub("", text)).strip(" ,")
        paren = _PAREN.search(text)
        if paren and (normalise_unit(paren.group(1)) == normalise_unit(unit) or
                      normalise_unit(paren.group(1)) in ("jiwa", "persen", "orang", "rupiah", "indeks", "tahun")):
            text = text[:paren.start()].strip()
        if text == before:
            break
    return text


@dataclass
class Rule:
    indicator_code: str
    label: str
    unit: str
    pattern: re.Pattern
    total_turvar: str = ""
    annual_period: str = "annual"
    exclude: re.Pattern | None = None  # the indicator's own exclusions, besides the breakdowns (EXCLUDE)


def _exclude(pattern: str | None) -> re.Pattern | None:
    return re.compile(pattern, re.IGNORECASE) if (pattern or "").strip() else None


def load_rules(path: Path | str = RULES_CSV) -> list[Rule]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [Rule(r["indicator_code"], r["var_label"], r["unit"],
                     re.compile(f"(?:{r.get('title_pattern') or re.escape(r['var_label'].lower())})", re.IGNORECASE),
                     r.get("total_turvar") or "", r.get("annual_period") or "annual",
                     _exclude(r.get("exclude_pattern")))
                for r in csv.DictReader(fh)]


def load_overrides(path: Path | str = OVERRIDES_CSV) -> list[dict]:
    """Analyst overrides: domain, indicator_code, var_id, year_from, year_to, note. An empty var_id
    says "this domain has no table for it" (status overridden, nothing pulled)."""
    if not Path(path).exists():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if (r.get("domain") or "").strip()]


@dataclass
class MapEntry:
    domain: str
    indicator_code: str
    var_id: str | None
    year_from: int | None = None
    year_to: int | None = None
    title: str | None = None
    unit: str | None = None
    subject: str | None = None
    total_turvar: str = ""
    annual_period: str = "annual"
    score: float = 0.0
    status: str = "missing"
    reason: str | None = None
    extra: dict = field(default_factory=dict, repr=False)

    def row(self) -> dict:
        out = asdict(self)
        out.pop("extra")
        return out

    def covers(self, year: int) -> bool:
        return (self.year_from is None or year >= self.year_from) and (self.year_to is None or year <= self.year_to)


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def match_domain(domain: str, variables: Iterable[dict], rules: list[Rule] | None = None,
                 overrides: list[dict] | None = None,
                 years_of: Callable[[str], set[int]] | None = None) -> list[MapEntry]:
    """The variable map of one domain from its variable list (`list/model/var` items: var_id, title,
    unit, sub_name). `years_of(var_id)`: the years a var has data for, asked only when several tables
    match one indicator (a series that moved to a new id has disjoint years; overlapping ones are
    ambiguous)."""
    rules = load_rules() if rules is None else rules
    overrides = load_overrides() if overrides is None else overrides
    variables = [v for v in variables if v.get("var_id") not in (None, "")]
    by_id = {str(v["var_id"]): v for v in variables}
    out: list[MapEntry] = []
    for rule in rules:
        base = dict(domain=domain, indicator_code=rule.indicator_code, total_turvar=rule.total_turvar,
                    annual_period=rule.annual_period)
        mine = [o for o in overrides
                if o["domain"].strip() == domain and o["indicator_code"].strip() == rule.indicator_code]
        if mine:
            for o in mine:
                var_id = (o.get("var_id") or "").strip() or None
                item = by_id.get(var_id or "", {})
                out.append(MapEntry(**base, var_id=var_id, year_from=_int(o.get("year_from")),
                                    year_to=_int(o.get("year_to")), title=item.get("title"), unit=item.get("unit"),
                                    subject=item.get("sub_name"), score=1.0, status="overridden",
                                    reason=(o.get("note") or "analyst override").strip()))
            continue
        good, unit_differs = [], []
        for v in variables:
            title = str(v.get("title") or "")
            if EXCLUDE.search(title) or (rule.exclude is not None and rule.exclude.search(title)):
                continue
            if not rule.pattern.fullmatch(normalise_title(title, v.get("unit"))):
                continue
            unit_ok = not v.get("unit") or normalise_unit(v.get("unit")) == normalise_unit(rule.unit)
            score = 0.6 + (0.3 if unit_ok else 0.0) + (0.1 if normalise_title(title, v.get("unit")) ==
                                                        normalise_title(rule.label, rule.unit) else 0.0)
            (good if unit_ok else unit_differs).append((round(score, 2), v))
        def entry(v, score, status, reason=None, y0=None, y1=None, base=base):
            return MapEntry(**base, var_id=str(v["var_id"]), title=v.get("title"), unit=v.get("unit"),
                            subject=v.get("sub_name"), score=score, status=status, reason=reason,
                            year_from=y0, year_to=y1)
        if len(good) == 1:
            out.append(entry(good[0][1], good[0][0], "matched"))
        elif len(good) > 1:
            spans = {str(v["var_id"]): sorted(years_of(str(v["var_id"]))) if years_of else [] for _, v in good}
            ordered = sorted(good, key=lambda sv: (spans[str(sv[1]["var_id"])] or [0])[0])
            disjoint = all(spans[str(v["var_id"])] for _, v in good) and all(
                spans[str(a["var_id"])][-1] < spans[str(b["var_id"])][0]
                for (_, a), (_, b) in zip(ordered, ordered[1:], strict=False))
            if disjoint:  # one series under several ids: each id for its years
                for score, v in ordered:
                    years = spans[str(v["var_id"])]
                    out.append(entry(v, score, "matched", "series spans several var ids", years[0], years[-1]))
            else:
                ids = ", ".join(f"{v['var_id']} {v.get('title')!r}" for _, v in good)
                for score, v in good:
                    out.append(entry(v, score, "ambiguous", f"{len(good)} tables match with overlapping years: {ids}"))
        elif unit_differs:
            for score, v in unit_differs:
                out.append(entry(v, score, "ambiguous",
                                 f"title matches but unit {v.get('unit')!r} is not {rule.unit!r}"))
        else:
            out.append(MapEntry(**base, var_id=None, status="missing",
                                reason=f"no table of domain {domain} matches {rule.label!r}"))
    return out


def discover_domain(client, domain: str, rules: list[Rule] | None = None, overrides: list[dict] | None = None,
                    trace: list | None = None) -> list[MapEntry]:
    """Fetch one domain's variable list (every page) and match it."""
    variables = list(client.list_all("var", domain, trace=trace))

    def years_of(var_id: str) -> set[int]:
        items = client.list_all("th", domain, filters={"var": var_id}, trace=trace)
        return {y for y in (_int(i.get("th")) for i in items) if y}

    return match_domain(domain, variables, rules, overrides, years_of)


def land_variable_map(raw_dir, client, domain: str, run_id: str, rules=None,
                      overrides=None) -> tuple[dict, list[MapEntry]]:
    """Discover one domain and land its map as `bps/variable_map/domain=D/` (gaps included, with reasons)."""
    with landing.PartitionWriter(raw_dir, "bps", "variable_map", {"domain": domain}, run_id,
                                 schema=MAP_SCHEMA) as part:
        entries = discover_domain(client, domain, rules, overrides, trace=part.requests)
        part.write(e.row() for e in entries)
        counts: dict[str, int] = {}
        for e in entries:
            counts[e.status] = counts.get(e.status, 0) + 1
        part.extra.update(statuses=counts)
    return part.manifest, entries


def read_landed_map(raw_dir, domain: str) -> list[MapEntry]:
    import pyarrow.parquet as pq

    path = Path(raw_dir) / "bps" / "variable_map" / landing.partition_path({"domain": domain}) / "data.parquet"
    return [MapEntry(**{k: r.get(k) for k in MAP_COLUMNS}) for r in pq.read_table(path).to_pylist()]


def write_map_csv(entries: Iterable[MapEntry], path: Path | str) -> int:
    rows = [e.row() for e in entries]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=MAP_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


# --- verification on every fetch ----------------------------------------------------------------------
def verify(payload: dict | None, entry: MapEntry) -> str | None:
    """Why this answer is not the mapped table (None when it is): the variable label and unit must agree
    with the map, and a province domain's table must be keyed by kab/kota (`labelvervar`)."""
    if not payload:
        return None
    var = next((v for v in payload.get("var") or [] if isinstance(v, dict)), None)
    if var is None:
        return "the answer names no variable"
    if entry.title and normalise_title(var.get("label"), var.get("unit")) != normalise_title(entry.title, entry.unit):
        return (f"var {entry.var_id} of domain {entry.domain} returned {_text(var.get('label'))!r}, "
                f"mapped as {_text(entry.title)!r} for {entry.indicator_code}")
    if entry.unit and var.get("unit") and normalise_unit(var.get("unit")) != normalise_unit(entry.unit):
        return (f"var {entry.var_id} of domain {entry.domain} returned unit {_text(var.get('unit'))!r}, "
                f"mapped unit {_text(entry.unit)!r}")
    labelvervar = _text(payload.get("labelvervar"))
    if regions.province_of_bps_domain(entry.domain) and labelvervar and not _KABKOTA.search(labelvervar):
        return (f"var {entry.var_id} of province domain {entry.domain} is keyed by {labelvervar!r}, "
                f"not by kabupaten/kota")
    return None


__all__ = ["MapEntry", "Rule", "load_rules", "load_overrides", "match_domain", "discover_domain",
           "land_variable_map", "read_landed_map", "write_map_csv", "verify", "normalise_title", "PULLED"]
