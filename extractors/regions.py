"""Region names and BPS codes -> Kemendagri codes, through `smartcity_base.reference` (the one copy of the
reference data). Kabupaten X and Kota X can share a short name (Bandung, Bogor, Kediri...), so matching
keeps the kind (kabupaten/kota) apart and refuses to guess when a name alone is ambiguous."""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from smartcity_base import reference

_KOTA = re.compile(r"^(kota|kotamadya|kodya|kota administrasi)\b\.?\s*", re.IGNORECASE)
_KAB = re.compile(r"^(kabupaten|kab\.?|kab\b|kabupaten administrasi)\s*", re.IGNORECASE)


def name_key(name: str) -> str:
    """ASCII letters and digits only: 'LABUHAN BATU' == 'Labuhanbatu', 'S I A K' == 'Siak'. Prefixes are
    not stripped here (`split_kind` does that) so 'Kota Baru' can still be tried whole."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "", text)


def split_kind(name: str) -> tuple[str | None, str]:
    """('Kota'|'Kabupaten'|None, name without the prefix)."""
    text = " ".join(str(name).replace("\xa0", " ").split())
    if _KOTA.match(text):
        return "Kota", _KOTA.sub("", text)
    if _KAB.match(text):
        return "Kabupaten", _KAB.sub("", text)
    return None, text


@dataclass(frozen=True)
class Match:
    code: str | None
    reason: str | None = None  # why there is no code


@lru_cache(maxsize=None)
def _index() -> dict[str, list[tuple[str, str, str]]]:
    """name key -> [(kemendagri code, kind, province code)], from current, BPS and pre-2022 names."""
    index: dict[str, set] = defaultdict(set)
    for r in reference.regions():
        entry = (r["kode_kemendagri"], r["jenis"], r["kode_provinsi"], r["kode_bps_2018"][:2])
        for alias in (r["nama_pendek"], r["nama_bps_2018"]):
            if alias:
                index[name_key(split_kind(alias)[1])].add(entry)
        index[name_key(split_kind(r["nama"])[1])].add(entry)
    by_code = {r["kode_kemendagri"]: r for r in reference.regions()}
    for r in reference.load("kabupaten_kota_perubahan_kode_2021_2025"):  # pre-2022 names, current codes
        current = by_code.get(r["kode_kemendagri_2025"])
        if current:
            entry = (current["kode_kemendagri"], current["jenis"], current["kode_provinsi"],
                     current["kode_bps_2018"][:2])
            index[name_key(split_kind(r["nama_2021"])[1])].add(entry)
    return {k: sorted(v) for k, v in index.items()}


def match_region(name: str | None, *, province: str | None = None, bps_province: str | None = None,
                 unprefixed_kind: str | None = None) -> Match:
    """Kemendagri code for a free-text region name.

    `province`: a Kemendagri province code narrowing the search; `bps_province`: the same by the 2-digit
    BPS province code (BPS domains still group the 2022 Papua provinces under the old ones).
    `unprefixed_kind`: what a name without 'Kota'/'Kabupaten' means when both exist (BPS labels kabupaten
    bare and cities as 'Kota X', so BPS callers pass 'Kabupaten'; spreadsheets pass None and such rows
    are ambiguous)."""
    if name is None or not str(name).strip():
        return Match(None, "empty region name")
    kind, short = split_kind(str(name))
    candidates = _index().get(name_key(short), [])
    if kind == "Kota" and not any(c[1] == "Kota" for c in candidates):
        # 'KOTA BARU' is Kabupaten Kotabaru in BPS naming: try the name whole
        whole = _index().get(name_key(str(name)), [])
        if whole:
            candidates, kind = whole, None
    if province:
        candidates = [c for c in candidates if c[2] == province]
    if bps_province:
        candidates = [c for c in candidates if c[3] == bps_province]
    if not candidates:
        return Match(None, f"unknown region name {name!r}")
    if kind:
        candidates = [c for c in candidates if c[1] == kind] or []
        if not candidates:
            return Match(None, f"no {kind} named {short!r}")
    if len(candidates) > 1 and unprefixed_kind:
        candidates = [c for c in candidates if c[1] == unprefixed_kind] or candidates
    codes = sorted({c[0] for c in candidates})
    if len(codes) > 1:
        return Match(None, f"ambiguous region name {name!r}: {', '.join(codes)}")
    return Match(codes[0])


def bps_code_to_kemendagri(bps_code: str | int | None) -> str | None:
    """A 4-digit BPS kab/kota code to its Kemendagri code (they differ for 199 of 514)."""
    if bps_code is None:
        return None
    return reference.bps_to_kemendagri().get(str(bps_code))


PROVINCE_DOMAINS_CSV = reference.REFERENCE_DIR.parent / "bps_province_domains.csv"
SPLIT_YEAR = 2022  # the four new Papua provinces (UU 14/15/16/29 of 2022) have their own BPS offices


@lru_cache(maxsize=None)
def _province_domains() -> dict[str, dict[str, str]]:
    """domain id -> row of seed `bps_province_domains.csv` (domain_id, kode_provinsi, nama_bps, from_year)."""
    import csv

    with open(PROVINCE_DOMAINS_CSV, newline="", encoding="utf-8") as fh:
        return {r["domain_id"]: r for r in csv.DictReader(fh)}


def province_of_bps_domain(domain: str) -> str | None:
    """Kemendagri province code of a BPS province domain `PP00` (BPS swaps Papua 94 / Papua Barat 91;
    the 2022 provinces have domains of their own)."""
    row = _province_domains().get(str(domain))
    return row["kode_provinsi"] if row else None


def is_new_province_domain(domain: str) -> bool:
    row = _province_domains().get(str(domain))
    return bool(row and row["from_year"])


def province_domains(year: int | None = None) -> list[str]:
    """Every current BPS province domain (`PP00`), the four created in 2022 included; with `year`, only
    the domains that published for that year."""
    return [d for d, r in _province_domains().items()
            if year is None or not r["from_year"] or int(year) >= int(r["from_year"])]


def regions_of_domain(domain: str, year: int) -> list[str]:
    """Kemendagri codes of the kab/kota a province domain holds in `year`: before 2022 the old Papua
    domains hold the regions that moved to the new provinces; from 2022 each new domain holds its own."""
    province = province_of_bps_domain(domain)
    if province is None:
        return []
    moved = {r["kode_kemendagri_2025"]: r["kode_provinsi_2021"]
             for r in reference.load("kabupaten_kota_perubahan_kode_2021_2025")}
    old_province = {r["kode_provinsi"]: r["kode_bps_2018"] for r in reference.provinces()}
    out = []
    for r in reference.regions():
        if year >= SPLIT_YEAR or r["kode_kemendagri"] not in moved:
            if r["kode_provinsi"] == province:
                out.append(r["kode_kemendagri"])
        elif not is_new_province_domain(domain) and old_province.get(moved[r["kode_kemendagri"]]) == domain[:2]:
            out.append(r["kode_kemendagri"])  # before the split: in the old domain
    return out


def domain_filter(domain: str) -> dict[str, str]:
    """`match_region` narrowing for a province domain: the BPS 2018 prefix for the old domains (which
    held the new provinces' regions until 2022), the Kemendagri province for the new ones."""
    if is_new_province_domain(domain):
        return {"province": province_of_bps_domain(domain)}
    return {"bps_province": str(domain)[:2]}
