"""The part of Solr's Lucene query syntax that CKAN portals are queried with, over in-memory packages.

CKAN sends `q` through dismax when it has no colon (terms must match with minimum-should-match
`2<-1 5<80%`) and through the standard parser otherwise, and every `fq` through the standard parser
with `q.op=AND` (ckan/lib/search/query.py). Text fields match whole tokens (not substrings); string
fields (name, tags, organization, res_format, ...) match exactly; dates compare as ranges. A query the
parser cannot read raises `QuerySyntaxError`, which CKAN answers with 409 "Search Error".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

TEXT_FIELDS = ("title", "notes", "text", "res_name", "res_description")
DATE_FIELDS = ("metadata_created", "metadata_modified")
_TOKEN = re.compile(r"\w+", re.UNICODE)


class QuerySyntaxError(ValueError):
    pass


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def package_fields(pkg: dict) -> dict[str, list[str]]:
    """The Solr document CKAN indexes for a package: field -> values."""
    org = pkg.get("organization") or {}
    resources = pkg.get("resources") or []
    tags = [t["name"] for t in pkg.get("tags") or []]
    doc = {
        "id": [pkg["id"]], "name": [pkg["name"]], "title": [pkg.get("title") or ""],
        "notes": [pkg.get("notes") or ""], "state": [pkg.get("state", "active")],
        "type": [pkg.get("type", "dataset")], "license_id": [pkg.get("license_id") or ""],
        "owner_org": [pkg.get("owner_org") or ""], "organization": [org.get("name", "")],
        "tags": tags, "groups": [g["name"] for g in pkg.get("groups") or []],
        "res_format": [r.get("format") or "" for r in resources],
        "res_name": [r.get("name") or "" for r in resources],
        "res_description": [r.get("description") or "" for r in resources],
        "metadata_created": [pkg.get("metadata_created") or ""],
        "metadata_modified": [pkg.get("metadata_modified") or ""],
    }
    for extra in pkg.get("extras") or []:
        doc[f"extras_{extra['key']}"] = [str(extra["value"])]
    doc["text"] = [doc["name"][0], doc["title"][0], doc["notes"][0], org.get("title", ""), *tags,
                   *doc["res_name"], *doc["res_description"]]
    return doc


Matcher = Callable[[dict[str, list[str]]], bool]


@dataclass
class _Lexer:
    text: str
    pos: int = 0

    def tokens(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        s, n = self.text, len(self.text)
        i = 0
        while i < n:
            c = s[i]
            if c.isspace():
                i += 1
            elif c in "()":
                out.append((c, c))
                i += 1
            elif s.startswith("&&", i) or s.startswith("||", i):
                out.append(("OP", "AND" if c == "&" else "OR"))
                i += 2
            elif c in "+-!" and i + 1 < n and not s[i + 1].isspace():
                out.append(("PREFIX", "-" if c in "-!" else "+"))
                i += 1
            elif c == '"':
                end = s.find('"', i + 1)
                if end < 0:
                    raise QuerySyntaxError(f"unterminated phrase at position {i}")
                out.append(("PHRASE", s[i + 1:end]))
                i = end + 1
            elif c in "[{":
                close = "]" if c == "[" else "}"
                end = s.find(close, i)
                alt = s.find("]" if close == "}" else "}", i)
                end = end if end >= 0 else alt
                if end < 0:
                    raise QuerySyntaxError(f"unterminated range at position {i}")
                out.append(("RANGE", s[i + 1:end]))
                i = end + 1
            else:
                j = i
                while j < n and not s[j].isspace() and s[j] not in '()"[{':
                    if s[j] == "\\" and j + 1 < n:
                        j += 2
                        continue
                    if s[j] == ":" and j > i:
                        j += 1
                        break
                    j += 1
                word = s[i:j].replace("\\", "")
                if word in ("AND", "OR", "NOT"):
                    out.append(("OP", word) if word != "NOT" else ("PREFIX", "-"))
                elif word.endswith(":") and len(word) > 1:
                    out.append(("FIELD", word[:-1]))
                else:
                    out.append(("TERM", word))
                i = j
        return out


class _Parser:
    def __init__(self, text: str, default_field: str = "text"):
        self.toks = _Lexer(text).tokens()
        self.i = 0
        self.default_field = default_field

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise QuerySyntaxError("unexpected end of query")
        self.i += 1
        return tok

    def parse(self) -> Matcher:
        if not self.toks:
            return lambda doc: True
        m = self.or_expr()
        if self.peek() is not None:
            raise QuerySyntaxError(f"unexpected {self.peek()[1]!r}")
        return m

    def or_expr(self) -> Matcher:
        parts = [self.and_expr()]
        while self.peek() == ("OP", "OR"):
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda doc: any(p(doc) for p in parts))

    def and_expr(self) -> Matcher:
        parts = [self.unary()]
        while True:
            tok = self.peek()
            if tok is None or tok == (")", ")") or tok == ("OP", "OR"):
                break
            if tok == ("OP", "AND"):
                self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda doc: all(p(doc) for p in parts))

    def unary(self) -> Matcher:
        tok = self.peek()
        if tok and tok[0] == "PREFIX":
            self.take()
            inner = self.unary()
            return (lambda doc: not inner(doc)) if tok[1] == "-" else inner
        return self.primary(self.default_field)

    def primary(self, field: str) -> Matcher:
        kind, value = self.take()
        if kind == "(":
            saved, self.default_field = self.default_field, field
            inner = self.or_expr()
            self.default_field = saved
            if self.take() != (")", ")"):
                raise QuerySyntaxError("missing closing parenthesis")
            return inner
        if kind == "FIELD":
            nxt = self.peek()
            if nxt is None or nxt[0] in ("OP", ")"):
                raise QuerySyntaxError(f"field {value!r} has no value")
            return self.primary(value)
        if kind == "TERM":
            if value == "*" and field == "*":
                return lambda doc: True
            return _term(field, value)
        if kind == "PHRASE":
            return _phrase(field, value)
        if kind == "RANGE":
            return _range(field, value)
        raise QuerySyntaxError(f"unexpected {value!r}")


def _term(field: str, value: str) -> Matcher:
    if field == "*" or not value:
        raise QuerySyntaxError(f"bad term {field}:{value}")
    prefix = value.endswith("*") and value != "*"
    stem = value[:-1] if prefix else value
    if value == "*":
        return lambda doc: any(v for v in doc.get(field, ()))
    if field in TEXT_FIELDS:
        words = tokens(stem)
        if not words:
            return lambda doc: False
        if len(words) > 1:
            return _phrase(field, stem)
        word = words[0]
        return lambda doc: any((t.startswith(word) if prefix else t == word)
                               for v in doc.get(field, ()) for t in tokens(v))
    if field in DATE_FIELDS:
        return _range(field, f"{stem} TO {stem}")
    return lambda doc: any((v.startswith(stem) if prefix else v == stem) for v in doc.get(field, ()))


def _phrase(field: str, value: str) -> Matcher:
    if field not in TEXT_FIELDS:
        return lambda doc: value in doc.get(field, ())
    words = tokens(value)
    n = len(words)
    return lambda doc: any(any(ts[k:k + n] == words for k in range(len(ts) - n + 1))
                           for ts in (tokens(v) for v in doc.get(field, ())))


def _when(text: str) -> str | None:
    text = text.strip().strip('"')
    if text in ("*", ""):
        return None
    if text.upper().startswith("NOW"):
        return "9999"
    try:
        return datetime.fromisoformat(text.replace("Z", "")).isoformat(timespec="microseconds")
    except ValueError:
        raise QuerySyntaxError(f"invalid date {text!r}") from None


def _range(field: str, body: str) -> Matcher:
    lo_text, sep, hi_text = body.partition(" TO ")
    if not sep:
        raise QuerySyntaxError(f"range of {field} needs 'TO'")
    if field in DATE_FIELDS:
        lo, hi = _when(lo_text), _when(hi_text)
    else:
        lo = None if lo_text.strip() == "*" else lo_text.strip().strip('"')
        hi = None if hi_text.strip() == "*" else hi_text.strip().strip('"')
    return lambda doc: any(v and (lo is None or v >= lo) and (hi is None or v <= hi) for v in doc.get(field, ()))


def standard(query: str) -> Matcher:
    """The standard (Lucene) parser with CKAN's q.op=AND; the default field is `text`."""
    query = query.strip()
    if query in ("", "*:*"):
        return lambda doc: True
    return _Parser(query).parse()


def dismax(query: str) -> Matcher:
    """dismax over the text fields with CKAN's mm `2<-1 5<80%`; `+`/`-` and quoted phrases honoured."""
    required: list[Matcher] = []
    excluded: list[Matcher] = []
    optional: list[Matcher] = []
    for sign, phrase, word in re.findall(r'([+-]?)(?:"([^"]*)"|(\S+))', query):
        if word in ("AND", "OR", "NOT"):
            continue
        m = _phrase("text", phrase) if phrase else _term("text", word) if tokens(word) else None
        if m is None:
            continue
        {"+": required, "-": excluded}.get(sign, optional).append(m)
    n = len(optional)
    need = n if n <= 2 else n - 1 if n <= 5 else int(n * 0.8)
    if not (required or excluded or optional):
        return lambda doc: True
    return lambda doc: (all(m(doc) for m in required) and not any(m(doc) for m in excluded)
                        and sum(1 for m in optional if m(doc)) >= need)


def package_query(q: str) -> Matcher:
    q = (q or "").strip()
    if q in ("", "*:*", '""', "''"):
        return lambda doc: True
    return standard(q) if ":" in q else dismax(q)
