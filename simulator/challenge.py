"""Portals that refuse non-browser clients: a 403 page whose JavaScript sets a cookie and reloads, as
the Jawa Timur portal's bot protection answers `curl`, `requests` and every harvester. Any path."""
from __future__ import annotations

from simulator.http_util import Response

CHALLENGE_403 = (
    b"<!DOCTYPE html><html lang=\"en\"><head><title>Just a moment...</title>"
    b"<meta http-equiv=\"refresh\" content=\"360\"><noscript>Please enable JavaScript and cookies to continue"
    b"</noscript></head><body><div id=\"challenge-stage\">Checking if the site connection is secure</div>"
    b"<script>(function(){var t='c2ltdWxhdGVk';document.cookie='__js_challenge='+t+';path=/';"
    b"setTimeout(function(){location.reload()},4000);})();</script></body></html>")
PORTALS = ("jatimweb",)


class Challenge:
    def __init__(self, sim):
        self.sim = sim

    def handle(self, req) -> Response:
        return Response(403, CHALLENGE_403, "text/html; charset=UTF-8",
                        {"Cache-Control": "private, max-age=0, no-store", "Server": "waf"})
