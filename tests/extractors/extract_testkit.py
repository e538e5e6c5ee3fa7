"""Test kit for the extractor tests: a loopback HTTP server replaying recorded answers at the real API
paths, and path helpers."""
from __future__ import annotations

import json
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "real"
BPS_KEY = "c0ffee1234abcd5678secretkey"
TOKEN = "tok-very-secret-regency-9876"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str):
    return json.loads(fixture_bytes(name))


class Answer:
    """One canned answer: status, body (bytes, str or JSON-able), headers."""

    def __init__(self, body=b"", status=200, content_type="application/json", headers=None):
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        self.body = body.encode() if isinstance(body, str) else body
        self.status, self.content_type, self.headers = status, content_type, dict(headers or {})


class Replay:
    """Routes: path -> Answer, a list of Answers served in turn (the last one repeats), or a callable
    (path, query, headers) -> Answer. Every request is recorded."""

    def __init__(self):
        self.routes: dict = {}
        self.requests: list[tuple[str, dict, dict]] = []
        self.hits: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urlsplit(self.path)
                query = dict(parse_qsl(url.query, keep_blank_values=True))
                answer = replay.answer(url.path, query, dict(self.headers.items()))
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                for k, v in answer.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()

    def answer(self, path, query, headers) -> Answer:
        with self._lock:
            self.requests.append((path, query, headers))
            n = self.hits[path]
            self.hits[path] += 1
        route = self.routes.get(path)
        if route is None:
            return Answer({"error": "no route", "path": path}, 404)
        if callable(route):
            return route(path, query, headers)
        if isinstance(route, list):
            return route[min(n, len(route) - 1)]
        return route

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def bps_path(*segments, key=BPS_KEY) -> str:
    """A BPS WebAPI path as the extractor builds it (`/key/KEY/` segment, trailing slash)."""
    return "/v1/api/" + "/".join(map(str, segments)).replace("{key}", key) + "/"
