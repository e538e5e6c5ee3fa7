"""The one HTTP mechanism of the extractors.

A `requests.Session` whose adapter carries urllib3's `Retry` (backoff on 5xx and connection errors,
429/503 honouring `Retry-After`), a timeout on every call, pooled connections, and a per-host semaphore
(plus an optional minimum interval) so parallel pulls stay inside what a host tolerates. Answers are
classified into typed errors: an HTML page (200 or a 403 firewall page) names the host instead of
surfacing a JSON traceback; truncated JSON is reported as such."""
from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import msgspec
import requests
from requests.adapters import HTTPAdapter
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.retry import Retry

from extractors.errors import (
    DownloadTooLargeError,
    ExtractError,
    FirewallBlockedError,
    HostNotAllowedError,
    HTMLResponseError,
    InvalidJSONError,
    ResponseTooLargeError,
    TransportError,
    UpstreamHTTPError,
)
from extractors.secrets import get_logger, redact

log = get_logger(__name__)

RETRY_STATUSES = (429, 500, 502, 503, 504)
DEFAULT_TIMEOUT = (5.0, 60.0)  # (connect, read) seconds
USER_AGENT = "smartcity-warehouse-extractor/0.1 (+requests)"
MAX_JSON_BYTES = 64 * 1024 * 1024   # an API page, decompressed; the largest real CKAN page is ~10 MB
API_DEADLINE_S = 300.0              # one API answer, start to last byte (the read timeout is per recv)
DOWNLOAD_DEADLINE_S = 1800.0        # one resource download, start to last byte
MAX_REDIRECTS = 5
DEFAULT_PORTS = {"http": 80, "https": 443}


class CappedRetry(Retry):
    """urllib3 Retry whose `Retry-After` wait is capped: a server asking for an hour would otherwise stall
    a worker; past the cap the backoff still applies and the attempt counts against the budget."""

    RETRY_AFTER_MAX = 60.0

    def get_retry_after(self, response):
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.RETRY_AFTER_MAX)


def make_retry(total: int = 6, backoff_factor: float = 0.25, backoff_max: float = 10.0) -> Retry:
    return CappedRetry(
        total=total,
        connect=total,
        read=total,
        status=total,
        other=0,
        backoff_factor=backoff_factor,
        backoff_max=backoff_max,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,  # the last response comes back and becomes a typed error below
        raise_on_redirect=False,
    )


@dataclass
class DownloadResult:
    url: str  # redacted
    path: str
    bytes: int
    sha256: str
    content_type: str | None
    sniffed: str

    def to_dict(self) -> dict:
        return asdict(self)


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else ""


