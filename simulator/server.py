"""One HTTP server on loopback for every simulated system:
/bps/v1/api/..., /ckan/<portal>/..., /regency/<system>/api/v1/..., /_admin/{faults,truth,stats}."""
from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from simulator import world as world_mod
from simulator.bps import Bps
from simulator.challenge import Challenge
from simulator.ckan import Ckan
from simulator.jabar import Jabar
from simulator.faults import Faults
from simulator.http_util import Response, dumps, json_response
from simulator.regency import Regency

log = logging.getLogger("simulator")
PORTALS = ("nasional", "jatim", "muaraenim")
_SECRET_PATH = re.compile(r"/key/[^/?]+")

MAINTENANCE = (b"<!DOCTYPE html><html><head><title>Sedang Pemeliharaan</title></head><body>"
               b"<h1>Situs sedang dalam pemeliharaan</h1><p>Silakan coba beberapa saat lagi.</p></body></html>")
WAF_403 = (b"<!DOCTYPE html><html><head><title>403 Forbidden</title></head><body><h1>Access Denied</h1>"
           b"<p>The requested URL was rejected. Please consult with your administrator.</p>"
           b"<p>Your support ID is: 14203311882761093120</p></body></html>")


def redact(path: str) -> str:
    return _SECRET_PATH.sub("/key/***", path)


@dataclass
class Req:
    method: str
    system: str
    parts: list[str]
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]
    base_url: str
    page_shift: int = 0


