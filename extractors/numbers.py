"""Numbers as regional sources write them: `"1.234,56"` (dot thousands, comma decimals), `"1.234"`,
`"-"` for none, `"n/a"`, footnote marks glued to figures and labels - and as machines write them
(`"0.381"`, `"71.234"`: a dot for decimals).

Which of the two a column uses is decided from evidence (`decide_locale`), never guessed per value:
other values of the column ('1.234,56' or '0,5' prove comma decimals; '0.381', '12.5' or '1,234.5' prove
dot decimals; '1.234.567' proves dot thousands), then the unit (a percentage of '71.234' read as
thousands would exceed 100; a count is whole), then the source's declared format. A column whose
values prove both, or whose only values are a lone '71.234' with nothing to decide by, is ambiguous:
the caller quarantines it with the reason."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

MISSING_MARKERS = {"-", "–", "—", "n/a", "na", "n.a.", "n.a", "...", "…", "x", "tt", "t.t", "tidak ada", ""}
_FOOTNOTE_TAIL = re.compile(r"(?<=[^\d\s.,])[\d¹²³⁴⁵⁶⁷⁸⁹⁰]{1,2}\)?$|[*¹²³⁴⁵⁶⁷⁸⁹⁰†]+$")
_YEAR = re.compile(r"^\s*((?:19|20)\d{2})\s*(?:[*¹²³⁴⁵⁶⁷⁸⁹⁰†]+|\(\w{1,3}\)|[a-z])?\s*$", re.IGNORECASE)
_DOT_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
_COMMA_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+$")


@dataclass(frozen=True)
class Parsed:
    value: float | None
    status: str  # "ok" | "missing" (a none marker) | "invalid"


def strip_footnote(label: str) -> str:
    """'lainnya1' -> 'lainnya', 'Kota Bandung²' -> 'Kota Bandung', 'Garut*' -> 'Garut'."""
    text = " ".join(str(label).split())
    return _FOOTNOTE_TAIL.sub("", text).strip()


def parse_year(value) -> int | None:
    """A year header ('2023', 2023, '2023*', '2023 (r)'), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() and 1900 <= value <= 2100 else None
    match = _YEAR.match(str(value))
    return int(match.group(1)) if match else None


COMMA_DECIMAL = "comma_decimal"  # 1.234,56 (Indonesian)
DOT_DECIMAL = "dot_decimal"      # 1,234.56 / 0.381 (machine-written CSV, APIs)


def parse_number(raw, locale: str | None = None) -> Parsed:
    """Number text to a float. `locale` (from `decide_locale`) says which mark is the decimal one;
    without it, Indonesian notation: a lone dot followed by exactly three digits is a thousands
    separator ('1.234' = 1234), as regional spreadsheets write it; a comma is the decimal mark."""
    if raw is None:
        return Parsed(None, "missing")
    if isinstance(raw, bool):
        return Parsed(None, "invalid")
    if isinstance(raw, (int, float)):
        return Parsed(None, "missing") if isinstance(raw, float) and math.isnan(raw) else Parsed(float(raw), "ok")
    text = str(raw).strip().replace("\xa0", "").replace(" ", "")
    if text.lower() in MISSING_MARKERS:
        return Parsed(None, "missing")
    text = re.sub(r"[*¹²³⁴⁵⁶⁷⁸⁹⁰†]+$", "", text).rstrip("%")
    negative = text.startswith("(") and text.endswith(")")  # accounting negatives
    text = text.strip("()")
    if locale == COMMA_DECIMAL:
        text = text.replace(".", "").replace(",", ".") if _COMMA_DEC_OK.match(text) else text + "!"
    elif locale == DOT_DECIMAL:
        text = text.replace(",", "") if _DOT_DEC_OK.match(text) else text + "!"
    elif "," in text and "." in text:
        # whichever comes last is the decimal mark
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") \
            else text.replace(",", "")
    elif "," in text:
        text = text.replace(",", "") if _COMMA_THOUSANDS.match(text) and text.count(",") > 1 \
            else text.replace(",", ".")
    elif _DOT_THOUSANDS.match(text):
        text = text.replace(".", "")
    try:
        value = float(text)
    except ValueError:
        return Parsed(None, "invalid")
    if math.isnan(value) or math.isinf(value):
        return Parsed(None, "invalid")
    return Parsed(-value if negative else value, "ok")


