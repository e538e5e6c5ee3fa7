"""Numbers as regional sources write them: `"1.234,56"` (dot thousands, comma decimals), `"1.234"`,
`"-"` for none, `"n/a"`, footnote marks glued to figures and labels."""
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


def parse_number(raw) -> Parsed:
    """Indonesian number text to a float. A lone dot followed by exactly three digits is a thousands
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
    if "," in text and "." in text:
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