def origin_of(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) with the scheme's default port filled in: what "the same server" means for
    credentials and allowlists (a bare host would let any port of it through)."""
    parts = urlsplit(url)
    scheme = (parts.scheme or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or DEFAULT_PORTS.get(scheme, 0)


def parse_origins(entries) -> set[tuple[str, str, int]]:
    """Allowlist entries as origins: `https://files.example.go.id:8443` is exactly that; a bare host
    (`files.example.go.id`) means its default http/https ports only, never any other port."""
    out: set[tuple[str, str, int]] = set()
    for entry in entries or ():
        entry = str(entry).strip()
        if not entry:
            continue
        if "://" in entry:
            out.add(origin_of(entry))
        else:
            host, _, port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
            host = host or entry
            for scheme, default in DEFAULT_PORTS.items():
                out.add((scheme, host.lower(), int(port) if port.isdigit() else default))
    return out


def _same_server(first: tuple[str, str, int], hop: tuple[str, str, int]) -> bool:
    """A redirect target credentials may follow: the same origin, or the same host upgraded from http
    to https on the default ports (portals redirect http:// to https://)."""
    return hop == first or (first == ("http", hop[1], 80) and hop == ("https", first[1], 443))


def _shown(origin: tuple[str, str, int]) -> str:
    return f"{origin[0]}://{origin[1]}:{origin[2]}"


_active = threading.local()  # the watchdog of the request this thread is making


class _Watchdog:
    """Overall deadline of one request. The read timeout only bounds each socket read, so a server
    dripping one byte every few seconds (in the headers or the body) never trips it. The connection
    registers itself with the watchdog of its thread when a request goes out (_WatchedConnection); when
    the deadline passes the watchdog shuts that socket, the blocked read returns, and the caller raises
    a TransportError saying so."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.fired = False
        self._conn = None
        self._timer = None
        self._lock = threading.Lock()  # a finished request's pooled connection is never shut
        if seconds:
            self._timer = threading.Timer(seconds, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def __enter__(self) -> "_Watchdog":
        _active.watchdog = self
        return self

    def __exit__(self, *exc) -> None:
        _active.watchdog = None
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            self._conn = None

    def attach(self, conn) -> None:
        with self._lock:
            self._conn = conn
        if self.fired:
            self._fire()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            sock = getattr(self._conn, "sock", None)
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _watched(cls):
    class Watched(cls):
        def request(self, *args, **kwargs):
            watchdog = getattr(_active, "watchdog", None)
            if watchdog is not None:
                watchdog.attach(self)
            return super().request(*args, **kwargs)
    Watched.__name__ = f"Watched{cls.__name__}"
    return Watched


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _watched(HTTPConnection)


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _watched(HTTPSConnection)


class _WatchedAdapter(HTTPAdapter):
    """requests' adapter whose connections report to the request's deadline watchdog."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _looks_html(content_type: str | None, head: bytes) -> bool:
    if content_type and "html" in content_type.lower():
        return True
    start = head.lstrip()[:15].lower()
    return start.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


def _html_title(body: bytes) -> str:
    match = _TITLE.search(body[:4096])
    # redact before cutting: a key straddling the cut would leave its prefix readable
    return redact(" ".join(match.group(1).decode("utf-8", "replace").split()))[:120] if match else ""


def sniff_content(head: bytes) -> str:
    """What the bytes are, whatever the portal's `format`/`mimetype` claim."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx" if (b"[Content_Types].xml" in head or b"xl/" in head) else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"\x89PNG"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if _looks_html(None, head):
        return "html"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"["):
        return "json"
    if b"\x00" in head:
        return "binary"
    first_line = text.split(b"\n", 1)[0]
    if any(sep in first_line for sep in (b",", b";", b"\t")):
        return "csv"
    return "text"


class HttpClient:
    """Shared by every extractor of a process so the per-host limits hold across sources."""

    def __init__(self, *, max_per_host: int = 8, min_interval: float = 0.0,
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT, retry: Retry | None = None,
                 body_attempts: int = 6, max_json_bytes: int = MAX_JSON_BYTES,
                 api_deadline_s: float | None = API_DEADLINE_S,
                 download_deadline_s: float | None = DOWNLOAD_DEADLINE_S):
        self.max_json_bytes = max_json_bytes
        self.api_deadline_s = api_deadline_s
        self.download_deadline_s = download_deadline_s
        self.max_per_host = max_per_host
        self.body_attempts = body_attempts
        self.min_interval = min_interval
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        adapter = _WatchedAdapter(pool_connections=16, pool_maxsize=max(max_per_host, 4),
                              max_retries=retry or make_retry())
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}
        self._next_slot: dict[str, float] = {}
        self.request_count = 0

    # --- per-host limit -------------------------------------------------------------------------------
    @contextmanager
    def _host_slot(self, host: str):
        with self._lock:
            sem = self._semaphores.setdefault(host, threading.BoundedSemaphore(self.max_per_host))
        with sem:
            if self.min_interval:
                with self._lock:  # reserve the next start time for this host
                    now = time.monotonic()
                    start = max(now, self._next_slot.get(host, 0.0))
                    self._next_slot[host] = start + self.min_interval
                if start > now:
                    time.sleep(start - now)
            yield

    # --- raw request ----------------------------------------------------------------------------------
    def _send(self, url: str, *, params=None, headers=None, stream=False, trace: list | None = None,
              allow_redirects=True) -> requests.Response:
        prepared = self.session.prepare_request(requests.Request("GET", url, params=params, headers=headers))
        if trace is not None:
            trace.append(redact(prepared.url))
        host = host_of(prepared.url)
        with self._lock:
            self.request_count += 1
        try:
            try:
                return self.session.send(prepared, timeout=self.timeout, stream=stream,
                                         allow_redirects=allow_redirects)
            except requests.exceptions.RequestException:
                watchdog = getattr(_active, "watchdog", None)
                if watchdog is not None and watchdog.fired:  # the deadline cut the connection, not the server
                    raise _deadline_error(host, prepared.url, watchdog.seconds) from None
                raise
        except requests.exceptions.RetryError as exc:  # retries exhausted on statuses
            raise UpstreamHTTPError(f"{host}: gave up after retries ({_reason(exc)})", host=host,
                                    url=prepared.url) from None
        except requests.exceptions.Timeout:
            raise TransportError(f"{host}: timed out after retries (timeout {self.timeout}s)",
                                 host=host, url=prepared.url) from None
        except requests.exceptions.ConnectionError as exc:
            raise TransportError(f"{host}: connection failed after retries ({_reason(exc)})",
                                 host=host, url=prepared.url) from None
        except requests.exceptions.RequestException as exc:
            raise TransportError(f"{host}: request failed ({_reason(exc)})", host=host,
                                 url=prepared.url) from None

    def get(self, url: str, *, params=None, headers=None, trace: list | None = None) -> requests.Response:
        """A fully read response (small API pages). The status is not checked here.

        Redirects are followed by hand and only on the same origin (scheme, host, port): the request may
        carry credentials (a bearer token, an X-Api-Key header) that must never reach another server.
        Every hop is recorded in `trace`, so the manifest shows the URL that answered. The body is capped
        (decompressed size: a small gzip can expand to gigabytes) and the whole answer has a deadline."""
        start = origin_of(url)
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            host = host_of(current)
            if not _same_server(start, origin_of(current)):
                raise HostNotAllowedError(
                    f"{host_of(url)}: redirect to another server ({_shown(origin_of(current))}) refused; "
                    "credentials are only sent to the configured host", host=host_of(url), url=url)
            with self._host_slot(host), _Watchdog(self.api_deadline_s) as watchdog:
                response = self._send(current, params=params, headers=headers, trace=trace, stream=True,
                                      allow_redirects=False)
                with response:
                    if response.is_redirect and "Location" in response.headers:
                        current, params = urljoin(response.url, response.headers["Location"]), None
                        continue
                    response._content = self._read_capped(response, self.max_json_bytes, watchdog)
            return response
        raise UpstreamHTTPError(f"{host_of(url)}: too many redirects", host=host_of(url), url=url)

    def _read_capped(self, response, max_bytes: int, watchdog: _Watchdog) -> bytes:
        host = host_of(response.url)
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise ResponseTooLargeError(f"{host}: answer is {int(declared)} bytes, cap is {max_bytes}",
                                        host=host, url=response.url)
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(1 << 16):  # decompressed, at most 64 KiB at a time
                size += len(chunk)
                if size > max_bytes:
                    raise ResponseTooLargeError(f"{host}: answer passed the {max_bytes}-byte cap "
                                                "(decompressed)", host=host, url=response.url)
                chunks.append(chunk)
        except requests.exceptions.RequestException as exc:
            if watchdog.fired:
                raise _deadline_error(host, response.url, watchdog.seconds) from None
            raise TransportError(f"{host}: answer cut short ({_reason(exc)})", host=host,
                                 url=response.url) from None
        if watchdog.fired:
            raise _deadline_error(host, response.url, watchdog.seconds)
        return b"".join(chunks)

    # --- JSON APIs ------------------------------------------------------------------------------------
    def get_json(self, url: str, *, params=None, headers=None, trace: list | None = None,
                 error_json_ok: bool = False) -> Any:
        return self.get_json_response(url, params=params, headers=headers, trace=trace,
                                      error_json_ok=error_json_ok)[0]

    def get_json_response(self, url: str, *, params=None, headers=None, trace: list | None = None,
                          error_json_ok: bool = False) -> tuple[Any, requests.Response]:
        """Parsed JSON plus the response (for Link headers). `error_json_ok`: return the JSON body of a
        4xx answer (CKAN reports `success:false` with 404/403/409) instead of raising."""
        for attempt in Retrying(retry=retry_if_exception_type(InvalidJSONError), reraise=True,
                                stop=stop_after_attempt(self.body_attempts),
                                wait=wait_exponential(multiplier=0.1, max=2)):
            with attempt:  # a body cut short is a transport fault: status retries cannot see it
                response = self.get(url, params=params, headers=headers, trace=trace)
                return parse_json_response(response, error_json_ok=error_json_ok), response
        raise AssertionError("unreachable")  # Retrying re-raises the last error

    # --- downloads ------------------------------------------------------------------------------------
    def download(self, url: str, dest: Path | str, *, max_bytes: int, allowed_hosts: set[str] | None = None,
                 headers=None, trace: list | None = None, max_redirects: int = 5,
                 chunk_size: int = 1 << 16) -> DownloadResult:
        """Stream `url` to `dest` (atomically: temp file then rename) with a size cap, hashing on the way.
        Redirects are followed by hand so each hop is checked against the allowlist before it is sent."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        allowed = parse_origins(allowed_hosts) if allowed_hosts is not None else None
        first = origin_of(url)
        current = url
        for _ in range(max_redirects + 1):
            host = host_of(current)
            origin = origin_of(current)
            if allowed is not None and origin not in allowed:
                # the message names only the refused origin: no connection was made, so it says nothing
                # about which ports of a host are open
                raise HostNotAllowedError(f"refusing to fetch from {_shown(origin)}: not on the download "
                                          "allowlist (scheme, host and port)", host=host, url=current)
            # credentials go to the origin the caller named, never to a server a redirect points at
            hop_headers = headers if origin == first else None
            with self._host_slot(host), _Watchdog(self.download_deadline_s) as watchdog:
                response = self._send(current, headers=hop_headers, stream=True, trace=trace,
                                      allow_redirects=False)
                with response:
                    if response.is_redirect:
                        current = urljoin(current, response.headers["Location"])
                        continue
                    return self._stream_to(response, current, dest, max_bytes, chunk_size, watchdog)
        raise UpstreamHTTPError(f"{host_of(url)}: too many redirects", host=host_of(url), url=url)

    def _stream_to(self, response, url, dest: Path, max_bytes: int, chunk_size: int,
                   watchdog: _Watchdog | None = None) -> DownloadResult:
        host = host_of(url)
        content_type = response.headers.get("Content-Type")
        if response.status_code >= 400:
            head = response.raw.read(4096, decode_content=True) or b""
            _raise_for_status(response.status_code, host, url, content_type, head)
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise DownloadTooLargeError(f"{host}: resource is {int(declared)} bytes, cap is {max_bytes}",
                                        host=host, url=url)
        digest, size, head = hashlib.sha256(), 0, b""
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name[:100]}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in _chunks(response, chunk_size, host, url, watchdog):
                    size += len(chunk)
                    if size > max_bytes:
                        raise DownloadTooLargeError(f"{host}: download passed the {max_bytes}-byte cap",
                                                    host=host, url=url)
                    if len(head) < 4096:
                        head += chunk[: 4096 - len(head)]
                    digest.update(chunk)
                    fh.write(chunk)
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return DownloadResult(url=redact(url), path=str(dest), bytes=size, sha256=digest.hexdigest(),
                              content_type=content_type, sniffed=sniff_content(head))