@dataclass(eq=False)
class Simulation:
    """The state behind one server: world, served regions, secrets, fault knobs."""
    seed: int = 0
    scale: int = 514
    latency_ms: float = 0
    faults: Faults = field(default_factory=Faults)
    bps_key: str = field(default_factory=lambda: secrets.token_hex(16))
    regency_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def __post_init__(self):
        self.world = world_mod.build(self.seed)
        self.served = self.world.region_indices(self.scale)
        self.bps, self.ckan, self.regency = Bps(self), Ckan(self), Regency(self)
        self.jabar, self.challenge = Jabar(self), Challenge(self)
        self.requests = {"bps": 0, "ckan": 0, "regency": 0, "admin": 0, "jabar": 0, "challenge": 0}

    @cached_property
    def truth(self) -> dict:
        return world_mod.planted_truth(self.seed)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    sim: Simulation  # set on the server subclass

    def log_message(self, fmt, *args):  # never the key: paths are redacted, headers never logged
        log.debug("%s %s", self.address_string(), redact(fmt % args))

    def do_GET(self):
        self._serve()

    def do_POST(self):
        self._serve()

    def _serve(self):
        sim: Simulation = self.server.sim
        url = urlsplit(self.path)
        segments = url.path.split("/")[1:]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded") and body:
            query.update(parse_qsl(body.decode(), keep_blank_values=True))
            body = b""
        system = {"bps": "bps", "ckan": "ckan", "regency": "regency", "_admin": "admin", "jabar": "jabar",
                  "web": "challenge"}.get(segments[0], "")
        req = Req(self.command, system, segments[1:], query, body, dict(self.headers.items()),
                  f"http://{self.headers.get('Host', '%s:%d' % self.server.server_address[:2])}")
        try:
            resp = self._answer(sim, req)
        except Exception:  # a simulator bug must look like a server error, not kill the thread
            log.exception("handler failed for %s", redact(url.path))
            resp = json_response({"error": "internal"}, 500)
        self._send(resp)

    def _answer(self, sim: Simulation, req: Req) -> Response:
        if req.system == "admin":
            sim.requests["admin"] += 1
            return admin(sim, req)
        if not req.system:
            return json_response({"error": "not_found", "message": "unknown system"}, 404)
        sim.requests[req.system] += 1
        if sim.latency_ms:
            time.sleep(sim.latency_ms / 1000)
        if req.system == "bps":
            if req.parts[:2] != ["v1", "api"]:
                return json_response({"status": "Error", "message": "Not found"}, 404)
            req.parts = req.parts[2:]
        hit = sim.faults.tick(req.system)
        params = sim.faults.config
        if "firewall_403" in hit:
            return Response(403, WAF_403, "text/html; charset=utf-8")
        if "rate_limit" in hit:
            return Response(429, b'{"message": "Too Many Requests"}', "application/json",
                            {"Retry-After": str(params["rate_limit"]["retry_after"])})
        if "server_error_burst" in hit:
            n = sim.faults.counts["server_error_burst"]
            status = (503, 502, 500)[n % 3]
            return Response(status, b"<html><body><h1>%d Service Unavailable</h1></body></html>" % status,
                            "text/html")
        if "html_200" in hit:
            return Response(200, MAINTENANCE, "text/html; charset=utf-8")
        if "slow" in hit:
            time.sleep(params["slow"]["seconds"])
        target = {"bps": sim.bps, "ckan": sim.ckan, "regency": sim.regency, "jabar": sim.jabar,
                  "challenge": sim.challenge}[req.system]
        resp = target.handle(req)
        if resp.page and resp.page >= 2 and "duplicate_page" in sim.faults.tick(req.system, paged=True):
            req.page_shift = 1
            resp = target.handle(req)      # the previous page again, under this page's request
        if "truncated_json" in hit and resp.is_json and isinstance(resp.body, bytes):
            resp.body = resp.body[: max(1, len(resp.body) // 2)]
        return resp

    def _send(self, resp: Response):
        try:
            self.send_response(resp.status)
            self.send_header("Content-Type", resp.content_type)
            for k, v in resp.headers.items():
                self.send_header(k, v)
            if isinstance(resp.body, bytes):
                self.send_header("Content-Length", str(len(resp.body)))
                self.end_headers()
                self.wfile.write(resp.body)
            else:                                  # big downloads stream in chunks
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for chunk in resp.body:
                    if chunk:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True          # the client gave up (timeouts in the slow fault)


def admin(sim: Simulation, req: Req) -> Response:
    what = req.parts[0] if req.parts else ""
    if what == "faults":
        if req.method == "POST":
            try:
                payload = json.loads(req.body or b"{}")
                sim.faults.set(payload.get("faults", payload) if isinstance(payload, dict) else payload)
                if isinstance(payload, dict) and "latency_ms" in payload:
                    sim.latency_ms = float(payload["latency_ms"])
            except (ValueError, TypeError, AttributeError) as exc:
                return json_response({"error": "bad_request", "message": str(exc)}, 400)
        return json_response({"faults": sim.faults.describe(), "latency_ms": sim.latency_ms})
    if what == "truth":
        return json_response(sim.truth)
    if what == "stats":
        return json_response({"requests": sim.requests, "seed": sim.seed, "scale": len(sim.served)})
    return json_response({"error": "not_found"}, 404)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def make_server(sim: Simulation, host: str = "127.0.0.1", port: int = 0) -> _Server:
    server = _Server((host, port), Handler)
    server.sim = sim
    return server


class Running:
    """A simulator serving in a background thread; a context manager."""

    def __init__(self, sim: Simulation, server: _Server):
        self.sim, self._server = sim, server
        self.host, self.port = server.server_address[:2]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="simulator", daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def bps_key(self) -> str:
        return self.sim.bps_key

    @property
    def regency_token(self) -> str:
        return self.sim.regency_token

    @property
    def connections(self) -> dict[str, str]:
        return connections(self.sim, self.host, self.port)

    def set_faults(self, faults=None, **params) -> None:
        """set_faults(['rate_limit']) or set_faults({'slow': {'seconds': 1}}) or set_faults() to clear."""
        self.sim.faults.set(faults)
        if "latency_ms" in params:
            self.sim.latency_ms = params["latency_ms"]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def connections(sim: Simulation, host: str, port: int) -> dict[str, str]:
    base = f"http://{host}:{port}"
    out = {"AIRFLOW_CONN_SMARTCITY_BPS": f"http://:{sim.bps_key}@{host}:{port}/bps/v1/api"}
    out.update({f"AIRFLOW_CONN_SMARTCITY_CKAN_{p.upper()}": f"{base}/ckan/{p}" for p in PORTALS})
    # other platforms (the registry seed names each portal's platform) and a portal behind a JS challenge
    out["AIRFLOW_CONN_SMARTCITY_CKAN_JABAR"] = f"{base}/jabar"
    out["AIRFLOW_CONN_SMARTCITY_CKAN_JATIMWEB"] = f"{base}/web/jatimweb"
    out["AIRFLOW_CONN_SMARTCITY_REGENCY_MONEV"] = f"http://:{sim.regency_token}@{host}:{port}/regency/monev"
    return out


def _simulation(seed, scale, latency_ms, faults, bps_key) -> Simulation:
    sim = Simulation(seed=seed, scale=scale, latency_ms=latency_ms, faults=Faults(faults))
    if bps_key:
        sim.bps_key = bps_key
    return sim


def run_in_thread(seed: int = 0, scale: int = 514, latency_ms: float = 0, faults=(), bps_key: str | None = None,
                  port: int = 0, host: str = "127.0.0.1") -> Running:
    sim = _simulation(seed, scale, latency_ms, faults, bps_key)
    return Running(sim, make_server(sim, host, port))


def serve_forever(seed: int = 0, scale: int = 514, latency_ms: float = 0, faults=(), bps_key: str | None = None,
                  port: int = 8765, host: str = "127.0.0.1", on_start=None) -> None:
    """Serve in the foreground until interrupted; `on_start(sim, host, port)` runs once listening."""
    sim = _simulation(seed, scale, latency_ms, faults, bps_key)
    server = make_server(sim, host, port)
    if on_start:
        on_start(sim, *server.server_address[:2])
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


__all__ = ["run_in_thread", "serve_forever", "Running", "Simulation", "connections", "redact", "dumps"]
