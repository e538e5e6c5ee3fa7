"""Small malicious servers on loopback for the hostile-source corpus (test_hostile_sources.py): real HTTP
from a stdlib `http.server` thread on 127.0.0.1 port 0, each route a function that writes whatever a
hostile server would (wrong redirects, endless drips, huge or gzip-bombed bodies)."""
from __future__ import annotations

import gzip
import json
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class Hostile:
    """routes: path -> callable(handler). Every request is recorded as (path, headers)."""

    def __init__(self):
        self.routes: dict = {}
        self.requests: list[tuple[str, dict]] = []
        hostile = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                path = urlsplit(self.path).path
                hostile.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = hostile.routes.get(path)
                try:
                    if route is None:
                        send(self, 404, b'{"error": "no route"}')
                    else:
                        route(self)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def headers_seen(self, path: str) -> list[dict]:
        return [h for p, h in self.requests if urlsplit(p).path == path]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def hostile_server():
    server = Hostile()
    try:
        yield server
    finally:
        server.stop()


def send(handler, status: int, body: bytes = b"", content_type: str = "application/json", headers=None):
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    for k, v in (headers or {}).items():
        handler.send_header(k, v)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def json_route(payload, status: int = 200, headers=None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return lambda h: send(h, status, body, headers=headers)


def redirect_route(location: str, status: int = 302):
    return lambda h: send(h, status, b"", headers={"Location": location})


def drip_route(total: int = 10_000, every_s: float = 0.2, content_type: str = "application/json"):
    """Slowloris: declare a body, then send one byte per `every_s` (each read well inside any timeout)."""
    def route(h):
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(total))
        h.end_headers()
        h.wfile.flush()
        for _ in range(total):
            h.wfile.write(b" ")
            h.wfile.flush()
            time.sleep(every_s)
    return route


def endless_route(chunk: bytes = b"[" + b"1," * 32_767):
    """A JSON array that never ends (chunked, no Content-Length): only a size cap stops it."""
    def route(h):
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        h.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        for _ in range(100_000):
            h.wfile.write(f"{len(chunk) - 1:x}\r\n".encode() + chunk[1:] + b"\r\n")
    return route


def gzip_bomb(expanded: int) -> bytes:
    """A small gzip body that expands to `expanded` bytes of JSON-looking whitespace."""
    return gzip.compress(b"[" + b" " * (expanded - 2) + b"]", compresslevel=9)


def gzip_route(body: bytes):
    return lambda h: send(h, 200, body, headers={"Content-Encoding": "gzip"})


def drip_headers_route(every_s: float = 0.2, lines: int = 10_000):
    """Slowloris in the headers: the status line, then one header byte at a time, never a blank line."""
    def route(h):
        h.wfile.write(b"HTTP/1.1 200 OK\r\n")
        h.wfile.flush()
        for _ in range(lines):
            for byte in b"X-Slow: y\r\n":
                h.wfile.write(bytes([byte]))
                h.wfile.flush()
                time.sleep(every_s)
    return route