def _deadline_error(host: str, url: str, seconds: float | None) -> TransportError:
    return TransportError(f"{host}: no complete answer within the {seconds:g} s deadline (a server "
                          "sending too slowly)", host=host, url=url)


def _chunks(response, chunk_size: int, host: str, url: str, watchdog: _Watchdog | None):
    try:
        for chunk in response.iter_content(chunk_size):
            if watchdog is not None and watchdog.fired:
                raise _deadline_error(host, url, watchdog.seconds)
            yield chunk
    except requests.exceptions.RequestException as exc:
        if watchdog is not None and watchdog.fired:
            raise _deadline_error(host, url, watchdog.seconds) from None
        raise TransportError(f"{host}: download cut short ({_reason(exc)})", host=host, url=url) from None
    if watchdog is not None and watchdog.fired:
        raise _deadline_error(host, url, watchdog.seconds)


def _reason(exc: Exception) -> str:
    """The innermost cause, redacted and short (urllib3 messages embed the full URL)."""
    inner = getattr(exc, "args", [None])[0]
    reason = getattr(inner, "reason", None) or inner or exc
    text = redact(str(reason))
    text = re.sub(r"<[^>]*object at 0x[0-9a-f]+>:?\s*", "", text)
    return text[:200]


def _raise_for_status(status: int, host: str, url: str, content_type: str | None, body: bytes):
    if _looks_html(content_type, body):
        title = _html_title(body)
        suffix = f" ({title})" if title else ""
        if status == 403:
            raise FirewallBlockedError(
                f"{host} answered HTTP 403 with an HTML page (a web firewall blocked the request){suffix}",
                host=host, url=url)
        raise HTMLResponseError(f"{host} answered HTTP {status} with an HTML page, not JSON{suffix}",
                                host=host, url=url)
    # redact the whole body first, then cut: a key straddling the cut would otherwise leak its prefix
    snippet = redact(" ".join(body[:4096].decode("utf-8", "replace").split()))[:200]
    raise UpstreamHTTPError(f"{host} answered HTTP {status}: {snippet}", status=status, host=host, url=url)