_COMMA_DEC_OK = re.compile(r"^[-+]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
_DOT_DEC_OK = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$|^[-+]?\.\d+$")
_AMBIGUOUS = re.compile(r"^[-+]?[1-9]\d{0,2}[.,]\d{3}$")  # '71.234', '1,234': thousands or decimals?
_COUNT_UNITS = re.compile(r"^(count|jumlah|jiwa|orang|unit|buah|dataset|kali|rumah ?tangga|rt|kk|sekolah|"
                          r"desa|kelurahan|kecamatan|titik|aplikasi|layanan|kunjungan|ton|ha|km|rupiah|rp|idr)\b",
                          re.IGNORECASE)
_UNIT_BOUNDS = [  # unit text -> the largest value it can hold
    (re.compile(r"^(%|persen)", re.IGNORECASE), 100.0),
    (re.compile(r"\b(gini|rasio gini|ratio)\b|^rasio$|^indeks \(0-1\)|0-1\b", re.IGNORECASE), 1.0),
    (re.compile(r"skor 0-5|0-5\b", re.IGNORECASE), 5.0),
    (re.compile(r"0-100\b|^indeks$|^index$|^index 0-100", re.IGNORECASE), 100.0),
]


def _clean(raw) -> str | None:
    if raw is None or isinstance(raw, (bool, int, float)):
        return None
    text = str(raw).strip().replace("\xa0", "").replace(" ", "")
    if text.lower() in MISSING_MARKERS:
        return None
    text = re.sub(r"[*¹²³⁴⁵⁶⁷⁸⁹⁰†]+$", "", text).rstrip("%").strip("()")
    return text or None


def value_evidence(raw) -> str | None:
    """What one value proves: COMMA_DECIMAL, DOT_DECIMAL, "ambiguous" ('71.234': a dot or comma before
    exactly three digits) or None (no mark at all, or not a number)."""
    text = _clean(raw)
    if not text or not re.fullmatch(r"[-+]?[\d.,]+", text) or not re.search(r"\d", text):
        return None
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        return COMMA_DECIMAL if text.rfind(",") > text.rfind(".") else DOT_DECIMAL
    if not dots and not commas:
        return None
    mark, n = (".", dots) if dots else (",", commas)
    other = COMMA_DECIMAL if mark == "." else DOT_DECIMAL   # the locale in which this mark groups thousands
    same = DOT_DECIMAL if mark == "." else COMMA_DECIMAL    # the locale in which this mark is the decimal
    if n >= 2:
        return other if re.fullmatch(rf"[-+]?\d{{1,3}}(\{mark}\d{{3}})+", text) else None
    if _AMBIGUOUS.match(text):
        return "ambiguous"
    return same  # '0.381', '12.5', '1234.567', '0,5', '12,50'


@dataclass(frozen=True)
class LocaleDecision:
    locale: str | None   # COMMA_DECIMAL, DOT_DECIMAL, or None (ambiguous, or no value needs it)
    evidence: str        # why, for the manifest and the quarantine reason
    ambiguous: bool = False

    def to_dict(self) -> dict:
        return {"locale": self.locale, "evidence": self.evidence, "ambiguous": self.ambiguous}


def _unit_says(text: str, unit: str | None) -> str | None:
    """The locale a unit proves for one ambiguous value, or None."""
    unit = (unit or "").strip()
    if not unit:
        return None
    digits = text.lstrip("+-")
    as_thousands = float(digits.replace(".", "").replace(",", ""))
    for pattern, bound in _UNIT_BOUNDS:
        if pattern.search(unit):
            if as_thousands > bound:  # read as thousands it would not fit the unit
                return DOT_DECIMAL if "." in digits else COMMA_DECIMAL
            return None
    if _COUNT_UNITS.search(unit):  # whole things: the mark groups thousands
        return COMMA_DECIMAL if "." in digits else DOT_DECIMAL
    return None


def decide_locale(values, *, unit: str | None = None, units=None, declared: str | None = None) -> LocaleDecision:
    """The decimal mark of a column (or file) from its values. `unit` is the column's unit, `units` one per
    value (a row-per-indicator table), `declared` the source's declared format (COMMA_DECIMAL or
    DOT_DECIMAL) used only when the values and the unit do not decide."""
    values = list(values)
    units = list(units) if units is not None else [unit] * len(values)
    seen: dict[str, str] = {}
    ambiguous: list[tuple[str, str | None]] = []
    for raw, u in zip(values, units, strict=False):
        kind = value_evidence(raw)
        if kind == "ambiguous":
            ambiguous.append((_clean(raw), u))
        elif kind:
            seen.setdefault(kind, str(raw).strip())
    if len(seen) == 2:
        return LocaleDecision(None, f"conflicting number formats: {seen[COMMA_DECIMAL]!r} has a decimal comma "
                                    f"and {seen[DOT_DECIMAL]!r} a decimal point", True)
    if seen:
        (kind, example), = seen.items()
        return LocaleDecision(kind, f"values: {example!r}")
    if not ambiguous:
        return LocaleDecision(declared, "no value has a decimal or thousands mark"
                              + (f"; declared {declared}" if declared else ""))
    by_unit = {_unit_says(text, u) for text, u in ambiguous}
    if len(by_unit) == 1 and None not in by_unit:
        kind = by_unit.pop()
        return LocaleDecision(kind, f"unit {ambiguous[0][1]!r}: {ambiguous[0][0]!r} read as "
                                    f"{'a decimal' if kind == DOT_DECIMAL else 'thousands'}")
    if declared:
        return LocaleDecision(declared, f"declared by the source ({declared})")
    return LocaleDecision(None, f"ambiguous number format: {ambiguous[0][0]!r} could be thousands or decimals "
                                "and no other value, unit or declared format decides", True)
