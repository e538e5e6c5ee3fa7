"""The answer a handler gives back; the server turns it into bytes and applies the fault knobs."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterable


@dataclass
class Response:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    is_json: bool = False       # only JSON answers can be truncated or re-shaped by faults
    page: int | None = None     # page number of a paged answer (duplicate_page fault)


def dumps(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": ")).encode()


def json_response(obj, status: int = 200, headers: dict[str, str] | None = None,
                  page: int | None = None) -> Response:
    return Response(status, dumps(obj), "application/json", dict(headers or {}), True, page)