def parse_json_response(response: requests.Response, *, error_json_ok: bool = False) -> Any:
    url = response.url
    host = host_of(url)
    content_type = response.headers.get("Content-Type")
    body = response.content
    if _looks_html(content_type, body[:512]):
        _raise_for_status(response.status_code, host, url, content_type, body)
    if response.status_code >= 400 and not error_json_ok:
        _raise_for_status(response.status_code, host, url, content_type, body)
    try:
        return msgspec.json.decode(body)  # several times faster than json.loads on 1000-package pages
    except msgspec.DecodeError:
        pass  # non-strict JSON (NaN) or a broken body: json says which, and where it breaks
    except RecursionError:
        # a page nested that deep is hostile or broken, never data: a clear, non-retried error naming
        # the host instead of a bare RecursionError (json.loads below would recurse just the same)
        raise ExtractError(f"{host} answered JSON nested too deeply ({len(body)} bytes)", host=host,
                           url=url) from None
    try:
        payload = json.loads(body)
    except RecursionError:
        raise ExtractError(f"{host} answered JSON nested too deeply ({len(body)} bytes)", host=host,
                           url=url) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        if response.status_code >= 400:
            _raise_for_status(response.status_code, host, url, content_type, body)
        # a cut body fails at its end, or inside a string/array that never closes
        truncated = isinstance(exc, json.JSONDecodeError) and (
            exc.pos >= len(body.rstrip()) - 1 or exc.msg.startswith("Unterminated"))
        what = "truncated JSON" if truncated else "invalid JSON"
        raise InvalidJSONError(f"{host} answered {what} ({len(body)} bytes): {getattr(exc, 'msg', exc)}",
                               host=host, url=url) from None
    return payload


_default: HttpClient | None = None
_default_lock = threading.Lock()


def default_client() -> HttpClient:
    """The process-wide client (one pool, one set of per-host limits)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = HttpClient(
                max_per_host=int(os.environ.get("SMARTCITY_HTTP_MAX_PER_HOST", "8")),
                # connect and read timeouts, seconds: a slow portal fails a request, not the whole run
                timeout=(float(os.environ.get("SMARTCITY_HTTP_CONNECT_TIMEOUT_S", "5")),
                         float(os.environ.get("SMARTCITY_HTTP_READ_TIMEOUT_S", "60"))),
                max_json_bytes=int(os.environ.get("SMARTCITY_HTTP_MAX_JSON_BYTES", MAX_JSON_BYTES)),
                api_deadline_s=float(os.environ.get("SMARTCITY_HTTP_API_DEADLINE_S", API_DEADLINE_S)),
                download_deadline_s=float(os.environ.get("SMARTCITY_HTTP_DOWNLOAD_DEADLINE_S",
                                                         DOWNLOAD_DEADLINE_S)))
        return _default
