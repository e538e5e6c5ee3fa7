"""Reference data (regions, cohorts, dimensions, indicator catalogue) read from the dbt seeds, the one
copy of it in the project. Plain csv: codes stay text, with their dots and leading zeros."""
from __future__ import annotations

import csv
import re
import unicodedata
from functools import cache

from smartcity_base.settings import REFERENCE_DIR


@cache
def load(name: str) -> tuple[dict[str, str], ...]:
    """Rows of `seeds/reference/<name>.csv` as dicts of strings."""
    with open(REFERENCE_DIR / f"{name}.csv", newline="", encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def regions() -> tuple[dict[str, str], ...]:
    """The 514 kabupaten/kota, keyed by `kode_kemendagri` (PP.KK)."""
    return load("kabupaten_kota")


def provinces() -> tuple[dict[str, str], ...]:
    return load("provinsi")


def participants() -> tuple[dict[str, str], ...]:
    """Program participants with their cohort year (`tahun_kohort`)."""
    return load("smart_city_peserta")


def indicators() -> tuple[dict[str, str], ...]:
    return load("indikator_usulan")


@cache
def bps_to_kemendagri() -> dict[str, str]:
    """BPS 4-digit kab/kota code -> Kemendagri PP.KK code (differs for 199 of 514)."""
    return {r["kode_bps_2018"]: r["kode_kemendagri"] for r in regions() if r["kode_bps_2018"]}


@cache
def old_to_current_code() -> dict[str, str]:
    """Kemendagri 2021 codes that changed in the 2022 Papua split -> current codes (91.09 -> 94.04)."""
    return {r["kode_kemendagri_2021"]: r["kode_kemendagri_2025"]
            for r in load("kabupaten_kota_perubahan_kode_2021_2025")}


_PREFIXES = ("kabupaten ", "kab. ", "kab ", "kota ", "kotamadya ")


def normalise_name(name: str) -> str:
    """Lower-case, ASCII, single-spaced, punctuation stripped: 'KAB. MUSI  RAWAS' -> 'musi rawas'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9. ]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    return text.replace(".", "").strip()
